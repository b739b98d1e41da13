/* irsactl associate-oidc: make sure the cluster's OIDC issuer is an IAM
 * OpenID Connect provider with the STS client id. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "oidc-common.h"
#include "irsa/names.h"
#include "irsa/request.h"
#include "irsa/oidc.h"
#include "irsa/strutil.h"

static const struct cli_option associate_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster whose OIDC issuer to register (DescribeCluster)", 0, NULL },
	{ "issuer-url", 0, "URL", "OIDC issuer URL of a self-managed cluster (https://...)", 0, NULL },
	{ "thumbprint", 0, "HEX", "SHA-1 thumbprint to set instead of fetching the issuer's (40 hex digits)", OPT_REPEAT, NULL },
	{ "no-thumbprint", 0, NULL, "send no thumbprint and do not fetch the issuer's chain", 0, NULL },
	{ "audience", 0, "AUD", "client id (token audience) the provider must list (default: sts.amazonaws.com)", 0, NULL },
	{ "tag", 0, "KEY=VALUE", "tag the provider", OPT_REPEAT, NULL },
	{ "dry-run", 0, NULL, "print the plan; send no mutating request", 0, NULL },
	{ NULL },
};

struct associate_input {
	const char *cluster;
	char *issuer;
	struct irsa_strlist thumbprints;
	struct irsa_tags tags;
	const char *audience;
	enum irsa_thumbprint_mode mode;
	bool dry_run;
};

static void associate_input_release(struct associate_input *in)
{
	free(in->issuer);
	irsa_strlist_release(&in->thumbprints);
	irsa_tags_release(&in->tags);
}

/* Every flag checked before the first request. */
static int parse_input(const struct cli_args *args, struct associate_input *in,
		       struct irsa_error *err)
{
	const char *const *list;
	size_t n;

	if (cli_oidc_target(args, true, &in->cluster, &in->issuer, err) < 0)
		return -1;
	n = cli_arg_list(args, "thumbprint", &list);
	if (n && cli_flag(args, "no-thumbprint"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--thumbprint and --no-thumbprint contradict each other; give "
				      "one of them");
	if (irsa_oidc_thumbprints_parse(list, n, &in->thumbprints, err) < 0)
		return -1;
	in->mode = n ? IRSA_THUMBPRINT_EXPLICIT :
		   cli_flag(args, "no-thumbprint") ? IRSA_THUMBPRINT_NONE : IRSA_THUMBPRINT_FETCH;
	n = cli_arg_list(args, "tag", &list);
	for (size_t i = 0; i < n; i++)
		if (irsa_tag_arg_parse(list[i], &in->tags, err) < 0)
			return -1;
	in->audience = cli_arg(args, "audience");
	if (in->audience && irsa_validate_audience(in->audience, err) < 0)
		return -1;
	in->dry_run = cli_flag(args, "dry-run");
	return 0;
}

static int associate_run(struct cli_ctx *ctx, const struct cli_args *args,
			 struct irsa_error *err)
{
	struct associate_input in = { 0 };
	struct irsa_oidc_plan plan = { 0 };
	struct irsa_oidc_request req;
	struct irsa_account *acct;
	int r = -1;

	if (parse_input(args, &in, err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	if (!acct)
		goto out;
	if (in.cluster &&
	    irsa_oidc_cluster_issuer(acct->aws, in.cluster, true, &in.issuer, err) < 0)
		goto out;
	req = (struct irsa_oidc_request){
		.issuer = in.issuer,
		.client_id = in.audience,
		.thumbprint_mode = in.mode,
		.thumbprints = &in.thumbprints,
		.tags = &in.tags,
	};
	if (irsa_oidc_plan_associate(acct, &req, &plan, err) < 0)
		goto out;
	r = cli_plan_finish(ctx, &plan.plan, in.dry_run, err);
out:
	irsa_oidc_plan_release(&plan);
	associate_input_release(&in);
	return r;
}

const struct cli_command cli_cmd_associate_oidc = {
	.name = "associate-oidc",
	.summary = "Register the cluster's OIDC issuer as an IAM OpenID Connect provider",
	.usage = "--cluster NAME | --issuer-url URL [--thumbprint HEX ...] [--no-thumbprint] "
		 "[--audience AUD] [--tag KEY=VALUE ...] [--dry-run]",
	.description =
		"Reads the cluster's OIDC issuer (EKS DescribeCluster, or --issuer-url), then\n"
		"makes sure IAM has an OpenID Connect provider for it with the client id\n"
		"sts.amazonaws.com (the same in every partition), or --audience. A missing\n"
		"provider is created; a missing client id is added; thumbprints that differ from the\n"
		"issuer's are reported, and replaced only when --thumbprint is given.\n"
		"The thumbprint is the SHA-1 of the last certificate the issuer's TLS server\n"
		"sends (AWS_CA_BUNDLE and proxies honoured). Prints the provider ARN and\n"
		"created, updated or unchanged; a second run sends no mutating request.",
	.options = associate_options,
	.min_args = 0,
	.max_args = 0,
	.run = associate_run,
	.examples =
		"  irsactl associate-oidc --cluster demo\n"
		"  irsactl associate-oidc --issuer-url https://oidc.example.com/cluster1 --tag team=platform\n"
		"  irsactl associate-oidc --cluster demo --no-thumbprint --dry-run --output json",
};
