#include <stdio.h>
#include <string.h>

#include "irsa/error.h"

void irsa_error_clear(struct irsa_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int irsa_error_setv(struct irsa_error *err, enum irsa_error_kind kind,
		    const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->kind = kind;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	return -1;
}

int irsa_error_set(struct irsa_error *err, enum irsa_error_kind kind,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	irsa_error_setv(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int irsa_error_prefix(struct irsa_error *err, const char *fmt, ...)
{
	char prefix[512];
	size_t plen, mlen;
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	strcat(prefix, ": ");
	plen = strlen(prefix);
	mlen = strlen(err->message);
	if (plen + mlen >= sizeof(err->message))
		mlen = sizeof(err->message) - plen - 1;
	memmove(err->message + plen, err->message, mlen);
	memcpy(err->message, prefix, plen);
	err->message[plen + mlen] = '\0';
	if (err->kind == IRSA_ERR_NONE)
		err->kind = IRSA_ERR_INTERNAL;
	return -1;
}

static const struct {
	const char *name;
	int exit_code;
} kinds[] = {
	[IRSA_ERR_NONE] = { "none", IRSA_EXIT_OK },
	[IRSA_ERR_USAGE] = { "usage", IRSA_EXIT_USAGE },
	[IRSA_ERR_AUTH] = { "auth", IRSA_EXIT_AUTH },
	[IRSA_ERR_NOT_FOUND] = { "not-found", IRSA_EXIT_NOT_FOUND },
	[IRSA_ERR_CONFLICT] = { "conflict", IRSA_EXIT_CONFLICT },
	[IRSA_ERR_THROTTLED] = { "throttled", IRSA_EXIT_THROTTLED },
	[IRSA_ERR_NETWORK] = { "network", IRSA_EXIT_NETWORK },
	[IRSA_ERR_REMOTE] = { "remote", IRSA_EXIT_REMOTE },
	[IRSA_ERR_INTERNAL] = { "internal", IRSA_EXIT_INTERNAL },
	[IRSA_ERR_CHECK_FAILED] = { "check-failed", IRSA_EXIT_CHECK_FAILED },
};

const char *irsa_error_kind_name(enum irsa_error_kind kind)
{
	if ((unsigned)kind >= ARRAY_SIZE(kinds))
		return "internal";
	return kinds[kind].name;
}

int irsa_error_exit_code(enum irsa_error_kind kind)
{
	if ((unsigned)kind >= ARRAY_SIZE(kinds))
		return IRSA_EXIT_INTERNAL;
	return kinds[kind].exit_code;
}
