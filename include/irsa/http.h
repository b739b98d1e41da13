#pragma once
/* HTTP requests and responses, and one libcurl client per run.
 *
 * struct irsa_request holds a request in its wire form (path and query
 * already percent-encoded) so that the SigV4 signer sees exactly what is
 * sent. The caller owns requests and responses (init / release). */
#include <stdbool.h>
#include <stddef.h>
#include "irsa/buf.h"
#include "irsa/error.h"

struct irsa_header {
	char *name;
	char *value;
};

struct irsa_request {
	char *method;    /* "GET", "POST", ... */
	char *scheme;    /* "https" or "http" */
	char *authority; /* host[:port], as in the Host header */
	char *path;      /* wire path, starts with '/' */
	char *query;     /* wire query without '?', "" when none */
	struct irsa_header *headers;
	size_t n_headers;
	struct irsa_buf body;
	bool secret_query; /* logs and errors show "?REDACTED" for the query */
};

void irsa_request_init(struct irsa_request *r);
void irsa_request_release(struct irsa_request *r);
/* Parse an absolute http(s) URL into scheme/authority/path/query.
 * The scheme's default port is left out of authority (curl leaves it out
 * of the Host header too, and the signer signs authority as host); the
 * fragment is dropped. Fails with IRSA_ERR_USAGE on anything else than
 * http(s)://host[:port][/path][?query], leaving r as it was. */
int irsa_request_set_url(struct irsa_request *r, const char *method, const char *url,
			 struct irsa_error *err);
/* Append a header (repeats allowed, kept in order). */
void irsa_request_add_header(struct irsa_request *r, const char *name, const char *value);
/* Replace every header of that name (case-insensitive) by one. */
void irsa_request_set_header(struct irsa_request *r, const char *name, const char *value);
void irsa_request_remove_header(struct irsa_request *r, const char *name);
/* First header of that name, case-insensitive; NULL if none. */
const char *irsa_request_get_header(const struct irsa_request *r, const char *name);
/* Append key=value to the query, percent-encoding both (RFC 3986). */
void irsa_request_add_query(struct irsa_request *r, const char *key, const char *value);
/* scheme://authority/path[?query]; malloc'd. */
char *irsa_request_url(const struct irsa_request *r);

struct irsa_response {
	long status;
	struct irsa_header *headers; /* names as received */
	size_t n_headers;
	struct irsa_buf body;
};

void irsa_response_init(struct irsa_response *r);
void irsa_response_release(struct irsa_response *r);
const char *irsa_response_get_header(const struct irsa_response *r, const char *name);

/* TLS and transport settings for one request. Blobs are PEM bytes. */
struct irsa_http_options {
	const char *ca_file;        /* CA bundle path (AWS_CA_BUNDLE, kubeconfig) */
	const char *ca_pem;         /* CA bundle in memory */
	const char *client_cert_file, *client_key_file;
	const char *client_cert_pem, *client_key_pem;
	const char *proxy;          /* proxy URL; NULL = libcurl's env handling */
	const char *tls_server_name;/* verify the server cert against this name */
	bool insecure_skip_verify;  /* only from kubeconfig, warned about */
	long connect_timeout_ms;    /* 0 = default (3 s) */
	long timeout_ms;            /* 0 = default (30 s) */
	size_t max_body;            /* 0 = default (16 MiB) */
};

struct irsa_http;

/* One client per run; keeps connections alive between requests. Cheap:
 * libcurl is loaded by the first request sent, not here. */
struct irsa_http *irsa_http_new(void);
struct irsa_http *irsa_http_free(struct irsa_http *h);
/* Close every connection kept open for reuse (the next request opens a
 * new one): for a long run that is done with a host, so that its idle
 * connections (sockets, TLS state and buffers) are not kept beside the
 * next host's. */
void irsa_http_close_connections(struct irsa_http *h);

/* The seam between the clients (the AWS session, the Kubernetes client,
 * the credential providers) and the network, as aws-c-auth injects its
 * HTTP vtable: tests install canned answers here and drive retries,
 * error decoding and pagination without a server.
 *
 * send() answers one request like irsa_http_send() does: 0 with ret
 * filled (any status), or -1 with err (IRSA_ERR_NETWORK for a transport
 * failure). sleep_ms() is how the clients wait between attempts (NULL =
 * really sleep). */
struct irsa_http_transport {
	int (*send)(void *userdata, const struct irsa_request *req,
		    const struct irsa_http_options *opts, struct irsa_response *ret,
		    struct irsa_error *err);
	void (*sleep_ms)(void *userdata, long ms);
	void *userdata;
};

/* Route every request of h through t (copied), NULL = libcurl again. */
void irsa_http_set_transport(struct irsa_http *h, const struct irsa_http_transport *t);
/* Wait ms milliseconds between attempts (the transport's sleep_ms). */
void irsa_http_sleep_ms(struct irsa_http *h, long ms);

/* Send one request, no retries. The answer's body is limited to
 * opts->max_body (also for a transport's answers). A transport failure (DNS, connect, TLS,
 * timeout, dropped connection) is IRSA_ERR_NETWORK; any HTTP answer,
 * whatever its status, is success with ret->status set. Logs the request
 * line at debug level, secrets redacted, with the caller's attempt
 * number (1 for the first) and the time it took. */
/* err->code of a transport failure that was a timeout (the AWS retry
 * mode charges more for those). */
#define IRSA_HTTP_TIMEOUT_CODE "Timeout"
int irsa_http_send(struct irsa_http *h, const struct irsa_request *req,
		   const struct irsa_http_options *opts, int attempt, struct irsa_response *ret,
		   struct irsa_error *err);

/* Several requests in flight at once, through libcurl's multi interface
 * (or h's transport, which answers each request as it starts). The
 * requests share h's connections: one cache per host, kept between
 * exchanges. One exchange per client at a time; no threads. */
struct irsa_http_exchange;

/* At most max_in_flight (0 = 1) requests at once. */
struct irsa_http_exchange *irsa_http_exchange_new(struct irsa_http *h, size_t max_in_flight);
/* Aborts what is still in flight. */
struct irsa_http_exchange *irsa_http_exchange_free(struct irsa_http_exchange *x);
size_t irsa_http_exchange_in_flight(const struct irsa_http_exchange *x);
/* Start sending req (taken: *req is left empty), tagged with tag, with
 * opts (copied; its strings must outlive the request). -1 when
 * max_in_flight requests are already in flight or libcurl cannot be
 * loaded. */
int irsa_http_exchange_start(struct irsa_http_exchange *x, struct irsa_request *req,
			     const struct irsa_http_options *opts, int attempt, void *tag,
			     struct irsa_error *err);
/* Wait up to timeout_ms (<0: as long as needed) for one request to
 * finish: 1 with its tag, *ret_rc as irsa_http_send() returns it, the
 * answer moved into *ret (init'ed by the caller before, released after)
 * or the transport failure in err. 0 when none finished in time; with
 * nothing in flight it waits timeout_ms (the transport's sleep_ms) and
 * returns 0. Finished requests are given in the order they finished. */
int irsa_http_exchange_next(struct irsa_http_exchange *x, long timeout_ms, void **ret_tag,
			    int *ret_rc, struct irsa_response *ret, struct irsa_error *err);

/* The certificates a TLS server sent, in the order it sent them. */
struct irsa_peer_chain {
	char **pem;      /* n PEM certificates; an entry is NULL when libcurl
			  * could not give that certificate */
	size_t n;
	bool tls_failed; /* after a failure: the TLS handshake or the
			  * verification failed (not DNS, connect, proxy) */
};

void irsa_peer_chain_release(struct irsa_peer_chain *c);

/* Connect to the host and port of an https URL, complete the TLS
 * handshake with opts applied as by irsa_http_send() (except
 * tls_server_name), send nothing, and return the chain the server sent
 * (n may be 0 if libcurl gives none). A connection or TLS failure is
 * IRSA_ERR_NETWORK: "cannot fetch the TLS certificate chain of 'URL': WHY".
 * opts may be NULL. Release ret with irsa_peer_chain_release(). Always
 * goes to the network (libcurl), whatever transport h has. */
int irsa_http_peer_chain(struct irsa_http *h, const char *url,
			 const struct irsa_http_options *opts, struct irsa_peer_chain *ret,
			 struct irsa_error *err);

/* The scheme and the host (without port; an IPv6 address keeps its
 * brackets) of an absolute URL, parsed as libcurl parses it; malloc'd.
 * -1 when url does not parse. */
int irsa_http_url_host(const char *url, char **ret_scheme, char **ret_host);
