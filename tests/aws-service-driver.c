/* Test driver for the EKS Pod Identity / add-on calls (irsa/eks.h) and the
 * IAM managed-policy calls added for them (irsa/iam.h), used by
 * test_aws_services.py against the AWS emulator, before any command uses
 * them. Not installed.
 *
 *   aws-service-driver addon CLUSTER NAME
 *                      pi-create CLUSTER NS SA ROLE_ARN [TARGET_ROLE_ARN]
 *                      pi-describe CLUSTER ID | pi-delete CLUSTER ID
 *                      pi-update CLUSTER ID ROLE_ARN [TARGET_ROLE_ARN]
 *                      pi-list CLUSTER [NS] | pi-find CLUSTER NS SA
 *                      policy-get ARN | policy-roles ARN
 *                      mp-ensure NAME DOCUMENT_JSON  (read, plan, apply a managed policy)
 *                      trust-cross ACCOUNT TRUSTED_ROLE_ARN [EXTERNAL_ID]  (no request: the
 *                        trust irsa_trust_render() gives a cross-account target role)
 *
 * stdout: a JSON result; on failure stderr has "irsactl: error: MESSAGE"
 * then "# code=CODE status=N kind=K", and the exit status is the error's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/iam.h"
#include "irsa/managed_policy.h"
#include "irsa/sts.h"
#include "irsa/trust.h"

static int fail(const struct irsa_error *err)
{
	fprintf(stderr, "irsactl: error: %s\n# code=%s status=%d\n", err->message, err->code,
		err->http_status);
	return irsa_error_exit_code(err->kind);
}

static json_t *opt_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *association_json(const struct irsa_pod_identity_association *a)
{
	json_t *tags = json_object();

	for (size_t i = 0; i < a->tags.n; i++)
		json_object_set_new(tags, a->tags.items[i].key, json_string(a->tags.items[i].value));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}", "cluster",
			 opt_string(a->cluster), "namespace", opt_string(a->namespace_),
			 "serviceAccount", opt_string(a->service_account), "associationId",
			 opt_string(a->association_id), "associationArn",
			 opt_string(a->association_arn), "roleArn", opt_string(a->role_arn),
			 "targetRoleArn", opt_string(a->target_role_arn), "externalId",
			 opt_string(a->external_id), "disableSessionTags", a->disable_session_tags,
			 "tags", tags);
}

static const char *const step_names[] = { "unchanged", "create", "new-version" };

static int ensure_managed_policy(struct irsa_aws *aws, const char *name, const char *text,
				 json_t **out, struct irsa_error *err)
{
	struct irsa_caller_identity who = { 0 };
	struct irsa_managed_policy_state state;
	struct irsa_managed_policy_plan plan = { 0 };
	struct irsa_tags tags = { 0 };
	json_t *doc = NULL;
	char *arn = NULL;
	int r = -1;

	if (irsa_policy_parse(text, "the document", &doc, err) < 0 ||
	    irsa_sts_get_caller_identity(aws, &who, err) < 0)
		goto out;
	arn = irsa_managed_policy_arn("aws", who.account, "/", name);
	if (irsa_managed_policy_read(aws, arn, &state, err) < 0)
		goto out;
	irsa_tags_add(&tags, "managed-by", "irsactl");
	if (irsa_managed_policy_plan(doc, &state.current, &plan, err) == 0 &&
	    irsa_managed_policy_apply(aws, arn, name, "/", doc, NULL, &tags, &plan, err) == 0) {
		*out = json_pack("{s:s, s:s, s:o}", "arn", arn, "step", step_names[plan.step],
				 "deleted", plan.delete_version_id ? json_string(plan.delete_version_id)
								   : json_null());
		r = 0;
	}
	irsa_managed_policy_state_release(&state);
out:
	irsa_managed_policy_plan_release(&plan);
	irsa_tags_release(&tags);
	irsa_caller_identity_release(&who);
	json_decref(doc);
	free(arn);
	return r;
}

static int run(struct irsa_aws *aws, const char *cmd, int n, char **a, json_t **out,
	       struct irsa_error *err)
{
	struct irsa_pod_identity_association one = { 0 };

	if (strcmp(cmd, "addon") == 0 && n == 2) {
		struct irsa_eks_addon addon = { 0 };

		if (irsa_eks_describe_addon(aws, a[0], a[1], &addon, err) < 0)
			return -1;
		*out = json_pack("{s:s, s:o, s:s}", "name", addon.name, "version",
				 opt_string(addon.version), "status", addon.status);
		irsa_eks_addon_release(&addon);
		return 0;
	}
	if (strcmp(cmd, "pi-create") == 0 && (n == 4 || n == 5)) {
		struct irsa_tags tags = { 0 };
		struct irsa_pod_identity_spec spec = { a[0], a[1], a[2], a[3], n == 5 ? a[4] : NULL,
						       false, &tags };
		int r;

		irsa_tags_add(&tags, "managed-by", "irsactl");
		r = irsa_eks_create_pod_identity_association(aws, &spec, &one, err);
		irsa_tags_release(&tags);
		if (r < 0)
			return -1;
	} else if (strcmp(cmd, "pi-describe") == 0 && n == 2) {
		if (irsa_eks_describe_pod_identity_association(aws, a[0], a[1], &one, err) < 0)
			return -1;
	} else if (strcmp(cmd, "pi-update") == 0 && (n == 3 || n == 4)) {
		struct irsa_pod_identity_spec spec = { a[0], NULL, NULL, a[2], n == 4 ? a[3] : NULL,
						       true, NULL };

		if (irsa_eks_update_pod_identity_association(aws, a[1], &spec, &one, err) < 0)
			return -1;
	} else if (strcmp(cmd, "pi-delete") == 0 && n == 2) {
		if (irsa_eks_delete_pod_identity_association(aws, a[0], a[1], err) < 0)
			return -1;
		*out = json_pack("{s:b}", "deleted", 1);
		return 0;
	} else if (strcmp(cmd, "pi-list") == 0 && (n == 1 || n == 2)) {
		struct irsa_pod_identity_association *items = NULL;
		size_t count = 0;

		if (irsa_eks_list_pod_identity_associations(aws, a[0], n == 2 ? a[1] : NULL, NULL,
							    &items, &count, err) < 0)
			return -1;
		*out = json_array();
		for (size_t i = 0; i < count; i++)
			json_array_append_new(*out, association_json(&items[i]));
		irsa_pod_identity_associations_free(items, count);
		return 0;
	} else if (strcmp(cmd, "pi-find") == 0 && n == 3) {
		bool found = false;

		if (irsa_eks_find_pod_identity_association(aws, a[0], a[1], a[2], &one, &found,
							   err) < 0)
			return -1;
		if (!found) {
			*out = json_pack("{s:b}", "found", 0);
			return 0;
		}
	} else if (strcmp(cmd, "mp-ensure") == 0 && n == 2) {
		return ensure_managed_policy(aws, a[0], a[1], out, err);
	} else if (strcmp(cmd, "policy-get") == 0 && n == 1) {
		struct irsa_policy pol = { 0 };
		json_t *tags = json_object();

		if (irsa_iam_get_policy(aws, a[0], &pol, err) < 0) {
			json_decref(tags);
			return -1;
		}
		for (size_t i = 0; i < pol.tags.n; i++)
			json_object_set_new(tags, pol.tags.items[i].key,
					    json_string(pol.tags.items[i].value));
		*out = json_pack("{s:s, s:s, s:i, s:o}", "arn", pol.arn, "defaultVersionId",
				 pol.default_version_id, "attachmentCount", pol.attachment_count,
				 "tags", tags);
		irsa_policy_release(&pol);
		return 0;
	} else if (strcmp(cmd, "policy-roles") == 0 && n == 1) {
		struct irsa_strlist names = { 0 };

		if (irsa_iam_list_policy_roles(aws, a[0], &names, err) < 0)
			return -1;
		*out = json_array();
		for (size_t i = 0; i < names.n; i++)
			json_array_append_new(*out, json_string(names.items[i]));
		irsa_strlist_release(&names);
		return 0;
	} else {
		return irsa_error_set(err, IRSA_ERR_USAGE, "unknown command or arguments");
	}
	*out = association_json(&one);
	irsa_pod_identity_association_release(&one);
	return 0;
}

int main(int argc, char **argv)
{
	struct irsa_error err = { 0 };
	struct irsa_aws *aws = NULL;
	json_t *out = NULL;
	int rc = 0;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "trust-cross") == 0 && (argc == 4 || argc == 5)) {
		const char *arns[] = { argv[3] };
		struct irsa_trust_spec spec = { "aws", argv[2], NULL, NULL, 0, arns, 1,
						argc == 5 ? argv[4] : NULL, false };

		if (irsa_trust_render(&spec, &out, &err) < 0)
			return fail(&err);
		json_dumpf(out, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(out);
		return 0;
	}
	if (irsa_aws_new(NULL, &aws, &err) < 0)
		return fail(&err);
	if (run(aws, argv[1], argc - 2, argv + 2, &out, &err) < 0)
		rc = fail(&err);
	if (out) {
		json_dumpf(out, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(out);
	}
	irsa_aws_free(aws);
	return rc;
}
