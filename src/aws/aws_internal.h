#pragma once
/* The session's private state, shared by aws.c and aws_call.c. */
#include <strings.h>
#include "irsa/aws.h"

struct irsa_aws {
	struct irsa_env_ops ops;
	struct irsa_config *config;
	const struct irsa_profile *profile; /* borrowed from config, may be NULL */
	char *profile_name;
	bool profile_explicit;
	char *region;
	const struct irsa_partition *partition;
	struct irsa_http *http;
	struct irsa_http_options http_options;
	char *ca_bundle;
	struct irsa_credentials *creds;
	int max_attempts;
	long retry_base_ms;
	long clock_skew;   /* seconds to add to the local clock when signing */
	unsigned attempts; /* HTTP attempts made, all calls */
};
