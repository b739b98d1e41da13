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
	char *where;                    /* "FILE:LINE:COLUMN" of the item */
};

struct irsa_apply_request {
	struct irsa_apply_cluster *clusters;
	size_t n_clusters;
	struct irsa_apply_sa *sas;
	size_t n_sas;
	struct irsa_strlist scopes;     /* one per file that names one */
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
/* Whether any object has a change planned or made. */
bool irsa_apply_changed(const struct irsa_apply *a);
/* {"objects": [plan reports, each with "failure" when failed], "failed": [..]} */
json_t *irsa_apply_to_json(const struct irsa_apply *a);
