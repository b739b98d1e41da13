/* The AWS client (see client.h): the outside world, endpoints, settings
 * and the jitter of the retry mode. The calls are in aws_call.c. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "irsa/fileutil.h"
#include "irsa/strutil.h"

static const char *real_getenv(const char *name)
{
	return getenv(name);
}

static time_t real_now(void)
{
	return time(NULL);
}

/* A seed for the client's own generator: the process-wide rand() state
 * belongs to the program, not to a library. */
static uint64_t random_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getentropy(&seed, sizeof(seed)) == 0)
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
}

void irsa_aws_client_init(struct irsa_aws_client *c, const struct irsa_env_ops *ops)
{
	*c = (struct irsa_aws_client){ 0 };
	c->ops.getenv = ops && ops->getenv ? ops->getenv : real_getenv;
	c->ops.now = ops && ops->now ? ops->now : real_now;
	/* NULL: wait the HTTP client's way (its transport may replace it). */
	c->ops.sleep_ms = ops ? ops->sleep_ms : NULL;
	c->http = irsa_http_new();
	c->retry.max_attempts = 3;
	c->retry.base_ms = 1000;
	c->retry.quota = IRSA_RETRY_QUOTA_MAX;
	c->retry.rng = random_seed();
	c->concurrency = 8;
}

void irsa_aws_client_release(struct irsa_aws_client *c)
{
	irsa_http_free(c->http);
	free(c->region);
	free(c->ca_bundle);
	*c = (struct irsa_aws_client){ 0 };
}

const char *irsa_aws_client_getenv(const struct irsa_aws_client *c, const char *name)
{
	const char *v = c->ops.getenv(name);

	return irsa_str_empty(v) ? NULL : v;
}

time_t irsa_aws_client_now(const struct irsa_aws_client *c)
{
	return c->ops.now();
}

void irsa_aws_client_sleep_ms(const struct irsa_aws_client *c, long ms)
{
	if (c->ops.sleep_ms)
		c->ops.sleep_ms(ms);
	else
		irsa_http_sleep_ms(c->http, ms);
}

static const char *setting(const struct irsa_aws_client *c, const char *env, const char *key)
{
	const char *v = irsa_aws_client_getenv(c, env);

	if (!v && c->profile)
		v = irsa_profile_get(c->profile, key);
	return v;
}

static int parse_max_attempts(struct irsa_aws_client *c, struct irsa_error *err)
{
	const char *v = setting(c, "AWS_MAX_ATTEMPTS", "max_attempts");
	char *end;
	long n;

	if (!v)
		return 0;
	n = strtol(v, &end, 10);
	if (*end || n < 1 || n > 20)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_MAX_ATTEMPTS/max_attempts '%s' is not a number from 1 to 20", v);
	c->retry.max_attempts = (int)n;
	return 0;
}

int irsa_aws_client_configure(struct irsa_aws_client *c, struct irsa_error *err)
{
	const char *ca = setting(c, "AWS_CA_BUNDLE", "ca_bundle");
	const char *base = irsa_aws_client_getenv(c, "IRSACTL_RETRY_BASE_DELAY_MS");

	if (parse_max_attempts(c, err) < 0)
		return -1;
	free(c->ca_bundle);
	c->ca_bundle = ca ? irsa_path_expand_home(ca) : NULL;
	c->http_options.ca_file = c->ca_bundle;
	c->http_options.connect_timeout_ms = 5000;
	c->http_options.timeout_ms = 60000;
	c->retry.base_ms = base ? atol(base) : 1000;
	if (c->retry.base_ms < 0)
		c->retry.base_ms = 0;
	return 0;
}

/* AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > profile endpoint_url,
 * unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. */
static const char *endpoint_override(const struct irsa_aws_client *c, const char *service)
{
	char name[64];
	const char *v;

	v = irsa_aws_client_getenv(c, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (v && strcasecmp(v, "true") == 0)
		return NULL;
	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service);
	for (char *p = name; *p; p++)
		*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p); /* SSO_OIDC */
	v = irsa_aws_client_getenv(c, name);
	if (!v)
		v = irsa_aws_client_getenv(c, "AWS_ENDPOINT_URL");
	if (!v && c->profile)
		v = irsa_profile_get(c->profile, "endpoint_url");
	return v;
}

int irsa_aws_client_endpoint(const struct irsa_aws_client *c, const char *service,
			     struct irsa_endpoint *ret, struct irsa_error *err)
{
	return irsa_endpoint_resolve(service, c->region, endpoint_override(c, service), ret, err);
}

int irsa_aws_client_endpoint_in(const struct irsa_aws_client *c, const char *service,
				const char *region, struct irsa_endpoint *ret,
				struct irsa_error *err)
{
	return irsa_endpoint_resolve(service, region, endpoint_override(c, service), ret, err);
}

/* splitmix64: small, fast, and good enough for jitter. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

long irsa_aws_client_backoff_ms(struct irsa_aws_client *c, int attempt)
{
	double b = (double)(next_random(&c->retry.rng) >> 11) * 0x1.0p-53; /* [0, 1) */
	int shift = attempt < 1 ? 0 : attempt > 11 ? 10 : attempt - 1;
	double cap = (double)c->retry.base_ms * (double)(1L << shift);

	if (cap > (double)IRSA_RETRY_MAX_BACKOFF_MS)
		cap = (double)IRSA_RETRY_MAX_BACKOFF_MS;
	return (long)(b * cap);
}
