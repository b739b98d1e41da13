#pragma once
/* What `irsactl apply -f` is asked for: the files read (irsactl's own
 * format, apiVersion irsactl.io/v1alpha1 kind ServiceAccountSet, and
 * eksctl's ClusterConfig) into one request, strictly: an unknown field is
 * an error at FILE:LINE:COLUMN with a "did you mean". Reading only: no
 * AWS or Kubernetes call, no check of templates against the catalogue
 * (the plan does that). See irsactl-apply(1) for the format. */
#include <stdbool.h>
#include <stddef.h>

#include "irsa/error.h"
#include "irsa/strlist.h"

#define IRSA_APPLY_API_VERSION "irsactl.io/v1alpha1"
#define IRSA_APPLY_KIND "ServiceAccountSet"

struct irsa_apply_cluster {
	char *name;        /* EKS cluster name, or NULL */
	char *issuer_url;  /* self-managed issuer, or NULL */
	char *region;      /* NULL = the session's */
	char *context;     /* kubeconfig context, NULL = default */
	bool create_provider;
	char *where;       /* "FILE:LINE:COLUMN" of the item */
};

/* How the pods of a service account get the role's credentials. */
enum irsa_apply_mechanism {
	IRSA_APPLY_IRSA,         /* the eks.amazonaws.com/role-arn annotation (default) */
	IRSA_APPLY_POD_IDENTITY, /* an EKS Pod Identity association; no annotation */
	IRSA_APPLY_BOTH,         /* both (EKS uses Pod Identity first) */
};
/* "irsa", "pod-identity", "both". */
const char *irsa_apply_mechanism_name(enum irsa_apply_mechanism m);

enum irsa_apply_target {
	IRSA_APPLY_TARGET_CLUSTER,
	IRSA_APPLY_TARGET_NONE,
	IRSA_APPLY_TARGET_MANIFEST,
};

struct irsa_apply_sa {
	char *namespace_;
	char *name;                     /* may have * and ? (a pattern) */
	char *subject_pattern;          /* eksctl subjectPattern, or NULL */
	struct irsa_strlist clusters;   /* names or issuer URLs; empty = all */
	char *role_name;                /* NULL = the default name */
	char *role_arn;                 /* eksctl attachRoleARN: use, don't manage */
	char *path, *description, *permissions_boundary;
	int max_session_duration;       /* 0 = unset */
	struct irsa_strlist policies;   /* templates as --policy takes them */
	struct irsa_strlist managed_policy_arns;
	struct irsa_strlist policy_files; /* paths, relative ones made relative
					   * to the file's folder */
	struct irsa_tags inline_policies; /* name -> JSON document */
	struct irsa_strlist trust_role_arns;
	struct irsa_tags tags, labels, annotations;
	char *audience;                 /* NULL = sts.amazonaws.com */
	int sts_regional_endpoints;     /* -1 unset, 0 false, 1 true */
	long token_expiration;          /* 0 = unset */
	enum irsa_apply_target target;
	char *manifest;                 /* for IRSA_APPLY_TARGET_MANIFEST */
	bool create_namespace;
	char *scope;                    /* the file's scope (eksctl: metadata.name), or NULL */
	char *where;                    /* "FILE:LINE:COLUMN" of the item */
	enum irsa_apply_mechanism mechanism;
	char *target_role_arn;          /* Pod Identity: the role in another account */
	bool disable_session_tags;      /* Pod Identity */
};

struct irsa_apply_request {
	struct irsa_apply_cluster *clusters;
	size_t n_clusters;
	struct irsa_apply_sa *sas;
	size_t n_sas;
	struct irsa_strlist scopes;     /* every scope the files name, once each */
	struct irsa_strlist notes;      /* things ignored, for standard error */
};

void irsa_apply_request_release(struct irsa_apply_request *r);

/* Add the documents of data[0..len) to r. name is the file's name in
 * messages; dir the folder relative paths in it are relative to (NULL =
 * the current one). IRSA_ERR_USAGE for anything malformed. */
int irsa_apply_read_buffer(const char *name, const char *dir, const char *data, size_t len,
			   struct irsa_apply_request *r, struct irsa_error *err);
/* Add a file, every *.yaml, *.yml and *.json of a directory (name order,
 * not recursive), or standard input for "-". */
int irsa_apply_read_path(const char *path, struct irsa_apply_request *r,
			 struct irsa_error *err);

/* Checks across all files read: a service account listed twice (same
 * namespace, name and a cluster in common), service accounts sharing a
 * role that disagree on its path, description, boundary or session
 * duration. IRSA_ERR_USAGE naming both places. */
int irsa_apply_request_check(const struct irsa_apply_request *r, struct irsa_error *err);

/* The closest of the n words to `word` (edit distance, ignoring case),
 * or NULL when none is close enough to be a likely misspelling. */
const char *irsa_apply_suggest(const char *word, const char *const *words, size_t n);

/* ---- planning and executing a request (src/domain/apply.c) ---- */
#include <jansson.h>
#include "irsa/oidc.h"
#include "irsa/request.h"
#include "irsa/serviceaccount.h"

struct irsa_account;
struct irsa_kube;

/* One IAM role of the request and the service accounts that share it. */
struct irsa_apply_role {
	char *role_name;                  /* as given, or NULL = the default name */
	const char *external_arn;         /* attachRoleARN: used, not managed */
	size_t *sas;                      /* indexes into the request's sas */
	size_t n_sas;
	struct irsa_create_role_input in; /* resolved request */
	json_t **extra_docs;              /* the file's inline documents */
	struct irsa_strlist inline_names; /* their names, irsactl-inline-NAME */
	struct irsa_inline_policy *inline_all;
	struct irsa_role_plan plan;
	void *strings;                    /* what the input borrows (apply.c) */
	bool planned, failed;
	char *failure;                    /* why, when failed */
};

/* One ServiceAccount in one cluster (or manifest). */
struct irsa_apply_object {
	size_t sa, role;                  /* indexes */
	struct irsa_sa_spec spec;
	struct irsa_sa_plan plan;         /* to a cluster */
	struct irsa_sa_file_plan file_plan; /* to a manifest */
	bool is_file, planned, failed;
	char *failure;
};

/* The OIDC provider of a cluster that asks for one. */
struct irsa_apply_provider {
	size_t cluster;
	char *issuer;
	struct irsa_oidc_plan plan;
	bool planned, failed;
	char *failure;
};

/* An EKS Pod Identity association of one service account in one EKS
 * cluster (apply_pod_identity.c). */
struct irsa_apply_association {
	size_t sa, role, cluster;         /* indexes */
	struct irsa_plan plan;            /* create / update / unchanged */
	char *association_id;             /* of the association EKS has, for an update */
	char *role_arn;                   /* as planned; a new role's ARN once created */
	struct irsa_aws *aws;             /* for execution (borrowed) */
	const char *cluster_name;         /* borrowed from the request */
	bool disable_session_tags;
	bool planned, failed;
	char *failure;
};

struct irsa_apply_options {
	const char *kubeconfig;
	bool dry_run;
	const char *const *include;       /* globs on NS/NAME; none = all */
	size_t n_include;
	const char *const *exclude;
	size_t n_exclude;
};

/* Called after each object is planned or executed: its label, its status
 * name, and its error message or NULL. */
typedef void (*irsa_apply_progress_fn)(void *userdata, const char *label, const char *status,
				       const char *failure);

struct irsa_apply {
	const struct irsa_apply_request *req; /* borrowed */
	struct irsa_apply_options opts;
	struct irsa_apply_provider *providers;
	size_t n_providers;
	struct irsa_apply_role *roles;
	size_t n_roles;
	struct irsa_apply_object *targets;
	size_t n_targets;
	struct irsa_apply_association *associations;
	size_t n_associations;
	struct irsa_kube **kubes;         /* per cluster of the request, opened on use */
	struct irsa_aws *aws;             /* the session (borrowed): --concurrency */
	size_t n_failed;
	enum irsa_error_kind failure_kind; /* of the first failure */
};
void irsa_apply_release(struct irsa_apply *a);

/* Resolve (the provider list and the account once, each cluster's issuer
 * once), plan the OIDC providers the clusters ask for (unless dry_run,
 * create them at once: the roles' trust needs them), then read every role
 * at once (irsa_iam_read_roles(): one GetAccountAuthorizationDetails, or
 * per-role reads in parallel rounds) and plan each, then every
 * ServiceAccount (a namespace with many of them read with one LIST). An
 * object that cannot be
 * planned is marked failed (its message kept) and the others go on; -1
 * only for an error that concerns everything (no account). */
int irsa_apply_plan(struct irsa_account *acct, const struct irsa_apply_request *req,
		    const struct irsa_apply_options *opts, struct irsa_apply *ret,
		    struct irsa_error *err);
/* Execute in dependency order: (providers already done,) roles, then the
 * ServiceAccounts of the roles that succeeded. The roles' changes go in
 * waves, the next change of every role in one parallel batch
 * (irsa_iam_change_roles(), at most irsa_aws_concurrency() in flight); a
 * role whose change fails sends nothing more. Failures are kept per
 * object; n_failed counts. progress is called as each object finishes. */
void irsa_apply_execute(struct irsa_apply *a, irsa_apply_progress_fn progress, void *userdata);
/* ---- EKS Pod Identity in apply (src/domain/apply_pod_identity.c) ---- */
struct irsa_create_role_request;
struct irsa_create_role_input;
/* The role of r: parse and resolve cr into in, with the Pod Identity
 * trust statement when one of r's service accounts uses Pod Identity,
 * and without the OIDC part (no provider needed) when none uses IRSA. */
int irsa_apply_role_resolve(struct irsa_account *acct, const struct irsa_apply_request *req,
			    const struct irsa_apply_role *r,
			    const struct irsa_create_role_request *cr,
			    struct irsa_create_role_input *in, struct irsa_error *err);
/* Whether the role's OIDC trust should name sa (not a Pod Identity-only
 * account of a role that IRSA accounts share). */
bool irsa_apply_role_trusts_subject(const struct irsa_apply_request *req,
				    const struct irsa_apply_role *r, const struct irsa_apply_sa *sa);
/* The ServiceAccount of a Pod Identity-only account: labels and
 * annotations, no role-arn annotation. */
int irsa_apply_pod_identity_sa_spec(const struct irsa_apply_sa *sa, struct irsa_sa_spec *spec,
				    struct irsa_error *err);
/* Plan the associations of every selected Pod Identity account (each
 * cluster's associations listed once; the agent add-on checked, a warning
 * when not ACTIVE). Failures are kept per association. */
void irsa_apply_plan_pod_identity(struct irsa_account *acct, struct irsa_apply *a);
/* Execute them (after the roles): one whose role failed is not sent. */
void irsa_apply_execute_pod_identity(struct irsa_apply *a, irsa_apply_progress_fn progress,
				     void *userdata);
bool irsa_apply_pod_identity_changed(const struct irsa_apply *a);
void irsa_apply_pod_identity_to_json(const struct irsa_apply *a, json_t *objects,
				     json_t *failed);
void irsa_apply_pod_identity_release(struct irsa_apply *a);

/* Whether any object has a change planned or made. */
bool irsa_apply_changed(const struct irsa_apply *a);
/* {"objects": [plan reports, each with "failure" when failed], "failed": [..]} */
json_t *irsa_apply_to_json(const struct irsa_apply *a);

/* ---- one service account from flags (apply without a file; apply_prune.c) ---- */

/* What `irsactl apply --cluster C -n NS -s SA ...` gives; strings
 * borrowed, NULL = unset. */
struct irsa_apply_one {
	const char *cluster;              /* EKS cluster name, or */
	const char *issuer_url;           /* a self-managed cluster's issuer */
	const char *context;              /* kubeconfig context, NULL = current */
	const char *namespace_, *name;
	const char *role_name, *path, *description, *permissions_boundary;
	const char *max_session_duration; /* decimal seconds, as given */
	const char *audience;
	const char *const *policies;      /* TEMPLATE[:K=V,...] */
	size_t n_policies;
	const char *const *managed_arns;
	size_t n_managed_arns;
	const char *const *policy_files;
	size_t n_policy_files;
	const char *const *tags;          /* KEY=VALUE */
	size_t n_tags;
	bool role_only;                   /* no ServiceAccount object */
};

/* Add one cluster and one service account to r, as a file with those
 * fields would, after checking every value as create-role and
 * annotate-sa do (no request is sent: IRSA_ERR_USAGE for anything
 * wrong, before anything is planned). The cluster's OIDC provider is
 * created when missing, as eksctl's `create iamserviceaccount` does for
 * a cluster with iam.withOIDC. */
int irsa_apply_request_add_one(const struct irsa_apply_one *one, struct irsa_apply_request *r,
			       struct irsa_error *err);

/* ---- --prune (apply_prune.c) ---- */

/* A role to delete: it carries irsactl's owner tag (managed-by=irsactl)
 * and the scope tag of one of the request's scopes, and no service
 * account of the request names it. Its ServiceAccounts (the trusted
 * subjects, in the request's clusters, whose role-arn annotation is this
 * role's ARN and belongs to irsactl's field manager) lose irsactl's
 * eks.amazonaws.com annotations first. */
struct irsa_apply_prune_sa {
	struct irsa_sa_spec spec;         /* a remove spec */
	struct irsa_sa_plan plan;
};

struct irsa_apply_prune_role {
	char *scope;
	struct irsa_role_plan plan;       /* detach, delete inline, delete role */
	struct irsa_apply_prune_sa **sas; /* each allocated: plans point into them */
	size_t n_sas;
	bool planned, failed;
	char *failure;
};

struct irsa_apply_prune {
	struct irsa_apply_prune_role *roles;
	size_t n_roles;
	char *failure;                    /* why nothing could be pruned, or NULL */
	size_t n_failed;                  /* roles failed (+1 when failure) */
	enum irsa_error_kind failure_kind; /* of the first failure */
};
void irsa_apply_prune_release(struct irsa_apply_prune *p);

/* Whether --prune can run with this request and options, before any
 * request: a scope is needed (IRSA_ERR_USAGE naming the `scope:` field),
 * and --include/--exclude cannot be combined with it (a role left out
 * would look unlisted). */
int irsa_apply_prune_check(const struct irsa_apply_request *req,
			   const struct irsa_apply_options *opts, struct irsa_error *err);

/* After irsa_apply_plan(): find the roles of the request's scopes that it
 * no longer lists (GetAccountAuthorizationDetails, or ListRoles and
 * per-role reads when that is denied) and plan their deletion. When a
 * role of the request could not be planned (its name may be unknown), or
 * the account's roles cannot be read, nothing is pruned: ret->failure
 * says why, the apply goes on, and a re-run prunes. Sends no mutating
 * request (a ServiceAccount's patch is sent with dryRun=All when
 * a->opts.dry_run). -1 only for irsa_apply_prune_check()'s errors. */
int irsa_apply_prune_plan(struct irsa_account *acct, struct irsa_apply *a,
			  struct irsa_apply_prune *ret, struct irsa_error *err);
/* Execute after irsa_apply_execute(a): per role, its ServiceAccounts'
 * annotations, then the role (not when one of them failed). Nothing when
 * an object of a failed (p->failure says so; the next run prunes). */
void irsa_apply_prune_execute(struct irsa_apply_prune *p, const struct irsa_apply *a,
			      irsa_apply_progress_fn progress, void *userdata);
/* Whether a deletion is planned or made. */
bool irsa_apply_prune_changed(const struct irsa_apply_prune *p);
/* Append the plans to report's "objects" and the failures to its
 * "failed" (irsa_apply_to_json()'s shape). */
void irsa_apply_prune_to_json(const struct irsa_apply_prune *p, json_t *report);
