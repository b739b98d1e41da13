/* The ServiceAccount against the outside world: the role ARN from IAM
 * (GetRole), and the cluster through a plan: read the namespace and the
 * ServiceAccount, then server-side apply (--remove: a JSON merge patch). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "irsa/fileutil.h"
#include "irsa/iam.h"
#include "irsa/manifest.h"
#include "irsa/kube.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"

#define SA_FILE_MAX (16u * 1024u * 1024u) /* read for the diff only */

int irsa_sa_spec_resolve_role(struct irsa_sa_spec *s, struct irsa_aws *aws,
			      struct irsa_error *err)
{
	struct irsa_role role = { 0 };
	struct irsa_error gerr = { 0 };
	int r = 0;

	if (s->role_resolved)
		return 0;
	if (irsa_iam_get_role(aws, s->role_name, &role, &gerr) < 0) {
		if (gerr.kind == IRSA_ERR_NOT_FOUND)
			return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
					      "role '%s' does not exist; create it first (irsactl "
					      "create-role) or give its ARN with --role-arn",
					      s->role_name);
		if (err)
			*err = gerr;
		return irsa_error_prefix(err, "cannot look up role '%s'", s->role_name);
	}
	if (!role.arn) {
		r = irsa_error_set(err, IRSA_ERR_REMOTE, "IAM returned role '%s' without an ARN",
				   s->role_name);
	} else if (s->role_path && strcmp(s->role_path, "/") != 0 && role.path &&
		   strcmp(s->role_path, role.path) != 0) {
		r = irsa_error_set(err, IRSA_ERR_USAGE,
				   "role '%s' has the path '%s', not '%s'; leave out --path or give "
				   "the role's own", s->role_name, role.path, s->role_path);
	} else {
		for (size_t i = 0; i < s->n_annotations; i++)
			if (strcmp(s->annotations[i].key, IRSA_SA_ANNOTATION_ROLE_ARN) == 0) {
				free(s->annotations[i].value);
				s->annotations[i].value = irsa_strdup(role.arn);
			}
		s->role_resolved = true;
	}
	irsa_role_release(&role);
	return r;
}

/* managedFields: [{manager, operation, fieldsV1: {"f:metadata": {"f:annotations": {"f:K": {}}}}}] */
static bool entry_owns(const json_t *entry, const char *key, bool is_label)
{
	const json_t *f = json_object_get(entry, "fieldsV1");
	_cleanup_free_ char *fk = irsa_asprintf("f:%s", key);

	f = json_object_get(f, "f:metadata");
	f = json_object_get(f, is_label ? "f:labels" : "f:annotations");
	return json_object_get(f, fk) != NULL;
}

static bool is_irsactl_apply(const json_t *entry)
{
	const char *m = json_string_value(json_object_get(entry, "manager"));
	const char *op = json_string_value(json_object_get(entry, "operation"));

	return m && op && strcmp(m, IRSA_SA_FIELD_MANAGER) == 0 && strcmp(op, "Apply") == 0;
}

static const json_t *managed_fields(const json_t *obj)
{
	return json_object_get(json_object_get(obj, "metadata"), "managedFields");
}

bool irsa_sa_owned_by_irsactl(const json_t *obj, const char *key, bool is_label)
{
	size_t i;
	json_t *e;

	json_array_foreach(managed_fields(obj), i, e)
		if (is_irsactl_apply(e) && entry_owns(e, key, is_label))
			return true;
	return false;
}

/* The labels or annotations of current that irsactl's Apply entry owns. */
static json_t *owned_map(const json_t *current, bool is_label)
{
	const json_t *cur = json_object_get(json_object_get(current, "metadata"),
					    is_label ? "labels" : "annotations");
	json_t *out = json_object();
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)cur, key, v)
		if (json_is_string(v) && irsa_sa_owned_by_irsactl(current, key, is_label))
			json_object_set(out, key, v);
	return out;
}

json_t *irsa_sa_apply_object(const struct irsa_sa_spec *s, const json_t *current)
{
	json_t *md = json_pack("{s:s, s:s}", "name", s->name, "namespace", s->namespace);
	json_t *labels = owned_map(current, true);
	json_t *annotations = owned_map(current, false);

	irsa_sa_merge(s, annotations, labels);
	if (json_object_size(labels))
		json_object_set(md, "labels", labels);
	if (json_object_size(annotations))
		json_object_set(md, "annotations", annotations);
	json_decref(labels);
	json_decref(annotations);
	return json_pack("{s:s, s:s, s:o}", "apiVersion", "v1", "kind", "ServiceAccount",
			 "metadata", md);
}

/* null for every key of the list present in cur; false when none is */
static bool null_present(const struct irsa_sa_kv *list, size_t n, const json_t *cur, json_t *out)
{
	bool any = false;

	for (size_t i = 0; i < n; i++)
		if (json_object_get(cur, list[i].key)) {
			json_object_set_new(out, list[i].key, json_null());
			any = true;
		}
	return any;
}

json_t *irsa_sa_remove_patch(const struct irsa_sa_spec *s, const json_t *current)
{
	const json_t *md = json_object_get(current, "metadata");
	json_t *annotations = json_object(), *labels = json_object();
	json_t *patch_md = json_object();

	if (null_present(s->annotations, s->n_annotations, json_object_get(md, "annotations"),
			 annotations))
		json_object_set(patch_md, "annotations", annotations);
	if (null_present(s->labels, s->n_labels, json_object_get(md, "labels"), labels))
		json_object_set(patch_md, "labels", labels);
	json_decref(annotations);
	json_decref(labels);
	if (!json_object_size(patch_md)) {
		json_decref(patch_md);
		return NULL;
	}
	return json_pack("{s:o}", "metadata", patch_md);
}

/* ---- the plan ---- */

static json_t *copy_map(const json_t *obj, const char *key)
{
	const json_t *m = json_object_get(json_object_get(obj, "metadata"), key);

	return json_is_object(m) ? json_deep_copy(m) : json_object();
}

/* The field manager other than irsactl's Apply entry that owns key in
 * current, or NULL. */
static const char *other_owner(const json_t *current, const char *key, bool is_label)
{
	size_t i;
	json_t *e;

	json_array_foreach(managed_fields(current), i, e)
		if (!is_irsactl_apply(e) && entry_owns(e, key, is_label))
			return json_string_value(json_object_get(e, "manager"));
	return NULL;
}

/* The first key the apply would change that another field manager owns:
 * server-side apply refuses it without force. */
static const char *conflicting_key(const struct irsa_sa_kv *list, size_t n, bool is_label,
				   const json_t *current, const char **ret_manager)
{
	const json_t *cur = json_object_get(json_object_get(current, "metadata"),
					    is_label ? "labels" : "annotations");

	for (size_t i = 0; i < n; i++) {
		const char *have = json_string_value(json_object_get(cur, list[i].key));
		const char *owner;

		if (have && strcmp(have, list[i].value) == 0)
			continue;
		owner = other_owner(current, list[i].key, is_label);
		if (owner) {
			*ret_manager = owner;
			return list[i].key;
		}
	}
	return NULL;
}

/* What the real run would refuse, in one error naming every flag needed:
 * a different role ARN (--overwrite) owned by another field manager
 * (--force-conflicts). */
static int check_takeover(const struct irsa_sa_spec *s, const json_t *current,
			  const struct irsa_sa_apply_options *o, const char *where,
			  struct irsa_error *err)
{
	const char *want = irsa_sa_spec_role_arn(s);
	const char *have = json_string_value(json_object_get(
		json_object_get(json_object_get(current, "metadata"), "annotations"),
		IRSA_SA_ANNOTATION_ROLE_ARN));
	bool differs = want && have && strcmp(want, have) != 0;
	const char *manager = NULL, *key = NULL;

	if (s->remove || !current)
		return 0;
	if (!o->force_conflicts) {
		key = conflicting_key(s->annotations, s->n_annotations, false, current, &manager);
		if (!key)
			key = conflicting_key(s->labels, s->n_labels, true, current, &manager);
	}
	if (differs && !o->overwrite && key)
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "service account '%s/%s' in %s already has %s '%s'; pass "
				      "--overwrite --force-conflicts to replace it with '%s' (field "
				      "manager '%s' owns '%s')", s->namespace, s->name, where,
				      IRSA_SA_ANNOTATION_ROLE_ARN, have, want, manager, key);
	if (key && (o->overwrite || !differs))
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "service account '%s/%s' in %s: '%s' is owned by field manager "
				      "'%s'; pass --force-conflicts to take it over", s->namespace,
				      s->name, where, key, manager);
	return 0;
}

enum sa_verb { SA_CREATE_NAMESPACE, SA_APPLY, SA_PATCH };

void irsa_sa_plan_release(struct irsa_sa_plan *p)
{
	if (!p)
		return;
	irsa_plan_release(&p->plan);
	json_decref(p->current);
	json_decref(p->annotations);
	json_decref(p->labels);
	memset(p, 0, sizeof(*p));
}

static void report(struct irsa_sa_plan *p)
{
	const char *arn = irsa_sa_spec_role_arn(p->spec);
	_cleanup_free_ char *target = irsa_asprintf("cluster:%s", irsa_kube_context_name(p->kube));

	json_object_clear(p->plan.subject);
	json_object_clear(p->plan.result);
	json_object_set_new(p->plan.subject, "namespace", json_string(p->spec->namespace));
	json_object_set_new(p->plan.subject, "service_account", json_string(p->spec->name));
	json_object_set_new(p->plan.subject, "role_arn", arn ? json_string(arn) : json_null());
	json_object_set_new(p->plan.subject, "target", json_string(target));
	json_object_set(p->plan.result, "annotations", p->annotations);
	json_object_set(p->plan.result, "labels", p->labels);
}

static char *metadata_text(const json_t *annotations, const json_t *labels)
{
	json_t *o = json_pack("{s:O, s:O}", "annotations", annotations, "labels", labels);
	char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);

	json_decref(o);
	return s;
}

static int send_action(struct irsa_sa_plan *p, const struct irsa_plan_action *a, bool dry_run,
		       struct irsa_error *err)
{
	const struct irsa_sa_spec *s = p->spec;
	_cleanup_(json_decrefp) json_t *answer = NULL;

	switch ((enum sa_verb)a->op) {
	case SA_CREATE_NAMESPACE:
		return dry_run ? 0 : irsa_kube_create_namespace(p->kube, s->namespace, err);
	case SA_APPLY:
		if (irsa_kube_apply_service_account(p->kube, s->namespace, s->name, a->document,
						    p->opts.force_conflicts, dry_run, &answer,
						    err) < 0)
			return -1;
		break;
	case SA_PATCH:
		if (irsa_kube_patch_service_account(p->kube, s->namespace, s->name, a->document,
						    dry_run, &answer, err) < 0)
			return -1;
		break;
	}
	if (answer && !dry_run) {
		json_decref(p->annotations);
		json_decref(p->labels);
		p->annotations = copy_map(answer, "annotations");
		p->labels = copy_map(answer, "labels");
		report(p);
	}
	return 0;
}

static int run_action(struct irsa_plan *plan, struct irsa_plan_action *a, struct irsa_error *err)
{
	return send_action(plan->data, a, false, err);
}

const json_t *irsa_sa_plan_only_apply(const struct irsa_sa_plan *p)
{
	if (p->plan.n_actions != 1 || p->plan.actions[0].done || p->plan.actions[0].op != SA_APPLY)
		return NULL;
	return p->plan.actions[0].document;
}

void irsa_sa_plan_applied(struct irsa_sa_plan *p, const json_t *answer)
{
	json_decref(p->annotations);
	json_decref(p->labels);
	p->annotations = copy_map(answer, "annotations");
	p->labels = copy_map(answer, "labels");
	report(p);
	p->plan.actions[0].done = true;
	p->plan.executed = true;
}

/* Read the ServiceAccount into p and, when it is not there, whether its
 * namespace is (one request for a ServiceAccount that exists). */
static int read_state(struct irsa_sa_plan *p, bool *ret_ns_exists, struct irsa_error *err)
{
	const struct irsa_sa_spec *s = p->spec;
	struct irsa_error gerr = { 0 };

	*ret_ns_exists = true;
	if (irsa_kube_get_service_account(p->kube, s->namespace, s->name, &p->current, &gerr) == 0)
		return 0;
	p->current = NULL;
	if (gerr.kind != IRSA_ERR_NOT_FOUND) {
		if (err)
			*err = gerr;
		return -1;
	}
	return irsa_kube_namespace_exists(p->kube, s->namespace, ret_ns_exists, err);
}

static void add_change(struct irsa_sa_plan *p, enum sa_verb verb, const char *verb_name,
		       json_t *document, const json_t *before_a, const json_t *before_l)
{
	_cleanup_free_ char *target = irsa_asprintf("%s/%s", p->spec->namespace, p->spec->name);
	struct irsa_plan_action *a = irsa_plan_add(&p->plan, verb, verb_name, NULL, target, NULL,
						   document);

	a->text_before = p->current ? metadata_text(before_a, before_l) : NULL;
	a->text_after = metadata_text(p->annotations, p->labels);
	json_decref(document);
}

int irsa_sa_plan_apply(struct irsa_kube *k, const struct irsa_sa_spec *s,
		       const struct irsa_sa_apply_options *o, struct irsa_sa_plan *ret,
		       struct irsa_error *err)
{
	_cleanup_(json_decrefp) json_t *before_a = NULL;
	_cleanup_(json_decrefp) json_t *before_l = NULL;
	_cleanup_free_ char *where = irsa_asprintf("context '%s'", irsa_kube_context_name(k));
	bool ns_exists = false, changed = false;

	memset(ret, 0, sizeof(*ret));
	irsa_plan_init(&ret->plan);
	ret->kube = k;
	ret->spec = s;
	ret->opts = *o;
	ret->plan.run = run_action;
	ret->plan.data = ret;
	ret->plan.label = irsa_asprintf("service account '%s/%s'", s->namespace, s->name);
	ret->plan.where = irsa_asprintf("context '%s' (%s)", irsa_kube_context_name(k),
					irsa_kube_server(k));
	if (read_state(ret, &ns_exists, err) < 0)
		goto fail;
	if (!ns_exists && !s->remove) {
		if (!o->create_namespace) {
			irsa_error_set(err, IRSA_ERR_NOT_FOUND,
				       "namespace '%s' does not exist in %s; create it or pass "
				       "--create-namespace", s->namespace, where);
			goto fail;
		}
		irsa_plan_add(&ret->plan, SA_CREATE_NAMESPACE, "create-namespace", NULL,
			      s->namespace, NULL, NULL);
	}
	before_a = copy_map(ret->current, "annotations");
	before_l = copy_map(ret->current, "labels");
	ret->annotations = json_deep_copy(before_a);
	ret->labels = json_deep_copy(before_l);
	if (ns_exists && check_takeover(s, ret->current, o, where, err) < 0)
		goto fail;
	if (irsa_sa_check(s, ret->current ? before_a : NULL, ret->current ? before_l : NULL,
			  o->overwrite, where, &changed, err) < 0)
		goto fail;
	if (!ns_exists && s->remove)
		changed = false;
	if (changed) {
		irsa_sa_merge(s, ret->annotations, ret->labels);
		if (s->remove)
			add_change(ret, SA_PATCH, "patch-service-account",
				   irsa_sa_remove_patch(s, ret->current), before_a, before_l);
		else
			add_change(ret, SA_APPLY, "apply-service-account",
				   irsa_sa_apply_object(s, ret->current), before_a, before_l);
	}
	ret->plan.status = !changed ? IRSA_PLAN_UNCHANGED
			   : ret->current ? IRSA_PLAN_UPDATE
					  : IRSA_PLAN_CREATE;
	report(ret);
	/* A dry run asks the API server too (dryRun=All): admission and field
	 * ownership are checked as the real run would, nothing is stored. A
	 * namespace that does not exist yet cannot take a dry run. */
	if (o->dry_run && ns_exists)
		for (size_t i = 0; i < ret->plan.n_actions; i++)
			if (send_action(ret, &ret->plan.actions[i], true, err) < 0)
				goto fail;
	return 0;
fail:
	irsa_sa_plan_release(ret);
	return -1;
}

/* ---- files ---- */

enum file_verb { SA_WRITE_FILE, SA_UPDATE_MANIFEST };

void irsa_sa_file_plan_release(struct irsa_sa_file_plan *p)
{
	if (!p)
		return;
	irsa_plan_release(&p->plan);
	free(p->path);
	memset(p, 0, sizeof(*p));
}

static int run_file_action(struct irsa_plan *plan, struct irsa_plan_action *a,
			   struct irsa_error *err)
{
	struct irsa_sa_file_plan *p = plan->data;
	struct irsa_manifest_result r;
	int ret;

	if (a->op == SA_UPDATE_MANIFEST)
		ret = irsa_manifest_update_file(p->path, p->spec, p->overwrite, false, &r, err);
	else
		ret = irsa_manifest_write_file(p->path, p->spec, false, &r, err);
	if (ret == 0)
		irsa_manifest_result_release(&r);
	return ret;
}

static enum irsa_plan_status sa_status(enum irsa_sa_status st)
{
	return st == IRSA_SA_CREATED ? IRSA_PLAN_CREATE
	       : st == IRSA_SA_UPDATED ? IRSA_PLAN_UPDATE
				       : IRSA_PLAN_UNCHANGED;
}

int irsa_sa_plan_file(const char *path, bool manifest, const struct irsa_sa_spec *s,
		      bool overwrite, struct irsa_sa_file_plan *ret, struct irsa_error *err)
{
	struct irsa_manifest_result r;
	struct irsa_buf old = IRSA_BUF_INIT;
	const char *arn = irsa_sa_spec_role_arn(s);
	struct stat st;
	bool had_file;
	int rc;

	memset(ret, 0, sizeof(*ret));
	irsa_plan_init(&ret->plan);
	ret->spec = s;
	ret->path = irsa_strdup(path);
	ret->manifest = manifest;
	ret->overwrite = overwrite;
	ret->plan.run = run_file_action;
	ret->plan.data = ret;
	/* the old text for the diff: only a regular file's (reading a FIFO
	 * would wait for a writer) */
	had_file = stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		   irsa_file_read(path, SA_FILE_MAX, "file", &old, NULL) == 0;
	rc = manifest ? irsa_manifest_update_file(path, s, overwrite, true, &r, err)
		      : irsa_manifest_write_file(path, s, true, &r, err);
	if (rc < 0) {
		irsa_buf_release(&old);
		irsa_sa_file_plan_release(ret);
		return -1;
	}
	if (r.reemitted)
		irsa_plan_warn(&ret->plan,
			       "manifest '%s': a mapping in flow style ({...}) or in a form irsactl "
			       "cannot edit line by line was re-emitted; comments inside it were not "
			       "kept", path);
	ret->plan.status = sa_status(r.status);
	if (r.status != IRSA_SA_UNCHANGED) {
		struct irsa_plan_action *a =
			irsa_plan_add(&ret->plan, manifest ? SA_UPDATE_MANIFEST : SA_WRITE_FILE,
				      manifest ? "update-manifest" : "write-file", NULL, path, NULL,
				      NULL);

		a->text_before = had_file ? irsa_strdup(irsa_buf_str(&old)) : NULL;
		a->text_after = irsa_strndup(r.data ? r.data : "", r.len);
	}
	json_object_set_new(ret->plan.subject, "namespace", json_string(s->namespace));
	json_object_set_new(ret->plan.subject, "service_account", json_string(s->name));
	json_object_set_new(ret->plan.subject, "role_arn", arn ? json_string(arn) : json_null());
	{
		_cleanup_free_ char *t = irsa_asprintf("%s:%s", manifest ? "manifest" : "file", path);

		json_object_set_new(ret->plan.subject, "target", json_string(t));
	}
	json_object_set(ret->plan.result, "annotations", r.annotations);
	json_object_set(ret->plan.result, "labels", r.labels);
	ret->plan.label = irsa_asprintf("service account '%s/%s'", s->namespace, s->name);
	ret->plan.where = manifest ? irsa_asprintf("'%s' (document %u)", path, r.document)
				   : irsa_asprintf("'%s'", path);
	irsa_manifest_result_release(&r);
	irsa_buf_release(&old);
	return 0;
}
