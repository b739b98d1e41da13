#pragma once
/* The Kubernetes API as irsactl uses it: kubeconfig loading (kubectl's
 * rules), authentication (token, token file, client certificate, basic,
 * exec plugins, native EKS tokens) and the ServiceAccount calls.
 * No CLI logic here. */
#include <stdbool.h>
#include <jansson.h>
#include "irsa/aws.h"
#include "irsa/error.h"

struct irsa_kube_options {
	const char *kubeconfig;  /* --kubeconfig; NULL = $KUBECONFIG, then ~/.kube/config */
	const char *context;     /* --context; NULL = current-context */
	/* Used to make EKS tokens natively when the user's exec plugin is
	 * `aws eks get-token` / `aws-iam-authenticator token` / `irsactl token`.
	 * May be NULL: then the plugin is run as configured. */
	struct irsa_aws *aws;
};

struct irsa_kube;

/* Read and merge the kubeconfig(s), pick the context, and prepare the
 * connection and credentials. No request is sent. Errors name the file
 * and the missing or malformed entry (IRSA_ERR_USAGE). */
int irsa_kube_open(const struct irsa_kube_options *opts, struct irsa_kube **ret,
		   struct irsa_error *err);
struct irsa_kube *irsa_kube_free(struct irsa_kube *k);
static inline void irsa_kube_freep(struct irsa_kube **k) { irsa_kube_free(*k); }

/* The context's namespace, or "default". Borrowed. */
const char *irsa_kube_default_namespace(const struct irsa_kube *k);
/* The API server URL and the context name, for messages. Borrowed. */
const char *irsa_kube_server(const struct irsa_kube *k);
const char *irsa_kube_context_name(const struct irsa_kube *k);
/* How the client authenticates, for messages: "token", "client-certificate",
 * "exec (aws eks get-token, native EKS token)", ... Borrowed. */
const char *irsa_kube_auth_method(const struct irsa_kube *k);
/* The client's HTTP client, e.g. for irsa_http_set_transport() in tests. */
struct irsa_http *irsa_kube_http(struct irsa_kube *k);

/* GET the ServiceAccount. IRSA_ERR_NOT_FOUND (err->code "NotFound") when the
 * ServiceAccount does not exist; *ret is the object (caller decrefs). */
int irsa_kube_get_service_account(struct irsa_kube *k, const char *ns, const char *name,
				  json_t **ret, struct irsa_error *err);
/* Server-side apply (PATCH application/apply-patch+yaml, fieldManager
 * "irsactl", force when asked, dryRun=All when dry_run) of `object`, a full
 * ServiceAccount with only the fields irsactl owns. A conflict with
 * another field manager is IRSA_ERR_CONFLICT with the fields named.
 * *ret is the object the server returns (caller decrefs; may be NULL). */
int irsa_kube_apply_service_account(struct irsa_kube *k, const char *ns, const char *name,
				    const json_t *object, bool force, bool dry_run,
				    json_t **ret, struct irsa_error *err);
/* JSON merge patch (RFC 7386; PATCH application/merge-patch+json,
 * fieldManager "irsactl", dryRun=All when dry_run) of the ServiceAccount.
 * A null value deletes the key whichever field manager owns it, e.g.
 * {"metadata":{"annotations":{"KEY":null}}}. IRSA_ERR_NOT_FOUND when the
 * ServiceAccount does not exist. *ret is the object the server returns
 * (caller decrefs; may be NULL). */
int irsa_kube_patch_service_account(struct irsa_kube *k, const char *ns, const char *name,
				    const json_t *merge_patch, bool dry_run, json_t **ret,
				    struct irsa_error *err);
/* Namespaces. */
int irsa_kube_namespace_exists(struct irsa_kube *k, const char *ns, bool *ret,
			       struct irsa_error *err);
int irsa_kube_create_namespace(struct irsa_kube *k, const char *ns, struct irsa_error *err);

/* One server-side apply of a batch (as irsa_kube_apply_service_account()). */
struct irsa_kube_apply_call {
	const char *ns, *name;
	const json_t *object;
	bool force, dry_run;
	/* out */
	int rc;                /* 0, or -1 with err */
	json_t *ret;           /* the server's answer when rc == 0 (json_decref) */
	struct irsa_error err;
	bool done;
};
/* Several applies at once (at most concurrency in flight) over the
 * client's connections; an answer that is not a success (an error, a
 * status to retry, expired credentials) is done again the one-by-one way,
 * with its retries and error messages. Each call gets its own outcome. */
void irsa_kube_apply_service_accounts(struct irsa_kube *k, struct irsa_kube_apply_call *c,
				      size_t n, size_t concurrency);

/* LIST the ServiceAccounts of ns once and answer the next
 * irsa_kube_get_service_account() calls in ns from that list (apply reads
 * many ServiceAccounts of one namespace: one request instead of one
 * each). A write to a ServiceAccount of ns drops the list. */
int irsa_kube_prefetch_service_accounts(struct irsa_kube *k, const char *ns,
					struct irsa_error *err);

/* The ServiceAccounts of ns (NULL = every namespace): *ret is the list's
 * "items" array (caller decrefs). */
int irsa_kube_list_service_accounts(struct irsa_kube *k, const char *ns, json_t **ret,
				    struct irsa_error *err);
/* The pods of ns that run as service_account (NULL = every pod), by the
 * field selector spec.serviceAccountName: *ret is the "items" array. */
int irsa_kube_list_pods(struct irsa_kube *k, const char *ns, const char *service_account,
			json_t **ret, struct irsa_error *err);
/* TokenRequest (POST .../serviceaccounts/NAME/token) for one audience and
 * expiry. *ret_token is a secret: free it with irsa_free_secret(); it is
 * never logged. */
int irsa_kube_request_token(struct irsa_kube *k, const char *ns, const char *name,
			    const char *audience, long expiration_seconds, char **ret_token,
			    struct irsa_error *err);
