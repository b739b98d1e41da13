/* Helm values: the ServiceAccount block, rendered or merged in place. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "irsa/buf.h"
#include "irsa/fileutil.h"
#include "irsa/helm_values.h"
#include "irsa/strutil.h"
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

struct edit {
	size_t start, end; /* bytes replaced */
	char *text;
	size_t indent; /* insertions at one place: the deeper first */
	size_t seq;
};

struct merge {
	const char *name;
	const char *data;
	size_t len;
	size_t *off; /* character index -> byte */
	size_t nchar;
	const char *nl;
	yaml_document_t *d;
	struct edit *edits;
	size_t n_edits;
};

static size_t byte_at(const struct merge *m, yaml_mark_t mk)
{
	return mk.index <= m->nchar ? m->off[mk.index] : m->len;
}

static void add_edit(struct merge *m, size_t start, size_t end, char *text, size_t indent)
{
	m->edits = irsa_realloc(m->edits, (m->n_edits + 1) * sizeof(*m->edits));
	m->edits[m->n_edits] = (struct edit){ start, end, text, indent, m->n_edits };
	m->n_edits++;
}

/* libyaml's marks count characters; map them to bytes (UTF-8 only). */
static int index_chars(struct merge *m, struct irsa_error *err)
{
	const unsigned char *p = (const unsigned char *)m->data;
	size_t i = 0, n = 0;

	if (m->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	else if (m->len >= 2 && (memcmp(p, "\xFF\xFE", 2) == 0 || memcmp(p, "\xFE\xFF", 2) == 0))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      WHAT " '%s' is UTF-16; irsactl edits UTF-8 files only", m->name);
	m->off = irsa_malloc0((m->len + 2) * sizeof(size_t));
	while (i < m->len) {
		size_t w = p[i] < 0x80 ? 1 : (p[i] & 0xE0) == 0xC0 ? 2 : (p[i] & 0xF0) == 0xE0 ? 3 : 4;

		m->off[n++] = i;
		i += w;
	}
	m->off[n] = m->len;
	m->nchar = n;
	return 0;
}

static const char *first_break(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n')
			return "\n";
		if (data[i] == '\r')
			return i + 1 < len && data[i + 1] == '\n' ? "\r\n" : "\r";
	}
	return "\n";
}

/* The start of the line after byte p (p when it starts a line already);
 * *need_nl when the text ends without a break there. */
static size_t line_after(const struct merge *m, size_t p, bool *need_nl)
{
	*need_nl = false;
	/* a bare CR is a YAML line break too; p inside a CRLF is not */
	if (p > 0 && p <= m->len && (m->data[p - 1] == '\n' ||
				     (m->data[p - 1] == '\r' && (p == m->len || m->data[p] != '\n'))))
		return p;
	for (size_t q = p; q < m->len; q++) {
		if (m->data[q] == '\n')
			return q + 1;
		if (m->data[q] == '\r')
			return q + 1 < m->len && m->data[q + 1] == '\n' ? q + 2 : q + 1;
	}
	*need_nl = m->len > 0;
	return m->len;
}

static size_t column_of(const struct merge *m, size_t p)
{
	size_t s = p;

	while (s > 0 && m->data[s - 1] != '\n' && m->data[s - 1] != '\r')
		s--;
	return p - s;
}

/* A block collection's own end mark lies past comments at the next token:
 * its text ends with its last leaf. */
static size_t node_end(const struct merge *m, int id)
{
	for (unsigned depth = 0; depth < IRSA_YAML_MAX_DEPTH; depth++) {
		yaml_node_t *n = irsa_yaml_node(m->d, id);

		if (n && n->type == YAML_MAPPING_NODE &&
		    n->data.mapping.style != YAML_FLOW_MAPPING_STYLE &&
		    n->data.mapping.pairs.top > n->data.mapping.pairs.start)
			id = (n->data.mapping.pairs.top - 1)->value;
		else if (n && n->type == YAML_SEQUENCE_NODE &&
			 n->data.sequence.style != YAML_FLOW_SEQUENCE_STYLE &&
			 n->data.sequence.items.top > n->data.sequence.items.start)
			id = *(n->data.sequence.items.top - 1);
		else
			break;
	}
	return byte_at(m, irsa_yaml_node(m->d, id)->end_mark);
}

/* Lines for obj at indent, inserted after the line where the node `after`
 * ends (0: at the end of the text). */
static int insert_block(struct merge *m, size_t at_byte, const json_t *obj, size_t indent,
			struct irsa_error *err)
{
	struct irsa_buf text = IRSA_BUF_INIT;
	bool need_nl = false;
	size_t at = line_after(m, at_byte, &need_nl);

	if (need_nl)
		irsa_buf_puts(&text, m->nl);
	if (render_block(obj, indent, m->nl, &text) < 0) {
		irsa_buf_release(&text);
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the Helm values");
	}
	add_edit(m, at, at, irsa_strdup(irsa_buf_str(&text)), indent);
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
		r = insert_block(m, node_end(m, map), one, indent, err);
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
					      m->name, here, n->start_mark.line + 1,
					      irsa_yaml_is_map(m->d, v) ? "a flow mapping {...}"
									: "not a mapping");
		/* `key:`, `key: ~` or `key: {}`: the value goes, the block follows */
		if (byte_at(m, n->end_mark) > byte_at(m, n->start_mark)) {
			size_t from = byte_at(m, n->start_mark);

			while (from > 0 && m->data[from - 1] == ' ')
				from--;
			add_edit(m, from, byte_at(m, n->end_mark), irsa_strdup(""), 0);
		}
		{
			size_t col = column_of(m, byte_at(m, irsa_yaml_node(m->d, knode)->start_mark));

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
				      m->name, here, irsa_yaml_node(m->d, v)->start_mark.line + 1);
	{
		yaml_node_t *n = irsa_yaml_node(m->d, v);
		char *text = scalar_text(want);

		if (!text)
			return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the Helm values");
		add_edit(m, byte_at(m, n->start_mark), byte_at(m, n->end_mark), text, 0);
	}
	return 0;
}

static int merge_map(struct merge *m, int map, const json_t *want, const char *where,
		     struct irsa_error *err)
{
	yaml_node_t *n = irsa_yaml_node(m->d, map);
	size_t indent = column_of(m, byte_at(m, irsa_yaml_node(m->d,
							      n->data.mapping.pairs.start->key)
						       ->start_mark));
	const char *key;
	json_t *v;

	if (irsa_yaml_map_duplicate(m->d, map))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      WHAT " '%s': the key '%s' appears twice in '%s'; remove one",
				      m->name, irsa_yaml_map_duplicate(m->d, map),
				      where[0] ? where : "the top level");
	json_object_foreach((json_t *)want, key, v)
		if (merge_pair(m, map, indent, key, v, where, err) < 0)
			return -1;
	return 0;
}

static int cmp_edit(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->indent != y->indent)
		return x->indent > y->indent ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void apply_edits(struct merge *m, struct irsa_buf *out)
{
	size_t pos = 0;

	if (m->n_edits)
		qsort(m->edits, m->n_edits, sizeof(*m->edits), cmp_edit);
	for (size_t i = 0; i < m->n_edits; i++) {
		irsa_buf_append(out, m->data + pos, m->edits[i].start - pos);
		irsa_buf_puts(out, m->edits[i].text);
		pos = m->edits[i].end;
	}
	irsa_buf_append(out, m->data + pos, m->len - pos);
}

static void merge_release(struct merge *m)
{
	for (size_t i = 0; i < m->n_edits; i++)
		free(m->edits[i].text);
	free(m->edits);
	free(m->off);
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

int irsa_helm_values_merge(const char *name, const char *data, size_t len,
			   const struct irsa_helm_values_spec *spec,
			   struct irsa_helm_values_result *ret, struct irsa_error *err)
{
	struct irsa_yaml_docs ds = { 0 };
	struct merge m = { name, data, len, NULL, 0, first_break(data, len), NULL, NULL, 0 };
	struct irsa_buf out = IRSA_BUF_INIT;
	json_t *want = NULL;
	int root, r = -1;

	memset(ret, 0, sizeof(*ret));
	if (wanted_tree(spec, &want, err) < 0)
		return -1;
	if (irsa_yaml_load(WHAT, name, data, len, &ds, err) < 0 || index_chars(&m, err) < 0)
		goto out;
	if (ds.n > 1) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       WHAT " '%s' has %zu YAML documents; Helm reads one", name, ds.n);
		goto out;
	}
	root = ds.n ? irsa_yaml_root(&ds.doc[0]) : 0;
	m.d = ds.n ? &ds.doc[0] : NULL;
	if (!root || irsa_yaml_is_null(m.d, root)) {
		if (insert_block(&m, len, want, 0, err) < 0)
			goto out;
	} else if (!is_block_map(&m, root)) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       WHAT " '%s' is not a YAML mapping of values (block style)", name);
		goto out;
	} else if (irsa_yaml_map_size(m.d, root) == 0) {
		if (insert_block(&m, len, want, 0, err) < 0)
			goto out;
	} else if (merge_map(&m, root, want, "", err) < 0) {
		goto out;
	}
	apply_edits(&m, &out);
	if (m.n_edits && read_back(name, irsa_buf_str(&out), out.len, want, err) < 0)
		goto out;
	ret->changed = m.n_edits > 0;
	ret->len = out.len;
	ret->data = irsa_strdup(irsa_buf_str(&out));
	r = 0;
out:
	irsa_buf_release(&out);
	merge_release(&m);
	irsa_yaml_docs_release(&ds);
	json_decref(want);
	return r;
}

int irsa_helm_values_update_file(const char *path, const struct irsa_helm_values_spec *spec,
				 bool dry_run, struct irsa_helm_values_result *ret,
				 struct irsa_error *err)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	struct irsa_buf in = IRSA_BUF_INIT;
	struct stat st;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!real) {
		if (errno == ENOENT)
			return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
					      WHAT " '%s' does not exist; leave out -f to print the "
					      "values",
					      path);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read " WHAT " '%s': %s", path,
				      strerror(errno));
	}
	if (stat(real, &st) < 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read " WHAT " '%s': %s", path,
				      strerror(errno));
	if (!S_ISREG(st.st_mode))
		return irsa_error_set(err, IRSA_ERR_USAGE, WHAT " '%s' is not a regular file", path);
	if (irsa_file_read(real, IRSA_YAML_MAX_SIZE, WHAT, &in, err) < 0) {
		irsa_buf_release(&in);
		return -1;
	}
	r = irsa_helm_values_merge(path, irsa_buf_str(&in), in.len, spec, ret, err);
	irsa_buf_release(&in);
	if (r < 0)
		return -1;
	if (ret->changed && !dry_run &&
	    irsa_file_write_atomic(real, ret->data, ret->len, st.st_mode & 07777, err) < 0) {
		irsa_helm_values_result_release(ret);
		return -1;
	}
	return 0;
}
