#pragma once
/* EKS Pod Identity decisions (pure; the calls are in irsa/eks.h): check a
 * wanted association, what to do about the one EKS has, what the
 * eks-pod-identity-agent add-on's state means, and the trust of a role
 * migrated from IRSA. */
#include <stdbool.h>
#include <jansson.h>
#include "irsa/eks.h"
#include "irsa/error.h"
#include "irsa/names.h"
#include "irsa/strlist.h"

/* Check spec before any request: cluster name, namespace and service
 * account (exact names: Pod Identity takes no wildcards), role ARN, target
 * role ARN (a role in another account than the role's; EKS refuses the
 * same role). IRSA_ERR_USAGE with one line saying what is wrong. */
int irsa_pod_identity_check(const struct irsa_pod_identity_spec *spec, struct irsa_error *err);

enum irsa_pod_identity_step {
	IRSA_POD_IDENTITY_UNCHANGED,
	IRSA_POD_IDENTITY_CREATE,
	IRSA_POD_IDENTITY_UPDATE,
};

/* What makes EKS hold spec, given have (the described association of the
 * same service account; NULL = none). For UPDATE, *ret_changes (may be
 * NULL) gets one line per difference ("role ARN 'A' -> 'B'"). Tags are
 * set at creation only (EKS has no tag update here). */
enum irsa_pod_identity_step
irsa_pod_identity_plan(const struct irsa_pod_identity_spec *spec,
		       const struct irsa_pod_identity_association *have,
		       struct irsa_strlist *ret_changes);

/* The agent check. addon NULL: not installed. Fine (ACTIVE): 0, no
 * message. Otherwise *ret_message (malloc'd) says what is wrong and how to
 * install it; with require, -1 and IRSA_ERR_NOT_FOUND with that message,
 * else 0 (a warning). */
int irsa_pod_identity_agent_check(const char *cluster, const struct irsa_eks_addon *addon,
				  bool require, char **ret_message, struct irsa_error *err);

/* The trust of a role moved from IRSA to Pod Identity: the Pod Identity
 * statement merged into existing; with remove_oidc also subject taken out
 * of irsactl's OIDC statements of issuer (host/path). *ret_changed tells
 * whether the result differs from existing. */
int irsa_pod_identity_migrate_trust(const json_t *existing, const char *issuer,
				    const struct irsa_subject *subject, bool remove_oidc,
				    json_t **ret_doc, bool *ret_changed, struct irsa_error *err);
