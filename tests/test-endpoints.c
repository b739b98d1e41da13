/* Partitions, regions and endpoints. */
#include "tap.h"
#include "irsa/endpoints.h"

static void check_endpoint(const char *service, const char *region, const char *override,
			   const char *url, const char *signing_region)
{
	struct irsa_endpoint ep;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_endpoint_resolve(service, region, override, &ep, &err), 0);
	CHECK_STR(ep.url, url);
	CHECK_STR(ep.signing_region, signing_region);
	CHECK_STR(ep.signing_name, service);
	CHECK_INT(ep.overridden, override != NULL);
}

TEST(partitions_by_region)
{
	CHECK_STR(irsa_partition_for_region("us-east-1")->id, "aws");
	CHECK_STR(irsa_partition_for_region("eu-south-2")->id, "aws");
	CHECK_STR(irsa_partition_for_region("il-central-1")->id, "aws");
	CHECK_STR(irsa_partition_for_region("mx-central-1")->id, "aws");
	CHECK_STR(irsa_partition_for_region("cn-north-1")->id, "aws-cn");
	CHECK_STR(irsa_partition_for_region("cn-northwest-1")->id, "aws-cn");
	CHECK_STR(irsa_partition_for_region("us-gov-west-1")->id, "aws-us-gov");
	CHECK_STR(irsa_partition_for_region("us-iso-east-1")->id, "aws-iso");
	CHECK_STR(irsa_partition_for_region("us-isob-east-1")->id, "aws-iso-b");
}

TEST(sts_audience_is_the_same_in_every_partition)
{
	/* IRSA's client id is sts.amazonaws.com in China and GovCloud too. */
	CHECK_STR(irsa_partition_by_id("aws-cn")->sts_audience, "sts.amazonaws.com");
	CHECK_STR(irsa_partition_by_id("aws-us-gov")->sts_audience, "sts.amazonaws.com");
	CHECK_STR(irsa_partition_by_id("aws-cn")->dns_suffix, "amazonaws.com.cn");
	CHECK(irsa_partition_by_id("nope") == NULL);
}

TEST(invalid_regions)
{
	CHECK(!irsa_region_valid("us-esat-1"));
	CHECK(!irsa_region_valid("useast1"));
	CHECK(!irsa_region_valid("moon-east-1"));
	CHECK(!irsa_region_valid(""));
	CHECK(!irsa_region_valid(NULL));
	CHECK(!irsa_region_valid("us-east-1 "));
	CHECK(!irsa_region_valid("US-EAST-1"));
	CHECK(irsa_region_valid("ap-southeast-7")); /* a region newer than this table */
	CHECK(irsa_partition_for_region("us-esat-1") == NULL);
}

TEST(iam_is_global_per_partition)
{
	check_endpoint("iam", "eu-west-1", NULL, "https://iam.amazonaws.com", "us-east-1");
	check_endpoint("iam", "cn-northwest-1", NULL, "https://iam.cn-north-1.amazonaws.com.cn",
		       "cn-north-1");
	check_endpoint("iam", "us-gov-east-1", NULL, "https://iam.us-gov.amazonaws.com",
		       "us-gov-west-1");
}

TEST(sts_and_eks_are_regional)
{
	check_endpoint("sts", "eu-west-1", NULL, "https://sts.eu-west-1.amazonaws.com", "eu-west-1");
	check_endpoint("sts", "cn-north-1", NULL, "https://sts.cn-north-1.amazonaws.com.cn",
		       "cn-north-1");
	check_endpoint("eks", "us-gov-west-1", NULL, "https://eks.us-gov-west-1.amazonaws.com",
		       "us-gov-west-1");
}

TEST(overrides)
{
	check_endpoint("sts", "eu-west-1", "http://127.0.0.1:4566/", "http://127.0.0.1:4566",
		       "eu-west-1");
	/* IAM keeps its partition's signing region behind a proxy. */
	check_endpoint("iam", "cn-northwest-1", "https://proxy.example", "https://proxy.example",
		       "cn-north-1");
}

TEST(bad_input)
{
	struct irsa_endpoint ep;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_endpoint_resolve("sts", "nowhere-1", NULL, &ep, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "unknown region 'nowhere-1'") != NULL);
	CHECK_INT(irsa_endpoint_resolve("sts", "us-east-1", "ftp://x", &ep, &err), -1);
	CHECK(strstr(err.message, "must start with https:// or http://") != NULL);
}

int main(void)
{
	RUN(partitions_by_region);
	RUN(sts_audience_is_the_same_in_every_partition);
	RUN(invalid_regions);
	RUN(iam_is_global_per_partition);
	RUN(sts_and_eks_are_regional);
	RUN(overrides);
	RUN(bad_input);
	return tap_done();
}
