#pragma once
/* The IRSA ServiceAccount as data: the role ARN, the pod identity
 * webhook's annotations, extra labels and annotations, Kubernetes name
 * validation, the "owned set" of keys irsactl writes, the --overwrite
 * rule, and (serviceaccount-apply.c) applying it to a cluster.
 *
 * The CLI fills struct irsa_sa_options from its flags (strings borrowed),
 * irsa_sa_spec_build() validates everything without touching the network,
 * irsa_sa_spec_resolve_role() looks --role-name up in IAM, and the spec
 * then goes to the manifest writer (irsa/manifest.h) or to
 * irsa_sa_plan_apply(). */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "irsa/error.h"
#include "irsa/plan.h"

struct irsa_aws;
struct irsa_kube;

#define IRSA_SA_ANNOTATION_ROLE_ARN "eks.amazonaws.com/role-arn"
#define IRSA_SA_ANNOTATION_AUDIENCE "eks.amazonaws.com/audience"
#define IRSA_SA_ANNOTATION_STS_REGIONAL "eks.amazonaws.com/sts-regional-endpoints"
#define IRSA_SA_ANNOTATION_TOKEN_EXPIRATION "eks.amazonaws.com/token-expiration"
#define IRSA_SA_FIELD_MANAGER "irsactl"

/* The pod identity webhook raises token-expiration below this to it and
 * caps values above the maximum. */
#define IRSA_SA_TOKEN_EXPIRATION_MIN 600
#define IRSA_SA_TOKEN_EXPIRATION_MAX 86400

/* Kubernetes key/value rules (apimachinery/pkg/util/validation); names
 * of namespaces and ServiceAccounts are checked with irsa/names.h.
 * `what` names the thing in the message ("label key"). IRSA_ERR_USAGE. */
/* [prefix/]name: prefix a DNS-1123 subdomain, name <= 63 characters of
 * [A-Za-z0-9_.-] beginning and ending with an alphanumeric. */
int irsa_k8s_check_qualified_name(const char *key, const char *what, struct irsa_error *err);
/* Empty, or <= 63 characters like the name part of a qualified name. */
int irsa_k8s_check_label_value(const char *key, const char *value, struct irsa_error *err);

/* arn:PARTITION:iam::ACCOUNT:role/PATH/NAME */
struct irsa_role_arn {
	char partition[16]; /* aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b */
	char account[16];   /* 12 digits */
	char path[520];     /* "/" or "/a/b/" */
	char name[72];      /* 1-64 of [A-Za-z0-9+=,.@_-] */
};

/* Parse and validate a role ARN. IRSA_ERR_USAGE naming the bad part. */
int irsa_role_arn_parse(const char *arn, struct irsa_role_arn *ret, struct irsa_error *err);
/* Build the ARN; *ret is malloc'd (caller frees). */
int irsa_role_arn_build(const char *partition, const char *account, const char *path,
			const char *name, char **ret, struct irsa_error *err);

/* What the user asked for; every string borrowed, any may be NULL. */
struct irsa_sa_options {
	const char *namespace;
	const char *name;
	const char *role_arn;
	const char *role_name;   /* instead of role_arn; looked up in IAM */
	const char *role_path;   /* with role_name; NULL = "/" */
	const char *audience;
	const char *sts_regional_endpoints; /* "true" or "false" */
	const char *token_expiration;       /* decimal seconds */
	const char *const *labels;          /* "key=value" ("key" with remove) */
	size_t n_labels;
	const char *const *annotations;     /* "key=value" ("key" with remove) */
	size_t n_annotations;
	bool remove;             /* take irsactl's annotations off */
};

struct irsa_sa_kv {
	char *key;
	char *value; /* NULL in a remove spec */
};

/* A validated request. In a set spec `annotations` holds every annotation
 * to write, role-arn first; in a remove spec (remove == true) the keys to
 * take off: the four eks.amazonaws.com annotations plus the extra keys
 * named. The union of the keys is the "owned set" of this run. */
struct irsa_sa_spec {
	char *namespace;
	char *name;
	bool remove;
	bool role_resolved;      /* false until irsa_sa_spec_resolve_role() with role_name */
	char *role_name, *role_path;
	struct irsa_sa_kv *annotations;
	size_t n_annotations;
	struct irsa_sa_kv *labels;
	size_t n_labels;
	char **warnings;         /* for the CLI to print; may be empty */
	size_t n_warnings;
};

/* Validate opts into ret (no network). The namespace may be NULL only
 * when allow_no_namespace (with --apply, filled in later from the
 * kubeconfig by irsa_sa_spec_set_namespace()). IRSA_ERR_USAGE. Release
 * with irsa_sa_spec_release(), also after a failure. */
int irsa_sa_spec_build(const struct irsa_sa_options *opts, bool allow_no_namespace,
		       struct irsa_sa_spec *ret, struct irsa_error *err);
int irsa_sa_spec_set_namespace(struct irsa_sa_spec *s, const char *ns, struct irsa_error *err);
void irsa_sa_spec_release(struct irsa_sa_spec *s);
/* With role_name: IAM GetRole gives the role's ARN (so a role with a
 * path, or in another partition, gets its real ARN); a missing role is
 * IRSA_ERR_NOT_FOUND, a path other than "/" that differs from the role's
 * IRSA_ERR_USAGE. No-op otherwise. */
int irsa_sa_spec_resolve_role(struct irsa_sa_spec *s, struct irsa_aws *aws,
			      struct irsa_error *err);
/* The role ARN to write (borrowed), NULL in a remove spec. */
const char *irsa_sa_spec_role_arn(const struct irsa_sa_spec *s);

/* A new ServiceAccount object: apiVersion, kind, metadata {name,
 * namespace, labels (if any), annotations}. Caller decrefs. For a remove
 * spec the object carries neither labels nor annotations. */
json_t *irsa_sa_spec_object(const struct irsa_sa_spec *s);

enum irsa_sa_status { IRSA_SA_UNCHANGED, IRSA_SA_CREATED, IRSA_SA_UPDATED };
const char *irsa_sa_status_name(enum irsa_sa_status st);

/* The --overwrite rule and the change test against what exists.
 * annotations / labels: JSON objects of the current values (NULL = none).
 * Fails with IRSA_ERR_CONFLICT when a different role-arn is set and
 * overwrite is false; the message names `where` ("manifest 'x'",
 * "the cluster") and the existing value. *ret_changed: something differs. */
int irsa_sa_check(const struct irsa_sa_spec *s, const json_t *annotations, const json_t *labels,
		  bool overwrite, const char *where, bool *ret_changed, struct irsa_error *err);
/* Apply the spec to the objects in place (set or delete keys). */
void irsa_sa_merge(const struct irsa_sa_spec *s, json_t *annotations, json_t *labels);

/* Applying to a cluster. */
struct irsa_sa_apply_options {
	bool overwrite;        /* replace a different role-arn */
	bool force_conflicts;  /* take fields over from other field managers */
	bool create_namespace; /* create a missing namespace */
	bool dry_run;          /* server-side dry run; nothing stored */
};

/* The plan of applying a spec to a cluster (plan.h). Subject {namespace,
 * service_account, role_arn, target: "cluster:CONTEXT"}, result
 * {annotations, labels} (after the plan; the server's answer once
 * executed). Actions: "create-namespace", "apply-service-account" (the
 * object applied, field manager irsactl) or "patch-service-account" (the
 * --remove merge patch), each with the annotations and labels before and
 * after for the diff. */
struct irsa_sa_plan {
	struct irsa_plan plan;
	struct irsa_kube *kube;           /* borrowed */
	const struct irsa_sa_spec *spec;  /* borrowed */
	struct irsa_sa_apply_options opts;
	json_t *current;                  /* the ServiceAccount read, NULL if none */
	json_t *annotations, *labels;     /* after the plan */
};

/* Check the namespace (a missing one is IRSA_ERR_NOT_FOUND unless
 * create_namespace), GET the ServiceAccount, apply the --overwrite rule
 * and the field-ownership rule in one error naming every flag needed
 * (--overwrite, --force-conflicts), and plan a server-side apply (field
 * manager irsactl) only when something changes. The applied object
 * carries the fields irsactl already owns plus the spec, so an earlier
 * --audience is kept. A remove spec plans one JSON merge patch nulling
 * the keys present (irsa_sa_remove_patch()), which takes them off
 * whichever field manager owns them. With o->dry_run the planned requests
 * are also sent with dryRun=All, so the server checks them; nothing is
 * stored. Execute with irsa_plan_execute(&ret->plan, ...); release with
 * irsa_sa_plan_release(), also after a failure. */
int irsa_sa_plan_apply(struct irsa_kube *k, const struct irsa_sa_spec *s,
		       const struct irsa_sa_apply_options *o, struct irsa_sa_plan *ret,
		       struct irsa_error *err);
void irsa_sa_plan_release(struct irsa_sa_plan *p);
/* For executing many plans at once (apply): the object to apply when the
 * plan's one action is a server-side apply not done yet, else NULL; and,
 * once the server answered it, the plan executed with that answer as its
 * result. */
const json_t *irsa_sa_plan_only_apply(const struct irsa_sa_plan *p);
void irsa_sa_plan_applied(struct irsa_sa_plan *p, const json_t *answer);

/* The plan of writing the ServiceAccount to a new file (-o, manifest
 * false: replaced atomically, mode 0644) or merging it into an existing
 * manifest (-f, manifest true; see irsa/manifest.h): one "write-file" or
 * "update-manifest" action with the old and new text for the diff, none
 * when the bytes would not change. Subject {namespace, service_account,
 * role_arn, target: "file:PATH" / "manifest:PATH"}, result {annotations,
 * labels}. Nothing is written while planning. */
struct irsa_sa_file_plan {
	struct irsa_plan plan;
	const struct irsa_sa_spec *spec; /* borrowed */
	char *path;
	bool manifest, overwrite;
};
int irsa_sa_plan_file(const char *path, bool manifest, const struct irsa_sa_spec *s,
		      bool overwrite, struct irsa_sa_file_plan *ret, struct irsa_error *err);
void irsa_sa_file_plan_release(struct irsa_sa_file_plan *p);

/* The pieces irsa_sa_plan_apply() is made of, for unit tests. */
/* True when obj's managedFields give metadata.annotations.KEY (or
 * metadata.labels.KEY with is_label) to irsactl's Apply entry. */
bool irsa_sa_owned_by_irsactl(const json_t *obj, const char *key, bool is_label);
/* For a set spec, the object to apply: what irsactl owns now (from
 * current's managedFields) with the spec on top. current may be NULL.
 * Caller decrefs. */
json_t *irsa_sa_apply_object(const struct irsa_sa_spec *s, const json_t *current);
/* For a remove spec: the merge patch {"metadata": {"annotations": {K: null},
 * "labels": {K: null}}} with exactly the spec's keys present in current,
 * or NULL when none is. Caller decrefs. */
json_t *irsa_sa_remove_patch(const struct irsa_sa_spec *s, const json_t *current);
