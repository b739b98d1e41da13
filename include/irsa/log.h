#pragma once
/* Logging to stderr. The level is the one global mutable state allowed.
 * Engine code logs only at debug level; the CLI reports errors itself. */
#include <stdbool.h>
#include "irsa/macro.h"

enum irsa_log_level {
	IRSA_LOG_QUIET = 0, /* errors only */
	IRSA_LOG_INFO = 1,  /* progress and warnings (default) */
	IRSA_LOG_DEBUG = 2, /* requests, provider choices */
};

extern enum irsa_log_level irsa_log_level;

bool irsa_log_enabled(enum irsa_log_level level);
void irsa_log_debug(const char *fmt, ...) _printf_(1, 2);
void irsa_log_info(const char *fmt, ...) _printf_(1, 2);
/* "irsactl: warning: ..." unless quiet. */
void irsa_log_warn(const char *fmt, ...) _printf_(1, 2);
/* "irsactl: error: ..." always. */
void irsa_log_error(const char *fmt, ...) _printf_(1, 2);

/* True for header names whose values are secret (Authorization,
 * X-Amz-Security-Token, X-aws-ec2-metadata-token, Cookie ...). */
bool irsa_log_header_is_secret(const char *name);
/* Copy url into out (size outlen) with the values of secret query
 * parameters (X-Amz-Signature, X-Amz-Security-Token, X-Amz-Credential ...)
 * replaced by "REDACTED". */
void irsa_log_redact_url(const char *url, char *out, size_t outlen);
