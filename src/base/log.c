#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "irsa/log.h"

enum irsa_log_level irsa_log_level = IRSA_LOG_INFO;

bool irsa_log_enabled(enum irsa_log_level level)
{
	return irsa_log_level >= level;
}

static void vlog(const char *prefix, const char *fmt, va_list ap) _printf_(2, 0);
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "irsactl: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void irsa_log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!irsa_log_enabled(IRSA_LOG_DEBUG))
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

void irsa_log_info(const char *fmt, ...)
{
	va_list ap;

	if (!irsa_log_enabled(IRSA_LOG_INFO))
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void irsa_log_warn(const char *fmt, ...)
{
	va_list ap;

	if (!irsa_log_enabled(IRSA_LOG_INFO))
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void irsa_log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

bool irsa_log_header_is_secret(const char *name)
{
	static const char *const secret[] = {
		"authorization", "x-amz-security-token", "x-aws-ec2-metadata-token",
		"cookie", "set-cookie", "proxy-authorization", "x-amz-sso_bearer_token",
	};

	for (size_t i = 0; i < ARRAY_SIZE(secret); i++)
		if (strcasecmp(name, secret[i]) == 0)
			return true;
	return false;
}

static bool query_key_is_secret(const char *key, size_t len)
{
	static const char *const secret[] = {
		"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential",
		"WebIdentityToken", "SecretAccessKey",
	};

	for (size_t i = 0; i < ARRAY_SIZE(secret); i++)
		if (strlen(secret[i]) == len && strncasecmp(key, secret[i], len) == 0)
			return true;
	return false;
}

void irsa_log_redact_url(const char *url, char *out, size_t outlen)
{
	const char *q = strchr(url, '?');
	size_t o = 0;

	if (!outlen)
		return;
#define PUT(c) do { if (o + 1 < outlen) out[o++] = (c); } while (0)
	for (const char *p = url; *p && (!q || p <= q); p++)
		PUT(*p);
	if (q) {
		const char *p = q + 1;

		while (*p) {
			const char *amp = strchr(p, '&');
			const char *end = amp ? amp : p + strlen(p);
			const char *eq = memchr(p, '=', (size_t)(end - p));
			size_t klen = eq ? (size_t)(eq - p) : (size_t)(end - p);

			for (size_t i = 0; i < klen; i++)
				PUT(p[i]);
			if (eq) {
				PUT('=');
				if (query_key_is_secret(p, klen)) {
					for (const char *r = "REDACTED"; *r; r++)
						PUT(*r);
				} else {
					for (const char *v = eq + 1; v < end; v++)
						PUT(*v);
				}
			}
			if (!amp)
				break;
			PUT('&');
			p = amp + 1;
		}
	}
#undef PUT
	out[o] = '\0';
}
