#pragma once
/* Allocation: every function aborts the program on out-of-memory (the
 * tool cannot do anything useful then), so callers never check for NULL.
 * Secrets are zeroed before they are freed. */
#include <stdarg.h>
#include <stddef.h>
#include "irsa/macro.h"

/* strdup that aborts on OOM (the tool cannot do anything useful then). */
char *irsa_strdup(const char *s);
char *irsa_strndup(const char *s, size_t n);
void *irsa_malloc0(size_t n);
void *irsa_realloc(void *p, size_t n);
char *irsa_asprintf(const char *fmt, ...) _printf_(1, 2);
char *irsa_vasprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* Secure zeroing that the compiler cannot remove. */
void irsa_secure_zero(void *p, size_t n);
/* free() after zeroing strlen(s) bytes. */
void irsa_free_secret(char *s);
