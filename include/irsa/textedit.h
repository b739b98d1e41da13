#pragma once
/* Editing a YAML text in place: libyaml's marks located in the original
 * bytes, line helpers, and a list of edits (bytes [start, end) of the
 * original replaced by a text) applied in one pass. The manifest merge
 * (manifest.h) and the Helm values merge (helm_values.h) splice rendered
 * YAML into the user's file this way, so every byte they do not edit
 * stays as it was.
 *
 * Line breaks are YAML's three: "\n", "\r\n" and a bare "\r"; the middle
 * of a "\r\n" is no line start. The text must be UTF-8 (with or without a
 * byte order mark): libyaml's marks count characters, which are mapped to
 * bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "irsa/buf.h"
#include "irsa/error.h"

struct irsa_textedit_edit {
	size_t start, end; /* the bytes replaced, [start, end) of the original */
	char *text;        /* owned */
	size_t rank;       /* edits at the same start: the higher rank first, */
	size_t seq;        /* then in the order they were added */
};

struct irsa_textedit {
	const char *what;  /* what the text is, for messages: "manifest" */
	const char *name;  /* its name (a path), for messages */
	const char *data;  /* the original, len bytes (borrowed) */
	size_t len;
	const char *nl;    /* the text's line break: its first one, "\n" when none */
	size_t *off;       /* libyaml character index -> byte offset */
	size_t nchar;
	struct irsa_textedit_edit *edits;
	size_t n_edits;
};

/* Index data[0..len) (borrowed: it must outlive t). A UTF-16 text (by its
 * byte order mark) is IRSA_ERR_USAGE naming what and name. Release t with
 * irsa_textedit_release(), also after a failure; a zeroed struct may be
 * released too. */
int irsa_textedit_init(struct irsa_textedit *t, const char *what, const char *name,
		       const char *data, size_t len, struct irsa_error *err);
/* Frees the edits and the index (not the text). */
void irsa_textedit_release(struct irsa_textedit *t);

/* The file's line break: its first one, "\n" when it has none. */
const char *irsa_textedit_first_break(const char *data, size_t len);

/* The byte offset of a libyaml mark (the end of the text past it). */
size_t irsa_textedit_byte(const struct irsa_textedit *t, yaml_mark_t mark);
/* The last leaf of node id: a block collection's own end mark lies at the
 * next token, past comments, so the text of the collection ends with its
 * last leaf's. Flow collections and scalars are their own last leaf. */
int irsa_textedit_last_leaf(yaml_document_t *d, int id);
/* The byte where the text of node id ends (its last leaf's end). */
size_t irsa_textedit_node_end(const struct irsa_textedit *t, yaml_document_t *d, int id);

/* Does a line break end just before byte p? */
bool irsa_textedit_break_before(const struct irsa_textedit *t, size_t p);
/* The start of the line byte p is on. */
size_t irsa_textedit_line_start(const struct irsa_textedit *t, size_t p);
/* The start of the line after byte p (p itself when it starts a line);
 * *ret_need_nl when the text ends there without a line break (and is not
 * empty), so an insertion there must begin with one. */
size_t irsa_textedit_line_after(const struct irsa_textedit *t, size_t p, bool *ret_need_nl);
/* Byte p's column (bytes from its line's start). */
size_t irsa_textedit_column(const struct irsa_textedit *t, size_t p);
/* Are bytes [from, to) all spaces? */
bool irsa_textedit_only_spaces(const struct irsa_textedit *t, size_t from, size_t to);

/* Replace [start, end) by text (taken, malloc'd). Insertions (start ==
 * end) at one place come out in order of rank (highest first), then in
 * the order added. */
void irsa_textedit_add(struct irsa_textedit *t, size_t start, size_t end, char *text,
		       size_t rank);
/* Drop the edits added since there were `from` of them. */
void irsa_textedit_drop(struct irsa_textedit *t, size_t from);
/* The text with every edit made, appended to out. Edits that overlap are
 * IRSA_ERR_INTERNAL (a bug in the caller; nothing should be written). */
int irsa_textedit_apply(struct irsa_textedit *t, struct irsa_buf *out, struct irsa_error *err);

/* ---- a file edited in place ----------------------------------------- */

struct irsa_textedit_file {
	char *real;           /* the path resolved (a symlink's target) */
	unsigned mode;        /* its permission bits, kept when written back */
	struct irsa_buf text; /* its contents */
};

/* Read the regular file at path (at most IRSA_YAML_MAX_SIZE bytes). A
 * missing file is IRSA_ERR_NOT_FOUND "WHAT 'PATH' does not exist;
 * MISSING_HINT"; anything but a regular file, or a file that cannot be
 * read, IRSA_ERR_USAGE. Release with irsa_textedit_file_release(), also
 * after a failure. */
int irsa_textedit_file_read(const char *path, const char *what, const char *missing_hint,
			    struct irsa_textedit_file *ret, struct irsa_error *err);
/* Replace the file's contents atomically, with its mode (irsa_file_write_atomic()). */
int irsa_textedit_file_write(const struct irsa_textedit_file *f, const char *data, size_t len,
			     struct irsa_error *err);
void irsa_textedit_file_release(struct irsa_textedit_file *f);
