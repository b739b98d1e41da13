/* irsactl verify: the pod-identity-agent check (see verify.h), apart from
 * verify_pod_identity.c because pod_identity.h and trust_eval.h each name
 * a struct irsa_trust_request. */
#include <stdlib.h>
#include <string.h>

#include "irsa/pod_identity.h"
#include "irsa/strutil.h"
#include "verify_internal.h"

void verify_check_pod_identity_agent(struct verify *v)
{
	const struct irsa_verify_cluster *shared = verify_cluster_read(v);
	struct irsa_eks_addon own = { 0 };
	const struct irsa_eks_addon *addon = &own;
	struct irsa_error e = { 0 };
	_cleanup_free_ char *msg = NULL, *fix = NULL;
	bool found;

	if (shared && shared->agent_read) {
		found = shared->agent_found;
		addon = &shared->agent;
		e = shared->agent_err;
	} else {
		found = irsa_eks_describe_addon(v->env->aws, v->req->cluster,
						IRSA_EKS_POD_IDENTITY_AGENT, &own, &e) == 0;
	}
	if (!found && e.kind != IRSA_ERR_NOT_FOUND) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_AGENT, IRSA_CHECK_FAIL, NULL, "%s",
				 e.message);
		return;
	}
	irsa_pod_identity_agent_check(v->req->cluster, found ? addon : NULL, false, &msg, &e);
	if (!msg) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_AGENT, IRSA_CHECK_OK, NULL,
				 "add-on '%s' %s is ACTIVE", IRSA_EKS_POD_IDENTITY_AGENT,
				 addon->version ? addon->version : "");
	} else if (!v->have_assoc || (found && addon->status &&
					(strcmp(addon->status, "CREATING") == 0 ||
					 strcmp(addon->status, "UPDATING") == 0))) {
		/* on its way, or not needed until there is an association */
		if (!found)
			fix = irsa_asprintf("aws eks create-addon --cluster-name %s --addon-name %s",
					    v->req->cluster, IRSA_EKS_POD_IDENTITY_AGENT);
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_AGENT, IRSA_CHECK_WARN, fix, "%s", msg);
	} else {
		if (!found)
			fix = irsa_asprintf("aws eks create-addon --cluster-name %s --addon-name %s",
					    v->req->cluster, IRSA_EKS_POD_IDENTITY_AGENT);
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_AGENT, IRSA_CHECK_FAIL, fix, "%s", msg);
	}
	irsa_eks_addon_release(&own);
}

