/* YAML for the whole program (see irsa/yaml.h): the quoting rule, the
 * loader with limits, node helpers and the one emitter set-up. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/strutil.h"
#include "irsa/yaml.h"

/* The tag the loader gives an untagged plain scalar: YAML's non-specific
 * "?" (its type is whatever the text resolves to), unlike a quoted or
 * block scalar, which is a string. */
#define UNTAGGED_PLAIN "?"
#define TAG_NULL "tag:yaml.org,2002:null"

/* ---- quoting ------------------------------------------------------- */

/* Plain words that YAML 1.1 or 1.2 reads as bool, null, or the 1.1
 * value/merge keys. */
static const char *const reserved_words[] = {
	"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
	"true", "True", "TRUE", "false", "False", "FALSE",
	"on", "On", "ON", "off", "Off", "OFF",
	"null", "Null", "NULL", "~", "=", "<<",
};

/* Could the text be a number, .inf/.nan, a sexagesimal or a timestamp in
 * some YAML version? Deliberately wide: quoting a string never hurts. */
static bool looks_numeric(const char *s, size_t n)
{
	if (!strchr("0123456789+-.", s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr("0123456789abcdefABCDEFxXoO_:.+-eEiInNtTzZ ", s[i]))
			return false;
	return true;
}

/* Control characters (C0, DEL, C1 incl. NEL), the line and paragraph
 * separators, and a byte order mark: never plain. */
static bool has_special_char(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return true;
		if (s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
			return true;
		if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
			return true;
		if (s[i] == 0xEF && i + 2 < n && s[i + 1] == 0xBB && s[i + 2] == 0xBF)
			return true;
	}
	return false;
}

bool irsa_yaml_plain_safe(const char *s, size_t n)
{
	if (!s || n == 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(reserved_words); i++)
		if (strlen(reserved_words[i]) == n && memcmp(s, reserved_words[i], n) == 0)
			return false;
	if (has_special_char((const unsigned char *)s, n) || looks_numeric(s, n))
		return false;
	/* indicators that cannot start a plain scalar; '-' can, when what
	 * follows is not a space ("--region") */
	if (strchr("?:,[]{}#&*!|>'\"%@`", s[0]) || (s[0] == '-' && (n == 1 || s[1] == ' ')))
		return false;
	if (s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':')
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if ((s[i] == ':' && s[i + 1] == ' ') || (s[i] == ' ' && s[i + 1] == '#'))
			return false;
	/* flow indicators end a plain scalar inside [...] or {...} */
	for (size_t i = 0; i < n; i++)
		if (strchr(",[]{}", s[i]))
			return false;
	return true;
}

yaml_scalar_style_t irsa_yaml_string_style(const char *s, size_t n)
{
	return irsa_yaml_plain_safe(s, n) ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
}

/* ---- loading ------------------------------------------------------- */

/* libyaml's own loader (yaml_parser_load) has no limits, so events from
 * its parser are composed into a yaml_document_t here, the way it does
 * it (node ids, anchors, marks), checking depth and aliases as they come. */

struct anchor {
	char *name;
	int id;
};

struct level {
	int id;
	int pending_key; /* a mapping's key waiting for its value */
	size_t weight;   /* nodes under this collection, aliases expanded */
};

struct composer {
	const char *what, *name;
	struct irsa_error *err;
	yaml_document_t doc;
	bool in_doc;
	struct anchor *anchors;
	size_t n_anchors;
	size_t *weight; /* by node id: expanded size; 0 while still open */
	size_t n_weight;
	size_t aliased; /* nodes that aliases repeat, in this document */
	struct level stack[IRSA_YAML_MAX_DEPTH + 1];
	unsigned depth;
};

/* "WHAT 'NAME' is not valid YAML: line L, column C: WHY", or for a limit
 * "WHAT 'NAME' cannot be read: ..." */
static int fail_at(struct composer *c, bool syntax, const yaml_mark_t *mk, const char *fmt, ...)
	_printf_(4, 5);
static int fail_at(struct composer *c, bool syntax, const yaml_mark_t *mk, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return irsa_error_set(c->err, IRSA_ERR_USAGE, "%s '%s' %s: line %zu, column %zu: %s", c->what,
			      c->name, syntax ? "is not valid YAML" : "cannot be read", mk->line + 1,
			      mk->column + 1, why);
}

static int oom(struct composer *c)
{
	return irsa_error_set(c->err, IRSA_ERR_INTERNAL, "cannot load %s '%s': out of memory",
			      c->what, c->name);
}

static int parser_error(struct composer *c, const yaml_parser_t *p)
{
	const yaml_mark_t *mk = p->problem ? &p->problem_mark : &p->context_mark;

	if (p->error == YAML_MEMORY_ERROR)
		return oom(c);
	if (p->context)
		return fail_at(c, true, mk, "%s (%s at line %zu)", p->problem ? p->problem : "syntax error",
			       p->context, p->context_mark.line + 1);
	return fail_at(c, true, mk, "%s", p->problem ? p->problem : "syntax error");
}

static void anchors_clear(struct composer *c)
{
	for (size_t i = 0; i < c->n_anchors; i++)
		free(c->anchors[i].name);
	free(c->anchors);
	c->anchors = NULL;
	c->n_anchors = 0;
}

static void set_weight(struct composer *c, int id, size_t w)
{
	if ((size_t)id >= c->n_weight) {
		size_t n = c->n_weight ? c->n_weight * 2 : 64;

		while (n <= (size_t)id)
			n *= 2;
		c->weight = irsa_realloc(c->weight, n * sizeof(*c->weight));
		memset(c->weight + c->n_weight, 0, (n - c->n_weight) * sizeof(*c->weight));
		c->n_weight = n;
	}
	c->weight[id] = w;
}

/* Count a finished leaf of w nodes for the collection on top. */
static void count_nodes(struct composer *c, size_t w)
{
	if (c->depth)
		c->stack[c->depth - 1].weight += w;
}

static int remember_anchor(struct composer *c, const yaml_char_t *anchor, int id)
{
	if (!anchor)
		return 0;
	c->anchors = irsa_realloc(c->anchors, (c->n_anchors + 1) * sizeof(*c->anchors));
	c->anchors[c->n_anchors].name = irsa_strdup((const char *)anchor);
	c->anchors[c->n_anchors].id = id;
	c->n_anchors++;
	return 0;
}

/* Attach node id to the collection on top of the stack. */
static int attach(struct composer *c, int id)
{
	struct level *top;

	if (!c->depth)
		return 0;
	top = &c->stack[c->depth - 1];
	if (irsa_yaml_is_seq(&c->doc, top->id))
		return yaml_document_append_sequence_item(&c->doc, top->id, id) ? 0 : oom(c);
	if (!top->pending_key) {
		top->pending_key = id;
		return 0;
	}
	if (!yaml_document_append_mapping_pair(&c->doc, top->id, top->pending_key, id))
		return oom(c);
	top->pending_key = 0;
	return 0;
}

static void set_marks(struct composer *c, int id, const yaml_event_t *ev)
{
	yaml_node_t *n = irsa_yaml_node(&c->doc, id);

	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
}

static const yaml_char_t *explicit_tag(const yaml_char_t *tag)
{
	return tag && strcmp((const char *)tag, "!") != 0 ? tag : NULL;
}

static int on_scalar(struct composer *c, const yaml_event_t *ev)
{
	const yaml_char_t *tag = explicit_tag(ev->data.scalar.tag);
	int id;

	/* plain and untagged: its type depends on its text (while "! 12",
	 * with the non-specific tag "!", is a string) */
	if (!ev->data.scalar.tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		tag = (const yaml_char_t *)UNTAGGED_PLAIN;
	id = yaml_document_add_scalar(&c->doc, (yaml_char_t *)tag, ev->data.scalar.value,
				      (int)ev->data.scalar.length, ev->data.scalar.style);
	if (!id)
		return oom(c);
	set_marks(c, id, ev);
	set_weight(c, id, 1);
	count_nodes(c, 1);
	if (remember_anchor(c, ev->data.scalar.anchor, id) < 0)
		return -1;
	return attach(c, id);
}

static int on_alias(struct composer *c, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	int id = 0;

	for (size_t i = c->n_anchors; i > 0 && !id; i--)
		if (strcmp(c->anchors[i - 1].name, name) == 0)
			id = c->anchors[i - 1].id;
	if (!id)
		return fail_at(c, true, &ev->start_mark, "alias '*%s' names no anchor before it", name);
	if (c->weight[id] == 0)
		return fail_at(c, false, &ev->start_mark, "alias '*%s' refers to a node that contains it "
			       "(irsactl reads no recursive data)", name);
	c->aliased += c->weight[id];
	if (c->aliased > IRSA_YAML_MAX_EXPANDED)
		return fail_at(c, false, &ev->start_mark, "aliases expand to more than %u nodes (aliases "
			       "that repeat aliases?); irsactl does not read it", IRSA_YAML_MAX_EXPANDED);
	count_nodes(c, c->weight[id]);
	return attach(c, id);
}

static int on_start(struct composer *c, const yaml_event_t *ev, bool mapping)
{
	const yaml_char_t *tag = explicit_tag(mapping ? ev->data.mapping_start.tag
						      : ev->data.sequence_start.tag);
	const yaml_char_t *anchor = mapping ? ev->data.mapping_start.anchor
					    : ev->data.sequence_start.anchor;
	int id;

	if (c->depth >= IRSA_YAML_MAX_DEPTH)
		return fail_at(c, false, &ev->start_mark, "nested deeper than %u levels; irsactl does not "
			       "read it", IRSA_YAML_MAX_DEPTH);
	id = mapping ? yaml_document_add_mapping(&c->doc, (yaml_char_t *)tag, ev->data.mapping_start.style)
		     : yaml_document_add_sequence(&c->doc, (yaml_char_t *)tag, ev->data.sequence_start.style);
	if (!id)
		return oom(c);
	set_marks(c, id, ev);
	set_weight(c, id, 0);
	if (remember_anchor(c, anchor, id) < 0 || attach(c, id) < 0)
		return -1;
	/* the collection's weight reaches its parent when it ends */
	c->stack[c->depth++] = (struct level){ .id = id, .weight = 1 };
	return 0;
}

static int on_end(struct composer *c, const yaml_event_t *ev)
{
	struct level top = c->stack[--c->depth];

	irsa_yaml_node(&c->doc, top.id)->end_mark = ev->end_mark;
	set_weight(c, top.id, top.weight);
	if (c->depth)
		c->stack[c->depth - 1].weight += top.weight;
	return 0;
}

static int on_document_start(struct composer *c, const yaml_event_t *ev)
{
	if (!yaml_document_initialize(&c->doc, NULL, NULL, NULL, ev->data.document_start.implicit, 1))
		return oom(c);
	c->doc.start_mark = ev->start_mark;
	c->in_doc = true;
	c->aliased = 0;
	c->depth = 0;
	anchors_clear(c);
	return 0;
}

static void on_document_end(struct composer *c, const yaml_event_t *ev, struct irsa_yaml_docs *ds)
{
	c->doc.end_implicit = ev->data.document_end.implicit;
	c->doc.end_mark = ev->end_mark;
	ds->doc = irsa_realloc(ds->doc, (ds->n + 1) * sizeof(*ds->doc));
	ds->doc[ds->n++] = c->doc;
	c->in_doc = false;
}

static int on_event(struct composer *c, const yaml_event_t *ev, struct irsa_yaml_docs *ds)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		return on_document_start(c, ev);
	case YAML_DOCUMENT_END_EVENT:
		on_document_end(c, ev, ds);
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(c, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(c, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(c, ev, false);
	case YAML_MAPPING_START_EVENT:
		return on_start(c, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(c, ev);
	default:
		return 0;
	}
}

int irsa_yaml_load(const char *what, const char *name, const char *data, size_t len,
		   struct irsa_yaml_docs *ret, struct irsa_error *err)
{
	struct composer c = { .what = what, .name = name, .err = err };
	yaml_parser_t parser;
	bool done = false;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (len > IRSA_YAML_MAX_SIZE)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' is larger than %u bytes; irsactl "
				      "does not read it", what, name, IRSA_YAML_MAX_SIZE);
	if (!yaml_parser_initialize(&parser))
		return oom(&c);
	yaml_parser_set_input_string(&parser, (const unsigned char *)(data ? data : ""), data ? len : 0);
	while (!done && r == 0) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev)) {
			r = parser_error(&c, &parser);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(&c, &ev, ret);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (c.in_doc)
		yaml_document_delete(&c.doc);
	anchors_clear(&c);
	free(c.weight);
	if (r < 0)
		irsa_yaml_docs_release(ret);
	return r;
}

void irsa_yaml_docs_release(struct irsa_yaml_docs *ds)
{
	if (!ds)
		return;
	for (size_t i = 0; i < ds->n; i++)
		yaml_document_delete(&ds->doc[i]);
	free(ds->doc);
	ds->doc = NULL;
	ds->n = 0;
}

/* ---- node helpers -------------------------------------------------- */

yaml_node_t *irsa_yaml_node(yaml_document_t *d, int id)
{
	return d && id > 0 ? yaml_document_get_node(d, id) : NULL;
}

int irsa_yaml_root(yaml_document_t *d)
{
	yaml_node_t *r = d ? yaml_document_get_root_node(d) : NULL;

	return r ? (int)(r - d->nodes.start) + 1 : 0;
}

const char *irsa_yaml_scalar(yaml_document_t *d, int id)
{
	yaml_node_t *n = irsa_yaml_node(d, id);

	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool tag_is(const yaml_node_t *n, const char *tag)
{
	return n->tag && strcmp((const char *)n->tag, tag) == 0;
}

/* Plain and untagged: what the loader marks "?" (a node added by hand
 * without a tag gets the default string tag instead). */
static bool untagged_plain(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && tag_is(n, UNTAGGED_PLAIN);
}

static bool null_text(const char *v)
{
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

bool irsa_yaml_is_null(yaml_document_t *d, int id)
{
	yaml_node_t *n = irsa_yaml_node(d, id);

	if (!n || n->type != YAML_SCALAR_NODE)
		return false;
	if (tag_is(n, TAG_NULL))
		return true;
	return untagged_plain(n) && null_text((const char *)n->data.scalar.value);
}

bool irsa_yaml_is_string(yaml_document_t *d, int id)
{
	yaml_node_t *n = irsa_yaml_node(d, id);

	if (!n || n->type != YAML_SCALAR_NODE)
		return false;
	if (untagged_plain(n))
		return irsa_yaml_plain_safe((const char *)n->data.scalar.value, n->data.scalar.length);
	return !n->tag || tag_is(n, YAML_DEFAULT_SCALAR_TAG);
}

bool irsa_yaml_is_map(yaml_document_t *d, int id)
{
	yaml_node_t *n = irsa_yaml_node(d, id);

	return n && n->type == YAML_MAPPING_NODE;
}

bool irsa_yaml_is_seq(yaml_document_t *d, int id)
{
	yaml_node_t *n = irsa_yaml_node(d, id);

	return n && n->type == YAML_SEQUENCE_NODE;
}

size_t irsa_yaml_map_size(yaml_document_t *d, int id)
{
	yaml_node_t *n = irsa_yaml_node(d, id);

	if (!n || n->type != YAML_MAPPING_NODE)
		return 0;
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

size_t irsa_yaml_seq_size(yaml_document_t *d, int id)
{
	yaml_node_t *n = irsa_yaml_node(d, id);

	if (!n || n->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

int irsa_yaml_map_get(yaml_document_t *d, int map, const char *key, int *ret_key)
{
	yaml_node_t *m = irsa_yaml_node(d, map);
	size_t kl = strlen(key);
	int found = 0;

	if (!m || m->type != YAML_MAPPING_NODE)
		return 0;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = irsa_yaml_node(d, p->key);

		if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == kl &&
		    memcmp(k->data.scalar.value, key, kl) == 0) {
			found = p->value;
			if (ret_key)
				*ret_key = p->key;
		}
	}
	return found;
}

/* A mapping's pairs sorted by key text, keeping the order of equal keys,
 * so that the last of equal keys is the one that counts. */
struct entry {
	const char *key;
	size_t len;
	size_t pos;
	int value;
	bool scalar_key;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static struct entry *sorted_entries(yaml_document_t *d, int map, size_t *ret_n)
{
	size_t n = irsa_yaml_map_size(d, map);
	struct entry *e = irsa_malloc0((n + 1) * sizeof(*e));

	for (size_t i = 0; i < n; i++) {
		yaml_node_pair_t p = irsa_yaml_node(d, map)->data.mapping.pairs.start[i];
		yaml_node_t *k = irsa_yaml_node(d, p.key);
		bool sk = k && k->type == YAML_SCALAR_NODE;

		e[i] = (struct entry){ sk ? (const char *)k->data.scalar.value : "",
				       sk ? k->data.scalar.length : 0, i, p.value, sk };
	}
	qsort(e, n, sizeof(*e), cmp_entry);
	*ret_n = n;
	return e;
}

static bool same_key(const struct entry *a, const struct entry *b)
{
	return a->len == b->len && memcmp(a->key, b->key, a->len) == 0;
}

const char *irsa_yaml_map_duplicate(yaml_document_t *d, int map)
{
	size_t n;
	struct entry *e = sorted_entries(d, map, &n);
	const char *dup = NULL;

	for (size_t i = 1; i < n && !dup; i++)
		if (e[i].scalar_key && same_key(&e[i - 1], &e[i]))
			dup = e[i].key;
	free(e);
	return dup;
}

enum scalar_kind { KIND_NULL, KIND_STRING, KIND_OTHER };

static enum scalar_kind scalar_kind(yaml_document_t *d, int id)
{
	if (irsa_yaml_is_null(d, id))
		return KIND_NULL;
	return irsa_yaml_is_string(d, id) ? KIND_STRING : KIND_OTHER;
}

static bool equal_at(yaml_document_t *da, int a, yaml_document_t *db, int b, unsigned depth);

static bool skipped(const struct entry *e, const char *const *skip, size_t n_skip)
{
	for (size_t i = 0; e->scalar_key && i < n_skip; i++)
		if (strlen(skip[i]) == e->len && memcmp(skip[i], e->key, e->len) == 0)
			return true;
	return false;
}

/* Index of the last entry of the next key at or after i that is not
 * skipped; n when none. */
static size_t next_key(const struct entry *e, size_t n, size_t i, const char *const *skip,
		       size_t n_skip)
{
	for (;;) {
		while (i + 1 < n && same_key(&e[i], &e[i + 1]))
			i++;
		if (i >= n || !skipped(&e[i], skip, n_skip))
			return i < n ? i : n;
		i++;
	}
}

static bool maps_equal(yaml_document_t *da, int a, yaml_document_t *db, int b, unsigned depth,
		       const char *const *skip, size_t n_skip)
{
	size_t na, nb, i = 0, j = 0;
	struct entry *ea = sorted_entries(da, a, &na), *eb = sorted_entries(db, b, &nb);
	bool eq = true;

	/* walk both, each key's last entry against the other's */
	for (;;) {
		i = next_key(ea, na, i, skip, n_skip);
		j = next_key(eb, nb, j, skip, n_skip);
		if (i >= na || j >= nb) {
			eq = i >= na && j >= nb;
			break;
		}
		eq = ea[i].scalar_key && eb[j].scalar_key && same_key(&ea[i], &eb[j]) &&
		     equal_at(da, ea[i].value, db, eb[j].value, depth + 1);
		if (!eq)
			break;
		i++;
		j++;
	}
	free(ea);
	free(eb);
	return eq;
}

static bool equal_at(yaml_document_t *da, int a, yaml_document_t *db, int b, unsigned depth)
{
	yaml_node_t *x = irsa_yaml_node(da, a), *y = irsa_yaml_node(db, b);

	if (!x || !y || x->type != y->type || depth > IRSA_YAML_MAX_DEPTH + 1)
		return false;
	switch (x->type) {
	case YAML_SCALAR_NODE: {
		enum scalar_kind k = scalar_kind(da, a);

		if (k != scalar_kind(db, b))
			return false;
		if (k == KIND_NULL)
			return true;
		if (k == KIND_OTHER && !(untagged_plain(x) && untagged_plain(y)) &&
		    !(x->tag && y->tag && strcmp((const char *)x->tag, (const char *)y->tag) == 0))
			return false;
		return x->data.scalar.length == y->data.scalar.length &&
		       memcmp(x->data.scalar.value, y->data.scalar.value, x->data.scalar.length) == 0;
	}
	case YAML_SEQUENCE_NODE: {
		size_t n = irsa_yaml_seq_size(da, a);

		if (n != irsa_yaml_seq_size(db, b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!equal_at(da, irsa_yaml_node(da, a)->data.sequence.items.start[i], db,
				      irsa_yaml_node(db, b)->data.sequence.items.start[i], depth + 1))
				return false;
		return true;
	}
	case YAML_MAPPING_NODE:
		return maps_equal(da, a, db, b, depth, NULL, 0);
	default:
		return false;
	}
}

bool irsa_yaml_equal(yaml_document_t *da, int a, yaml_document_t *db, int b)
{
	return equal_at(da, a, db, b, 0);
}

bool irsa_yaml_map_equal_except(yaml_document_t *da, int a, yaml_document_t *db, int b,
				const char *const *skip, size_t n_skip)
{
	return irsa_yaml_is_map(da, a) && irsa_yaml_is_map(db, b) &&
	       maps_equal(da, a, db, b, 0, skip, n_skip);
}

/* ---- building ------------------------------------------------------ */

int irsa_yaml_add_string(yaml_document_t *d, const char *s)
{
	size_t n = strlen(s);

	return yaml_document_add_scalar(d, NULL, (yaml_char_t *)s, (int)n, irsa_yaml_string_style(s, n));
}

static int add_plain(yaml_document_t *d, const char *text)
{
	return yaml_document_add_scalar(d, (yaml_char_t *)UNTAGGED_PLAIN, (yaml_char_t *)text,
					(int)strlen(text), YAML_PLAIN_SCALAR_STYLE);
}

/* A double as text that YAML 1.1 (which needs a '.' and a signed
 * exponent) and 1.2 both read as the same float. */
static void format_real(double v, char *out, size_t size)
{
	char digits[64], *e;

	snprintf(digits, sizeof(digits), "%.17g", v);
	e = strchr(digits, 'e');
	if (e) {
		*e = '\0';
		snprintf(out, size, "%s%se%s%s", digits, strchr(digits, '.') ? "" : ".0",
			 e[1] == '-' || e[1] == '+' ? "" : "+", e + 1);
	} else {
		snprintf(out, size, "%s%s", digits, strchr(digits, '.') ? "" : ".0");
	}
}

static int add_json_at(yaml_document_t *d, const json_t *v, unsigned depth)
{
	char num[80];

	if (depth > IRSA_YAML_MAX_DEPTH)
		return 0;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		int id = yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);
		const char *key;
		json_t *item;

		json_object_foreach((json_t *)v, key, item) {
			int k = irsa_yaml_add_string(d, key), val = add_json_at(d, item, depth + 1);

			if (!id || !k || !val || !yaml_document_append_mapping_pair(d, id, k, val))
				return 0;
		}
		return id;
	}
	case JSON_ARRAY: {
		int id = yaml_document_add_sequence(d, NULL, YAML_BLOCK_SEQUENCE_STYLE);
		size_t i;
		json_t *item;

		json_array_foreach(v, i, item) {
			int val = add_json_at(d, item, depth + 1);

			if (!id || !val || !yaml_document_append_sequence_item(d, id, val))
				return 0;
		}
		return id;
	}
	case JSON_STRING:
		return irsa_yaml_add_string(d, json_string_value(v));
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return add_plain(d, num);
	case JSON_REAL:
		format_real(json_real_value(v), num, sizeof(num));
		return add_plain(d, num);
	case JSON_TRUE:
		return add_plain(d, "true");
	case JSON_FALSE:
		return add_plain(d, "false");
	case JSON_NULL:
		return add_plain(d, "null");
	}
	return 0;
}

int irsa_yaml_add_json(yaml_document_t *d, const json_t *v)
{
	return add_json_at(d, v, 0);
}

/* ---- emitting ------------------------------------------------------ */

static bool default_tag(const yaml_char_t *tag, const char *def)
{
	return !tag || strcmp((const char *)tag, def) == 0 || strcmp((const char *)tag, "!") == 0;
}

/* The scalar's event: its tag is written only when the text alone would
 * not read back as the same type. */
static int scalar_event(yaml_event_t *ev, const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	yaml_scalar_style_t style = n->data.scalar.style;

	if (untagged_plain(n)) {
		/* an empty plain null cannot always be written plain */
		if (!len)
			v = "null";
		return yaml_scalar_event_initialize(ev, NULL, NULL, (yaml_char_t *)v, (int)strlen(v), 1,
						    irsa_yaml_plain_safe(v, strlen(v)), YAML_PLAIN_SCALAR_STYLE);
	}
	if (default_tag(n->tag, YAML_DEFAULT_SCALAR_TAG)) {
		bool plain = irsa_yaml_plain_safe(v, len);

		if (style == YAML_PLAIN_SCALAR_STYLE && !plain)
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		return yaml_scalar_event_initialize(ev, NULL, NULL, (yaml_char_t *)v, (int)len, plain, 1,
						    style);
	}
	return yaml_scalar_event_initialize(ev, NULL, n->tag, (yaml_char_t *)v, (int)len, 0, 0, style);
}

static int emit_at(yaml_emitter_t *e, yaml_document_t *d, int id, unsigned depth)
{
	yaml_node_t *n = irsa_yaml_node(d, id);
	yaml_event_t ev;
	bool def;

	if (!n || depth > IRSA_YAML_MAX_DEPTH + 1)
		return 0;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return scalar_event(&ev, n) && yaml_emitter_emit(e, &ev);
	case YAML_MAPPING_NODE: {
		size_t np = irsa_yaml_map_size(d, id);

		def = default_tag(n->tag, YAML_DEFAULT_MAPPING_TAG);
		if (!yaml_mapping_start_event_initialize(&ev, NULL, def ? NULL : n->tag, def,
							 n->data.mapping.style) ||
		    !yaml_emitter_emit(e, &ev))
			return 0;
		for (size_t i = 0; i < np; i++) {
			yaml_node_pair_t p = irsa_yaml_node(d, id)->data.mapping.pairs.start[i];

			if (!emit_at(e, d, p.key, depth + 1) || !emit_at(e, d, p.value, depth + 1))
				return 0;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	}
	case YAML_SEQUENCE_NODE: {
		size_t ni = irsa_yaml_seq_size(d, id);

		def = default_tag(n->tag, YAML_DEFAULT_SEQUENCE_TAG);
		if (!yaml_sequence_start_event_initialize(&ev, NULL, def ? NULL : n->tag, def,
							  n->data.sequence.style) ||
		    !yaml_emitter_emit(e, &ev))
			return 0;
		for (size_t i = 0; i < ni; i++)
			if (!emit_at(e, d, irsa_yaml_node(d, id)->data.sequence.items.start[i], depth + 1))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	}
	default:
		return 0;
	}
}

static int to_buf(void *data, unsigned char *bytes, size_t n)
{
	irsa_buf_append(data, bytes, n);
	return 1;
}

int irsa_yaml_emit_node(yaml_document_t *d, int id, int indent, struct irsa_buf *out)
{
	struct irsa_buf raw = IRSA_BUF_INIT;
	yaml_emitter_t e;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&e))
		return -1;
	yaml_emitter_set_output(&e, to_buf, &raw);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_indent(&e, indent > 0 ? indent : 2);
	yaml_emitter_set_break(&e, YAML_LN_BREAK);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&e, &ev);
	ok = ok && yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&e, &ev);
	ok = ok && emit_at(&e, d, id, 0);
	ok = ok && yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev);
	ok = ok && yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev);
	ok = ok && yaml_emitter_flush(&e);
	yaml_emitter_delete(&e);
	if (ok) {
		/* the end marker libyaml adds after an open-ended scalar */
		if (raw.len >= 4 && memcmp(raw.data + raw.len - 4, "...\n", 4) == 0 &&
		    (raw.len == 4 || raw.data[raw.len - 5] == '\n'))
			raw.len -= 4;
		irsa_buf_append(out, raw.data, raw.len);
	}
	irsa_buf_release(&raw);
	return ok ? 0 : -1;
}

int irsa_yaml_emit_json(const json_t *v, struct irsa_buf *out, struct irsa_error *err)
{
	yaml_document_t d;
	int root, r;

	if (!yaml_document_initialize(&d, NULL, NULL, NULL, 1, 1))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write YAML: out of memory");
	root = irsa_yaml_add_json(&d, v);
	r = root ? irsa_yaml_emit_node(&d, root, 2, out) : -1;
	yaml_document_delete(&d);
	if (r < 0)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "cannot write YAML (out of memory, invalid UTF-8 or nested "
				      "deeper than %u levels)", IRSA_YAML_MAX_DEPTH);
	return 0;
}
