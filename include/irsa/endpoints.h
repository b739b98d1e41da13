#pragma once
/* Partitions, regions and service endpoints (aws, aws-cn, aws-us-gov,
 * and the ISO partitions), and the AWS_ENDPOINT_URL overrides. */
#include <stdbool.h>
#include "irsa/error.h"

struct irsa_partition {
	const char *id;              /* "aws", "aws-cn", "aws-us-gov" */
	const char *name;            /* "AWS Standard" */
	const char *dns_suffix;      /* "amazonaws.com", "amazonaws.com.cn" */
	const char *region_regex;    /* POSIX ERE for regions of the partition */
	const char *iam_endpoint;    /* "iam.amazonaws.com" */
	const char *iam_region;      /* signing region for IAM: "us-east-1" */
	const char *sts_audience;    /* client id for IRSA: "sts.amazonaws.com" */
	const char *default_region;  /* "us-east-1", "cn-north-1", "us-gov-west-1" */
};

/* Partition of a region; NULL when the region matches none or is not a
 * known region name (see irsa_region_valid). */
const struct irsa_partition *irsa_partition_for_region(const char *region);
const struct irsa_partition *irsa_partition_by_id(const char *id);
/* True for a well-formed region name ("us-east-1", "cn-northwest-1",
 * "us-gov-west-1", "eu-south-2"...). Unknown-but-well-formed names in a
 * known partition are accepted, as the SDKs do for new regions. */
bool irsa_region_valid(const char *region);

struct irsa_endpoint {
	char url[512];            /* "https://sts.us-east-1.amazonaws.com" */
	char signing_region[64];
	char signing_name[32];    /* "iam", "sts", "eks" */
	bool overridden;          /* from AWS_ENDPOINT_URL* or profile */
};

/* Resolve the endpoint for service ("iam", "sts", "eks", "sso" (the
 * portal), "sso-oidc") in region.
 * override_url (from the environment or profile, may be NULL) wins. */
int irsa_endpoint_resolve(const char *service, const char *region,
			  const char *override_url, struct irsa_endpoint *ret,
			  struct irsa_error *err);
