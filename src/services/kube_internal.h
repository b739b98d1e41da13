#pragma once
/* The Kubernetes client's private state, shared by kube.c (requests),
 * kube_auth.c (credentials) and kube_exec.c (exec plugins). */
#include <stdbool.h>
#include <time.h>
#include <jansson.h>

#include "irsa/http.h"
#include "irsa/kube.h"
#include "irsa/kubeconfig.h"

struct irsa_kube {
	struct irsa_kubeconfig *kc;
	struct irsa_kubeconfig_selection sel;
	char *server;          /* without a trailing '/' */
	struct irsa_aws *aws;  /* borrowed, may be NULL */
	struct irsa_aws *own_aws; /* for a native token with another profile */
	struct irsa_http *http;
	struct irsa_http_options http_opts;
	char *ca_pem;          /* certificate-authority-data */
	char *auth_method;
	/* Credentials: at most one of bearer / basic, plus a client cert. */
	char *bearer;          /* secret */
	char *basic;           /* "user:password", secret */
	char *cert_pem;        /* from an exec plugin */
	char *key_pem;         /* from an exec plugin, secret */
	bool refreshable;      /* exec plugin or native token: may be made again once */
	struct irsa_strlist namespaces; /* seen to exist: not asked again (apply's many SAs) */
	json_t *listed;        /* {namespace: {name: ServiceAccount}} prefetched, or NULL */
};

/* The answer of an exec plugin. */
struct kube_exec_result {
	char *token;    /* secret */
	char *cert_pem;
	char *key_pem;  /* secret */
	time_t expiration; /* 0 if none given */
};
void kube_exec_result_release(struct kube_exec_result *r);

/* Run the user's exec plugin (no shell) and decode its ExecCredential. */
int kube_exec_run(const struct irsa_kubeconfig_exec *exec,
		  const struct irsa_kubeconfig_selection *sel, struct kube_exec_result *ret,
		  struct irsa_error *err);

/* Decode the plugin's output out[0..len) (an ExecCredential of
 * e->api_version) into ret; e and sel name the plugin in messages, which
 * never quote the output. Exposed for the tests and fuzz targets. */
int kube_exec_decode(const struct irsa_kubeconfig_exec *e,
		     const struct irsa_kubeconfig_selection *sel, const char *out, size_t len,
		     struct kube_exec_result *ret, struct irsa_error *err);
/* The expirationTimestamp as kube_exec_decode() reads it (RFC 3339, with
 * a fraction and a +hh:mm offset accepted); 0 when absent or invalid. */
time_t kube_exec_parse_time(const char *s);

/* Choose the authentication method and get the credentials (runs the exec
 * plugin or makes the native EKS token). Sets k->auth_method. */
int kube_auth_setup(struct irsa_kube *k, struct irsa_error *err);
/* After a 401: make exec / native credentials again. */
int kube_auth_refresh(struct irsa_kube *k, struct irsa_error *err);
void kube_auth_release(struct irsa_kube *k);
