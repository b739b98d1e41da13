#pragma once
/* Error details filled by engine functions that return -1.
 *
 * Every engine function that can fail returns 0 on success and -1 on
 * failure, and fills the caller's struct irsa_error (which may be NULL).
 * The CLI prints err->message once and exits with irsa_error_exit_code(). */
#include <stdarg.h>
#include "irsa/macro.h"

enum irsa_error_kind {
	IRSA_ERR_NONE = 0,
	IRSA_ERR_USAGE,     /* bad flags, bad input, bad configuration */
	IRSA_ERR_AUTH,      /* no credentials, access denied, bad signature */
	IRSA_ERR_NOT_FOUND, /* the thing named does not exist */
	IRSA_ERR_CONFLICT,  /* exists already / in use / owned by someone else */
	IRSA_ERR_THROTTLED, /* rate limited after every retry */
	IRSA_ERR_NETWORK,   /* could not connect, timed out, TLS failure */
	IRSA_ERR_REMOTE,    /* the server answered with an error we cannot fix */
	IRSA_ERR_INTERNAL,  /* a bug, out of memory, an I/O error */
	IRSA_ERR_CHECK_FAILED, /* irsactl verify: a check failed (the link is named) */
};

/* Process exit codes, one per kind; documented in irsactl(1) EXIT STATUS. */
enum irsa_exit_code {
	IRSA_EXIT_OK = 0,
	IRSA_EXIT_INTERNAL = 1,
	IRSA_EXIT_USAGE = 2,
	IRSA_EXIT_AUTH = 3,
	IRSA_EXIT_NOT_FOUND = 4,
	IRSA_EXIT_CONFLICT = 5,
	IRSA_EXIT_THROTTLED = 6,
	IRSA_EXIT_NETWORK = 7,
	IRSA_EXIT_REMOTE = 8,
	IRSA_EXIT_CHECK_FAILED = 9,
};

struct irsa_error {
	enum irsa_error_kind kind;
	char message[1024];  /* one line, lower-case start, no final period */
	char code[128];      /* AWS / Kubernetes error code, "" if none */
	char request_id[128];/* AWS request id, "" if none */
	int http_status;     /* 0 if no HTTP answer */
};

void irsa_error_clear(struct irsa_error *err);

/* Fill err (if not NULL) with kind and a formatted message; returns -1 so
 * callers can write `return irsa_error_set(err, ...)`. */
int irsa_error_set(struct irsa_error *err, enum irsa_error_kind kind,
		   const char *fmt, ...) _printf_(3, 4);
int irsa_error_setv(struct irsa_error *err, enum irsa_error_kind kind,
		    const char *fmt, va_list ap) _printf_(3, 0);

/* Prefix the existing message with more context: "CONTEXT: old message".
 * Returns -1. */
int irsa_error_prefix(struct irsa_error *err, const char *fmt, ...) _printf_(2, 3);

const char *irsa_error_kind_name(enum irsa_error_kind kind);
int irsa_error_exit_code(enum irsa_error_kind kind);
