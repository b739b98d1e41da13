#pragma once
/* Customer-managed policies irsactl makes (--managed-policy TEMPLATE[:K=V]
 * and --managed-policy-file): their names and ARNs, and what to do so that
 * one holds a document. Pure functions; the calls are in irsa/iam.h.
 *
 * A policy is updated by a new default version (CreatePolicyVersion with
 * SetAsDefault) when its default version's document differs canonically
 * from the wanted one. IAM keeps at most 5 versions: with 5, the oldest
 * version that is not the default is deleted first. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "irsa/error.h"
#include "irsa/iam.h"
#include "irsa/strlist.h"
#include "irsa/templates.h"

#define IRSA_POLICY_VERSIONS_MAX 5

/* What is there now. exists false: nothing else is read. */
struct irsa_managed_policy_current {
	bool exists;
	const json_t *default_document;           /* the default version's document */
	const struct irsa_policy_version *versions;
	size_t n_versions;
};

enum irsa_managed_policy_step {
	IRSA_MANAGED_POLICY_UNCHANGED,
	IRSA_MANAGED_POLICY_CREATE,
	IRSA_MANAGED_POLICY_NEW_VERSION,
};

struct irsa_managed_policy_plan {
	enum irsa_managed_policy_step step;
	char *delete_version_id; /* NEW_VERSION with 5 versions: delete this one first */
};
void irsa_managed_policy_plan_release(struct irsa_managed_policy_plan *p);

/* The step that makes the policy hold desired. With 5 versions and none
 * but the default to delete (IAM never answers so, but a broken answer
 * could), IRSA_ERR_REMOTE. */
int irsa_managed_policy_plan(const json_t *desired, const struct irsa_managed_policy_current *cur,
			     struct irsa_managed_policy_plan *ret, struct irsa_error *err);

/* "arn:PARTITION:iam::ACCOUNT:policyPATHNAME" (path NULL = "/"), malloc'd. */
char *irsa_managed_policy_arn(const char *partition, const char *account, const char *path,
			      const char *name);

/* The managed policy name for a template reference: "irsactl-NAME" without
 * parameters, else "irsactl-NAME-" + 8 hex digits of a hash of the
 * parameters in order (so roles given the same template and parameters
 * share one policy, and other parameters get another), malloc'd. */
char *irsa_managed_policy_name(const struct irsa_policy_ref *ref);

/* delete-role --delete-policies: the policy may be deleted with the role
 * when irsactl made it (tags hold managed-by=irsactl) and no role but
 * role_name uses it (entity_roles: ListEntitiesForPolicy's role names). */
bool irsa_managed_policy_deletable(const struct irsa_tags *policy_tags, const char *role_name,
				   const struct irsa_strlist *entity_roles);

/* Who uses a customer-managed policy, as IAM tells: GetPolicy's tags and
 * counts, ListEntitiesForPolicy's roles by PolicyUsageFilter. */
struct irsa_managed_policy_use {
	const struct irsa_tags *tags;
	int attachment_count;                      /* roles, users and groups */
	const struct irsa_strlist *roles;          /* roles it is attached to */
	int boundary_count;                        /* PermissionsBoundaryUsageCount */
	const struct irsa_strlist *boundary_roles; /* roles it is the boundary of (NULL: none read) */
};

/* Why the policy stays when role_name is deleted, or NULL when it may be
 * deleted after it (irsa_managed_policy_deletable(), and nothing else
 * uses it: no user or group is attached, and it is the permissions
 * boundary of no role but role_name and of no user, since IAM refuses to
 * delete a boundary in use with DeleteConflict). Every reason that holds,
 * joined by "; ", malloc'd: "irsactl did not make it (...)", "the role
 * 'x' also uses it", "users or groups use it", "it is the permissions
 * boundary of the role 'x'", "... of users". */
char *irsa_managed_policy_kept_reason(const struct irsa_managed_policy_use *use,
				      const char *role_name);

/* ---- reading and applying (IAM calls) ---- */

/* What IAM holds for arn: GetPolicy (IRSA_ERR_NOT_FOUND: exists false,
 * no error), then the default version's document and the version list.
 * Release with irsa_managed_policy_state_release(). */
struct irsa_managed_policy_state {
	struct irsa_managed_policy_current current; /* points into the fields below */
	struct irsa_policy policy;
	json_t *default_document;
	struct irsa_policy_version *versions;
	size_t n_versions;
};
void irsa_managed_policy_state_release(struct irsa_managed_policy_state *s);
int irsa_managed_policy_read(struct irsa_aws *aws, const char *arn,
			     struct irsa_managed_policy_state *ret, struct irsa_error *err);

/* Carry out plan for the policy name/path: CreatePolicy (with tags and
 * description), or DeletePolicyVersion of the planned version then
 * CreatePolicyVersion as the default. Nothing for UNCHANGED. */
int irsa_managed_policy_apply(struct irsa_aws *aws, const char *arn, const char *name,
			      const char *path, const json_t *document, const char *description,
			      const struct irsa_tags *tags,
			      const struct irsa_managed_policy_plan *plan, struct irsa_error *err);
