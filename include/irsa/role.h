#pragma once
/* IAM role plans behind `create-role` and `delete-role`.
 *
 * Every command reads the role first (GetRole, ListAttachedRolePolicies,
 * ListRolePolicies/GetRolePolicy), computes a plan (a possibly empty list
 * of actions, never sending anything while planning), then either prints
 * it (--dry-run) or runs it. Running the same request twice plans nothing
 * the second time; a run killed half-way and started again finishes the
 * job, because each step is planned from what IAM holds, not from what the
 * last run meant to do (a CreateRole that reports EntityAlreadyExists after
 * a retried timeout falls back to updating the trust policy).
 *
 * Permissions from templates and --policy-file are INLINE policies named
 * "irsactl-NAME" (PutRolePolicy), not customer-managed policies:
 *   - they belong to one role, carry that role's parameters (bucket,
 *     tables...) and disappear with it: no orphaned policies, no versions
 *     to prune at IAM's limit of 5, no DeletePolicy ordering;
 *   - PutRolePolicy replaces the document in one idempotent call, so a
 *     changed template converges in one request and a re-run in none;
 *   - they do not count against the 10 managed policies a role may have.
 * The cost: 10,240 characters for all inline policies of a role (checked
 * before sending) and no sharing between roles. For those, customer-managed
 * policies (--managed-policy TEMPLATE, --managed-policy-file FILE;
 * managed_policy.h): one per template and parameters or per file, 6,144
 * characters each, shared by every role given the same, made (CreatePolicy,
 * tagged managed-by=irsactl) or given a new default version
 * (CreatePolicyVersion, the oldest other version deleted first at IAM's
 * 5) as part of the role's plan, then attached. A policy of that name
 * that irsactl did not make is never changed (IRSA_ERR_CONFLICT).
 *
 * Ownership: irsactl changes only its trust statements (see trust.h) and
 * its inline policies ("irsactl-" prefix). A role it creates carries the
 * tag managed-by=irsactl (iam_rules.h); delete-role deletes only such
 * roles, or roles with an irsactl trust statement, unless --force. Managed policies and inline
 * policies it does not own are never detached or deleted, except managed
 * ones with prune, and everything by a whole-role deletion. A customer-
 * managed policy is deleted only with --delete-policies, when irsactl made
 * it and no other entity uses it (irsa_role_plan_delete_policies()). */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "irsa/aws.h"
#include "irsa/error.h"
#include "irsa/iam.h"
#include "irsa/managed_policy.h"
#include "irsa/names.h"
#include "irsa/plan.h"

#define IRSA_MANAGED_POLICIES_MAX 10      /* per role, IAM default quota */
#define IRSA_INLINE_POLICIES_SIZE_MAX 10240 /* all inline policies of a role */

/* The module's action codes (struct irsa_plan_action.op). */
enum irsa_role_verb {
	IRSA_ROLE_CREATE,
	IRSA_ROLE_UPDATE_TRUST,
	IRSA_ROLE_UPDATE,          /* description, max session duration */
	IRSA_ROLE_PUT_BOUNDARY,
	IRSA_ROLE_TAG,
	IRSA_ROLE_ATTACH_POLICY,
	IRSA_ROLE_DETACH_POLICY,
	IRSA_ROLE_PUT_INLINE_POLICY,
	IRSA_ROLE_DELETE_INLINE_POLICY,
	IRSA_ROLE_DELETE,
	/* customer-managed policies; target: the policy ARN */
	IRSA_ROLE_CREATE_POLICY,
	IRSA_ROLE_CREATE_POLICY_VERSION, /* as the default version */
	IRSA_ROLE_DELETE_POLICY_VERSION, /* details: the version ID ("v2") */
	IRSA_ROLE_DELETE_POLICY,
};
/* "create-role", "update-trust-policy", ... as printed in plans. */
const char *irsa_role_verb_name(enum irsa_role_verb v);

struct irsa_inline_policy {
	const char *name;       /* "irsactl-s3-read" */
	const json_t *document; /* borrowed */
};

/* A customer-managed policy the role should have attached, holding
 * document as its default version. Strings and document borrowed. */
struct irsa_role_managed_policy {
	const char *name;        /* "irsactl-s3-read-1a2b3c4d" */
	const char *arn;         /* in the role's account, path "/" */
	const char *description; /* for CreatePolicy */
	const json_t *document;
};

/* What create-role asks for. Strings and documents borrowed. */
struct irsa_role_request {
	const char *role_name;
	const char *path;                 /* NULL = "/" for a new role, any for an existing one */
	const char *description;          /* NULL = leave as is */
	const char *permissions_boundary; /* NULL = leave as is */
	int max_session_duration;         /* 0 = leave as is */
	const struct irsa_tags *tags;     /* NULL = none; only added or changed, never removed */
	const json_t *trust;              /* rendered by irsa_trust_render() */
	size_t trust_limit;               /* 0 = IRSA_TRUST_SIZE_LIMIT */
	const char *const *managed_arns;
	size_t n_managed_arns;
	const struct irsa_inline_policy *inline_policies;
	size_t n_inline_policies;
	const struct irsa_role_managed_policy *managed_policies; /* made or updated, attached */
	size_t n_managed_policies;
	bool prune;                       /* detach other managed, delete other irsactl- inline */
	const char *partition;            /* to predict a new role's ARN */
	const char *account;
};

/* The role as IAM holds it, read by irsa_role_read(). */
struct irsa_role_state {
	bool exists;
	struct irsa_role role;
	struct irsa_attached_policy *attached;
	size_t n_attached;
	struct irsa_strlist inline_names;
	char **inline_docs;               /* parallel to inline_names; NULL when not read */
	/* parallel to the request's managed_policies; NULL when not read
	 * (planned as absent) */
	struct irsa_managed_policy_state *policies;
	size_t n_policies;
};
void irsa_role_state_release(struct irsa_role_state *s);
/* GetRole (NoSuchEntity = !exists), ListAttachedRolePolicies and
 * ListRolePolicies, and GetRolePolicy for the inline policies whose name
 * starts with `read_prefix` (NULL = none). */
int irsa_role_read(struct irsa_aws *aws, const char *role_name, const char *read_prefix,
		   struct irsa_role_state *ret, struct irsa_error *err);
/* The customer-managed policies req asks for, as IAM holds them, into
 * state->policies (irsa_managed_policy_read() of each). */
int irsa_role_read_managed_policies(struct irsa_aws *aws, const struct irsa_role_request *req,
				    struct irsa_role_state *state, struct irsa_error *err);

/* A role plan: the shared plan (status, actions, notes; plan.h) and what
 * the role's actions need. The report's subject is {role_arn, role_name},
 * its result {trust_policy, policies: {managed, inline}}. Build it with one
 * of the functions below into a struct that stays where it is (the plan
 * points back at it), run it with irsa_plan_execute(&plan->plan, ...)
 * (after a creation role_arn is IAM's answer), release it with
 * irsa_role_plan_release(). */
struct irsa_role_plan {
	struct irsa_plan plan;
	struct irsa_aws *aws;             /* for execution (borrowed; NULL from *_compute) */
	char *role_name;
	char *role_arn;
	json_t *trust;                    /* the trust policy after the plan (NULL if deleted) */
	json_t *managed;                  /* array of policy ARNs after the plan */
	json_t *inline_policies;          /* {name: document} irsactl wrote or will write */
	struct irsa_role_spec create;     /* for IRSA_ROLE_CREATE (strings borrowed from the request) */
	char *description;                /* UpdateRole */
	int max_session_duration;
	char *permissions_boundary;
	struct irsa_tags tags;            /* TagRole / CreateRole */
	json_t *customer_managed;         /* {ARN: document} of the managed policies asked for */
	struct irsa_role_plan_policy {    /* what CreatePolicy needs, per policy created */
		char *arn, *name, *description;
	} *policies;
	size_t n_policies;
};
void irsa_role_plan_release(struct irsa_role_plan *plan);

/* Pure planning for create-role against a state already read. */
int irsa_role_plan_apply_compute(const struct irsa_role_request *req,
				 const struct irsa_role_state *state, struct irsa_role_plan *ret,
				 struct irsa_error *err);
/* Read, then plan. No mutating request. */
int irsa_role_plan_apply(struct irsa_aws *aws, const struct irsa_role_request *req,
			 struct irsa_role_plan *ret, struct irsa_error *err);

/* The state of one role from a batch read (irsa_iam_read_roles()), moved
 * out of d (d is left empty). */
void irsa_role_state_from_details(struct irsa_role_details *d, struct irsa_role_state *ret);

/* Executing many role plans at once (apply): 1 with the first action of
 * plan not done yet as an IAM change (*ret_doc: the document text it
 * borrows, or NULL; free it after irsa_role_plan_change_done()); 0 when
 * every action is done (then plan.executed is set). Actions the change
 * batch does not send (customer-managed policies) are run here, one by
 * one, first: -1 when one fails (err explained as irsa_plan_execute()
 * does). */
int irsa_role_plan_next_change(struct irsa_role_plan *plan, struct irsa_iam_role_change *c,
			       char **ret_doc, struct irsa_error *err);
/* The outcome of the change made from the plan's next action: 0 with the
 * action done, or -1 with err explained as irsa_plan_execute() does. A
 * CreateRole that finds the role already there falls back to updating its
 * trust policy (one request, as the single-call executor does); a
 * deletion of what is already gone counts as done. */
int irsa_role_plan_change_done(struct irsa_role_plan *plan, struct irsa_iam_role_change *c,
			       struct irsa_error *err);

/* Plan deleting the whole role: detach every managed policy, delete every
 * inline policy, delete the role. A role that does not exist plans
 * nothing (status absent, with a note). A role that is not irsactl's
 * (irsa_iam_role_is_owned(): no owner tag, no irsactl trust statement)
 * is refused with IRSA_ERR_CONFLICT unless force. */
int irsa_role_plan_delete(struct irsa_aws *aws, const char *role_name, bool force,
			  struct irsa_role_plan *ret, struct irsa_error *err);

/* After irsa_role_plan_delete(): the customer-managed policies the role
 * has attached. With delete, each that irsactl made and no other entity
 * uses, attached or as its permissions boundary
 * (irsa_managed_policy_kept_reason(); GetPolicy, ListEntitiesForPolicy,
 * the boundary's roles only when GetPolicy counts some) is deleted after
 * the role: its other versions (ListPolicyVersions), then the policy; each
 * one kept gets a note saying why. Without delete, no
 * request: a note for each irsactl-named policy that it is kept. */
int irsa_role_plan_delete_policies(struct irsa_role_plan *plan, bool delete,
				   struct irsa_error *err);

/* Plan taking subjects (n_subjects > 0) out of irsactl's trust statements
 * of issuer (NULL = every provider), or, with no subject, irsactl's
 * statement of issuer. The role is never deleted implicitly: when none of
 * irsactl's statements is left, a note says so; a trust policy that would
 * be left without any statement is refused (IRSA_ERR_CONFLICT). */
int irsa_role_plan_remove(struct irsa_aws *aws, const char *role_name, const char *issuer,
			  const struct irsa_subject *subjects, size_t n_subjects,
			  struct irsa_role_plan *ret, struct irsa_error *err);
