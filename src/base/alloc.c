/* Allocation that aborts on OOM, and zeroing of secrets. The bottom of
 * base: buffers and string helpers both build on it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "irsa/alloc.h"

static void oom(void)
{
	fputs("irsactl: error: out of memory\n", stderr);
	abort();
}

char *irsa_strdup(const char *s)
{
	char *r = strdup(s ? s : "");

	if (!r)
		oom();
	return r;
}

char *irsa_strndup(const char *s, size_t n)
{
	char *r = strndup(s, n);

	if (!r)
		oom();
	return r;
}

void *irsa_malloc0(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *irsa_realloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);

	if (!r)
		oom();
	return r;
}

char *irsa_vasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *irsa_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = irsa_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void irsa_secure_zero(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}

void irsa_free_secret(char *s)
{
	if (!s)
		return;
	irsa_secure_zero(s, strlen(s));
	free(s);
}
