#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "irsa/endpoints.h"
#include "irsa/strutil.h"

/* From botocore's endpoints.json (partitions, IAM global endpoints and
 * their signing regions), extended with the regions launched since. */
static const struct irsa_partition partitions[] = {
	{ "aws-us-gov", "AWS GovCloud (US)", "amazonaws.com", "^us-gov-[a-z]+-[0-9]+$",
	  "iam.us-gov.amazonaws.com", "us-gov-west-1", "sts.amazonaws.com", "us-gov-west-1" },
	{ "aws-iso-b", "AWS ISOB (US)", "sc2s.sgov.gov", "^us-isob-[a-z]+-[0-9]+$",
	  "iam.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1", "sts.amazonaws.com", "us-isob-east-1" },
	{ "aws-iso", "AWS ISO (US)", "c2s.ic.gov", "^us-iso-[a-z]+-[0-9]+$",
	  "iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1", "sts.amazonaws.com", "us-iso-east-1" },
	{ "aws-cn", "AWS China", "amazonaws.com.cn", "^cn-[a-z]+-[0-9]+$",
	  "iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "sts.amazonaws.com", "cn-north-1" },
	{ "aws", "AWS Standard", "amazonaws.com", "^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+$",
	  "iam.amazonaws.com", "us-east-1", "sts.amazonaws.com", "us-east-1" },
};

/* The direction word of every AWS region name; a region whose middle
 * part is not one of these is a typo ("us-esat-1"), not a new region. */
static const char *const directions[] = {
	"east", "west", "north", "south", "central",
	"northeast", "northwest", "southeast", "southwest",
};

/* The partitions' region patterns, compiled once: regcomp() costs far
 * more than the match, and every request resolves its endpoint. */
static regex_t region_res[ARRAY_SIZE(partitions)];
static bool region_re_ok[ARRAY_SIZE(partitions)];
static pthread_once_t region_res_once = PTHREAD_ONCE_INIT;

static void compile_region_res(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(partitions); i++)
		region_re_ok[i] = regcomp(&region_res[i], partitions[i].region_regex,
					  REG_EXTENDED | REG_NOSUB) == 0;
}

static bool region_matches(size_t partition, const char *region)
{
	pthread_once(&region_res_once, compile_region_res);
	return region_re_ok[partition] && regexec(&region_res[partition], region, 0, NULL, 0) == 0;
}

static bool direction_known(const char *region)
{
	const char *last = strrchr(region, '-');
	const char *prev;

	if (!last)
		return false;
	for (prev = last - 1; prev > region && *prev != '-'; prev--)
		;
	if (*prev != '-')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(directions); i++)
		if (strlen(directions[i]) == (size_t)(last - prev - 1) &&
		    strncmp(prev + 1, directions[i], (size_t)(last - prev - 1)) == 0)
			return true;
	return false;
}

const struct irsa_partition *irsa_partition_for_region(const char *region)
{
	if (irsa_str_empty(region) || strlen(region) > 32 || !direction_known(region))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(partitions); i++)
		if (region_matches(i, region))
			return &partitions[i];
	return NULL;
}

const struct irsa_partition *irsa_partition_by_id(const char *id)
{
	for (size_t i = 0; id && i < ARRAY_SIZE(partitions); i++)
		if (strcmp(partitions[i].id, id) == 0)
			return &partitions[i];
	return NULL;
}

bool irsa_region_valid(const char *region)
{
	return irsa_partition_for_region(region) != NULL;
}

static int fill(struct irsa_endpoint *ret, const char *url, const char *region,
		const char *service, bool overridden)
{
	snprintf(ret->url, sizeof(ret->url), "%s", url);
	snprintf(ret->signing_region, sizeof(ret->signing_region), "%s", region);
	snprintf(ret->signing_name, sizeof(ret->signing_name), "%s", service);
	ret->overridden = overridden;
	return 0;
}

int irsa_endpoint_resolve(const char *service, const char *region,
			  const char *override_url, struct irsa_endpoint *ret,
			  struct irsa_error *err)
{
	const struct irsa_partition *p = irsa_partition_for_region(region);
	char url[512];
	size_t len;

	if (!p)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "unknown region '%s'; use a region name such as 'us-east-1', "
				      "'eu-west-1', 'cn-north-1' or 'us-gov-west-1'",
				      region ? region : "");
	if (!irsa_str_empty(override_url)) {
		if (!irsa_str_has_prefix(override_url, "https://") &&
		    !irsa_str_has_prefix(override_url, "http://"))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "endpoint URL '%s' for %s must start with https:// or http://",
					      override_url, service);
		snprintf(url, sizeof(url), "%s", override_url);
		len = strlen(url);
		while (len > 0 && url[len - 1] == '/')
			url[--len] = '\0';
		/* IAM signs with the partition's global region even behind a proxy. */
		return fill(ret, url, strcmp(service, "iam") == 0 ? p->iam_region : region,
			    service, true);
	}
	if (strcmp(service, "iam") == 0) {
		snprintf(url, sizeof(url), "https://%s", p->iam_endpoint);
		return fill(ret, url, p->iam_region, service, false);
	}
	if (strcmp(service, "sts") == 0 || strcmp(service, "eks") == 0) {
		snprintf(url, sizeof(url), "https://%s.%s.%s", service, region, p->dns_suffix);
		return fill(ret, url, region, service, false);
	}
	if (strcmp(service, "sso") == 0 || strcmp(service, "sso-oidc") == 0) {
		snprintf(url, sizeof(url), "https://%s.%s.%s",
			 service[3] ? "oidc" : "portal.sso", region, p->dns_suffix);
		return fill(ret, url, region, service, false);
	}
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "no endpoint known for service '%s'", service);
}
