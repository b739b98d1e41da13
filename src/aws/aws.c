/* The AWS session: configuration files, profile, region, the cached
 * credentials, and the service calls made with them. The layer below it,
 * the client (client.c, aws_call.c), does the HTTP, signing and retries;
 * the credential providers use that client, never the session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "curl_api.h"
#include "irsa/aws.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "query.h"

/* Refresh expiring credentials this long before they expire. */
#define CREDENTIALS_REFRESH_MARGIN 300

struct irsa_aws {
	struct irsa_aws_client client;
	struct irsa_config *config;
	const struct irsa_profile *profile; /* borrowed from config, may be NULL */
	char *profile_name;
	bool profile_explicit;
	struct irsa_credentials *creds;
};

const char *irsa_aws_getenv(const struct irsa_aws *aws, const char *name)
{
	return irsa_aws_client_getenv(&aws->client, name);
}

time_t irsa_aws_now(const struct irsa_aws *aws)
{
	return irsa_aws_client_now(&aws->client);
}

void irsa_aws_sleep_ms(const struct irsa_aws *aws, long ms)
{
	irsa_aws_client_sleep_ms(&aws->client, ms);
}

/* --profile > AWS_PROFILE > "default". Only --profile makes the profile
 * "explicit" (environment keys are then ignored, as the AWS CLI does);
 * a profile named either way must exist. */
static int choose_profile(struct irsa_aws *aws, const char *flag, struct irsa_error *err)
{
	const char *env = irsa_aws_getenv(aws, "AWS_PROFILE");

	if (!irsa_str_empty(flag)) {
		aws->profile_name = irsa_strdup(flag);
		aws->profile_explicit = true;
	} else {
		aws->profile_name = irsa_strdup(env ? env : "default");
	}
	aws->profile = irsa_config_profile(aws->config, aws->profile_name);
	aws->client.profile = aws->profile;
	if (aws->profile || (!flag && !env))
		return 0;
	return irsa_config_require_profile(aws->config, aws->profile_name, err);
}

static int choose_region(struct irsa_aws *aws, const char *flag, struct irsa_error *err)
{
	const char *region = flag;
	const char *source = "--region";

	if (irsa_str_empty(region)) {
		region = irsa_aws_getenv(aws, "AWS_REGION");
		source = "AWS_REGION";
	}
	if (irsa_str_empty(region)) {
		region = irsa_aws_getenv(aws, "AWS_DEFAULT_REGION");
		source = "AWS_DEFAULT_REGION";
	}
	if (irsa_str_empty(region) && aws->profile) {
		region = irsa_profile_get(aws->profile, "region");
		source = "the profile's region";
	}
	if (irsa_str_empty(region)) {
		/* IAM is global; STS and EKS need a region, us-east-1 is what the
		 * SDKs' global endpoints use. */
		region = "us-east-1";
		source = "default";
	}
	aws->client.partition = irsa_partition_for_region(region);
	if (!aws->client.partition)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "unknown region '%s' (from %s); use a region name such as "
				      "'us-east-1', 'eu-west-1', 'cn-north-1' or 'us-gov-west-1'",
				      region, source);
	aws->client.region = irsa_strdup(region);
	irsa_log_debug("region %s (from %s), partition %s", region, source,
		       aws->client.partition->id);
	return 0;
}

int irsa_aws_new(const struct irsa_aws_options *opts, struct irsa_aws **ret,
		 struct irsa_error *err)
{
	struct irsa_aws *aws = irsa_malloc0(sizeof(*aws));

	irsa_aws_client_init(&aws->client, opts ? opts->ops : NULL);
	if (irsa_config_load(irsa_aws_getenv(aws, "AWS_CONFIG_FILE"),
			     irsa_aws_getenv(aws, "AWS_SHARED_CREDENTIALS_FILE"), &aws->config,
			     err) < 0 ||
	    choose_profile(aws, opts ? opts->profile : NULL, err) < 0 ||
	    choose_region(aws, opts ? opts->region : NULL, err) < 0 ||
	    irsa_aws_client_configure(&aws->client, err) < 0) {
		irsa_aws_free(aws);
		return -1;
	}
	*ret = aws;
	return 0;
}

struct irsa_aws *irsa_aws_free(struct irsa_aws *aws)
{
	if (!aws)
		return NULL;
	irsa_credentials_free(aws->creds);
	irsa_aws_client_release(&aws->client);
	irsa_config_free(aws->config);
	free(aws->profile_name);
	free(aws);
	return NULL;
}

const char *irsa_aws_region(const struct irsa_aws *aws)
{
	return aws->client.region;
}

const struct irsa_partition *irsa_aws_partition(const struct irsa_aws *aws)
{
	return aws->client.partition;
}

const char *irsa_aws_profile_name(const struct irsa_aws *aws)
{
	return aws->profile_name;
}

bool irsa_aws_profile_explicit(const struct irsa_aws *aws)
{
	return aws->profile_explicit;
}

const struct irsa_config *irsa_aws_config(const struct irsa_aws *aws)
{
	return aws->config;
}

struct irsa_http *irsa_aws_http(struct irsa_aws *aws)
{
	return aws->client.http;
}

int irsa_aws_global_init(struct irsa_error *err)
{
	return irsa_curl_api(err) ? 0 : -1;
}

void irsa_aws_close_connections(struct irsa_aws *aws)
{
	irsa_http_close_connections(irsa_aws_http(aws));
}

const struct irsa_http_options *irsa_aws_http_options(const struct irsa_aws *aws)
{
	return &aws->client.http_options;
}

unsigned irsa_aws_attempts(const struct irsa_aws *aws)
{
	return aws->client.attempts;
}

int irsa_aws_retry_quota(const struct irsa_aws *aws)
{
	return aws->client.retry.quota;
}

int irsa_aws_endpoint(const struct irsa_aws *aws, const char *service,
		      struct irsa_endpoint *ret, struct irsa_error *err)
{
	return irsa_aws_client_endpoint(&aws->client, service, ret, err);
}

int irsa_aws_credentials(struct irsa_aws *aws, const struct irsa_credentials **ret,
			 struct irsa_error *err)
{
	struct irsa_cred_context ctx = {
		.client = &aws->client,
		.config = aws->config,
		.profile = aws->profile_name,
		.profile_explicit = aws->profile_explicit,
	};
	struct irsa_credentials *fresh = NULL;

	if (aws->creds && (aws->creds->expiration == 0 ||
			   aws->creds->expiration - CREDENTIALS_REFRESH_MARGIN > irsa_aws_now(aws))) {
		*ret = aws->creds;
		return 0;
	}
	if (irsa_credentials_resolve(&ctx, &fresh, err) < 0)
		return -1;
	irsa_credentials_free(aws->creds);
	aws->creds = fresh;
	*ret = aws->creds;
	return 0;
}

int irsa_aws_query(struct irsa_aws *aws, const char *service, const char *version,
		   const char *action, const struct irsa_params *params, xmlDoc **ret_doc,
		   struct irsa_error *err)
{
	const struct irsa_credentials *creds;

	if (irsa_aws_credentials(aws, &creds, err) < 0)
		return -1;
	return irsa_aws_client_query(&aws->client, creds, service, version, action, params,
				     ret_doc, err);
}

int irsa_aws_query_as(struct irsa_aws *aws, const struct irsa_credentials *creds,
		      const char *service, const char *version, const char *action,
		      const struct irsa_params *params, xmlDoc **ret_doc, struct irsa_error *err)
{
	return irsa_aws_client_query(&aws->client, creds, service, version, action, params,
				     ret_doc, err);
}

int irsa_aws_json(struct irsa_aws *aws, const char *service, const char *method,
		  const char *path, const json_t *body, json_t **ret, struct irsa_error *err)
{
	const struct irsa_credentials *creds;

	if (irsa_aws_credentials(aws, &creds, err) < 0)
		return -1;
	return irsa_aws_client_json(&aws->client, creds, service, method, path, body, ret, err);
}

int irsa_aws_query_many(struct irsa_aws *aws, struct irsa_aws_query_call *calls, size_t n,
			struct irsa_error *err)
{
	return irsa_aws_call_many(aws, calls, n, NULL, 0, err);
}

void irsa_aws_set_concurrency(struct irsa_aws *aws, size_t n)
{
	aws->client.concurrency = n ? n : 1;
}

size_t irsa_aws_concurrency(const struct irsa_aws *aws)
{
	return aws->client.concurrency;
}

int irsa_aws_json_many(struct irsa_aws *aws, struct irsa_aws_json_call *calls, size_t n,
		       struct irsa_error *err)
{
	return irsa_aws_call_many(aws, NULL, 0, calls, n, err);
}

int irsa_aws_call_many(struct irsa_aws *aws, struct irsa_aws_query_call *queries, size_t n_queries,
		       struct irsa_aws_json_call *jsons, size_t n_jsons, struct irsa_error *err)
{
	const struct irsa_credentials *creds;
	struct irsa_error why = { 0 }; /* each call's error, also when err is NULL */

	if (irsa_aws_credentials(aws, &creds, &why) < 0) {
		if (err)
			*err = why;
		for (size_t i = 0; i < n_queries; i++) {
			queries[i].rc = -1;
			queries[i].doc = NULL;
			queries[i].err = why;
			if (queries[i].on_done)
				queries[i].on_done(&queries[i]);
		}
		for (size_t i = 0; i < n_jsons; i++) {
			jsons[i].rc = -1;
			jsons[i].ret = NULL;
			jsons[i].err = why;
		}
		return -1;
	}
	return irsa_aws_client_call_many(&aws->client, creds, queries, n_queries, jsons, n_jsons, 0,
					 err);
}
