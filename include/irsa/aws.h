#pragma once
/* The AWS session: region, partition, profile, endpoints, credentials,
 * the HTTP client and the retry policy, shared by every service call in
 * one run. Services (sts, iam, eks) call irsa_aws_json() and, for the
 * XML Query APIs, irsa_aws_query() (src/aws/query.h, private: the XML
 * parser stays inside the engine); they never touch HTTP or signing.
 *
 * Tests drive the whole session without a network through the HTTP seam:
 * irsa_http_set_transport(irsa_aws_http(aws), ...). */
#include <stdbool.h>
#include <time.h>
#include <jansson.h>
#include "irsa/aws_config.h"
#include "irsa/credentials.h"
#include "irsa/endpoints.h"
#include "irsa/env.h"
#include "irsa/error.h"
#include "irsa/http.h"
#include "irsa/params.h"

struct irsa_aws_options {
	const char *profile;  /* --profile; NULL = AWS_PROFILE or "default" */
	const char *region;   /* --region; NULL = AWS_REGION, AWS_DEFAULT_REGION, profile */
	const struct irsa_env_ops *ops;
};

struct irsa_aws;

/* Loads the shared config files and resolves the region (no network, no
 * credentials yet). Fails with IRSA_ERR_USAGE for an unknown explicit
 * profile, a malformed config file, or an invalid region. */
int irsa_aws_new(const struct irsa_aws_options *opts, struct irsa_aws **ret,
		 struct irsa_error *err);
struct irsa_aws *irsa_aws_free(struct irsa_aws *aws);
static inline void irsa_aws_freep(struct irsa_aws **a) { irsa_aws_free(*a); }

/* Accessors; strings borrowed from aws. */
const char *irsa_aws_region(const struct irsa_aws *aws);
const struct irsa_partition *irsa_aws_partition(const struct irsa_aws *aws);
const char *irsa_aws_profile_name(const struct irsa_aws *aws);
bool irsa_aws_profile_explicit(const struct irsa_aws *aws);
const struct irsa_config *irsa_aws_config(const struct irsa_aws *aws);
struct irsa_http *irsa_aws_http(struct irsa_aws *aws);
/* Load what every request needs (libcurl) now, on this thread: a program
 * that sends requests from several threads calls it before starting them.
 * -1 when libcurl cannot be loaded (every request would then fail the same). */
int irsa_aws_global_init(struct irsa_error *err);
/* Close the connections kept open to AWS endpoints (irsa_http_close_connections()). */
void irsa_aws_close_connections(struct irsa_aws *aws);
const char *irsa_aws_getenv(const struct irsa_aws *aws, const char *name);
time_t irsa_aws_now(const struct irsa_aws *aws);
void irsa_aws_sleep_ms(const struct irsa_aws *aws, long ms);
/* HTTP options every AWS request uses (AWS_CA_BUNDLE, timeouts). */
const struct irsa_http_options *irsa_aws_http_options(const struct irsa_aws *aws);
/* The endpoint of a service, with AWS_ENDPOINT_URL_<SERVICE>,
 * AWS_ENDPOINT_URL and the profile's endpoint_url applied. */
int irsa_aws_endpoint(const struct irsa_aws *aws, const char *service,
		      struct irsa_endpoint *ret, struct irsa_error *err);

/* Resolves credentials once (the chain), then returns the cached ones,
 * refreshing them shortly before they expire. Borrowed. */
int irsa_aws_credentials(struct irsa_aws *aws, const struct irsa_credentials **ret,
			 struct irsa_error *err);

/* Call a REST-JSON API (EKS). body may be NULL. *ret is the decoded JSON
 * answer (caller json_decref()s it). */
int irsa_aws_json(struct irsa_aws *aws, const char *service, const char *method,
		  const char *path, const json_t *body, json_t **ret, struct irsa_error *err);

/* One REST-JSON call of a batch (EKS). */
struct irsa_aws_json_call {
	const char *service, *method, *path;
	const json_t *body;               /* may be NULL */
	void *userdata;                   /* the caller's, untouched */
	/* out */
	int rc;
	json_t *ret;                      /* the answer when rc == 0 (json_decref) */
	struct irsa_error err;
};

/* Several REST-JSON calls at once, as irsa_aws_json() makes one: at most
 * irsa_aws_concurrency() in flight, sharing the session's connections
 * and retry quota; each call gets its own outcome. 0 when all succeeded,
 * -1 otherwise (err: the credentials failure or the first call's). */
int irsa_aws_json_many(struct irsa_aws *aws, struct irsa_aws_json_call *calls, size_t n,
		       struct irsa_error *err);

/* How many requests a batch of calls (apply, the reads of one role) may
 * have in flight at once; default 8, at least 1. */
void irsa_aws_set_concurrency(struct irsa_aws *aws, size_t n);
size_t irsa_aws_concurrency(const struct irsa_aws *aws);

/* The number of HTTP attempts made by this session so far (all calls),
 * for tests and --debug summaries. */
unsigned irsa_aws_attempts(const struct irsa_aws *aws);
/* The tokens left in the session's retry quota (standard retry mode:
 * 500 at the start, 5 per retry, 10 per retry after a timeout, given
 * back on success). Every call of the session draws from it. */
int irsa_aws_retry_quota(const struct irsa_aws *aws);
