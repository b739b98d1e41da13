#pragma once
/* A fake AWS environment for the tests (and fuzz targets) that drive an
 * AWS session through the HTTP seam: the documentation's example key in
 * the environment, no config or credentials file, a fixed clock, and a
 * session that is made or ends the program. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http-fake.h"
#include "irsa/aws.h"

#define FAKE_AWS_NOW 1700000000
#define FAKE_AWS_KEY_ID "AKIDEXAMPLE"
#define FAKE_AWS_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* The variables every fake session sees; a test that needs more wraps
 * this in its own getenv and falls back to it. */
static inline const char *fake_aws_getenv(const char *name)
{
	if (strcmp(name, "AWS_ACCESS_KEY_ID") == 0)
		return FAKE_AWS_KEY_ID;
	if (strcmp(name, "AWS_SECRET_ACCESS_KEY") == 0)
		return FAKE_AWS_SECRET;
	if (strcmp(name, "AWS_CONFIG_FILE") == 0 || strcmp(name, "AWS_SHARED_CREDENTIALS_FILE") == 0)
		return "/nonexistent/irsactl-test";
	return NULL;
}

static inline time_t fake_aws_now(void)
{
	return FAKE_AWS_NOW;
}

/* No sleep_ms: a session waits through its HTTP client's transport. */
static inline const struct irsa_env_ops *fake_aws_env(void)
{
	static const struct irsa_env_ops ops = { fake_aws_getenv, fake_aws_now, NULL };

	return &ops;
}

/* A transport's sleep that does not wait. */
static inline void fake_no_sleep(void *userdata, long ms)
{
	(void)userdata;
	(void)ms;
}

/* A set-up step that cannot fail: if it did, say why on a TAP comment
 * line and end the program. */
static inline void fake_setup_ok(int rc, const char *what, const struct irsa_error *err)
{
	if (rc < 0) {
		printf("# %s: %s\n", what, err->message);
		exit(1);
	}
}

/* A session in `region` with these environment ops (NULL: fake_aws_env()). */
static inline struct irsa_aws *fake_aws_new(const struct irsa_env_ops *ops, const char *region)
{
	struct irsa_aws_options opts = { .region = region, .ops = ops ? ops : fake_aws_env() };
	struct irsa_aws *aws = NULL;
	struct irsa_error err = { 0 };

	fake_setup_ok(irsa_aws_new(&opts, &aws, &err), "irsa_aws_new", &err);
	return aws;
}

/* A session whose requests f answers with this script. */
static inline struct irsa_aws *fake_aws_scripted(struct fake_http *f, const struct irsa_env_ops *ops,
						 const char *region, const struct fake_answer *script,
						 size_t n)
{
	struct irsa_aws *aws = fake_aws_new(ops, region);

	fake_install(f, irsa_aws_http(aws), script, n);
	return aws;
}

/* A session whose requests this transport answers (t is copied). */
static inline struct irsa_aws *fake_aws_transport(const struct irsa_env_ops *ops, const char *region,
						  const struct irsa_http_transport *t)
{
	struct irsa_aws *aws = fake_aws_new(ops, region);

	irsa_http_set_transport(irsa_aws_http(aws), t);
	return aws;
}
