#pragma once
/* The AWS session: region, partition, profile, endpoints, credentials,
 * the HTTP client and the retry policy, shared by every service call in
 * one run. Services (sts, iam, eks) call irsa_aws_query() and
 * irsa_aws_json(); they never touch HTTP or signing themselves. */
#include <stdbool.h>
#include <time.h>
#include <jansson.h>
#include <libxml/tree.h>
#include "irsa/aws_config.h"
#include "irsa/credentials.h"
#include "irsa/endpoints.h"
#include "irsa/error.h"
#include "irsa/http.h"
#include "irsa/params.h"

/* The outside world, injectable for tests. NULL members = the real one. */
struct irsa_env_ops {
	const char *(*getenv)(const char *name);
	time_t (*now)(void);
	void (*sleep_ms)(long ms);
};

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
const char *irsa_aws_getenv(const struct irsa_aws *aws, const char *name);
time_t irsa_aws_now(const struct irsa_aws *aws);
void irsa_aws_sleep_ms(const struct irsa_aws *aws, long ms);
/* HTTP options every AWS request uses (AWS_CA_BUNDLE, timeouts). */
const struct irsa_http_options *irsa_aws_http_options(const struct irsa_aws *aws);
/* The endpoint of a service, with AWS_ENDPOINT_URL_<SERVICE>,
 * AWS_ENDPOINT_URL and the profile's endpoint_url applied. */
int irsa_aws_endpoint(const struct irsa_aws *aws, const char *service,
		      struct irsa_endpoint *ret, struct irsa_error *err);
/* The same in another region than the session's (SSO in sso_region);
 * "sso-oidc" reads AWS_ENDPOINT_URL_SSO_OIDC. */
int irsa_aws_endpoint_in(const struct irsa_aws *aws, const char *service, const char *region,
			 struct irsa_endpoint *ret, struct irsa_error *err);

/* Resolves credentials once (the chain), then returns the cached ones,
 * refreshing them shortly before they expire. Borrowed. */
int irsa_aws_credentials(struct irsa_aws *aws, const struct irsa_credentials **ret,
			 struct irsa_error *err);

/* Call an AWS Query API (IAM, STS): POST form Action/Version/params, signed
 * with the session credentials, retried by the standard retry mode, error
 * answers decoded into err (code, message, status, request id). On success
 * *ret_doc is the parsed XML answer (caller frees with xmlFreeDoc).
 * version: "2010-05-08" (IAM), "2011-06-15" (STS). */
int irsa_aws_query(struct irsa_aws *aws, const char *service, const char *version,
		   const char *action, const struct irsa_params *params, xmlDoc **ret_doc,
		   struct irsa_error *err);
/* Same, signed with creds instead of the session's; creds NULL sends the
 * request unsigned (AssumeRoleWithWebIdentity). */
int irsa_aws_query_as(struct irsa_aws *aws, const struct irsa_credentials *creds,
		      const char *service, const char *version, const char *action,
		      const struct irsa_params *params, xmlDoc **ret_doc,
		      struct irsa_error *err);

/* Call a REST-JSON API (EKS). body may be NULL. *ret is the decoded JSON
 * answer (caller json_decref()s it). */
int irsa_aws_json(struct irsa_aws *aws, const char *service, const char *method,
		  const char *path, const json_t *body, json_t **ret, struct irsa_error *err);

/* XML helpers for service modules: the text of the first descendant
 * element named `name` under node (namespace ignored), NULL if none.
 * Returned string is malloc'd. */
char *irsa_xml_find_text(xmlNode *node, const char *name);
/* The text content of n (malloc'd), NULL when n is NULL. */
char *irsa_xml_text(xmlNode *n);
xmlNode *irsa_xml_find(xmlNode *node, const char *name);
/* For _cleanup_xml_doc_ xmlDoc *doc = NULL. */
static inline void irsa_xml_docp_free(xmlDoc **d) { if (*d) xmlFreeDoc(*d); }
#define _cleanup_xml_doc_ _cleanup_(irsa_xml_docp_free)

/* The number of HTTP attempts made by this session so far (all calls),
 * for tests and --debug summaries. */
unsigned irsa_aws_attempts(const struct irsa_aws *aws);
