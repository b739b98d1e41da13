#pragma once
/* ServiceAccount YAML: render a new document, and merge the spec into an
 * existing multi-document manifest in place.
 *
 * Everything goes through libyaml (parser and emitter); nothing is
 * hand-parsed. The merge edits the original bytes: libyaml's marks locate
 * the ServiceAccount document, its metadata and its annotations/labels
 * mappings, and only the values irsactl owns are replaced, inserted or
 * deleted, each rendered by libyaml's emitter. Every other document and
 * every other line (comments included) keeps its bytes. Only when the
 * mapping to change is written in flow style ({...}), or holds something
 * that cannot be edited line by line, is that one mapping re-emitted
 * (comments inside it are then lost). Line breaks may be LF, CRLF or a
 * bare CR (YAML's three).
 *
 * Loading goes through irsa/yaml.h (limits on size, nesting, aliases).
 * A file whose documents are not all Kubernetes objects (a mapping with
 * apiVersion and kind; empty documents are fine) is refused, and so is a
 * change to a ServiceAccount whose edited mappings repeat a key. After
 * every edit the result is read back: every document, and every key of
 * the ServiceAccount outside its annotations and labels, must read the
 * same as before, else nothing is written (IRSA_ERR_INTERNAL).
 *
 * Matching: the ServiceAccount document (apiVersion v1, kind
 * ServiceAccount) with the spec's name and metadata.namespace equal to the
 * spec's namespace; failing that, one with that name and no namespace at
 * all (a namespace-less manifest gets its namespace at deploy time, from
 * `kubectl apply -n` or kustomize), which is then left without one. More
 * than one equally good match is an error. No match: a new document is
 * appended. kind: List documents are not searched. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "irsa/error.h"
#include "irsa/serviceaccount.h"

/* The new ServiceAccount document (irsa_sa_spec_object()) as YAML, block
 * style, every value quoted where it would not read back as a string.
 * *ret is malloc'd (caller frees). */
int irsa_manifest_render(const struct irsa_sa_spec *s, char **ret, struct irsa_error *err);
/* Any JSON object as YAML the same way (for tests and the CLI). */
int irsa_manifest_render_json(const json_t *obj, char **ret, struct irsa_error *err);

struct irsa_manifest_result {
	enum irsa_sa_status status; /* created = appended, updated, unchanged */
	char *data;                 /* the new manifest text (owned) */
	size_t len;
	unsigned document;          /* 1-based number of the changed/added document */
	bool reemitted;             /* a mapping was re-emitted (its comments lost) */
	json_t *annotations;        /* the document's annotations afterwards (owned) */
	json_t *labels;             /* and labels (owned) */
};
void irsa_manifest_result_release(struct irsa_manifest_result *r);

/* Merge into the manifest text data[0..len). `name` names it in messages
 * (a path). A malformed manifest is IRSA_ERR_USAGE with line and column;
 * the --overwrite rule is IRSA_ERR_CONFLICT (irsa_sa_check()). A second
 * merge of the same spec into the result gives the same bytes and status
 * unchanged. */
int irsa_manifest_merge(const char *name, const char *data, size_t len,
			const struct irsa_sa_spec *s, bool overwrite,
			struct irsa_manifest_result *ret, struct irsa_error *err);

/* -f: read path, merge, and (unless dry_run or unchanged) write it back
 * atomically (temp file + rename) with the file's mode and owner; a
 * symlink's target is written. A missing file is IRSA_ERR_NOT_FOUND;
 * anything but a regular file, or a file that is not Kubernetes
 * manifests (every document a mapping with apiVersion and kind), is
 * IRSA_ERR_USAGE. */
int irsa_manifest_update_file(const char *path, const struct irsa_sa_spec *s, bool overwrite,
			      bool dry_run, struct irsa_manifest_result *ret,
			      struct irsa_error *err);

/* -o: write the rendered document to path atomically with mode 0644,
 * replacing the file (status created / updated, or unchanged when the
 * bytes are the same, in which case nothing is written). A FIFO or a
 * device (/dev/stdout) gets the document written into it (created); any
 * other non-regular file is an error (irsa_file_write_output()). */
int irsa_manifest_write_file(const char *path, const struct irsa_sa_spec *s, bool dry_run,
			     struct irsa_manifest_result *ret, struct irsa_error *err);
