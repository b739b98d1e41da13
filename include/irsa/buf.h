#pragma once
/* A growable byte buffer, always NUL-terminated after irsa_buf_init().
 * The caller owns the struct; irsa_buf_release() frees the contents,
 * irsa_buf_detach() hands the string to the caller (free() it). */
#include <stddef.h>
#include "irsa/macro.h"

struct irsa_buf {
	char *data;
	size_t len;
	size_t cap;
};

#define IRSA_BUF_INIT { NULL, 0, 0 }

void irsa_buf_init(struct irsa_buf *b);
void irsa_buf_release(struct irsa_buf *b);
/* Release and zero the memory first; for buffers that held secrets. */
void irsa_buf_release_secure(struct irsa_buf *b);
void irsa_buf_reset(struct irsa_buf *b);
char *irsa_buf_detach(struct irsa_buf *b);
void irsa_buf_append(struct irsa_buf *b, const void *data, size_t len);
void irsa_buf_puts(struct irsa_buf *b, const char *s);
void irsa_buf_putc(struct irsa_buf *b, char c);
void irsa_buf_printf(struct irsa_buf *b, const char *fmt, ...) _printf_(2, 3);
/* Returns "" for a never-written buffer, so it is always a valid string. */
const char *irsa_buf_str(const struct irsa_buf *b);

static inline void irsa_buf_releasep(struct irsa_buf *b) { irsa_buf_release(b); }
#define _cleanup_buf_ _cleanup_(irsa_buf_releasep)
