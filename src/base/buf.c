#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/buf.h"
#include "irsa/alloc.h"

void irsa_buf_init(struct irsa_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void irsa_buf_release(struct irsa_buf *b)
{
	free(b->data);
	irsa_buf_init(b);
}

void irsa_buf_release_secure(struct irsa_buf *b)
{
	if (b->data)
		irsa_secure_zero(b->data, b->cap);
	irsa_buf_release(b);
}

void irsa_buf_reset(struct irsa_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *irsa_buf_detach(struct irsa_buf *b)
{
	char *s = b->data ? b->data : irsa_strdup("");

	irsa_buf_init(b);
	return s;
}

static void grow(struct irsa_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = irsa_realloc(b->data, cap);
	b->cap = cap;
}

void irsa_buf_append(struct irsa_buf *b, const void *data, size_t len)
{
	grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void irsa_buf_puts(struct irsa_buf *b, const char *s)
{
	irsa_buf_append(b, s, strlen(s));
}

void irsa_buf_putc(struct irsa_buf *b, char c)
{
	irsa_buf_append(b, &c, 1);
}

/* Formats straight into the buffer (no vsnprintf(NULL, 0, ...) sizing
 * pass: GCC 12 with -fsanitize=address,undefined at -O1/-O3 rejects that
 * with a bogus "null format string" -Werror, and a second pass is only
 * needed when the text does not fit). */
void irsa_buf_printf(struct irsa_buf *b, const char *fmt, ...)
{
	va_list ap, again;
	size_t avail;
	int n;

	grow(b, 64);
	avail = b->cap - b->len;
	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(b->data + b->len, avail, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= avail) {
		grow(b, (size_t)n);
		n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

const char *irsa_buf_str(const struct irsa_buf *b)
{
	return b->data ? b->data : "";
}
