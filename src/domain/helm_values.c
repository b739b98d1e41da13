/* Helm values: the ServiceAccount block, rendered or merged in place. */
#include <stdlib.h>
#include <string.h>

#include "irsa/buf.h"
#include "irsa/helm_values.h"
#include "irsa/strutil.h"
#include "irsa/textedit.h"
#include "irsa/yaml.h"

#define WHAT "values file"

/* ---- the wanted tree ---------------------------------------------------- */

static int check_path(const char *path, struct irsa_error *err)
{
	size_t n = strlen(path);

	if (n == 0 || path[0] == '.' || path[n - 1] == '.' || strstr(path, ".."))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the values path '%s' is not KEY or KEY.KEY...; e.g. "
				      "serviceAccount or app.serviceAccount",
				      path);
	return 0;
}

/* {path0: {path1: {create, name, annotations}}} */
static int wanted_tree(const struct irsa_helm_values_spec *spec, json_t **ret,
		       struct irsa_error *err)
{
	const char *path = spec->values_path ? spec->values_path : IRSA_HELM_VALUES_PATH;
	json_t *leaf = json_object(), *ann = json_object(), *tree;
	char *copy, *save = NULL, *keys[64];
	size_t n = 0;

	if (check_path(path, err) < 0 || irsa_str_empty(spec->name)) {
		json_decref(leaf);
		json_decref(ann);
		return err && err->kind ? -1
					: irsa_error_set(err, IRSA_ERR_USAGE,
							 "the Helm values need a service account name");
	}
	json_object_set_new(leaf, "create", json_boolean(spec->create));
	json_object_set_new(leaf, "name", json_string(spec->name));
	for (size_t i = 0; i < spec->n_annotations; i++)
		json_object_set_new(ann, spec->annotations[i].key,
				    json_string(spec->annotations[i].value));
	json_object_set_new(leaf, "annotations", ann);
	copy = irsa_strdup(path);
	for (char *k = strtok_r(copy, ".", &save); k && n < 64; k = strtok_r(NULL, ".", &save))
		keys[n++] = k;
	tree = leaf;
	while (n > 0) {
		json_t *up = json_object();

		json_object_set_new(up, keys[--n], tree);
		tree = up;
	}
	free(copy);
	*ret = tree;
	return 0;
}

/* ---- scalars and blocks as text ---------------------------------------- */

/* A scalar as one line of YAML by the module's quoting rule. */
static char *scalar_text(const json_t *v)
{
	yaml_document_t d;
	struct irsa_buf out = IRSA_BUF_INIT;
	char *s;
	int id;

	if (json_is_boolean(v))
		return irsa_strdup(json_is_true(v) ? "true" : "false");
	if (!yaml_document_initialize(&d, NULL, NULL, NULL, 1, 1))
		return NULL;
	id = irsa_yaml_add_string(&d, json_string_value(v));
	if (!id || irsa_yaml_emit_node(&d, id, 2, &out) < 0) {
		yaml_document_delete(&d);
		irsa_buf_release(&out);
		return NULL;
	}
	yaml_document_delete(&d);
	s = irsa_strdup(irsa_buf_str(&out));
	irsa_buf_release(&out);
	while (*s && (s[strlen(s) - 1] == '\n' || s[strlen(s) - 1] == '\r'))
		s[strlen(s) - 1] = '\0';
	return s;
}

static int render_block(const json_t *obj, size_t indent, const char *nl, struct irsa_buf *out)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		json_t *k = json_string(key);
		char *kt = scalar_text(k);

		json_decref(k);
		if (!kt)
			return -1;
		irsa_buf_printf(out, "%*s%s:", (int)indent, "", kt);
		free(kt);
		if (json_is_object(v) && json_object_size(v) == 0) {
			irsa_buf_printf(out, " {}%s", nl);
		} else if (json_is_object(v)) {
			irsa_buf_puts(out, nl);
			if (render_block(v, indent + 2, nl, out) < 0)
				return -1;
		} else {
			char *vt = scalar_text(v);

			if (!vt)
				return -1;
			irsa_buf_printf(out, " %s%s", vt, nl);
			free(vt);
		}
	}
	return 0;
}

int irsa_helm_values_tree(const struct irsa_helm_values_spec *spec, json_t **ret,
			  struct irsa_error *err)
{
	return wanted_tree(spec, ret, err);
}

int irsa_helm_values_render(const struct irsa_helm_values_spec *spec, char **ret,
			    struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	json_t *tree;
	int r;

	if (wanted_tree(spec, &tree, err) < 0)
		return -1;
	r = render_block(tree, 0, "\n", &out);
	json_decref(tree);
	if (r < 0) {
		irsa_buf_release(&out);
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the Helm values");
	}
	*ret = irsa_strdup(irsa_buf_str(&out));
	irsa_buf_release(&out);
	return 0;
}

/* ---- merging in place --------------------------------------------------- */

struct merge {
	struct irsa_textedit te; /* the file's text and the edits */
	yaml_document_t *d;
};

static size_t byte_at(const struct merge *m, yaml_mark_t mk)
{
	return irsa_textedit_byte(&m->te, mk);
}

/* Lines for obj at indent, inserted at the start of the line after byte
 * at_byte; of two blocks inserted at one place the deeper goes first. */
static int insert_block(struct merge *m, size_t at_byte, const json_t *obj, size_t indent,
			struct irsa_error *err)
{
	struct irsa_buf text = IRSA_BUF_INIT;
	bool need_nl = false;
	size_t at = irsa_textedit_line_after(&m->te, at_byte, &need_nl);

	if (need_nl)
		irsa_buf_puts(&text, m->te.nl);
	if (render_block(obj, indent, m->te.nl, &text) < 0) {
		irsa_buf_release(&text);
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the Helm values");
	}
	irsa_textedit_add(&m->te, at, at, irsa_strdup(irsa_buf_str(&text)), indent);
	irsa_buf_release(&text);
	return 0;
}

static bool scalar_is(const struct merge *m, int id, const json_t *want)
{
	const char *v = irsa_yaml_scalar(m->d, id);

	if (!v)
		return false;
	if (json_is_boolean(want))
		return !irsa_yaml_is_string(m->d, id) &&
		       strcmp(v, json_is_true(want) ? "true" : "false") == 0;
	return irsa_yaml_is_string(m->d, id) && strcmp(v, json_string_value(want)) == 0;
}

static bool is_block_map(const struct merge *m, int id)
{
	yaml_node_t *n = irsa_yaml_node(m->d, id);

	return n && n->type == YAML_MAPPING_NODE && n->data.mapping.style != YAML_FLOW_MAPPING_STYLE;
}

static bool is_empty(const struct merge *m, int id)
{
	return irsa_yaml_is_null(m->d, id) ||
	       (irsa_yaml_is_map(m->d, id) && irsa_yaml_map_size(m->d, id) == 0);
}

static int merge_map(struct merge *m, int map, const json_t *want, const char *where,
		     struct irsa_error *err);

static int merge_pair(struct merge *m, int map, size_t indent, const char *key,
		      const json_t *want, const char *where, struct irsa_error *err)
{
	int knode = 0, v = irsa_yaml_map_get(m->d, map, key, &knode);
	_cleanup_free_ char *here = where[0] ? irsa_asprintf("%s.%s", where, key)
					     : irsa_strdup(key);

	if (!v) {
		json_t *one = json_object();
		int r;

		json_object_set(one, key, (json_t *)want);
		r = insert_block(m, irsa_textedit_node_end(&m->te, m->d, map), one, indent, err);
		json_decref(one);
		return r;
	}
	if (json_is_object(want)) {
		yaml_node_t *n = irsa_yaml_node(m->d, v);

		if (is_block_map(m, v) && irsa_yaml_map_size(m->d, v) > 0)
			return merge_map(m, v, want, here, err);
		if (!is_empty(m, v))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      WHAT " '%s': '%s' (line %zu) is %s; irsactl edits block "
					      "mappings only: write it as a block mapping or set "
					      "--values-path",
					      m->te.name, here, n->start_mark.line + 1,
					      irsa_yaml_is_map(m->d, v) ? "a flow mapping {...}"
									: "not a mapping");
		/* `key:`, `key: ~` or `key: {}`: the value goes, the block follows */
		if (byte_at(m, n->end_mark) > byte_at(m, n->start_mark)) {
			size_t from = byte_at(m, n->start_mark);

			while (from > 0 && m->te.data[from - 1] == ' ')
				from--;
			irsa_textedit_add(&m->te, from, byte_at(m, n->end_mark), irsa_strdup(""), 0);
		}
		{
			size_t col = irsa_textedit_column(&m->te,
							  byte_at(m, irsa_yaml_node(m->d, knode)->start_mark));

			return json_object_size(want) ? insert_block(m, byte_at(m, n->end_mark), want,
								     col + 2, err)
						      : 0;
		}
	}
	if (scalar_is(m, v, want))
		return 0;
	if (!irsa_yaml_scalar(m->d, v))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      WHAT " '%s': '%s' (line %zu) is not a single value; irsactl "
				      "will not replace it",
				      m->te.name, here, irsa_yaml_node(m->d, v)->start_mark.line + 1);
	{
		yaml_node_t *n = irsa_yaml_node(m->d, v);
		char *text = scalar_text(want);

		if (!text)
			return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the Helm values");
		irsa_textedit_add(&m->te, byte_at(m, n->start_mark), byte_at(m, n->end_mark), text, 0);
	}
	return 0;
}

static int merge_map(struct merge *m, int map, const json_t *want, const char *where,
		     struct irsa_error *err)
{
	yaml_node_t *n = irsa_yaml_node(m->d, map);
	size_t indent = irsa_textedit_column(&m->te, byte_at(m, irsa_yaml_node(m->d,
							      n->data.mapping.pairs.start->key)
						       ->start_mark));
	const char *key;
	json_t *v;

	if (irsa_yaml_map_duplicate(m->d, map))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      WHAT " '%s': the key '%s' appears twice in '%s'; remove one",
				      m->te.name, irsa_yaml_map_duplicate(m->d, map),
				      where[0] ? where : "the top level");
	json_object_foreach((json_t *)want, key, v)
		if (merge_pair(m, map, indent, key, v, where, err) < 0)
			return -1;
	return 0;
}

/* The tree read back from text holds want (same scalars). */
static bool holds(yaml_document_t *d, int map, const json_t *want)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)want, key, v) {
		int id = irsa_yaml_map_get(d, map, key, NULL);
		const char *s = irsa_yaml_scalar(d, id);

		if (!id)
			return false;
		if (json_is_object(v)) {
			if (json_object_size(v) ? !holds(d, id, v) : !irsa_yaml_is_map(d, id))
				return false;
		} else if (!s || (json_is_string(v) && (!irsa_yaml_is_string(d, id) ||
							 strcmp(s, json_string_value(v)) != 0)) ||
			   (json_is_boolean(v) && strcmp(s, json_is_true(v) ? "true" : "false"))) {
			return false;
		}
	}
	return true;
}

static int read_back(const char *name, const char *text, size_t len, const json_t *want,
		     struct irsa_error *err)
{
	struct irsa_yaml_docs ds = { 0 };
	bool ok;

	if (irsa_yaml_load(WHAT, name, text, len, &ds, err) < 0)
		return -1;
	ok = ds.n == 1 && holds(&ds.doc[0], irsa_yaml_root(&ds.doc[0]), want);
	irsa_yaml_docs_release(&ds);
	if (!ok)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "merging the Helm values into " WHAT " '%s' did not give the "
				      "values back; the file was not changed",
				      name);
	return 0;
}

void irsa_helm_values_result_release(struct irsa_helm_values_result *r)
{
	if (!r)
		return;
	free(r->data);
	memset(r, 0, sizeof(*r));
}

/* Does the document hold values at the values path (a key there whose
 * value is not null or an empty mapping)? */
static bool values_present(yaml_document_t *d, int root, const char *path)
{
	_cleanup_free_ char *copy = irsa_strdup(path);
	char *save = NULL;
	int id = root;

	for (char *k = strtok_r(copy, ".", &save); k && id; k = strtok_r(NULL, ".", &save))
		id = irsa_yaml_map_get(d, id, k, NULL);
	return id && !irsa_yaml_is_null(d, id) &&
	       !(irsa_yaml_is_map(d, id) && irsa_yaml_map_size(d, id) == 0);
}

/* The edits that put want into the document (root 0: none). */
static int plan_edits(struct merge *m, int root, const json_t *want, struct irsa_error *err)
{
	if (!root || irsa_yaml_is_null(m->d, root) ||
	    (is_block_map(m, root) && irsa_yaml_map_size(m->d, root) == 0))
		return insert_block(m, m->te.len, want, 0, err);
	if (!is_block_map(m, root))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      WHAT " '%s' is not a YAML mapping of values (block style)",
				      m->te.name);
	return merge_map(m, root, want, "", err);
}

int irsa_helm_values_merge(const char *name, const char *data, size_t len,
			   const struct irsa_helm_values_spec *spec,
			   struct irsa_helm_values_result *ret, struct irsa_error *err)
{
	const char *path = spec->values_path ? spec->values_path : IRSA_HELM_VALUES_PATH;
	struct irsa_yaml_docs ds = { 0 };
	struct merge m = { 0 };
	struct irsa_buf out = IRSA_BUF_INIT;
	json_t *want = NULL;
	int root, r = -1;

	memset(ret, 0, sizeof(*ret));
	if (wanted_tree(spec, &want, err) < 0)
		return -1;
	if (irsa_yaml_load(WHAT, name, data, len, &ds, err) < 0 ||
	    irsa_textedit_init(&m.te, WHAT, name, data, len, err) < 0)
		goto out;
	if (ds.n > 1) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       WHAT " '%s' has %zu YAML documents; Helm reads one", name, ds.n);
		goto out;
	}
	root = ds.n ? irsa_yaml_root(&ds.doc[0]) : 0;
	m.d = ds.n ? &ds.doc[0] : NULL;
	if (plan_edits(&m, root, want, err) < 0 || irsa_textedit_apply(&m.te, &out, err) < 0)
		goto out;
	if (m.te.n_edits && read_back(name, irsa_buf_str(&out), out.len, want, err) < 0)
		goto out;
	ret->changed = m.te.n_edits > 0;
	ret->created = ret->changed && !(root && values_present(m.d, root, path));
	ret->len = out.len;
	ret->data = irsa_buf_detach(&out);
	r = 0;
out:
	irsa_buf_release(&out);
	irsa_textedit_release(&m.te);
	irsa_yaml_docs_release(&ds);
	json_decref(want);
	return r;
}

static int read_values_file(const char *path, struct irsa_textedit_file *ret,
			    struct irsa_error *err)
{
	return irsa_textedit_file_read(path, WHAT, "leave out -f to print the values", ret, err);
}

int irsa_helm_values_update_file(const char *path, const struct irsa_helm_values_spec *spec,
				 bool dry_run, struct irsa_helm_values_result *ret,
				 struct irsa_error *err)
{
	struct irsa_textedit_file f;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = read_values_file(path, &f, err);
	if (r == 0)
		r = irsa_helm_values_merge(path, irsa_buf_str(&f.text), f.text.len, spec, ret, err);
	if (r == 0 && ret->changed && !dry_run) {
		r = irsa_textedit_file_write(&f, ret->data, ret->len, err);
		if (r < 0)
			irsa_helm_values_result_release(ret);
	}
	irsa_textedit_file_release(&f);
	return r;
}

/* ---- the plan ------------------------------------------------------------ */

enum { HELM_UPDATE_VALUES };

static int run_plan_action(struct irsa_plan *plan, struct irsa_plan_action *a,
			   struct irsa_error *err)
{
	struct irsa_helm_values_plan *p = plan->data;
	struct irsa_helm_values_result r;

	if (irsa_helm_values_update_file(p->path, &p->spec, false, &r, err) < 0)
		return -1;
	irsa_helm_values_result_release(&r);
	return 0;
}

static const char *spec_role_arn(const struct irsa_helm_values_spec *spec)
{
	for (size_t i = 0; i < spec->n_annotations; i++)
		if (strcmp(spec->annotations[i].key, IRSA_SA_ANNOTATION_ROLE_ARN) == 0)
			return spec->annotations[i].value;
	return NULL;
}

static void plan_report(struct irsa_helm_values_plan *p)
{
	const char *path = p->spec.values_path ? p->spec.values_path : IRSA_HELM_VALUES_PATH;
	const char *arn = spec_role_arn(&p->spec);
	_cleanup_free_ char *target = irsa_asprintf("values:%s", p->path);
	json_t *tree = NULL;

	json_object_set_new(p->plan.subject, "service_account", json_string(p->spec.name));
	json_object_set_new(p->plan.subject, "role_arn", arn ? json_string(arn) : json_null());
	json_object_set_new(p->plan.subject, "target", json_string(target));
	json_object_set_new(p->plan.subject, "values_path", json_string(path));
	if (wanted_tree(&p->spec, &tree, NULL) == 0)
		json_object_set_new(p->plan.result, "values", tree);
	p->plan.label = irsa_asprintf("values of service account '%s'", p->spec.name);
	p->plan.where = irsa_asprintf(WHAT " '%s' (%s)", p->path, path);
}

int irsa_helm_values_plan_file(const char *path, const struct irsa_helm_values_spec *spec,
			       struct irsa_helm_values_plan *ret, struct irsa_error *err)
{
	struct irsa_helm_values_result r = { 0 };
	struct irsa_textedit_file f;

	memset(ret, 0, sizeof(*ret));
	irsa_plan_init(&ret->plan);
	ret->spec = *spec;
	ret->path = irsa_strdup(path);
	ret->plan.run = run_plan_action;
	ret->plan.data = ret;
	if (read_values_file(path, &f, err) < 0 ||
	    irsa_helm_values_merge(path, irsa_buf_str(&f.text), f.text.len, spec, &r, err) < 0) {
		irsa_textedit_file_release(&f);
		irsa_helm_values_plan_release(ret);
		return -1;
	}
	ret->plan.status = !r.changed ? IRSA_PLAN_UNCHANGED
			   : r.created ? IRSA_PLAN_CREATE
				       : IRSA_PLAN_UPDATE;
	if (r.changed) {
		struct irsa_plan_action *a = irsa_plan_add(&ret->plan, HELM_UPDATE_VALUES,
							   "update-values", NULL, path, NULL, NULL);

		a->text_before = irsa_strndup(irsa_buf_str(&f.text), f.text.len);
		a->text_after = irsa_strndup(r.data, r.len);
	}
	plan_report(ret);
	irsa_helm_values_result_release(&r);
	irsa_textedit_file_release(&f);
	return 0;
}

void irsa_helm_values_plan_release(struct irsa_helm_values_plan *p)
{
	if (!p)
		return;
	irsa_plan_release(&p->plan);
	free(p->path);
	memset(p, 0, sizeof(*p));
}
