/* The AWS session: configuration, region, endpoints and credentials.
 * The calls themselves (signing, retries, errors) are in aws_call.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws_internal.h"
#include "irsa/fileutil.h"
#include "irsa/log.h"
#include "irsa/strutil.h"

/* Refresh expiring credentials this long before they expire. */
#define CREDENTIALS_REFRESH_MARGIN 300

static const char *real_getenv(const char *name)
{
	return getenv(name);
}

static time_t real_now(void)
{
	return time(NULL);
}

static void real_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

const char *irsa_aws_getenv(const struct irsa_aws *aws, const char *name)
{
	const char *v = aws->ops.getenv(name);

	return irsa_str_empty(v) ? NULL : v;
}

time_t irsa_aws_now(const struct irsa_aws *aws)
{
	return aws->ops.now();
}

void irsa_aws_sleep_ms(const struct irsa_aws *aws, long ms)
{
	aws->ops.sleep_ms(ms);
}

static void setup_ops(struct irsa_aws *aws, const struct irsa_env_ops *ops)
{
	aws->ops.getenv = ops && ops->getenv ? ops->getenv : real_getenv;
	aws->ops.now = ops && ops->now ? ops->now : real_now;
	aws->ops.sleep_ms = ops && ops->sleep_ms ? ops->sleep_ms : real_sleep_ms;
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
	aws->partition = irsa_partition_for_region(region);
	if (!aws->partition)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "unknown region '%s' (from %s); use a region name such as "
				      "'us-east-1', 'eu-west-1', 'cn-north-1' or 'us-gov-west-1'",
				      region, source);
	aws->region = irsa_strdup(region);
	irsa_log_debug("region %s (from %s), partition %s", aws->region, source,
		       aws->partition->id);
	return 0;
}

static int parse_max_attempts(struct irsa_aws *aws, struct irsa_error *err)
{
	const char *v = irsa_aws_getenv(aws, "AWS_MAX_ATTEMPTS");
	char *end;
	long n;

	if (!v && aws->profile)
		v = irsa_profile_get(aws->profile, "max_attempts");
	aws->max_attempts = 3;
	if (!v)
		return 0;
	n = strtol(v, &end, 10);
	if (*end || n < 1 || n > 20)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_MAX_ATTEMPTS/max_attempts '%s' is not a number from 1 to 20", v);
	aws->max_attempts = (int)n;
	return 0;
}

static void setup_http_options(struct irsa_aws *aws)
{
	const char *ca = irsa_aws_getenv(aws, "AWS_CA_BUNDLE");
	const char *base = irsa_aws_getenv(aws, "IRSACTL_RETRY_BASE_DELAY_MS");

	if (!ca && aws->profile)
		ca = irsa_profile_get(aws->profile, "ca_bundle");
	if (ca)
		aws->ca_bundle = irsa_path_expand_home(ca);
	aws->http_options.ca_file = aws->ca_bundle;
	aws->http_options.connect_timeout_ms = 5000;
	aws->http_options.timeout_ms = 60000;
	aws->retry_base_ms = base ? atol(base) : 1000;
	if (aws->retry_base_ms < 0)
		aws->retry_base_ms = 0;
}

int irsa_aws_new(const struct irsa_aws_options *opts, struct irsa_aws **ret,
		 struct irsa_error *err)
{
	struct irsa_aws *aws = irsa_malloc0(sizeof(*aws));

	setup_ops(aws, opts ? opts->ops : NULL);
	if (irsa_config_load(irsa_aws_getenv(aws, "AWS_CONFIG_FILE"),
			     irsa_aws_getenv(aws, "AWS_SHARED_CREDENTIALS_FILE"), &aws->config,
			     err) < 0 ||
	    choose_profile(aws, opts ? opts->profile : NULL, err) < 0 ||
	    choose_region(aws, opts ? opts->region : NULL, err) < 0 ||
	    parse_max_attempts(aws, err) < 0) {
		irsa_aws_free(aws);
		return -1;
	}
	setup_http_options(aws);
	aws->http = irsa_http_new();
	srand((unsigned)(time(NULL) ^ getpid()));
	*ret = aws;
	return 0;
}

struct irsa_aws *irsa_aws_free(struct irsa_aws *aws)
{
	if (!aws)
		return NULL;
	irsa_credentials_free(aws->creds);
	irsa_config_free(aws->config);
	irsa_http_free(aws->http);
	free(aws->profile_name);
	free(aws->region);
	free(aws->ca_bundle);
	free(aws);
	return NULL;
}

const char *irsa_aws_region(const struct irsa_aws *aws)
{
	return aws->region;
}

const struct irsa_partition *irsa_aws_partition(const struct irsa_aws *aws)
{
	return aws->partition;
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
	return aws->http;
}

const struct irsa_http_options *irsa_aws_http_options(const struct irsa_aws *aws)
{
	return &aws->http_options;
}

unsigned irsa_aws_attempts(const struct irsa_aws *aws)
{
	return aws->attempts;
}

/* AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > profile endpoint_url,
 * unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. */
static const char *endpoint_override(const struct irsa_aws *aws, const char *service)
{
	char name[64];
	const char *v;

	v = irsa_aws_getenv(aws, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (v && strcasecmp(v, "true") == 0)
		return NULL;
	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service);
	for (char *p = name; *p; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p); /* SSO_OIDC */
	v = irsa_aws_getenv(aws, name);
	if (!v)
		v = irsa_aws_getenv(aws, "AWS_ENDPOINT_URL");
	if (!v && aws->profile)
		v = irsa_profile_get(aws->profile, "endpoint_url");
	return v;
}

int irsa_aws_endpoint(const struct irsa_aws *aws, const char *service,
		      struct irsa_endpoint *ret, struct irsa_error *err)
{
	return irsa_endpoint_resolve(service, aws->region, endpoint_override(aws, service), ret,
				     err);
}

int irsa_aws_endpoint_in(const struct irsa_aws *aws, const char *service, const char *region,
			 struct irsa_endpoint *ret, struct irsa_error *err)
{
	return irsa_endpoint_resolve(service, region, endpoint_override(aws, service), ret, err);
}

int irsa_aws_credentials(struct irsa_aws *aws, const struct irsa_credentials **ret,
			 struct irsa_error *err)
{
	struct irsa_credentials *fresh = NULL;

	if (aws->creds && (aws->creds->expiration == 0 ||
			   aws->creds->expiration - CREDENTIALS_REFRESH_MARGIN > irsa_aws_now(aws))) {
		*ret = aws->creds;
		return 0;
	}
	if (irsa_credentials_resolve(aws, &fresh, err) < 0)
		return -1;
	irsa_credentials_free(aws->creds);
	aws->creds = fresh;
	*ret = aws->creds;
	return 0;
}
