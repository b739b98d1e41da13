#pragma once
/* YAML, one way for the whole program: one quoting rule, one loader with
 * limits, node helpers with one meaning each, one emitter set-up.
 *
 * Quoting: a string is written plain only when every YAML reader, 1.1
 * (libyaml's resolvers, PyYAML, go-yaml v2 as used by kubectl) and 1.2
 * (core schema), reads the plain text back as that same string; anything
 * that could be a date, a number in any base or with '_', a sexagesimal,
 * a bool (yes/no/on/off/y/n...), null, ~, .inf or .nan, or that has
 * leading or trailing spaces, ': ', ' #', an indicator or a control
 * character, is double-quoted.
 *
 * Loading: libyaml's event parser, composed into yaml_document_t by this
 * module with limits that a hostile file cannot get past: document size,
 * nesting depth (checked while parsing, so libyaml's cost, which grows
 * with the square of the flow nesting depth, stays bounded), and the
 * number of nodes aliases repeat (a "billion laughs" file fails at
 * once). Errors say "WHAT 'NAME' is not valid YAML: line L, column C:
 * ..." (a limit: "WHAT 'NAME' cannot be read: line L, column C: ...").
 *
 * Mappings: when a key appears twice the last value is the one that
 * counts (every YAML reader keeps the last); irsa_yaml_map_get() returns
 * it. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <yaml.h>

#include "irsa/buf.h"
#include "irsa/error.h"

#define IRSA_YAML_MAX_SIZE (4u * 1024u * 1024u)
#define IRSA_YAML_MAX_DEPTH 64u
/* nodes that the aliases of a document may repeat in all (the nodes
 * written out are bounded by the size) */
#define IRSA_YAML_MAX_EXPANDED 1000000u

/* ---- quoting ------------------------------------------------------- */

/* Can s (n bytes) be written as a plain scalar and read back as the same
 * string by YAML 1.1 and 1.2 readers, in block and flow context? */
bool irsa_yaml_plain_safe(const char *s, size_t n);
/* The style to write a string with: plain (ANY) when safe, else double
 * quoted. */
yaml_scalar_style_t irsa_yaml_string_style(const char *s, size_t n);

/* ---- loading ------------------------------------------------------- */

struct irsa_yaml_docs {
	yaml_document_t *doc;
	size_t n;
};

/* Load every document of data[0..len). `what` and `name` name the input
 * in messages ("manifest", "deploy/app.yaml"). A syntax error or a limit
 * is IRSA_ERR_USAGE; out of memory IRSA_ERR_INTERNAL. Empty documents
 * (a bare "---") are kept as documents without a root node; a stream
 * with no document at all gives n == 0. */
int irsa_yaml_load(const char *what, const char *name, const char *data, size_t len,
		   struct irsa_yaml_docs *ret, struct irsa_error *err);
void irsa_yaml_docs_release(struct irsa_yaml_docs *docs);

/* ---- node helpers (ids as libyaml's: 1-based, 0 = none) ------------- */

yaml_node_t *irsa_yaml_node(yaml_document_t *d, int id);
/* The root node's id, 0 for an empty document. */
int irsa_yaml_root(yaml_document_t *d);
/* The scalar's text, NULL when id is not a scalar. */
const char *irsa_yaml_scalar(yaml_document_t *d, int id);
/* A node that YAML reads as null: a plain untagged "", "~", "null",
 * "Null" or "NULL". False for id 0 (absent): callers that treat a missing
 * key like a null one say so (`!id || irsa_yaml_is_null(d, id)`). */
bool irsa_yaml_is_null(yaml_document_t *d, int id);
/* A scalar that YAML reads as a string: quoted or block style, or plain
 * text that irsa_yaml_plain_safe() accepts. */
bool irsa_yaml_is_string(yaml_document_t *d, int id);
bool irsa_yaml_is_map(yaml_document_t *d, int id);
bool irsa_yaml_is_seq(yaml_document_t *d, int id);
size_t irsa_yaml_map_size(yaml_document_t *d, int id);
size_t irsa_yaml_seq_size(yaml_document_t *d, int id);
/* The value of the last pair whose key is the scalar `key` (0 when
 * none); *ret_key (may be NULL) gets that pair's key node. */
int irsa_yaml_map_get(yaml_document_t *d, int map, const char *key, int *ret_key);
/* A key that appears more than once in the mapping, or NULL. */
const char *irsa_yaml_map_duplicate(yaml_document_t *d, int map);
/* Same data as a YAML reader sees it: scalars by text and by whether they
 * read as null / string / other (style otherwise ignored), mappings by
 * their keys' last values whatever the order, sequences item by item. */
bool irsa_yaml_equal(yaml_document_t *da, int a, yaml_document_t *db, int b);
/* Two mappings equal as above, leaving out the keys in skip. */
bool irsa_yaml_map_equal_except(yaml_document_t *da, int a, yaml_document_t *db, int b,
				const char *const *skip, size_t n_skip);

/* ---- building ------------------------------------------------------ */

/* A string scalar styled by the quoting rule; 0 on failure. */
int irsa_yaml_add_string(yaml_document_t *d, const char *s);
/* JSON (objects, arrays, strings, numbers, bools, null) as nodes in block
 * style; returns the node id, 0 on failure (out of memory, too deep). */
int irsa_yaml_add_json(yaml_document_t *d, const json_t *v);

/* ---- emitting ------------------------------------------------------ */

/* Node `id` of d (which the emitter does not change) as one document,
 * appended to out: block style where the nodes say so, `indent` spaces
 * per level (2 when 0), no line wrapping, UTF-8, lines ending in "\n",
 * no "---" or "..." markers. A plain null that libyaml could not write
 * plain (an empty value in flow context) is written "null". */
int irsa_yaml_emit_node(yaml_document_t *d, int id, int indent, struct irsa_buf *out);
/* The JSON value as a block-style YAML document appended to out, so that
 * any YAML 1.1 or 1.2 reader loads what a JSON reader loads. */
int irsa_yaml_emit_json(const json_t *v, struct irsa_buf *out, struct irsa_error *err);
