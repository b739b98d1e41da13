/* The ServiceAccount against the outside world: the role ARN from the
 * caller's identity (STS), and the cluster through server-side apply
 * (--remove: a JSON merge patch). */
#include <stdio.h>
#include <string.h>

#include "irsa/kube.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"
#include "irsa/sts.h"

int irsa_sa_spec_resolve_role(struct irsa_sa_spec *s, struct irsa_aws *aws,
			      struct irsa_error *err)
{
	struct irsa_caller_identity id = { 0 };
	char partition[32] = "";
	const char *p, *colon;
	char *arn = NULL;
	int r;

	if (s->role_resolved)
		return 0;
	if (irsa_sts_get_caller_identity(aws, &id, err) < 0)
		return irsa_error_prefix(err, "cannot find the account for role '%s'", s->role_name);
	/* arn:PARTITION:sts::ACCOUNT:... or arn:PARTITION:iam::ACCOUNT:... */
	p = id.arn && irsa_str_has_prefix(id.arn, "arn:") ? id.arn + 4 : NULL;
	colon = p ? strchr(p, ':') : NULL;
	if (!colon || (size_t)(colon - p) >= sizeof(partition) || !id.account) {
		r = irsa_error_set(err, IRSA_ERR_REMOTE,
				   "STS returned an unexpected caller ARN '%s'; pass --role-arn instead",
				   id.arn ? id.arn : "");
		irsa_caller_identity_release(&id);
		return r;
	}
	memcpy(partition, p, (size_t)(colon - p));
	r = irsa_role_arn_build(partition, id.account, s->role_path, s->role_name, &arn, err);
	irsa_caller_identity_release(&id);
	if (r < 0)
		return -1;
	for (size_t i = 0; i < s->n_annotations; i++)
		if (strcmp(s->annotations[i].key, IRSA_SA_ANNOTATION_ROLE_ARN) == 0) {
			free(s->annotations[i].value);
			s->annotations[i].value = TAKE_PTR(arn);
		}
	free(arn);
	s->role_resolved = true;
	return 0;
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

void irsa_sa_apply_result_release(struct irsa_sa_apply_result *r)
{
	if (!r)
		return;
	json_decref(r->annotations);
	json_decref(r->labels);
	memset(r, 0, sizeof(*r));
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

/* --remove: one JSON merge patch that nulls the keys present. Unlike
 * server-side apply it takes a key off whichever field manager owns it,
 * which is what --remove asks for. */
static int remove_keys(struct irsa_kube *k, const struct irsa_sa_spec *s, const json_t *current,
		       bool dry_run, json_t **ret, struct irsa_error *err)
{
	_cleanup_(json_decrefp) json_t *patch = irsa_sa_remove_patch(s, current);

	if (!patch)
		return 0;
	return irsa_kube_patch_service_account(k, s->namespace, s->name, patch, dry_run, ret, err);
}

static json_t *copy_map(const json_t *obj, const char *key)
{
	const json_t *m = json_object_get(json_object_get(obj, "metadata"), key);

	return json_is_object(m) ? json_deep_copy(m) : json_object();
}

int irsa_sa_apply(struct irsa_kube *k, const struct irsa_sa_spec *s,
		  const struct irsa_sa_apply_options *o, struct irsa_sa_apply_result *ret,
		  struct irsa_error *err)
{
	_cleanup_(json_decrefp) json_t *current = NULL;
	_cleanup_(json_decrefp) json_t *object = NULL;
	_cleanup_(json_decrefp) json_t *applied = NULL;
	_cleanup_(json_decrefp) json_t *annotations = NULL;
	_cleanup_(json_decrefp) json_t *labels = NULL;
	_cleanup_free_ char *where = NULL;
	struct irsa_error gerr = { 0 };
	bool exists = false, changed = false;

	memset(ret, 0, sizeof(*ret));
	where = irsa_asprintf("context '%s'", irsa_kube_context_name(k));
	if (irsa_kube_namespace_exists(k, s->namespace, &exists, err) < 0)
		return -1;
	if (!exists) {
		if (s->remove) {
			ret->status = IRSA_SA_UNCHANGED;
			ret->annotations = json_object();
			ret->labels = json_object();
			return 0;
		}
		if (!o->create_namespace)
			return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
					      "namespace '%s' does not exist in %s; create it or pass "
					      "--create-namespace", s->namespace, where);
		if (!o->dry_run && irsa_kube_create_namespace(k, s->namespace, err) < 0)
			return -1;
		ret->namespace_created = true;
	} else if (irsa_kube_get_service_account(k, s->namespace, s->name, &current, &gerr) < 0) {
		if (gerr.kind != IRSA_ERR_NOT_FOUND) {
			if (err)
				*err = gerr;
			return -1;
		}
		current = NULL;
	}
	annotations = copy_map(current, "annotations");
	labels = copy_map(current, "labels");
	if (irsa_sa_check(s, current ? annotations : NULL, current ? labels : NULL, o->overwrite,
			  where, &changed, err) < 0)
		return -1;
	if (!changed) {
		ret->status = IRSA_SA_UNCHANGED;
	} else if (s->remove) {
		if (remove_keys(k, s, current, o->dry_run, &applied, err) < 0)
			return -1;
		ret->status = IRSA_SA_UPDATED;
		irsa_sa_merge(s, annotations, labels);
	} else {
		/* a namespace that does not exist yet (dry run) cannot take a
		 * server-side dry run either: report what would happen */
		if (!(o->dry_run && ret->namespace_created)) {
			object = irsa_sa_apply_object(s, current);
			if (irsa_kube_apply_service_account(k, s->namespace, s->name, object,
							    o->force_conflicts, o->dry_run,
							    &applied, err) < 0) {
				if (err && err->kind == IRSA_ERR_CONFLICT && !o->force_conflicts &&
				    !strstr(err->message, "--force-conflicts")) {
					char msg[sizeof(err->message)];

					snprintf(msg, sizeof(msg), "%s", err->message);
					irsa_error_set(err, IRSA_ERR_CONFLICT,
						       "%s; pass --force-conflicts to take these "
						       "fields over from the other field manager",
						       irsa_str_trim(msg));
				}
				return -1;
			}
		}
		ret->status = current ? IRSA_SA_UPDATED : IRSA_SA_CREATED;
		irsa_sa_merge(s, annotations, labels);
	}
	if (applied) {
		json_decref(annotations);
		json_decref(labels);
		annotations = copy_map(applied, "annotations");
		labels = copy_map(applied, "labels");
	}
	ret->annotations = TAKE_PTR(annotations);
	ret->labels = TAKE_PTR(labels);
	return 0;
}
