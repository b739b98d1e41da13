#pragma once
/* AWS Signature Version 4: header signing and presigned URLs.
 *
 * Pure functions: the signing time is an input, nothing reads the clock.
 * The stages are public so tests can compare each one byte for byte:
 *   irsa_sigv4_prepare()           adds X-Amz-Date / X-Amz-Security-Token /
 *                                  x-amz-content-sha256 headers, or the
 *                                  X-Amz-* query parameters in query mode
 *   irsa_sigv4_canonical_request() the canonical request and the
 *                                  signed-headers list
 *   irsa_sigv4_string_to_sign()
 *   irsa_sigv4_signature()         hex HMAC with the derived key
 *   irsa_sigv4_finish()            adds Authorization, or X-Amz-Signature
 * irsa_sigv4_sign() runs them all.
 *
 * The host header is signed from req->authority when the request has no
 * Host header. user-agent, x-amzn-trace-id, transfer-encoding, expect,
 * connection and upgrade are never signed. cfg must be valid for the
 * stages after prepare (prepare checks it). */
#include <stdbool.h>
#include <time.h>
#include "irsa/buf.h"
#include "irsa/credentials.h"
#include "irsa/error.h"
#include "irsa/http.h"

enum irsa_sigv4_mode {
	IRSA_SIGV4_HEADER = 0, /* Authorization header */
	IRSA_SIGV4_QUERY,      /* presigned URL */
};

enum irsa_sigv4_flags {
	IRSA_SIGV4_NORMALIZE_PATH = 1 << 0, /* remove dot segments, collapse '//' */
	IRSA_SIGV4_DOUBLE_ENCODE = 1 << 1,  /* encode the wire path again (non-S3) */
	IRSA_SIGV4_OMIT_SESSION_TOKEN = 1 << 2, /* add the token after signing */
	IRSA_SIGV4_CONTENT_SHA256 = 1 << 3, /* add and sign x-amz-content-sha256 */
};

/* The usual flags for IAM, STS and EKS. */
#define IRSA_SIGV4_DEFAULT_FLAGS (IRSA_SIGV4_NORMALIZE_PATH | IRSA_SIGV4_DOUBLE_ENCODE)

struct irsa_sigv4_config {
	const char *region;
	const char *service;
	time_t time;             /* signing time, UTC */
	enum irsa_sigv4_mode mode;
	unsigned expires;        /* X-Amz-Expires in query mode */
	unsigned flags;          /* enum irsa_sigv4_flags */
	const char *body_hash;   /* hex payload hash override, NULL = hash body */
	const struct irsa_credentials *creds;
};

int irsa_sigv4_prepare(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
		       struct irsa_error *err);
/* Fills out with the canonical request and signed_headers with
 * "host;x-amz-date;..." (both appended). */
int irsa_sigv4_canonical_request(const struct irsa_sigv4_config *cfg,
				 const struct irsa_request *req, struct irsa_buf *out,
				 struct irsa_buf *signed_headers, struct irsa_error *err);
void irsa_sigv4_string_to_sign(const struct irsa_sigv4_config *cfg,
			       const char *canonical_request, struct irsa_buf *out);
/* 64 hex digits + NUL into hex_out. */
void irsa_sigv4_signature(const struct irsa_sigv4_config *cfg, const char *string_to_sign,
			  char hex_out[65]);
int irsa_sigv4_finish(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
		      const char *signed_headers, const char *signature,
		      struct irsa_error *err);

/* All stages. Rejects requests that already carry Authorization,
 * X-Amz-Date, or X-Amz-Signature/-Credential/-Algorithm/-SignedHeaders. */
int irsa_sigv4_sign(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
		    struct irsa_error *err);

/* "20150830T123600Z" into out (17 bytes). */
void irsa_sigv4_format_time(time_t t, char out[17]);
