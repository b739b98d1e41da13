/* irsactl delete-role: delete an IRSA role, or take service accounts or
 * one cluster out of its trust policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "role-common.h"
#include "irsa/oidc.h"
#include "irsa/role_read.h"
#include "irsa/strutil.h"

static const struct cli_option delete_options[] = {
	{ "role-name", 0, "NAME", "the IAM role", 0, NULL },
	{ "namespace", 'n', "NS", "with --service-account: take these service accounts out of the trust policy", OPT_REPEAT, NULL },
	{ "service-account", 's', "SA", "a service account to take out of the trust policy (as create-role takes it)", OPT_REPEAT, NULL },
	{ "subject", 0, "NS:SA", "a service account to take out, as NAMESPACE:NAME", OPT_REPEAT, NULL },
	{ "remove-subject", 0, "NS:SA", "the same as --subject", OPT_REPEAT, NULL },
	{ "cluster", 'c', "NAME", "only the trust statement of this EKS cluster's issuer", 0, NULL },
	{ "issuer-url", 0, "URL", "only the trust statement of this OIDC issuer", 0, NULL },
	{ "force", 0, NULL, "delete the role even if irsactl did not make it", 0, NULL },
	{ "delete-policies", 0, NULL, "also delete the managed policies irsactl made that no other role uses", 0, NULL },
	{ "dry-run", 0, NULL, "print the plan, change nothing", 0, NULL },
	{ NULL },
};

static int delete_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	const char *role_name = cli_arg(args, "role-name");
	struct irsa_trust_request req = { 0 };
	struct irsa_trust_input in;
	struct irsa_role_plan plan = { 0 };
	struct irsa_role_reader reader = { 0 };
	struct irsa_role_state state = { 0 };
	const char *const *removed, **subjects = NULL;
	struct irsa_account *acct;
	size_t n_removed;
	bool delete_policies = cli_flag(args, "delete-policies");
	int r = -1;

	cli_trust_request(&cli_cmd_delete_role, args, &req);
	/* --remove-subject is --subject by its older name */
	n_removed = cli_arg_list(args, "remove-subject", &removed);
	subjects = irsa_malloc0((req.n_subjects + n_removed + 1) * sizeof(char *));
	memcpy(subjects, req.subjects, req.n_subjects * sizeof(char *));
	memcpy(subjects + req.n_subjects, removed, n_removed * sizeof(char *));
	req.subjects = subjects;
	req.n_subjects += n_removed;
	memset(&in, 0, sizeof(in));
	if (!role_name) {
		irsa_error_set(err, IRSA_ERR_USAGE, "which role? give --role-name NAME");
		goto out;
	}
	if (irsa_validate_role_name(role_name, err) < 0 ||
	    irsa_trust_input_parse(&req, 0, &in, err) < 0)
		goto out;
	if (req.n_clusters + req.n_issuer_urls > 1) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       "give either --cluster or --issuer-url, not both");
		goto out;
	}
	if (delete_policies && (in.n_subjects || req.n_clusters + req.n_issuer_urls)) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       "--delete-policies goes with deleting the whole role; leave out "
			       "the service accounts and --cluster/--issuer-url, or "
			       "--delete-policies");
		goto out;
	}
	acct = cli_account(ctx, err);
	/* the cluster and the role are read in the same rounds */
	irsa_role_reader_init(&reader, role_name, NULL);
	if (!acct || irsa_trust_input_resolve_read(acct, &in, false, false, &reader, err) < 0)
		goto out;
	irsa_role_reader_finish(&reader, &state);
	if (in.n_subjects || in.n_issuers
		    ? irsa_role_plan_remove_state(acct->aws, role_name,
						  in.n_issuers ? irsa_oidc_issuer_key(in.issuers[0])
							       : NULL,
						  in.subjects, in.n_subjects, &state, &plan, err) < 0
		    : irsa_role_plan_delete_state(acct->aws, role_name, cli_flag(args, "force"),
						  &state, &plan, err) < 0 ||
			      irsa_role_plan_delete_policies(&plan, delete_policies, err) < 0)
		goto out;
	r = cli_plan_finish(ctx, &plan.plan, cli_flag(args, "dry-run"), err);
out:
	irsa_role_reader_release(&reader);
	irsa_role_state_release(&state);
	free(subjects);
	irsa_role_plan_release(&plan);
	irsa_trust_input_release(&in);
	return r;
}

const struct cli_command cli_cmd_delete_role = {
	.name = "delete-role",
	.summary = "Delete an IRSA role, or take service accounts or a cluster out of its trust",
	.usage = "--role-name NAME [--subject NS:SA | --namespace NS --service-account SA]... "
		 "[--cluster NAME | --issuer-url URL] [--force] [--delete-policies] [--dry-run]",
	.description =
		"Without service accounts, --cluster or --issuer-url: detaches every managed\n"
		"policy, deletes every inline policy, then deletes the role. Only a role\n"
		"irsactl made (tag managed-by=irsactl, or an irsactl trust statement) is\n"
		"deleted without --force; a role that does not exist is reported 'absent'.\n"
		"Customer-managed policies it had are kept, unless --delete-policies: then\n"
		"those irsactl made (tag managed-by=irsactl) that no other role or user uses,\n"
		"attached or as its permissions boundary, are deleted after the role, with\n"
		"their other versions; the report names each policy kept and why.\n"
		"With service accounts (--subject NS:SA, or --namespace and --service-account\n"
		"as create-role takes them; --remove-subject is --subject): takes those out of\n"
		"irsactl's trust statements (of one cluster with --cluster/--issuer-url) and\n"
		"keeps the rest.\n"
		"With only --cluster/--issuer-url: removes irsactl's statement for that\n"
		"issuer. The role itself is never deleted implicitly; irsactl says when none\n"
		"of its statements is left.",
	.options = delete_options,
	.min_args = 0,
	.max_args = 0,
	.run = delete_run,
	.examples =
		"  irsactl delete-role --role-name irsa-demo-default-app\n"
		"  irsactl delete-role --role-name irsa-demo-jobs-worker --delete-policies\n"
		"  irsactl delete-role --role-name shared --subject jobs:worker\n"
		"  irsactl delete-role --role-name shared -n jobs -s worker -s batch\n"
		"  irsactl delete-role --role-name shared --cluster old-cluster --dry-run",
};
