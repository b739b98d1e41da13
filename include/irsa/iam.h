#pragma once
/* AWS IAM calls irsactl makes. Thin, typed wrappers over the Query API:
 * each call is one request (List* calls follow Marker pagination and
 * return everything). No CLI logic, no decisions: the domain layer and
 * the commands decide what to call. Documents are returned DECODED
 * (IAM URL-encodes policy documents in its answers).
 * Every struct with heap members has its *_release(); lists free their
 * items. Errors: IRSA_ERR_NOT_FOUND for NoSuchEntity, IRSA_ERR_CONFLICT
 * for EntityAlreadyExists/DeleteConflict/LimitExceeded, etc. */
#include <stdbool.h>
#include <stddef.h>
#include "irsa/aws.h"
#include "irsa/aws_config.h"
#include "irsa/strlist.h"

/* ---- OIDC providers ---- */
struct irsa_oidc_provider {
	char *arn;
	char *url;                     /* as IAM stores it: host/path, no scheme */
	struct irsa_strlist client_ids;
	struct irsa_strlist thumbprints;
	struct irsa_tags tags;
};
void irsa_oidc_provider_release(struct irsa_oidc_provider *p);

int irsa_iam_list_oidc_providers(struct irsa_aws *aws, struct irsa_strlist *ret_arns,
				 struct irsa_error *err);
/* IRSA_ERR_NOT_FOUND when it does not exist. */
int irsa_iam_get_oidc_provider(struct irsa_aws *aws, const char *arn,
			       struct irsa_oidc_provider *ret, struct irsa_error *err);
/* url with https:// ; returns the new ARN (malloc'd) in *ret_arn. */
int irsa_iam_create_oidc_provider(struct irsa_aws *aws, const char *url,
				  const struct irsa_strlist *client_ids,
				  const struct irsa_strlist *thumbprints,
				  const struct irsa_tags *tags, char **ret_arn,
				  struct irsa_error *err);
int irsa_iam_add_client_id(struct irsa_aws *aws, const char *arn, const char *client_id,
			   struct irsa_error *err);
int irsa_iam_update_thumbprints(struct irsa_aws *aws, const char *arn,
				const struct irsa_strlist *thumbprints, struct irsa_error *err);
int irsa_iam_delete_oidc_provider(struct irsa_aws *aws, const char *arn,
				  struct irsa_error *err);
/* TagOpenIDConnectProvider: adds or overwrites these tags. */
int irsa_iam_tag_oidc_provider(struct irsa_aws *aws, const char *arn,
			       const struct irsa_tags *tags, struct irsa_error *err);

/* ---- roles ---- */
struct irsa_role {
	char *name;
	char *arn;
	char *path;
	char *role_id;
	char *description;
	char *trust_policy;       /* decoded JSON text */
	char *permissions_boundary; /* ARN or NULL */
	int max_session_duration;
	struct irsa_tags tags;
};
void irsa_role_release(struct irsa_role *r);

struct irsa_role_spec {
	const char *name;
	const char *path;            /* NULL = "/" */
	const char *trust_policy;    /* JSON text */
	const char *description;     /* NULL = none */
	const char *permissions_boundary; /* NULL = none */
	int max_session_duration;    /* 0 = IAM default */
	const struct irsa_tags *tags;/* NULL = none */
};

int irsa_iam_get_role(struct irsa_aws *aws, const char *name, struct irsa_role *ret,
		      struct irsa_error *err);
int irsa_iam_create_role(struct irsa_aws *aws, const struct irsa_role_spec *spec,
			 struct irsa_role *ret, struct irsa_error *err);
int irsa_iam_update_trust_policy(struct irsa_aws *aws, const char *role_name,
				 const char *trust_policy, struct irsa_error *err);
/* description / max_session_duration (0 = leave) */
int irsa_iam_update_role(struct irsa_aws *aws, const char *role_name, const char *description,
			 int max_session_duration, struct irsa_error *err);
int irsa_iam_tag_role(struct irsa_aws *aws, const char *role_name, const struct irsa_tags *tags,
		      struct irsa_error *err);
int irsa_iam_put_permissions_boundary(struct irsa_aws *aws, const char *role_name,
				      const char *boundary_arn, struct irsa_error *err);
int irsa_iam_delete_role(struct irsa_aws *aws, const char *role_name, struct irsa_error *err);
/* Every role (pagination followed); names only when path_prefix NULL. */
int irsa_iam_list_roles(struct irsa_aws *aws, const char *path_prefix,
			struct irsa_role **ret_roles, size_t *ret_n, struct irsa_error *err);
/* Releases each role and frees the array from irsa_iam_list_roles(). */
void irsa_roles_free(struct irsa_role *roles, size_t n);

/* ---- managed policies ---- */
struct irsa_attached_policy {
	char *name;
	char *arn;
};
int irsa_iam_list_attached_role_policies(struct irsa_aws *aws, const char *role_name,
					 struct irsa_attached_policy **ret, size_t *ret_n,
					 struct irsa_error *err);
void irsa_attached_policies_free(struct irsa_attached_policy *p, size_t n);
int irsa_iam_attach_role_policy(struct irsa_aws *aws, const char *role_name,
				const char *policy_arn, struct irsa_error *err);
int irsa_iam_detach_role_policy(struct irsa_aws *aws, const char *role_name,
				const char *policy_arn, struct irsa_error *err);

struct irsa_policy {
	char *arn;
	char *name;
	char *path;
	char *default_version_id;
	int attachment_count;
	/* PermissionsBoundaryUsageCount: the roles and users it is the
	 * permissions boundary of (not in attachment_count) */
	int boundary_usage_count;
	struct irsa_tags tags; /* GetPolicy / CreatePolicy answers only */
};
void irsa_policy_release(struct irsa_policy *p);
int irsa_iam_get_policy(struct irsa_aws *aws, const char *arn, struct irsa_policy *ret,
			struct irsa_error *err);
int irsa_iam_create_policy(struct irsa_aws *aws, const char *name, const char *path,
			   const char *document, const char *description,
			   const struct irsa_tags *tags, struct irsa_policy *ret,
			   struct irsa_error *err);
/* The decoded document of one version. */
int irsa_iam_get_policy_version(struct irsa_aws *aws, const char *arn, const char *version_id,
				char **ret_document, struct irsa_error *err);
struct irsa_policy_version {
	char *version_id;
	bool is_default;
	char *create_date; /* ISO 8601, sorts by age */
};
int irsa_iam_list_policy_versions(struct irsa_aws *aws, const char *arn,
				  struct irsa_policy_version **ret, size_t *ret_n,
				  struct irsa_error *err);
void irsa_policy_versions_free(struct irsa_policy_version *v, size_t n);
int irsa_iam_create_policy_version(struct irsa_aws *aws, const char *arn, const char *document,
				   bool set_default, char **ret_version_id,
				   struct irsa_error *err);
int irsa_iam_delete_policy_version(struct irsa_aws *aws, const char *arn,
				   const char *version_id, struct irsa_error *err);
int irsa_iam_delete_policy(struct irsa_aws *aws, const char *arn, struct irsa_error *err);
/* ListEntitiesForPolicy: the names of the roles the policy is attached to
 * (as a permissions policy; every page). Appended to *ret_names. */
int irsa_iam_list_policy_roles(struct irsa_aws *aws, const char *arn,
			       struct irsa_strlist *ret_names, struct irsa_error *err);
/* ListEntitiesForPolicy: the names of the roles the policy is the
 * permissions boundary of (every page). Appended to *ret_names. */
int irsa_iam_list_policy_boundary_roles(struct irsa_aws *aws, const char *arn,
					struct irsa_strlist *ret_names, struct irsa_error *err);

/* ---- roles with everything attached (the reads of apply) ---- */
struct irsa_role_inline {
	char *name;
	char *document; /* decoded JSON text */
};

struct irsa_role_details {
	bool found;                  /* false: the role does not exist */
	struct irsa_role role;
	/* description and max_session_duration were read (GetRole); the bulk
	 * read does not return them */
	bool role_fields;
	struct irsa_attached_policy *attached;
	size_t n_attached;
	struct irsa_role_inline *inline_policies;
	size_t n_inline;
	struct irsa_error err;       /* kind != 0: reading this role failed */
};
void irsa_role_details_release(struct irsa_role_details *d);
void irsa_role_details_free(struct irsa_role_details *d, size_t n);

/* Every role of the account with its trust, attached and inline
 * policies, boundary and tags: GetAccountAuthorizationDetails
 * (Filter=Role), every page. */
int irsa_iam_account_roles(struct irsa_aws *aws, struct irsa_role_details **ret, size_t *ret_n,
			   struct irsa_error *err);

/* From this many roles on, irsa_iam_read_roles() tries the bulk read. */
#define IRSA_IAM_BULK_MIN 10

/* The named roles into ret[0..n) (zeroed by the function). With n >=
 * IRSA_IAM_BULK_MIN, one irsa_iam_account_roles(); when that is denied
 * (or for fewer roles), per-role reads in three parallel rounds (round.h):
 * GetRole of every name; ListAttachedRolePolicies and ListRolePolicies of
 * the roles found (nothing more for an absent one), every page (a list
 * whose answer is truncated follows its Marker in one more round with
 * only those pages); GetRolePolicy of each inline policy. A failure reading one role is in its err; -1 only when
 * nothing could be read. *ret_bulk (may be NULL): the bulk read was used. */
int irsa_iam_read_roles(struct irsa_aws *aws, const char *const *names, size_t n,
			struct irsa_role_details *ret, bool *ret_bulk, struct irsa_error *err);
/* For each found role of d[0..n) whose role_fields is false and, when want
 * is not NULL, want[i]: GetRole (all at once) for its description and
 * maximum session duration. A failure is in that role's err. */
void irsa_iam_read_role_fields(struct irsa_aws *aws, struct irsa_role_details *d, size_t n,
			       const bool *want);

/* ---- changes to many roles at once (apply) ---- */
enum irsa_iam_role_op {
	IRSA_IAM_CREATE_ROLE,        /* create (trust policy in create.trust_policy) */
	IRSA_IAM_UPDATE_TRUST,       /* document */
	IRSA_IAM_UPDATE_ROLE,        /* description, max_session_duration */
	IRSA_IAM_PUT_BOUNDARY,       /* target: the boundary's ARN */
	IRSA_IAM_TAG_ROLE,           /* tags */
	IRSA_IAM_ATTACH_POLICY,      /* target: the policy's ARN */
	IRSA_IAM_DETACH_POLICY,      /* target: the policy's ARN */
	IRSA_IAM_PUT_ROLE_POLICY,    /* target: the inline policy's name, document */
	IRSA_IAM_DELETE_ROLE_POLICY, /* target: the inline policy's name */
	IRSA_IAM_DELETE_ROLE,
};

/* One request of a batch; the same request as the single-call function of
 * its op. Strings borrowed. */
struct irsa_iam_role_change {
	enum irsa_iam_role_op op;
	const char *role_name;
	struct irsa_role_spec create;
	const char *target;
	const char *document;
	const char *description;         /* NULL = leave */
	int max_session_duration;        /* 0 = leave */
	const struct irsa_tags *tags;
	/* out */
	int rc;                          /* 0, or -1 with err */
	struct irsa_error err;
	char *created_arn;               /* CreateRole: the new role's ARN (free()) */
};

/* Send the n changes at once through the session's parallel path (at
 * most irsa_aws_concurrency() in flight, one retry quota: throttling
 * slows the batch down). Independent of each other: each gets its own
 * rc and err. */
void irsa_iam_change_roles(struct irsa_aws *aws, struct irsa_iam_role_change *c, size_t n);

/* ---- inline policies ---- */
int irsa_iam_list_role_policies(struct irsa_aws *aws, const char *role_name,
				struct irsa_strlist *ret_names, struct irsa_error *err);
int irsa_iam_get_role_policy(struct irsa_aws *aws, const char *role_name, const char *name,
			     char **ret_document, struct irsa_error *err);
int irsa_iam_put_role_policy(struct irsa_aws *aws, const char *role_name, const char *name,
			     const char *document, struct irsa_error *err);
int irsa_iam_delete_role_policy(struct irsa_aws *aws, const char *role_name, const char *name,
				struct irsa_error *err);

/* ---- policy simulation ---- */
struct irsa_simulation_result {
	char *action;
	char *resource;
	char *decision;            /* "allowed", "implicitDeny", "explicitDeny" */
	struct irsa_strlist matched_policies; /* SourcePolicyId of the deciding statements */
	bool boundary_denied;      /* allowed by the policies, not by the permissions boundary */
};
/* SimulatePrincipalPolicy of source_arn (a role) for each action on
 * resource (NULL = "*"), every page. */
int irsa_iam_simulate_principal_policy(struct irsa_aws *aws, const char *source_arn,
				       const struct irsa_strlist *actions, const char *resource,
				       struct irsa_simulation_result **ret, size_t *ret_n,
				       struct irsa_error *err);
void irsa_simulation_results_free(struct irsa_simulation_result *r, size_t n);
