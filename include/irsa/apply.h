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
