/* A YAML text edited in place: marks to bytes, lines, one pass of edits
 * (see textedit.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "irsa/alloc.h"
#include "irsa/fileutil.h"
#include "irsa/textedit.h"
#include "irsa/yaml.h"

/* libyaml counts characters (code points; CRLF as two); map them to
 * bytes. */
int irsa_textedit_init(struct irsa_textedit *t, const char *what, const char *name,
		       const char *data, size_t len, struct irsa_error *err)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0, n = 0;

	memset(t, 0, sizeof(*t));
	t->what = what;
	t->name = name;
	t->data = data;
	t->len = len;
	t->nl = irsa_textedit_first_break(data, len);
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	else if (len >= 2 && (memcmp(p, "\xFF\xFE", 2) == 0 || memcmp(p, "\xFE\xFF", 2) == 0))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s '%s' is UTF-16; irsactl edits UTF-8 files only", what, name);
	t->off = irsa_malloc0((len + 2) * sizeof(size_t));
	while (i < len) {
		size_t w = p[i] < 0x80 ? 1 : (p[i] & 0xE0) == 0xC0 ? 2 : (p[i] & 0xF0) == 0xE0 ? 3 : 4;

		t->off[n++] = i;
		i += w;
	}
	t->off[n] = len;
	t->nchar = n;
	return 0;
}

void irsa_textedit_release(struct irsa_textedit *t)
{
	if (!t)
		return;
	irsa_textedit_drop(t, 0);
	free(t->edits);
	free(t->off);
	t->edits = NULL;
	t->off = NULL;
	t->nchar = 0;
}

const char *irsa_textedit_first_break(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n')
			return "\n";
		if (data[i] == '\r')
			return i + 1 < len && data[i + 1] == '\n' ? "\r\n" : "\r";
	}
	return "\n";
}

/* ---- positions ------------------------------------------------------ */

size_t irsa_textedit_byte(const struct irsa_textedit *t, yaml_mark_t mark)
{
	return t->off && mark.index <= t->nchar ? t->off[mark.index] : t->len;
}

int irsa_textedit_last_leaf(yaml_document_t *d, int id)
{
	for (unsigned depth = 0; depth < IRSA_YAML_MAX_DEPTH; depth++) {
		yaml_node_t *n = irsa_yaml_node(d, id);

		if (n && n->type == YAML_MAPPING_NODE && n->data.mapping.style != YAML_FLOW_MAPPING_STYLE &&
		    n->data.mapping.pairs.top > n->data.mapping.pairs.start)
			id = (n->data.mapping.pairs.top - 1)->value;
		else if (n && n->type == YAML_SEQUENCE_NODE &&
			 n->data.sequence.style != YAML_FLOW_SEQUENCE_STYLE &&
			 n->data.sequence.items.top > n->data.sequence.items.start)
			id = *(n->data.sequence.items.top - 1);
		else
			break;
	}
	return id;
}

size_t irsa_textedit_node_end(const struct irsa_textedit *t, yaml_document_t *d, int id)
{
	return irsa_textedit_byte(t, irsa_yaml_node(d, irsa_textedit_last_leaf(d, id))->end_mark);
}

/* ---- lines ---------------------------------------------------------- */

bool irsa_textedit_break_before(const struct irsa_textedit *t, size_t p)
{
	if (p == 0 || p > t->len)
		return false;
	return t->data[p - 1] == '\n' ||
	       (t->data[p - 1] == '\r' && (p == t->len || t->data[p] != '\n'));
}

size_t irsa_textedit_line_start(const struct irsa_textedit *t, size_t p)
{
	while (p > 0 && !irsa_textedit_break_before(t, p))
		p--;
	return p;
}

size_t irsa_textedit_line_after(const struct irsa_textedit *t, size_t p, bool *ret_need_nl)
{
	*ret_need_nl = false;
	if (irsa_textedit_break_before(t, p))
		return p;
	for (size_t q = p; q < t->len; q++) {
		if (t->data[q] == '\n')
			return q + 1;
		if (t->data[q] == '\r')
			return q + 1 < t->len && t->data[q + 1] == '\n' ? q + 2 : q + 1;
	}
	*ret_need_nl = t->len > 0;
	return t->len;
}

size_t irsa_textedit_column(const struct irsa_textedit *t, size_t p)
{
	return p - irsa_textedit_line_start(t, p);
}

bool irsa_textedit_only_spaces(const struct irsa_textedit *t, size_t from, size_t to)
{
	for (size_t i = from; i < to && i < t->len; i++)
		if (t->data[i] != ' ')
			return false;
	return true;
}

/* ---- edits ---------------------------------------------------------- */

void irsa_textedit_add(struct irsa_textedit *t, size_t start, size_t end, char *text,
		       size_t rank)
{
	t->edits = irsa_realloc(t->edits, (t->n_edits + 1) * sizeof(*t->edits));
	t->edits[t->n_edits] = (struct irsa_textedit_edit){ start, end, text, rank, t->n_edits };
	t->n_edits++;
}

void irsa_textedit_drop(struct irsa_textedit *t, size_t from)
{
	while (t->n_edits > from)
		free(t->edits[--t->n_edits].text);
}

static int cmp_edit(const void *a, const void *b)
{
	const struct irsa_textedit_edit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int irsa_textedit_apply(struct irsa_textedit *t, struct irsa_buf *out, struct irsa_error *err)
{
	size_t at = 0;

	if (t->n_edits)
		qsort(t->edits, t->n_edits, sizeof(*t->edits), cmp_edit);
	for (size_t i = 0; i < t->n_edits; i++) {
		const struct irsa_textedit_edit *e = &t->edits[i];

		if (e->start < at || e->end < e->start || e->end > t->len)
			return irsa_error_set(err, IRSA_ERR_INTERNAL,
					      "cannot edit %s '%s': overlapping changes (a bug; the "
					      "file was not changed)", t->what, t->name);
		irsa_buf_append(out, t->data + at, e->start - at);
		irsa_buf_puts(out, e->text);
		at = e->end;
	}
	irsa_buf_append(out, t->data + at, t->len - at);
	return 0;
}

/* ---- a file edited in place ----------------------------------------- */

int irsa_textedit_file_read(const char *path, const char *what, const char *missing_hint,
			    struct irsa_textedit_file *ret, struct irsa_error *err)
{
	struct stat st;

	memset(ret, 0, sizeof(*ret));
	ret->real = realpath(path, NULL);
	if (!ret->real) {
		if (errno == ENOENT)
			return irsa_error_set(err, IRSA_ERR_NOT_FOUND, "%s '%s' does not exist; %s",
					      what, path, missing_hint);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read %s '%s': %s", what, path,
				      strerror(errno));
	}
	if (stat(ret->real, &st) < 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read %s '%s': %s", what, path,
				      strerror(errno));
	if (!S_ISREG(st.st_mode))
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' is not a regular file", what,
				      path);
	ret->mode = st.st_mode & 07777;
	return irsa_file_read(ret->real, IRSA_YAML_MAX_SIZE, what, &ret->text, err);
}

int irsa_textedit_file_write(const struct irsa_textedit_file *f, const char *data, size_t len,
			     struct irsa_error *err)
{
	return irsa_file_write_atomic(f->real, data, len, (mode_t)f->mode, err);
}

void irsa_textedit_file_release(struct irsa_textedit_file *f)
{
	if (!f)
		return;
	free(f->real);
	irsa_buf_release(&f->text);
	memset(f, 0, sizeof(*f));
}
