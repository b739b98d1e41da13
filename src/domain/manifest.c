/* ServiceAccount YAML through irsa/yaml.h (libyaml): render a new
 * document, and merge into an existing manifest by splicing rendered text
 * into the original bytes at the positions libyaml's marks give, then
 * reading the result back (see manifest.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/fileutil.h"
#include "irsa/manifest.h"
#include "irsa/strutil.h"
#include "irsa/textedit.h"
#include "irsa/yaml.h"

#define MANIFEST_MAX IRSA_YAML_MAX_SIZE

/* The node as block lines, each prefixed with `indent` spaces, lines
 * ending in nl. */
static int render_block(yaml_document_t *d, int id, int indent, int step, const char *nl,
			struct irsa_buf *out)
{
	struct irsa_buf raw = IRSA_BUF_INIT;
	const char *p, *end;

	if (irsa_yaml_emit_node(d, id, step, &raw) < 0) {
		irsa_buf_release(&raw);
		return -1;
	}
	p = irsa_buf_str(&raw);
	end = p + raw.len;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (!(n == 3 && memcmp(p, "...", 3) == 0)) {
			for (int i = 0; i < indent && n; i++)
				irsa_buf_putc(out, ' ');
			irsa_buf_append(out, p, n);
			irsa_buf_puts(out, nl);
		}
		p += n + (eol ? 1 : 0);
	}
	irsa_buf_release(&raw);
	return 0;
}

/* The node on one line (a scalar, or a flow collection). */
static int render_inline(yaml_document_t *d, int id, struct irsa_buf *out)
{
	struct irsa_buf raw = IRSA_BUF_INIT;
	size_t n;
	int r = -1;

	if (irsa_yaml_emit_node(d, id, 2, &raw) == 0) {
		n = raw.len;
		if (n >= 4 && memcmp(raw.data + n - 4, "...\n", 4) == 0)
			n -= 4;
		while (n && raw.data[n - 1] == '\n')
			n--;
		if (!memchr(raw.data, '\n', n)) {
			irsa_buf_append(out, raw.data, n);
			r = 0;
		}
	}
	irsa_buf_release(&raw);
	return r;
}

static int render_json_doc(const json_t *obj, struct irsa_buf *out)
{
	yaml_document_t d;
	int root, r;

	if (!yaml_document_initialize(&d, NULL, NULL, NULL, 1, 1))
		return -1;
	root = irsa_yaml_add_json(&d, obj);
	r = root ? render_block(&d, root, 0, 2, "\n", out) : -1;
	yaml_document_delete(&d);
	return r;
}

int irsa_manifest_render_json(const json_t *obj, char **ret, struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;

	if (render_json_doc(obj, &out) < 0) {
		irsa_buf_release(&out);
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "cannot render the YAML document (out of memory or invalid UTF-8)");
	}
	*ret = irsa_buf_detach(&out);
	return 0;
}

int irsa_manifest_render(const struct irsa_sa_spec *s, char **ret, struct irsa_error *err)
{
	json_t *obj;
	int r;

	if (!s->role_resolved)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "the role ARN is not resolved yet");
	obj = irsa_sa_spec_object(s);
	r = irsa_manifest_render_json(obj, ret, err);
	json_decref(obj);
	return r;
}

/* ---- reading documents --------------------------------------------------- */

/* 0 no match, 1 name matches and the document has no namespace, 2 exact. */
static int sa_match(yaml_document_t *d, const struct irsa_sa_spec *s, int *ret_md)
{
	yaml_node_t *root = yaml_document_get_root_node(d);
	int r = root ? (int)(root - d->nodes.start) + 1 : 0;
	const char *kind = irsa_yaml_scalar(d, irsa_yaml_map_get(d, r, "kind", NULL));
	const char *api = irsa_yaml_scalar(d, irsa_yaml_map_get(d, r, "apiVersion", NULL));
	int md = irsa_yaml_map_get(d, r, "metadata", NULL);
	const char *name = irsa_yaml_scalar(d, irsa_yaml_map_get(d, md, "name", NULL));
	int nsid = irsa_yaml_map_get(d, md, "namespace", NULL);
	const char *ns = irsa_yaml_scalar(d, nsid);

	if (!kind || strcmp(kind, "ServiceAccount") != 0 || !api || strcmp(api, "v1") != 0 ||
	    !name || strcmp(name, s->name) != 0 || !md || irsa_yaml_node(d, md)->type != YAML_MAPPING_NODE)
		return 0;
	*ret_md = md;
	if (!nsid || irsa_yaml_is_null(d, nsid))
		return 1;
	return ns && s->namespace && strcmp(ns, s->namespace) == 0 ? 2 : 0;
}

static json_t *map_json(yaml_document_t *d, int id)
{
	yaml_node_t *m = irsa_yaml_node(d, id);
	json_t *o;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	o = json_object();
	for (size_t i = 0; i < irsa_yaml_map_size(d, id); i++) {
		yaml_node_pair_t p = irsa_yaml_node(d, id)->data.mapping.pairs.start[i];
		const char *k = irsa_yaml_scalar(d, p.key), *v = irsa_yaml_scalar(d, p.value);

		if (k && v)
			json_object_set_new(o, k, json_string(v));
	}
	return o;
}

/* Aliases share nodes; an edit through one would change the other. */
static bool has_aliases(yaml_document_t *d)
{
	size_t n = (size_t)(d->nodes.top - d->nodes.start);
	unsigned char *seen = irsa_malloc0(n + 1);
	bool dup = false;

	for (yaml_node_t *x = d->nodes.start; x < d->nodes.top && !dup; x++) {
		if (x->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *p = x->data.mapping.pairs.start;
			     p < x->data.mapping.pairs.top && !dup; p++)
				dup = seen[p->key]++ || seen[p->value]++;
		} else if (x->type == YAML_SEQUENCE_NODE) {
			for (yaml_node_item_t *it = x->data.sequence.items.start;
			     it < x->data.sequence.items.top && !dup; it++)
				dup = seen[*it]++;
		}
	}
	free(seen);
	return dup;
}

/* ---- the merge ----------------------------------------------------------- */

struct merge {
	struct irsa_textedit te; /* the manifest's text and the edits */
	const struct irsa_sa_spec *s;
	yaml_document_t *d;
	int step;
	bool json_style; /* the mapping being rebuilt is JSON: quote new scalars */
	bool reemitted;
};

/* The byte offset of a libyaml mark in the manifest. */
static size_t B(const struct merge *m, yaml_mark_t mk)
{
	return irsa_textedit_byte(&m->te, mk);
}

/* The column of a block mapping's first key (its indentation). */
static size_t first_key_column(const struct merge *m, int map)
{
	yaml_node_t *n = irsa_yaml_node(m->d, map);

	return irsa_textedit_column(&m->te,
				    B(m, irsa_yaml_node(m->d, n->data.mapping.pairs.start[0].key)->start_mark));
}

/* The value Kubernetes reads as this string (a plain `true` or `600` is
 * not the string it needs). */
static bool scalar_equal(yaml_document_t *d, int id, const char *value)
{
	const char *v = irsa_yaml_scalar(d, id);

	return v && irsa_yaml_is_string(d, id) && strcmp(v, value) == 0;
}

static bool map_changed(struct merge *m, int map, const struct irsa_sa_kv *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int v = irsa_yaml_map_get(m->d, map, list[i].key, NULL);

		if (m->s->remove ? v != 0 : !v || !scalar_equal(m->d, v, list[i].value))
			return true;
	}
	return false;
}

static int add_string_m(struct merge *m, const char *s)
{
	if (m->json_style)
		return yaml_document_add_scalar(m->d, NULL, (yaml_char_t *)s, (int)strlen(s),
						YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	return irsa_yaml_add_string(m->d, s);
}

/* A new mapping: the old one's pairs (if a mapping) with the spec applied. */
static int rebuilt_map(struct merge *m, int old, const struct irsa_sa_kv *list, size_t n,
		       yaml_mapping_style_t style)
{
	yaml_document_t *d = m->d;
	int nm = yaml_document_add_mapping(d, NULL, style);

	if (!nm)
		return 0;
	for (size_t i = 0; i < irsa_yaml_map_size(d, old); i++) {
		yaml_node_pair_t p = irsa_yaml_node(d, old)->data.mapping.pairs.start[i];
		const char *k = irsa_yaml_scalar(d, p.key);
		bool listed = false;
		int val = p.value;

		for (size_t j = 0; k && j < n; j++)
			if (strcmp(k, list[j].key) == 0) {
				listed = true;
				if (!m->s->remove && !scalar_equal(d, p.value, list[j].value))
					val = add_string_m(m, list[j].value);
			}
		if (listed && m->s->remove)
			continue;
		if (!val || !yaml_document_append_mapping_pair(d, nm, p.key, val))
			return 0;
	}
	for (size_t j = 0; j < n && !m->s->remove; j++) {
		int k, v;

		if (irsa_yaml_map_get(d, old, list[j].key, NULL))
			continue;
		k = add_string_m(m, list[j].key);
		v = add_string_m(m, list[j].value);
		if (!k || !v || !yaml_document_append_mapping_pair(d, nm, k, v))
			return 0;
	}
	return nm;
}

static int oom(struct irsa_error *err)
{
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot render YAML (out of memory)");
}

/* Replace the value `old` of key `key` by node `nw`: a flow node goes
 * where the old value was, on one line; a block mapping goes on the lines
 * after "key:", indented one step deeper than the key. */
static int replace_value(struct merge *m, int key, int old, int nw, struct irsa_error *err)
{
	yaml_node_t *n = irsa_yaml_node(m->d, nw), *o = irsa_yaml_node(m->d, old), *k = irsa_yaml_node(m->d, key);
	struct irsa_buf t = IRSA_BUF_INIT;
	size_t end = irsa_textedit_node_end(&m->te, m->d, old);
	bool block = n->type == YAML_MAPPING_NODE && n->data.mapping.style != YAML_FLOW_MAPPING_STYLE &&
		     irsa_yaml_map_size(m->d, nw) > 0;

	if (block) {
		size_t indent = irsa_textedit_column(&m->te, B(m, k->start_mark)) + (size_t)m->step;
		bool nn;
		size_t at = irsa_textedit_line_after(&m->te, end, &nn);
		const char *nl = irsa_textedit_break_before(&m->te, end) ? m->te.nl : "";

		/* "key: {}  # comment" becomes "key:  # comment" and the
		 * entries go on the lines after it */
		irsa_textedit_add(&m->te, B(m, k->end_mark), end, irsa_asprintf(":%s", nl), 0);
		if (nn)
			irsa_buf_puts(&t, m->te.nl);
		if (render_block(m->d, nw, (int)indent, m->step, m->te.nl, &t) < 0) {
			irsa_buf_release(&t);
			return oom(err);
		}
		irsa_textedit_add(&m->te, at, at, irsa_buf_detach(&t), 0);
		return 0;
	}
	{
		size_t start = B(m, o->start_mark);

		if (n->type == YAML_MAPPING_NODE)
			irsa_yaml_node(m->d, nw)->data.mapping.style = YAML_FLOW_MAPPING_STYLE;
		if (start > 0 && m->te.data[start - 1] == ':')
			irsa_buf_putc(&t, ' ');
		if (render_inline(m->d, nw, &t) < 0) {
			irsa_buf_release(&t);
			return oom(err);
		}
		if (irsa_textedit_break_before(&m->te, end))
			irsa_buf_puts(&t, m->te.nl);
		irsa_textedit_add(&m->te, start, end, irsa_buf_detach(&t), 0);
	}
	return 0;
}

/* Delete the lines of one pair of a block mapping; false when the key
 * does not start its line. */
static bool delete_pair_lines(struct merge *m, int key, int value)
{
	size_t ks = B(m, irsa_yaml_node(m->d, key)->start_mark);
	size_t ls = irsa_textedit_line_start(&m->te, ks);
	bool nn;
	size_t e;

	if (!irsa_textedit_only_spaces(&m->te, ls, ks))
		return false;
	e = irsa_textedit_line_after(&m->te, irsa_textedit_node_end(&m->te, m->d, value), &nn);
	irsa_textedit_add(&m->te, ls, e, irsa_strdup(""), 0);
	return true;
}

/* The scalar text for value, alone on its line after "key: ". */
static char *inline_value(struct merge *m, const char *value)
{
	struct irsa_buf t = IRSA_BUF_INIT;
	int id = irsa_yaml_add_string(m->d, value);

	if (!id || render_inline(m->d, id, &t) < 0) {
		irsa_buf_release(&t);
		/* double quotes always fit on one line (escapes) */
		id = yaml_document_add_scalar(m->d, NULL, (yaml_char_t *)value, (int)strlen(value),
					      YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		if (!id || render_inline(m->d, id, &t) < 0) {
			irsa_buf_release(&t);
			return NULL;
		}
	}
	return irsa_buf_detach(&t);
}

/* Line edits inside a block mapping. 1 done, 0 cannot (caller re-emits
 * the mapping), -1 error. */
static int edit_block_map(struct merge *m, int key, int map, const struct irsa_sa_kv *list,
			  size_t n, struct irsa_error *err)
{
	yaml_document_t *d = m->d;
	size_t first = m->te.n_edits, removed = 0;
	int ins = 0;
	size_t indent = first_key_column(m, map);

	for (size_t i = 0; i < n; i++) {
		int pk = 0, pv = irsa_yaml_map_get(d, map, list[i].key, &pk);

		if (m->s->remove) {
			if (!pv)
				continue;
			removed++;
			if (!delete_pair_lines(m, pk, pv))
				goto cannot;
		} else if (pv) {
			yaml_node_t *v = irsa_yaml_node(d, pv);
			char *text;

			if (scalar_equal(d, pv, list[i].value))
				continue;
			if (v->type != YAML_SCALAR_NODE || v->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
			    v->data.scalar.style == YAML_FOLDED_SCALAR_STYLE ||
			    v->start_mark.line != irsa_yaml_node(d, pk)->start_mark.line)
				goto cannot;
			text = inline_value(m, list[i].value);
			if (!text) {
				irsa_textedit_drop(&m->te, first);
				return oom(err);
			}
			v = irsa_yaml_node(d, pv);
			irsa_textedit_add(&m->te, B(m, v->start_mark), B(m, v->end_mark), text, 0);
		} else {
			int k = irsa_yaml_add_string(d, list[i].key), v = irsa_yaml_add_string(d, list[i].value);

			if (!ins)
				ins = yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);
			if (!k || !v || !ins || !yaml_document_append_mapping_pair(d, ins, k, v)) {
				irsa_textedit_drop(&m->te, first);
				return oom(err);
			}
		}
	}
	if (m->s->remove && removed && removed == irsa_yaml_map_size(d, map)) {
		/* nothing left: take the whole "annotations:" entry out */
		irsa_textedit_drop(&m->te, first);
		if (!delete_pair_lines(m, key, map))
			irsa_textedit_add(&m->te, B(m, irsa_yaml_node(d, key)->end_mark),
					  irsa_textedit_node_end(&m->te, d, map), irsa_strdup(": {}"), 0);
		return 1;
	}
	if (ins) {
		struct irsa_buf t = IRSA_BUF_INIT;
		bool nn;
		size_t at = irsa_textedit_line_after(&m->te, irsa_textedit_node_end(&m->te, d, map),
						     &nn);

		if (nn)
			irsa_buf_puts(&t, m->te.nl);
		if (render_block(d, ins, (int)indent, m->step, m->te.nl, &t) < 0) {
			irsa_buf_release(&t);
			irsa_textedit_drop(&m->te, first);
			return oom(err);
		}
		irsa_textedit_add(&m->te, at, at, irsa_buf_detach(&t), 0);
	}
	return 1;
cannot:
	irsa_textedit_drop(&m->te, first);
	return 0;
}

/* annotations or labels under a block metadata mapping. *ret_insert: a
 * new mapping to add to metadata under `mapkey` (0 = none). */
static int plan_map(struct merge *m, int md, const char *mapkey, const struct irsa_sa_kv *list,
		    size_t n, int *ret_insert, struct irsa_error *err)
{
	yaml_document_t *d = m->d;
	int key = 0, val = irsa_yaml_map_get(d, md, mapkey, &key);
	yaml_node_t *v = irsa_yaml_node(d, val);
	yaml_mapping_style_t style;
	int nm, r;

	*ret_insert = 0;
	if (!map_changed(m, val, list, n))
		return 0;
	if (!val) {
		*ret_insert = rebuilt_map(m, 0, list, n, YAML_BLOCK_MAPPING_STYLE);
		return *ret_insert ? 0 : oom(err);
	}
	if (v->type == YAML_MAPPING_NODE && v->data.mapping.style != YAML_FLOW_MAPPING_STYLE &&
	    irsa_yaml_map_size(d, val) > 0) {
		r = edit_block_map(m, key, val, list, n, err);
		if (r != 0)
			return r < 0 ? -1 : 0;
		/* the attempt may have added nodes, moving the document's node stack */
		v = irsa_yaml_node(d, val);
		style = YAML_BLOCK_MAPPING_STYLE;
	} else {
		style = v->type == YAML_MAPPING_NODE && irsa_yaml_map_size(d, val) > 0 ? YAML_FLOW_MAPPING_STYLE
									    : YAML_BLOCK_MAPPING_STYLE;
	}
	if (irsa_yaml_map_size(d, val) > 0)
		m->reemitted = true;
	nm = rebuilt_map(m, v->type == YAML_MAPPING_NODE ? val : 0, list, n, style);
	if (!nm)
		return oom(err);
	return replace_value(m, key, val, nm, err);
}

static int plan_document(struct merge *m, int md, struct irsa_error *err)
{
	yaml_document_t *d = m->d;
	const struct irsa_sa_spec *s = m->s;
	yaml_node_t *mdn = irsa_yaml_node(d, md);
	int ins_labels = 0, ins_annotations = 0;

	if (!map_changed(m, irsa_yaml_map_get(d, md, "labels", NULL), s->labels, s->n_labels) &&
	    !map_changed(m, irsa_yaml_map_get(d, md, "annotations", NULL), s->annotations, s->n_annotations))
		return 0;
	if (mdn->data.mapping.style == YAML_FLOW_MAPPING_STYLE || irsa_yaml_map_size(d, md) == 0) {
		/* metadata: {name: x, ...}: re-emit metadata, in flow style */
		int nm = yaml_document_add_mapping(d, NULL, YAML_FLOW_MAPPING_STYLE);
		int root = (int)(yaml_document_get_root_node(d) - d->nodes.start) + 1;
		int mdkey = 0;
		bool seen_l = false, seen_a = false;

		if (!nm)
			return oom(err);
		irsa_yaml_map_get(d, root, "metadata", &mdkey);
		if (irsa_yaml_map_size(d, md) > 0 &&
		    irsa_yaml_node(d, irsa_yaml_node(d, md)->data.mapping.pairs.start[0].key)->data.scalar.style ==
			    YAML_DOUBLE_QUOTED_SCALAR_STYLE)
			m->json_style = true;
		for (size_t i = 0; i < irsa_yaml_map_size(d, md); i++) {
			yaml_node_pair_t p = irsa_yaml_node(d, md)->data.mapping.pairs.start[i];
			const char *k = irsa_yaml_scalar(d, p.key);
			int val = p.value;

			if (k && strcmp(k, "labels") == 0) {
				seen_l = true;
				if (map_changed(m, val, s->labels, s->n_labels))
					val = rebuilt_map(m, val, s->labels, s->n_labels, YAML_FLOW_MAPPING_STYLE);
			} else if (k && strcmp(k, "annotations") == 0) {
				seen_a = true;
				if (map_changed(m, val, s->annotations, s->n_annotations))
					val = rebuilt_map(m, val, s->annotations, s->n_annotations,
							  YAML_FLOW_MAPPING_STYLE);
			}
			if (!val || !yaml_document_append_mapping_pair(d, nm, p.key, val))
				return oom(err);
		}
		if (!seen_l && !s->remove && s->n_labels) {
			int k = add_string_m(m, "labels");
			int v = rebuilt_map(m, 0, s->labels, s->n_labels, YAML_FLOW_MAPPING_STYLE);

			if (!k || !v || !yaml_document_append_mapping_pair(d, nm, k, v))
				return oom(err);
		}
		if (!seen_a && !s->remove) {
			int k = add_string_m(m, "annotations");
			int v = rebuilt_map(m, 0, s->annotations, s->n_annotations,
					    YAML_FLOW_MAPPING_STYLE);

			if (!k || !v || !yaml_document_append_mapping_pair(d, nm, k, v))
				return oom(err);
		}
		m->reemitted = true;
		return replace_value(m, mdkey, md, nm, err);
	}
	if (plan_map(m, md, "labels", s->labels, s->n_labels, &ins_labels, err) < 0 ||
	    plan_map(m, md, "annotations", s->annotations, s->n_annotations, &ins_annotations, err) < 0)
		return -1;
	if (ins_labels || ins_annotations) {
		int nm = yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);
		struct irsa_buf t = IRSA_BUF_INIT;
		size_t indent;
		bool nn;
		size_t at;

		if (!nm)
			return oom(err);
		if (ins_labels && !yaml_document_append_mapping_pair(d, nm, irsa_yaml_add_string(d, "labels"), ins_labels))
			return oom(err);
		if (ins_annotations &&
		    !yaml_document_append_mapping_pair(d, nm, irsa_yaml_add_string(d, "annotations"), ins_annotations))
			return oom(err);
		indent = first_key_column(m, md);
		at = irsa_textedit_line_after(&m->te, irsa_textedit_node_end(&m->te, d, md), &nn);
		if (nn)
			irsa_buf_puts(&t, m->te.nl);
		if (render_block(d, nm, (int)indent, m->step, m->te.nl, &t) < 0) {
			irsa_buf_release(&t);
			return oom(err);
		}
		irsa_textedit_add(&m->te, at, at, irsa_buf_detach(&t), 0);
	}
	return 0;
}

/* Every document of the manifest; a syntax error or a limit says what
 * to do next. */
static int load_all(const char *name, const char *data, size_t len, struct irsa_yaml_docs *ds,
		    struct irsa_error *err)
{
	size_t used;

	if (irsa_yaml_load("manifest", name, data, len, ds, err) == 0)
		return 0;
	if (err && err->kind == IRSA_ERR_USAGE) {
		used = strlen(err->message);
		snprintf(err->message + used, sizeof(err->message) - used,
			 "; fix it and run again (the file was not changed)");
	}
	return -1;
}

/* Find the ServiceAccount document; *ret_index = -1 when none. */
static int find_sa(const char *name, struct irsa_yaml_docs *ds, const struct irsa_sa_spec *s,
		   long *ret_index, int *ret_md, struct irsa_error *err)
{
	long best = -1, other = -1;
	int best_q = 0;

	for (size_t i = 0; i < ds->n; i++) {
		int md = 0, q = sa_match(&ds->doc[i], s, &md);

		if (!q || q < best_q)
			continue;
		if (q == best_q) {
			other = (long)i;
			continue;
		}
		best = (long)i;
		best_q = q;
		*ret_md = md;
		other = -1;
	}
	if (other >= 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "manifest '%s' has two ServiceAccount documents named '%s'%s "
				      "(documents %ld and %ld); keep one and run again",
				      name, s->name, best_q == 1 ? " without a namespace" : "",
				      best + 1, other + 1);
	*ret_index = best;
	return 0;
}

void irsa_manifest_result_release(struct irsa_manifest_result *r)
{
	if (!r)
		return;
	free(r->data);
	json_decref(r->annotations);
	json_decref(r->labels);
	memset(r, 0, sizeof(*r));
}

static json_t *or_empty(json_t *o)
{
	return o ? o : json_object();
}

static bool same_root(yaml_document_t *a, yaml_document_t *b)
{
	int ra = irsa_yaml_root(a), rb = irsa_yaml_root(b);

	return (!ra && !rb) || irsa_yaml_equal(a, ra, b, rb);
}

/* Read the result back: it must parse into want_docs documents, the
 * ServiceAccount must be document `sa` (0-based) and carry what we meant
 * to write, and everything else, in every document, must read as it did
 * in `old` (old_sa: the ServiceAccount's old document, -1 when new). */
static int verify(const char *name, struct irsa_yaml_docs *old, long old_sa, const char *data,
		  size_t len, const struct irsa_sa_spec *s, size_t want_docs, long sa,
		  const json_t *ann, const json_t *lbl, struct irsa_error *err)
{
	static const char *const root_skip[] = { "metadata" };
	static const char *const md_skip[] = { "annotations", "labels" };
	struct irsa_yaml_docs ds = { 0 };
	long idx = -1;
	int md = 0;
	bool ok = false;
	struct irsa_error e2 = { 0 };

	if (load_all(name, data, len, &ds, &e2) == 0) {
		ok = ds.n == want_docs && find_sa(name, &ds, s, &idx, &md, &e2) == 0 && idx == sa;
		for (size_t i = 0; ok && i < old->n; i++)
			ok = (long)i == sa || same_root(&old->doc[i], &ds.doc[i]);
		if (ok && old_sa >= 0) {
			yaml_document_t *od = &old->doc[old_sa], *nd = &ds.doc[idx];
			int omd = irsa_yaml_map_get(od, irsa_yaml_root(od), "metadata", NULL);

			ok = irsa_yaml_map_equal_except(od, irsa_yaml_root(od), nd, irsa_yaml_root(nd),
							root_skip, ARRAY_SIZE(root_skip)) &&
			     irsa_yaml_map_equal_except(od, omd, nd, md, md_skip, ARRAY_SIZE(md_skip));
		}
		if (ok) {
			yaml_document_t *nd = &ds.doc[idx];
			json_t *a = or_empty(map_json(nd, irsa_yaml_map_get(nd, md, "annotations", NULL)));
			json_t *l = or_empty(map_json(nd, irsa_yaml_map_get(nd, md, "labels", NULL)));

			ok = json_equal(a, ann) && json_equal(l, lbl);
			json_decref(a);
			json_decref(l);
		}
		irsa_yaml_docs_release(&ds);
	}
	if (!ok)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "irsactl could not edit manifest '%s' safely (its result did not "
				      "read back as intended); the file was not changed; please report "
				      "this with the file", name);
	return 0;
}

/* Every document must be a Kubernetes object (or empty): a Helm values
 * file or any other YAML is not a manifest to add a ServiceAccount to. */
static int check_kubernetes_documents(const char *name, struct irsa_yaml_docs *ds,
				      struct irsa_error *err)
{
	for (size_t i = 0; i < ds->n; i++) {
		yaml_document_t *d = &ds->doc[i];
		int root = irsa_yaml_root(d);

		if (!root || irsa_yaml_is_null(d, root))
			continue;
		if (!irsa_yaml_is_string(d, irsa_yaml_map_get(d, root, "apiVersion", NULL)) ||
		    !irsa_yaml_is_string(d, irsa_yaml_map_get(d, root, "kind", NULL)))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "manifest '%s': document %zu (line %zu) is not a Kubernetes "
					      "object (it has no apiVersion and kind); irsactl merges into "
					      "Kubernetes manifests only (is it a Helm values file?); the "
					      "file was not changed",
					      name, i + 1, irsa_yaml_node(d, root)->start_mark.line + 1);
	}
	return 0;
}

/* The mappings irsactl edits must not repeat a key: readers disagree on
 * which one counts, and an edit of one would leave the other. */
static int check_no_duplicates(const char *name, yaml_document_t *d, long idx, int md,
			       struct irsa_error *err)
{
	const int maps[] = { irsa_yaml_root(d), md, irsa_yaml_map_get(d, md, "annotations", NULL),
			     irsa_yaml_map_get(d, md, "labels", NULL) };
	static const char *const where[] = { "the document", "metadata", "metadata.annotations",
					     "metadata.labels" };

	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		const char *dup = irsa_yaml_map_duplicate(d, maps[i]);

		if (dup)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "manifest '%s': document %ld has the key '%s' twice in %s "
					      "(line %zu); remove one and run again (the file was not "
					      "changed)", name, idx + 1, dup, where[i],
					      irsa_yaml_node(d, maps[i])->start_mark.line + 1);
	}
	return 0;
}

/* Appending a document after a last block scalar ("key: |") that ends the
 * file without a line break would add that break to its value: make it
 * strip ("|-") its final break instead, which reads the same. */
static void keep_last_block_scalar(struct merge *m, struct irsa_yaml_docs *ds)
{
	yaml_document_t *d = ds->n ? &ds->doc[ds->n - 1] : NULL;
	yaml_node_t *n;
	size_t h, j;

	if (!d || !m->te.len || irsa_textedit_break_before(&m->te, m->te.len))
		return;
	n = irsa_yaml_node(d, irsa_textedit_last_leaf(d, irsa_yaml_root(d)));
	if (!n || n->type != YAML_SCALAR_NODE || B(m, n->end_mark) < m->te.len ||
	    (n->data.scalar.style != YAML_LITERAL_SCALAR_STYLE &&
	     n->data.scalar.style != YAML_FOLDED_SCALAR_STYLE))
		return;
	h = B(m, n->start_mark);
	if (h >= m->te.len || (m->te.data[h] != '|' && m->te.data[h] != '>'))
		return;
	for (j = h + 1; j < m->te.len && strchr("0123456789+-", m->te.data[j]) && m->te.data[j]; j++) {
		if (m->te.data[j] == '-')
			return;
		if (m->te.data[j] == '+') {
			irsa_textedit_add(&m->te, j, j + 1, irsa_strdup("-"), 0);
			return;
		}
	}
	irsa_textedit_add(&m->te, h + 1, h + 1, irsa_strdup("-"), 0);
}

int irsa_manifest_merge(const char *name, const char *data, size_t len,
			const struct irsa_sa_spec *s, bool overwrite,
			struct irsa_manifest_result *ret, struct irsa_error *err)
{
	_cleanup_free_ char *where = irsa_asprintf("manifest '%s'", name);
	struct merge m = { .s = s, .step = 2 };
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_yaml_docs ds = { 0 };
	json_t *ann = NULL, *lbl = NULL;
	long idx = -1;
	int md = 0, r = -1;
	bool changed = false;

	memset(ret, 0, sizeof(*ret));
	if (!s->role_resolved)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "the role ARN is not resolved yet");
	if (!data) {
		data = "";
		len = 0;
	}
	if (memchr(data, '\0', len))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "manifest '%s' holds a NUL byte; is it a YAML file?", name);
	if (irsa_textedit_init(&m.te, "manifest", name, data, len, err) < 0)
		return -1;
	if (load_all(name, data, len, &ds, err) < 0 || check_kubernetes_documents(name, &ds, err) < 0)
		goto out;
	if (find_sa(name, &ds, s, &idx, &md, err) < 0)
		goto out;

	if (idx < 0) {
		/* append a new document */
		ret->document = (unsigned)ds.n + 1;
		if (s->remove) {
			ret->status = IRSA_SA_UNCHANGED;
			irsa_buf_append(&out, data, len);
			ann = json_object();
			lbl = json_object();
		} else {
			json_t *obj = irsa_sa_spec_object(s);
			yaml_document_t *last = ds.n ? &ds.doc[ds.n - 1] : NULL;
			bool empty_last = last && irsa_yaml_is_null(last, irsa_yaml_root(last)) &&
					  !last->start_implicit && last->nodes.top - last->nodes.start == 1;

			keep_last_block_scalar(&m, &ds);
			if (irsa_textedit_apply(&m.te, &out, err) < 0) {
				json_decref(obj);
				goto out;
			}
			if (len && !irsa_textedit_break_before(&m.te, len))
				irsa_buf_puts(&out, m.te.nl);
			if (ds.n && !empty_last) {
				irsa_buf_puts(&out, "---");
				irsa_buf_puts(&out, m.te.nl);
			}
			if (empty_last)
				ret->document = (unsigned)ds.n;
			{
				struct irsa_buf doc = IRSA_BUF_INIT;
				yaml_document_t nd;
				int root;

				if (!yaml_document_initialize(&nd, NULL, NULL, NULL, 1, 1)) {
					json_decref(obj);
					oom(err);
					goto out;
				}
				root = irsa_yaml_add_json(&nd, obj);
				if (!root || render_block(&nd, root, 0, 2, m.te.nl, &doc) < 0) {
					yaml_document_delete(&nd);
					irsa_buf_release(&doc);
					json_decref(obj);
					oom(err);
					goto out;
				}
				yaml_document_delete(&nd);
				irsa_buf_append(&out, doc.data, doc.len);
				irsa_buf_release(&doc);
			}
			ann = json_incref(json_object_get(json_object_get(obj, "metadata"), "annotations"));
			lbl = or_empty(json_incref(json_object_get(json_object_get(obj, "metadata"), "labels")));
			json_decref(obj);
			ret->status = IRSA_SA_CREATED;
		}
		if (ret->status == IRSA_SA_CREATED &&
		    verify(name, &ds, -1, irsa_buf_str(&out), out.len, s,
			   ds.n + (ret->document > ds.n ? 1 : 0), (long)ret->document - 1, ann, lbl,
			   err) < 0)
			goto out;
	} else {
		yaml_document_t *d = &ds.doc[idx];
		int root = irsa_yaml_root(d);
		int mdv;

		ret->document = (unsigned)idx + 1;
		m.d = d;
		ann = or_empty(map_json(d, irsa_yaml_map_get(d, md, "annotations", NULL)));
		lbl = or_empty(map_json(d, irsa_yaml_map_get(d, md, "labels", NULL)));
		if (irsa_sa_check(s, ann, lbl, overwrite, where, &changed, err) < 0)
			goto out;
		changed = map_changed(&m, irsa_yaml_map_get(d, md, "labels", NULL), s->labels, s->n_labels) ||
			  map_changed(&m, irsa_yaml_map_get(d, md, "annotations", NULL), s->annotations,
				      s->n_annotations);
		if (changed && check_no_duplicates(name, d, idx, md, err) < 0)
			goto out;
		if (has_aliases(d)) {
			if (changed) {
				irsa_error_set(err, IRSA_ERR_USAGE,
					       "the ServiceAccount '%s' in manifest '%s' uses YAML "
					       "anchors and aliases, which irsactl does not edit in "
					       "place; expand them and run again (the file was not "
					       "changed)", s->name, name);
				goto out;
			}
		}
		/* indentation step of this document: metadata's keys vs the root's */
		mdv = md;
		if (irsa_yaml_node(d, mdv)->type == YAML_MAPPING_NODE && irsa_yaml_map_size(d, mdv) > 0 &&
		    irsa_yaml_node(d, mdv)->data.mapping.style != YAML_FLOW_MAPPING_STYLE) {
			size_t c1 = first_key_column(&m, root), c2 = first_key_column(&m, mdv);

			if (c2 > c1 && c2 - c1 <= 9 && c2 - c1 >= 2)
				m.step = (int)(c2 - c1);
		}
		if (plan_document(&m, md, err) < 0)
			goto out;
		if (irsa_textedit_apply(&m.te, &out, err) < 0)
			goto out;
		irsa_sa_merge(s, ann, lbl);
		ret->status = m.te.n_edits ? IRSA_SA_UPDATED : IRSA_SA_UNCHANGED;
		ret->reemitted = m.te.n_edits && m.reemitted;
		if (m.te.n_edits && verify(name, &ds, idx, irsa_buf_str(&out), out.len, s, ds.n, idx, ann,
					lbl, err) < 0)
			goto out;
	}
	ret->len = out.len;
	ret->data = irsa_buf_detach(&out);
	ret->annotations = TAKE_PTR(ann);
	ret->labels = TAKE_PTR(lbl);
	r = 0;
out:
	json_decref(ann);
	json_decref(lbl);
	irsa_buf_release(&out);
	irsa_textedit_release(&m.te);
	irsa_yaml_docs_release(&ds);
	return r;
}

/* ---- files --------------------------------------------------------------- */

int irsa_manifest_update_file(const char *path, const struct irsa_sa_spec *s, bool overwrite,
			      bool dry_run, struct irsa_manifest_result *ret,
			      struct irsa_error *err)
{
	struct irsa_textedit_file f;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = irsa_textedit_file_read(path, "manifest", "use -o to write a new file", &f, err);
	if (r == 0)
		r = irsa_manifest_merge(path, irsa_buf_str(&f.text), f.text.len, s, overwrite, ret,
					err);
	if (r == 0 && ret->status != IRSA_SA_UNCHANGED && !dry_run) {
		r = irsa_textedit_file_write(&f, ret->data, ret->len, err);
		if (r < 0)
			irsa_manifest_result_release(ret);
	}
	irsa_textedit_file_release(&f);
	return r;
}

int irsa_manifest_write_file(const char *path, const struct irsa_sa_spec *s, bool dry_run,
			     struct irsa_manifest_result *ret, struct irsa_error *err)
{
	struct irsa_buf old = IRSA_BUF_INIT;
	json_t *obj;
	char *text = NULL;
	bool exists, stream;

	memset(ret, 0, sizeof(*ret));
	if (irsa_manifest_render(s, &text, err) < 0)
		return -1;
	ret->data = text;
	ret->len = strlen(text);
	ret->document = 1;
	obj = irsa_sa_spec_object(s);
	ret->annotations = or_empty(json_incref(json_object_get(json_object_get(obj, "metadata"),
								  "annotations")));
	ret->labels = or_empty(json_incref(json_object_get(json_object_get(obj, "metadata"), "labels")));
	json_decref(obj);
	/* a FIFO or a device (-o /dev/stdout) is written to, never read */
	stream = irsa_file_is_stream(path);
	exists = !stream && irsa_file_exists(path);
	ret->status = exists ? IRSA_SA_UPDATED : IRSA_SA_CREATED;
	if (exists && irsa_file_read(path, MANIFEST_MAX, "file", &old, NULL) == 0 &&
	    old.len == ret->len && memcmp(old.data, ret->data, ret->len) == 0)
		ret->status = IRSA_SA_UNCHANGED;
	irsa_buf_release(&old);
	if (ret->status != IRSA_SA_UNCHANGED && !dry_run &&
	    irsa_file_write_output(path, ret->data, ret->len, 0644, err) < 0) {
		irsa_manifest_result_release(ret);
		return -1;
	}
	return 0;
}
