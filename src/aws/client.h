#pragma once
/* The AWS client: the layer below the session. It knows the outside
 * world (environment, clock), the HTTP client, how to resolve a service
 * endpoint, and how to make a signed call with the standard retry mode
 * (aws_call.c). It does not know credentials chains or profiles' meaning:
 * the session (aws.c) owns one and hands it to the credential providers,
 * which call STS through it with explicit credentials.
 *
 * Private to libirsa (src/); services reach it only through the session. */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "irsa/aws.h"
#include "irsa/aws_config.h"
#include "irsa/credentials.h"
#include "irsa/endpoints.h"
#include "irsa/env.h"
#include "irsa/error.h"
#include "irsa/http.h"
#include "irsa/params.h"

/* Standard retry mode (the SDKs' "standard"): a retry quota shared by
 * every call of the client, drawn from by retries and refilled by
 * successes. */
#define IRSA_RETRY_QUOTA_MAX 500
#define IRSA_RETRY_COST 5
#define IRSA_RETRY_TIMEOUT_COST 10
#define IRSA_RETRY_NO_RETRY_INCREMENT 1
#define IRSA_RETRY_MAX_BACKOFF_MS 20000L

struct irsa_retry_state {
	int max_attempts;  /* AWS_MAX_ATTEMPTS / max_attempts, default 3 */
	long base_ms;      /* backoff base, 1000 (IRSACTL_RETRY_BASE_DELAY_MS) */
	int quota;         /* tokens left, starts at IRSA_RETRY_QUOTA_MAX */
	uint64_t rng;      /* jitter generator state, per client */
};

struct irsa_aws_client {
	struct irsa_env_ops ops;
	const struct irsa_profile *profile; /* borrowed, may be NULL: endpoint_url,
					     * ca_bundle, max_attempts */
	char *region;
	const struct irsa_partition *partition;
	struct irsa_http *http;
	struct irsa_http_options http_options;
	char *ca_bundle;
	struct irsa_retry_state retry;
	long clock_skew;   /* seconds to add to the local clock when signing */
	unsigned attempts; /* HTTP attempts made, all calls */
	size_t concurrency;/* requests in flight at most in a batch, default 8 */
};

/* ops may be NULL (the real world). Never fails. */
void irsa_aws_client_init(struct irsa_aws_client *c, const struct irsa_env_ops *ops);
/* Reads the retry and TLS settings from the environment and c->profile
 * (set it first). IRSA_ERR_USAGE for a bad AWS_MAX_ATTEMPTS. */
int irsa_aws_client_configure(struct irsa_aws_client *c, struct irsa_error *err);
void irsa_aws_client_release(struct irsa_aws_client *c);

/* The environment variable, NULL when unset or empty. */
const char *irsa_aws_client_getenv(const struct irsa_aws_client *c, const char *name);
time_t irsa_aws_client_now(const struct irsa_aws_client *c);
void irsa_aws_client_sleep_ms(const struct irsa_aws_client *c, long ms);

/* The endpoint of a service in c->region, with AWS_ENDPOINT_URL_<SERVICE>,
 * AWS_ENDPOINT_URL and the profile's endpoint_url applied. */
int irsa_aws_client_endpoint(const struct irsa_aws_client *c, const char *service,
			     struct irsa_endpoint *ret, struct irsa_error *err);
/* The same in another region than c->region (SSO in the profile's
 * sso_region); "sso-oidc" reads AWS_ENDPOINT_URL_SSO_OIDC. */
int irsa_aws_client_endpoint_in(const struct irsa_aws_client *c, const char *service,
				const char *region, struct irsa_endpoint *ret,
				struct irsa_error *err);

/* Jittered backoff before retry `attempt` (1 = the first retry):
 * uniform in [0, min(base * 2^(attempt-1), 20 s)). */
long irsa_aws_client_backoff_ms(struct irsa_aws_client *c, int attempt);

/* An AWS Query call (IAM, STS) signed with creds (NULL = unsigned, for
 * AssumeRoleWithWebIdentity), with the standard retry mode; error
 * answers decoded into err (code, message, status, request id). On
 * success *ret_doc is the parsed answer (xmlFreeDoc). */
int irsa_aws_client_query(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			  const char *service, const char *version, const char *action,
			  const struct irsa_params *params, xmlDoc **ret_doc,
			  struct irsa_error *err);
/* One AWS Query call of a batch: what to call, and (out) its outcome. */
struct irsa_aws_query_call {
	const char *service, *version, *action;
	const struct irsa_params *params; /* may be NULL */
	void *userdata;                   /* the caller's, untouched */
	/* Called once the call is finished (rc, doc and err set), while the
	 * rest of the batch goes on; it may take doc or free it (then set it
	 * NULL), so that a large batch does not hold every answer at once.
	 * May be NULL. */
	void (*on_done)(struct irsa_aws_query_call *call);
	/* out */
	int rc;                           /* 0, or -1 with err */
	xmlDoc *doc;                      /* the answer when rc == 0 (xmlFreeDoc) */
	struct irsa_error err;
};

/* Make n Query calls, at most c->concurrency (or `concurrency` if > 0)
 * in flight at once, each retried by the standard retry mode on its own
 * schedule and all drawing from the one retry quota. A throttled answer
 * halves the number in flight (at least 1), each success adds one back,
 * so that throttling slows the batch down instead of failing it. Each
 * call gets its own outcome; 0 when all succeeded, -1 otherwise (err:
 * the first failure). */
int irsa_aws_client_query_many(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			       struct irsa_aws_query_call *calls, size_t n, size_t concurrency,
			       struct irsa_error *err);
/* The same as irsa_aws_client_query_many() for REST-JSON calls. */
int irsa_aws_client_json_many(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			      struct irsa_aws_json_call *calls, size_t n, size_t concurrency,
			      struct irsa_error *err);

/* Query and REST-JSON calls in one batch, as the two above make them:
 * the reads of one round (irsa/round.h) may mix IAM, STS and EKS. */
int irsa_aws_client_call_many(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			      struct irsa_aws_query_call *queries, size_t n_queries,
			      struct irsa_aws_json_call *jsons, size_t n_jsons, size_t concurrency,
			      struct irsa_error *err);

/* A REST-JSON call (EKS) signed with creds. body may be NULL. */
int irsa_aws_client_json(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			 const char *service, const char *method, const char *path,
			 const json_t *body, json_t **ret, struct irsa_error *err);

/* A decoded AWS error answer, and how the retry mode and the error kinds
 * see it (exposed for the unit and fuzz tests). */
struct irsa_aws_fault {
	long status;
	char code[128];
	char message[512];
	char request_id[128];
};

/* Decode resp (an error answer) as JSON (EKS: x-amzn-ErrorType, __type,
 * message) or XML (Query: Error/Code, Message, RequestId). A body that
 * says nothing gives a code from the status. Never fails. */
void irsa_aws_fault_decode(const struct irsa_response *resp, bool json,
			   struct irsa_aws_fault *f);
enum irsa_error_kind irsa_aws_fault_kind(const struct irsa_aws_fault *f);
bool irsa_aws_fault_is_throttle(const struct irsa_aws_fault *f);
bool irsa_aws_fault_is_retryable(const struct irsa_aws_fault *f);
/* The answer says the request's time was off (RequestTimeTooSkewed...). */
bool irsa_aws_fault_is_skew(const struct irsa_aws_fault *f);
