/* EKS Pod Identity decisions: checks, association step, agent, migration. */
#include <stdlib.h>
#include <string.h>

#include "irsa/pod_identity.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

static int check_role_arn(const char *arn, const char *what, struct irsa_role_arn *ret,
			  struct irsa_error *err)
{
	struct irsa_error inner = { 0 };

	if (irsa_role_arn_parse(arn, ret, &inner) < 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s: %s", what, inner.message);
	return 0;
}

int irsa_pod_identity_check(const struct irsa_pod_identity_spec *spec, struct irsa_error *err)
{
	struct irsa_role_arn role, target;

	if (irsa_str_empty(spec->cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "a Pod Identity association needs a cluster; give --cluster");
	if (irsa_validate_cluster_name(spec->cluster, err) < 0 ||
	    irsa_validate_namespace(spec->namespace_, 0, err) < 0 ||
	    irsa_validate_service_account(spec->service_account, 0, err) < 0)
		return -1;
	if (irsa_str_empty(spec->role_arn))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "a Pod Identity association needs a role; give --role-name or "
				      "--role-arn");
	if (check_role_arn(spec->role_arn, "the role ARN", &role, err) < 0)
		return -1;
	if (!spec->target_role_arn)
		return 0;
	if (check_role_arn(spec->target_role_arn, "--target-role-arn", &target, err) < 0)
		return -1;
	if (strcmp(role.partition, target.partition) != 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--target-role-arn is in partition '%s', the role in '%s'; "
				      "both must be in the same partition",
				      target.partition, role.partition);
	if (strcmp(spec->role_arn, spec->target_role_arn) == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--target-role-arn is the association's own role; give the "
				      "role in the other account");
	return 0;
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void add_change(struct irsa_strlist *l, const char *what, const char *from,
		       const char *to)
{
	char *line;

	if (!l)
		return;
	line = irsa_asprintf("%s '%s' -> '%s'", what, from && *from ? from : "(none)",
			     to && *to ? to : "(none)");
	irsa_strlist_add(l, line);
	free(line);
}

enum irsa_pod_identity_step
irsa_pod_identity_plan(const struct irsa_pod_identity_spec *spec,
		       const struct irsa_pod_identity_association *have,
		       struct irsa_strlist *ret_changes)
{
	bool differs = false;

	if (!have)
		return IRSA_POD_IDENTITY_CREATE;
	if (!same(have->role_arn, spec->role_arn)) {
		add_change(ret_changes, "role ARN", have->role_arn, spec->role_arn);
		differs = true;
	}
	if (!same(have->target_role_arn, spec->target_role_arn)) {
		add_change(ret_changes, "target role ARN", have->target_role_arn,
			   spec->target_role_arn);
		differs = true;
	}
	if (have->disable_session_tags != spec->disable_session_tags) {
		add_change(ret_changes, "session tags", have->disable_session_tags ? "off" : "on",
			   spec->disable_session_tags ? "off" : "on");
		differs = true;
	}
	return differs ? IRSA_POD_IDENTITY_UPDATE : IRSA_POD_IDENTITY_UNCHANGED;
}

int irsa_pod_identity_agent_check(const char *cluster, const struct irsa_eks_addon *addon,
				  bool require, char **ret_message, struct irsa_error *err)
{
	char *msg;

	*ret_message = NULL;
	if (addon && addon->status && strcmp(addon->status, "ACTIVE") == 0)
		return 0;
	if (!addon)
		msg = irsa_asprintf("the EKS Pod Identity Agent add-on is not installed in cluster "
				    "'%s': pods get no credentials until it is; install it with "
				    "'aws eks create-addon --cluster-name %s --addon-name "
				    IRSA_EKS_POD_IDENTITY_AGENT "'",
				    cluster, cluster);
	else
		msg = irsa_asprintf("the EKS Pod Identity Agent add-on of cluster '%s' is %s, not "
				    "ACTIVE; see 'aws eks describe-addon --cluster-name %s "
				    "--addon-name " IRSA_EKS_POD_IDENTITY_AGENT "'",
				    cluster, addon->status ? addon->status : "in an unknown state",
				    cluster);
	if (require) {
		irsa_error_set(err, IRSA_ERR_NOT_FOUND, "%s", msg);
		free(msg);
		return -1;
	}
	*ret_message = msg;
	return 0;
}

int irsa_pod_identity_migrate_trust(const json_t *existing, const char *issuer,
				    const struct irsa_subject *subject, bool remove_oidc,
				    json_t **ret_doc, bool *ret_changed, struct irsa_error *err)
{
	struct irsa_trust_spec pod = { 0 };
	json_t *want = NULL, *merged = NULL, *out;
	size_t removed = 0;

	pod.pod_identity = true;
	if (irsa_trust_render(&pod, &want, err) < 0)
		return -1;
	if (irsa_trust_merge(existing, want, &merged, NULL, err) < 0) {
		json_decref(want);
		return -1;
	}
	json_decref(want);
	out = merged;
	if (remove_oidc) {
		if (irsa_trust_remove(merged, issuer, subject, &out, &removed, err) < 0) {
			json_decref(merged);
			return -1;
		}
		json_decref(merged);
	}
	if (ret_changed)
		*ret_changed = !irsa_policy_equal(existing, out);
	*ret_doc = out;
	return 0;
}
