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
#include "irsa/plan.h"
#include "irsa/request.h"
#include "irsa/role.h"
#include "irsa/strlist.h"

/* Check spec before any request: cluster name, namespace and service
 * account (exact names: Pod Identity takes no wildcards), role ARN, target
 * role ARN (another role than the role itself, in its partition: EKS
 * chains from the role to it, in the same or another account).
 * IRSA_ERR_USAGE with one line saying what is wrong. */
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

/* ---- the commands: read, plan, execute (src/domain/pod_identity_apply.c) ----
 *
 * Each command fills a request (strings borrowed), checks it with its
 * *_parse() (no request sent; IRSA_ERR_USAGE, one line), then plans with
 * its *_plan() (reads only) into a struct irsa_pod_identity_plan that stays
 * where it is, then prints it or runs it with irsa_plan_execute(&p->plan).
 * The plan holds the actions of several objects (role, association,
 * ServiceAccount; plan.h's "objects"): role actions are create-role's own
 * (role.h), the others are:
 *   create-pod-identity-association  target NS/SA, document: the request body
 *   update-pod-identity-association  target the association ID, document:
 *                                    the new settings, changes: old -> new
 *   delete-pod-identity-association  target the association ID
 *   update-trust-policy              (migrate) the role's new trust, diffed
 *   remove-service-account-annotations (migrate) target NS/SA, document:
 *                                    the JSON merge patch */
struct irsa_account;
struct irsa_kube;

/* The module's action codes, above role.h's. */
enum irsa_pod_identity_verb {
	IRSA_PI_CREATE_ASSOCIATION = 100,
	IRSA_PI_UPDATE_ASSOCIATION,
	IRSA_PI_DELETE_ASSOCIATION,
	IRSA_PI_UPDATE_TRUST,
	IRSA_PI_REMOVE_ANNOTATIONS,
};

/* pod-identity create. role (create-role's request) says which permissions
 * a managed role gets; only with role_name. */
struct irsa_pod_identity_create_request {
	const char *cluster, *namespace_, *service_account;
	const char *role_name;        /* create or update this role ... */
	const char *role_arn;         /* ... or associate this one as it is */
	struct irsa_create_role_request role; /* permissions and tags (trust unused) */
	const char *target_role_arn;  /* NULL = none */
	bool disable_session_tags;
	bool require_agent;           /* the agent check fails instead of warning */
};

struct irsa_pod_identity_delete_request {
	const char *cluster, *namespace_, *service_account;
	bool delete_role;             /* also the association's role, when irsactl's */
};

struct irsa_pod_identity_migrate_request {
	const char *cluster;
	const char *namespace_;       /* NULL = every namespace */
	bool remove_oidc_trust;       /* also take out the IRSA statement and annotation */
	const char *trust_policy_limit; /* --trust-policy-limit as given; NULL = the default */
};

struct irsa_pod_identity_plan {
	struct irsa_plan plan;
	struct irsa_aws *aws;         /* borrowed */
	struct irsa_kube *kube;       /* borrowed (migrate) */
	char *cluster;
	bool has_role;                /* role below is part of the plan */
	struct irsa_role_plan role;   /* its actions are moved into plan */
	struct irsa_create_role_input role_input;
	struct irsa_tags association_tags;
	const struct irsa_pod_identity_create_request *create; /* borrowed */
	const struct irsa_pod_identity_delete_request *delete_; /* borrowed */
	const struct irsa_pod_identity_migrate_request *migrate; /* borrowed */
	size_t trust_limit;           /* migrate: the parsed limit, 0 = IRSA_TRUST_SIZE_LIMIT */
};
void irsa_pod_identity_plan_release(struct irsa_pod_identity_plan *p);

/* Every value of req checked, templates and policy files read (no
 * request). Initialises p, which keeps req (borrowed) for the plan. */
int irsa_pod_identity_create_parse(const struct irsa_pod_identity_create_request *req,
				   struct irsa_pod_identity_plan *p, struct irsa_error *err);
/* DescribeCluster (a missing cluster: IRSA_ERR_NOT_FOUND, nothing
 * planned), the agent check (DescribeAddon), with role_name the role
 * planned as create-role does with the Pod Identity trust, then the
 * association (List, Describe): create, update or nothing. */
int irsa_pod_identity_create_plan(struct irsa_account *acct, struct irsa_pod_identity_plan *p,
				  struct irsa_error *err);

int irsa_pod_identity_delete_parse(const struct irsa_pod_identity_delete_request *req,
				   struct irsa_pod_identity_plan *p, struct irsa_error *err);
/* The association's deletion ("absent" when there is none) and, with
 * delete_role, its role's (irsa_role_plan_delete() without force: a role
 * irsactl did not make, or one another association of the cluster has, is
 * refused with IRSA_ERR_CONFLICT). */
int irsa_pod_identity_delete_plan(struct irsa_account *acct, struct irsa_pod_identity_plan *p,
				  struct irsa_error *err);

int irsa_pod_identity_migrate_parse(const struct irsa_pod_identity_migrate_request *req,
				    struct irsa_pod_identity_plan *p, struct irsa_error *err);
/* For each ServiceAccount of the namespace (or every namespace) annotated
 * eks.amazonaws.com/role-arn: its role's trust gains the Pod Identity
 * statement (with remove_oidc_trust, loses the SA's subject from irsactl's
 * statement of the cluster's issuer); a changed trust longer than the limit
 * fails the plan as create-role's does (irsa_trust_check_size(),
 * IRSA_ERR_USAGE naming the role), before the associations are read and
 * before any change. The association is created (one
 * with another role is left as it is, with a warning; its other settings
 * are kept), and with remove_oidc_trust the eks.amazonaws.com
 * annotations are taken off the ServiceAccount. A role in another account
 * than the caller's is skipped with a warning. */
int irsa_pod_identity_migrate_plan(struct irsa_account *acct, struct irsa_kube *kube,
				   struct irsa_pod_identity_plan *p, struct irsa_error *err);

/* pod-identity list: the associations of cluster (namespace_ NULL = all),
 * every page, each described (role ARN, target role, session tags).
 * *ret: [{namespace, service_account, association_id, association_arn,
 * role_arn, target_role_arn, disable_session_tags}] sorted by namespace
 * and service account. */
int irsa_pod_identity_list(struct irsa_aws *aws, const char *cluster, const char *namespace_,
			   json_t **ret, struct irsa_error *err);
