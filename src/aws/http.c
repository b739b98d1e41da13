#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "curl_api.h"
#include "irsa/http.h"
#include "irsa/log.h"
#include "irsa/strutil.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_BODY (16u * 1024u * 1024u)
/* Limits on the headers a server may send (libcurl bounds one header). */
#define MAX_HEADERS 256
#define MAX_HEADER_BYTES (256u * 1024u)

struct irsa_http {
	const struct irsa_curl_api *curl; /* NULL until the first request */
	CURL *handle; /* reused: keeps connections alive between requests */
	CURLM *multi; /* for exchanges; its connection cache outlives them */
	struct irsa_http_transport transport; /* send == NULL: libcurl */
};

struct transfer {
	struct irsa_response *resp;
	size_t max_body;
	bool too_big;
	size_t header_bytes;
	bool too_many_headers;
};

struct irsa_http *irsa_http_new(void)
{
	return irsa_malloc0(sizeof(struct irsa_http));
}

struct irsa_http *irsa_http_free(struct irsa_http *h)
{
	if (!h)
		return NULL;
	irsa_http_close_connections(h);
	free(h);
	return NULL;
}

void irsa_http_close_connections(struct irsa_http *h)
{
	if (h->handle)
		h->curl->easy_cleanup(h->handle);
	if (h->multi)
		h->curl->multi_cleanup(h->multi);
	h->handle = NULL;
	h->multi = NULL;
}

void irsa_http_set_transport(struct irsa_http *h, const struct irsa_http_transport *t)
{
	h->transport = t ? *t : (struct irsa_http_transport){ 0 };
}

void irsa_http_sleep_ms(struct irsa_http *h, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (h->transport.sleep_ms) {
		h->transport.sleep_ms(h->transport.userdata, ms);
		return;
	}
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* libcurl and the reusable handle, made on first use. */
static int ensure_curl(struct irsa_http *h, struct irsa_error *err)
{
	if (h->handle)
		return 0;
	h->curl = irsa_curl_api(err);
	if (!h->curl)
		return -1;
	h->handle = h->curl->easy_init();
	if (!h->handle)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot initialise libcurl");
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;

	if (t->resp->body.len + n > t->max_body) {
		t->too_big = true;
		return 0;
	}
	irsa_buf_append(&t->resp->body, data, n);
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	struct irsa_response *r = t->resp;
	size_t n = size * nmemb;
	const char *colon = memchr(data, ':', n);
	char *name, *value;

	t->header_bytes += n;
	if (t->header_bytes > MAX_HEADER_BYTES || r->n_headers >= MAX_HEADERS) {
		t->too_many_headers = true;
		return 0;
	}
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new status line (redirect or 100-continue): drop older headers. */
		for (size_t i = 0; i < r->n_headers; i++) {
			free(r->headers[i].name);
			free(r->headers[i].value);
		}
		r->n_headers = 0;
		return n;
	}
	if (!colon)
		return n;
	name = irsa_strndup(data, (size_t)(colon - data));
	value = irsa_strndup(colon + 1, n - (size_t)(colon - data) - 1);
	irsa_str_trim(name);
	irsa_str_trim(value);
	r->headers = irsa_realloc(r->headers, (r->n_headers + 1) * sizeof(*r->headers));
	r->headers[r->n_headers].name = name;
	r->headers[r->n_headers].value = value;
	r->n_headers++;
	return n;
}

static struct curl_slist *build_headers(const struct irsa_curl_api *cu,
					 const struct irsa_request *req)
{
	struct curl_slist *list = NULL;
	bool has_expect = false, has_accept = false, has_ctype = false;

	for (size_t i = 0; i < req->n_headers; i++) {
		_cleanup_free_ char *line = NULL;
		const struct irsa_header *h = &req->headers[i];

		if (strcasecmp(h->name, "expect") == 0)
			has_expect = true;
		if (strcasecmp(h->name, "accept") == 0)
			has_accept = true;
		if (strcasecmp(h->name, "content-type") == 0)
			has_ctype = true;
		line = h->value[0] ? irsa_asprintf("%s: %s", h->name, h->value)
				   : irsa_asprintf("%s;", h->name);
		list = cu->slist_append(list, line);
	}
	/* Keep libcurl from adding headers the signer did not see. */
	if (!has_expect)
		list = cu->slist_append(list, "Expect:");
	if (!has_accept)
		list = cu->slist_append(list, "Accept:");
	if (!has_ctype && req->body.len == 0)
		list = cu->slist_append(list, "Content-Type:");
	return list;
}

static void apply_tls(const struct irsa_curl_api *cu, CURL *c, const struct irsa_http_options *o)
{
	struct curl_blob blob;

	if (o->ca_file)
		cu->easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->ca_pem) {
		blob.data = (void *)o->ca_pem;
		blob.len = strlen(o->ca_pem);
		blob.flags = CURL_BLOB_COPY;
		cu->easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (o->client_cert_file)
		cu->easy_setopt(c, CURLOPT_SSLCERT, o->client_cert_file);
	if (o->client_key_file)
		cu->easy_setopt(c, CURLOPT_SSLKEY, o->client_key_file);
	if (o->client_cert_pem) {
		blob.data = (void *)o->client_cert_pem;
		blob.len = strlen(o->client_cert_pem);
		blob.flags = CURL_BLOB_COPY;
		cu->easy_setopt(c, CURLOPT_SSLCERT_BLOB, &blob);
		cu->easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (o->client_key_pem) {
		blob.data = (void *)o->client_key_pem;
		blob.len = strlen(o->client_key_pem);
		blob.flags = CURL_BLOB_COPY;
		cu->easy_setopt(c, CURLOPT_SSLKEY_BLOB, &blob);
		cu->easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (o->insecure_skip_verify) {
		cu->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		cu->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->proxy)
		cu->easy_setopt(c, CURLOPT_PROXY, o->proxy);
}

/* What every transfer sets: a clean handle, the URL and the protocols it
 * may use, errors into errbuf (CURL_ERROR_SIZE bytes), timeouts, TLS. */
static void setup_transfer(const struct irsa_curl_api *cu, CURL *c, const char *url, const char *protocols,
			   const struct irsa_http_options *o, char *errbuf)
{
	cu->easy_reset(c);
	cu->easy_setopt(c, CURLOPT_URL, url);
	cu->easy_setopt(c, CURLOPT_PROTOCOLS_STR, protocols);
	cu->easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	cu->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS);
	cu->easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
	apply_tls(cu, c, o);
}

static enum irsa_error_kind transport_kind(CURLcode rc)
{
	return rc == CURLE_OUT_OF_MEMORY ? IRSA_ERR_INTERNAL : IRSA_ERR_NETWORK;
}

static void redact_request_url(const struct irsa_request *req, const char *url, char *out,
			       size_t outlen)
{
	if (req->secret_query && strchr(url, '?'))
		snprintf(out, outlen, "%.*s?REDACTED", (int)strcspn(url, "?"), url);
	else
		irsa_log_redact_url(url, out, outlen);
}

/* One libcurl transfer's state, for as long as it runs. */
struct curl_xfer {
	struct transfer t;
	struct curl_slist *headers, *connect_to;
	char *connect_to_entry;
	char *url;
	char errbuf[CURL_ERROR_SIZE];
};

/* Set up handle c to send req to url (see wire_url) into ret. */
static void xfer_setup(const struct irsa_curl_api *cu, CURL *c, struct curl_xfer *x,
		       const struct irsa_request *req, const char *url,
		       const struct irsa_http_options *o, struct irsa_response *ret)
{
	*x = (struct curl_xfer){ .t = { ret, o->max_body ? o->max_body : DEFAULT_MAX_BODY,
					 false, 0, false } };
	x->url = irsa_strdup(url);
	x->headers = build_headers(cu, req);
	setup_transfer(cu, c, x->url, "http,https", o, x->errbuf);
	cu->easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "HEAD") == 0)
		cu->easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (req->body.len || strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) {
		cu->easy_setopt(c, CURLOPT_POSTFIELDS, irsa_buf_str(&req->body));
		cu->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
	}
	cu->easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);
	cu->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	cu->easy_setopt(c, CURLOPT_WRITEDATA, &x->t);
	cu->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	cu->easy_setopt(c, CURLOPT_HEADERDATA, &x->t);
	cu->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	cu->easy_setopt(c, CURLOPT_USERAGENT, "irsactl/" IRSA_VERSION);
	if (o->tls_server_name) {
		/* Verify against another name: connect to the real host while the
		 * URL (and so SNI and verification) names tls_server_name. */
		/* HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT; an authority with a
		 * port fills the last two fields, one without leaves the port. */
		const char *colon = strrchr(req->authority, ':');
		bool has_port = colon && !strchr(colon, ']');

		x->connect_to_entry = irsa_asprintf("%s::%s%s", o->tls_server_name, req->authority,
						    has_port ? "" : ":");
		x->connect_to = cu->slist_append(NULL, x->connect_to_entry);
		cu->easy_setopt(c, CURLOPT_CONNECT_TO, x->connect_to);
	}
}

/* The outcome of a finished transfer (rc: libcurl's result); frees x. */
static int xfer_finish(const struct irsa_curl_api *cu, CURL *c, struct curl_xfer *x,
		       const struct irsa_request *req, CURLcode rc, struct irsa_response *ret,
		       struct irsa_error *err)
{
	char redacted[1024];
	int r = 0;

	cu->slist_free_all(x->headers);
	cu->slist_free_all(x->connect_to);
	free(x->connect_to_entry);
	if (x->t.too_big) {
		r = irsa_error_set(err, IRSA_ERR_REMOTE,
				   "the answer from '%s' is larger than %zu bytes", req->authority,
				   x->t.max_body);
	} else if (x->t.too_many_headers) {
		r = irsa_error_set(err, IRSA_ERR_REMOTE,
				   "the answer from '%s' has more than %d headers or %u bytes of "
				   "headers", req->authority, MAX_HEADERS, MAX_HEADER_BYTES);
	} else if (rc != CURLE_OK) {
		redact_request_url(req, x->url, redacted, sizeof(redacted));
		r = irsa_error_set(err, transport_kind(rc), "%s %s: %s", req->method, redacted,
				   x->errbuf[0] ? x->errbuf : cu->easy_strerror(rc));
		if (err && rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(err->code, sizeof(err->code), "%s", IRSA_HTTP_TIMEOUT_CODE);
	} else {
		cu->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	}
	free(x->url);
	*x = (struct curl_xfer){ 0 };
	return r;
}

static int send_with_curl(struct irsa_http *h, const struct irsa_request *req, const char *url,
			  const struct irsa_http_options *o, struct irsa_response *ret,
			  struct irsa_error *err)
{
	struct curl_xfer x;

	xfer_setup(h->curl, h->handle, &x, req, url, o, ret);
	return xfer_finish(h->curl, h->handle, &x, req, h->curl->easy_perform(h->handle), ret, err);
}

static int send_with_transport(struct irsa_http *h, const struct irsa_request *req,
			       const struct irsa_http_options *o, struct irsa_response *ret,
			       struct irsa_error *err)
{
	size_t max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;

	if (h->transport.send(h->transport.userdata, req, o, ret, err) < 0)
		return -1;
	if (ret->body.len > max_body)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the answer from '%s' is larger than %zu bytes", req->authority,
				      max_body);
	return 0;
}

/* The request line at debug level, secrets redacted. */
static void log_request(const struct irsa_request *req, long status, int attempt, double ms)
{
	_cleanup_free_ char *url = NULL;
	char redacted[1024];

	if (!irsa_log_enabled(IRSA_LOG_DEBUG))
		return;
	url = irsa_request_url(req);
	redact_request_url(req, url, redacted, sizeof(redacted));
	if (status)
		irsa_log_debug("%s %s -> %ld (attempt %d, %.0f ms)", req->method, redacted, status,
			       attempt, ms);
	else
		irsa_log_debug("%s %s -> no answer (attempt %d, %.0f ms)", req->method, redacted,
			       attempt, ms);
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* The URL libcurl is given: with tls_server_name, that name in place of
 * the host (CONNECT_TO maps it back). malloc'd. */
static char *wire_url(const struct irsa_request *req, const struct irsa_http_options *opts)
{
	const char *colon;

	if (!opts->tls_server_name)
		return irsa_request_url(req);
	colon = strrchr(req->authority, ':');
	return irsa_asprintf("%s://%s%s%s%s%s", req->scheme, opts->tls_server_name,
			     colon ? colon : "", req->path, req->query[0] ? "?" : "", req->query);
}

int irsa_http_send(struct irsa_http *h, const struct irsa_request *req,
		   const struct irsa_http_options *opts, int attempt, struct irsa_response *ret,
		   struct irsa_error *err)
{
	static const struct irsa_http_options none;
	_cleanup_free_ char *url = NULL;
	struct timespec start;
	int r;

	if (!opts)
		opts = &none;
	url = wire_url(req, opts);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (h->transport.send)
		r = send_with_transport(h, req, opts, ret, err);
	else
		r = ensure_curl(h, err) < 0 ? -1 : send_with_curl(h, req, url, opts, ret, err);
	log_request(req, r < 0 ? 0 : ret->status, attempt, elapsed_ms(&start));
	return r;
}

void irsa_peer_chain_release(struct irsa_peer_chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->pem[i]);
	free(c->pem);
	*c = (struct irsa_peer_chain){ 0 };
}

/* The "Cert:" entry of one certificate in CURLINFO_CERTINFO. */
static const char *certinfo_pem(const struct curl_slist *l)
{
	for (; l; l = l->next)
		if (strncmp(l->data, "Cert:", 5) == 0)
			return l->data + 5;
	return NULL;
}

int irsa_http_peer_chain(struct irsa_http *h, const char *url,
			 const struct irsa_http_options *opts, struct irsa_peer_chain *ret,
			 struct irsa_error *err)
{
	static const struct irsa_http_options none;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_certinfo *ci = NULL;
	CURLcode rc;

	const struct irsa_curl_api *cu;
	CURL *c;

	*ret = (struct irsa_peer_chain){ 0 };
	if (ensure_curl(h, err) < 0)
		return -1;
	cu = h->curl;
	c = h->handle;
	/* CONNECT_ONLY stops after the TLS handshake; CERTINFO keeps the chain
	 * in the order the server sent it (SSL_get_peer_cert_chain()). */
	setup_transfer(cu, c, url, "https", opts ? opts : &none, errbuf);
	cu->easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	cu->easy_setopt(c, CURLOPT_CERTINFO, 1L);
	rc = cu->easy_perform(c);
	if (rc != CURLE_OK) {
		ret->tls_failed = rc == CURLE_PEER_FAILED_VERIFICATION ||
				  rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CACERT_BADFILE;
		return irsa_error_set(err, IRSA_ERR_NETWORK,
				      "cannot fetch the TLS certificate chain of '%s': %s", url,
				      errbuf[0] ? errbuf : cu->easy_strerror(rc));
	}
	if (cu->easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
	    ci->num_of_certs <= 0)
		return 0;
	ret->n = (size_t)ci->num_of_certs;
	ret->pem = irsa_malloc0(ret->n * sizeof(*ret->pem));
	for (size_t i = 0; i < ret->n; i++) {
		const char *pem = certinfo_pem(ci->certinfo[i]);

		ret->pem[i] = pem ? irsa_strdup(pem) : NULL;
	}
	return 0;
}

static void url_parts_free(const struct irsa_curl_api *cu, CURLU *u, char *scheme, char *host)
{
	cu->free(scheme);
	cu->free(host);
	cu->url_cleanup(u);
}

int irsa_http_url_host(const char *url, char **ret_scheme, char **ret_host)
{
	const struct irsa_curl_api *cu = irsa_curl_api(NULL);
	char *scheme = NULL, *host = NULL;
	CURLU *u;
	int r = -1;

	if (!cu)
		return -1;
	u = cu->url();
	if (u && cu->url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    cu->url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    cu->url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		*ret_scheme = irsa_strdup(scheme);
		*ret_host = irsa_strdup(host);
		r = 0;
	}
	url_parts_free(cu, u, scheme, host);
	return r;
}

/* Requests in parallel (see http.h). A slot is one request in flight;
 * with libcurl each slot keeps its easy handle between requests, and the
 * handles share the multi handle's connection cache. With a transport
 * (tests), a request is answered when it starts and waits in `done`. */
struct slot {
	bool busy;
	CURL *easy;
	struct curl_xfer xfer;
	struct irsa_request req;
	struct irsa_response resp;
	struct irsa_http_options opts;
	int attempt;
	void *tag;
	struct timespec start;
};

struct finished {
	void *tag;
	int rc;
	struct irsa_response resp;
	struct irsa_error err;
};

struct irsa_http_exchange {
	struct irsa_http *h;
	struct slot *slots;
	size_t n_slots;
	size_t in_flight;
	struct finished *done; /* a FIFO of finished requests */
	size_t n_done, done_head, done_cap;
};

struct irsa_http_exchange *irsa_http_exchange_new(struct irsa_http *h, size_t max_in_flight)
{
	struct irsa_http_exchange *x = irsa_malloc0(sizeof(*x));

	x->h = h;
	x->n_slots = max_in_flight ? max_in_flight : 1;
	x->slots = irsa_malloc0(x->n_slots * sizeof(*x->slots));
	return x;
}

static void push_done(struct irsa_http_exchange *x, void *tag, int rc,
		      struct irsa_response *resp, const struct irsa_error *err)
{
	struct finished *f;

	if (x->done_head == x->n_done)
		x->done_head = x->n_done = 0;
	if (x->n_done == x->done_cap && x->done_head > 0) {
		/* reuse the taken entries' room rather than grow for every answer */
		memmove(x->done, x->done + x->done_head,
			(x->n_done - x->done_head) * sizeof(*x->done));
		x->n_done -= x->done_head;
		x->done_head = 0;
	}
	if (x->n_done == x->done_cap) {
		x->done_cap = x->done_cap ? 2 * x->done_cap : 8;
		x->done = irsa_realloc(x->done, x->done_cap * sizeof(*x->done));
	}
	f = &x->done[x->n_done++];
	f->tag = tag;
	f->rc = rc;
	f->resp = *resp;
	irsa_response_init(resp);
	f->err = rc < 0 && err ? *err : (struct irsa_error){ 0 };
}

static void release_slot(struct slot *s)
{
	irsa_buf_release_secure(&s->req.body);
	irsa_request_release(&s->req);
	irsa_buf_release_secure(&s->resp.body);
	irsa_response_release(&s->resp);
	s->busy = false;
}

struct irsa_http_exchange *irsa_http_exchange_free(struct irsa_http_exchange *x)
{
	if (!x)
		return NULL;
	for (size_t i = 0; i < x->n_slots; i++) {
		struct slot *s = &x->slots[i];

		if (s->busy && s->easy) {
			x->h->curl->multi_remove_handle(x->h->multi, s->easy);
			xfer_finish(x->h->curl, s->easy, &s->xfer, &s->req, CURLE_ABORTED_BY_CALLBACK,
				    &s->resp, NULL);
		}
		if (s->busy)
			release_slot(s);
		if (s->easy)
			x->h->curl->easy_cleanup(s->easy);
	}
	for (size_t i = x->done_head; i < x->n_done; i++) {
		irsa_buf_release_secure(&x->done[i].resp.body);
		irsa_response_release(&x->done[i].resp);
	}
	free(x->done);
	free(x->slots);
	free(x);
	return NULL;
}

size_t irsa_http_exchange_in_flight(const struct irsa_http_exchange *x)
{
	return x->in_flight;
}

static int ensure_multi(struct irsa_http_exchange *x, struct slot *s, struct irsa_error *err)
{
	struct irsa_http *h = x->h;

	if (!h->curl && !(h->curl = irsa_curl_api(err)))
		return -1;
	if (!h->multi) {
		h->multi = h->curl->multi_init();
		if (!h->multi)
			return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot initialise libcurl");
	}
	/* One connection per slot and host at most, all kept for reuse. */
	h->curl->multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)x->n_slots);
	h->curl->multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)x->n_slots);
	if (!s->easy && !(s->easy = h->curl->easy_init()))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot initialise libcurl");
	return 0;
}

static struct slot *free_slot(struct irsa_http_exchange *x)
{
	for (size_t i = 0; i < x->n_slots; i++)
		if (!x->slots[i].busy)
			return &x->slots[i];
	return NULL;
}

/* A finished slot: log it, queue its outcome, free the slot. */
static void complete(struct irsa_http_exchange *x, struct slot *s, int rc,
		     const struct irsa_error *err)
{
	log_request(&s->req, rc < 0 ? 0 : s->resp.status, s->attempt, elapsed_ms(&s->start));
	push_done(x, s->tag, rc, &s->resp, err);
	release_slot(s);
	x->in_flight--;
}

int irsa_http_exchange_start(struct irsa_http_exchange *x, struct irsa_request *req,
			     const struct irsa_http_options *opts, int attempt, void *tag,
			     struct irsa_error *err)
{
	static const struct irsa_http_options none;
	struct slot *s = free_slot(x);
	struct irsa_error terr = { 0 };
	_cleanup_free_ char *url = NULL;
	int rc;

	if (!s)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "%zu requests are already in flight", x->n_slots);
	if (!x->h->transport.send && ensure_multi(x, s, err) < 0)
		return -1;
	s->busy = true;
	s->req = *req;
	irsa_request_init(req);
	irsa_response_init(&s->resp);
	s->opts = opts ? *opts : none;
	s->attempt = attempt;
	s->tag = tag;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	x->in_flight++;
	if (x->h->transport.send) {
		rc = send_with_transport(x->h, &s->req, &s->opts, &s->resp, &terr);
		complete(x, s, rc, &terr);
		return 0;
	}
	url = wire_url(&s->req, &s->opts);
	xfer_setup(x->h->curl, s->easy, &s->xfer, &s->req, url, &s->opts, &s->resp);
	x->h->curl->multi_add_handle(x->h->multi, s->easy);
	return 0;
}

static struct slot *slot_of(struct irsa_http_exchange *x, CURL *easy)
{
	for (size_t i = 0; i < x->n_slots; i++)
		if (x->slots[i].busy && x->slots[i].easy == easy)
			return &x->slots[i];
	return NULL;
}

/* Let libcurl work, and queue the transfers it finished. */
static void drive_curl(struct irsa_http_exchange *x)
{
	const struct irsa_curl_api *cu = x->h->curl;
	int running, left;
	CURLMsg *msg;

	cu->multi_perform(x->h->multi, &running);
	while ((msg = cu->multi_info_read(x->h->multi, &left))) {
		struct slot *s = slot_of(x, msg->easy_handle);
		struct irsa_error terr = { 0 };
		int rc;

		if (msg->msg != CURLMSG_DONE || !s)
			continue;
		cu->multi_remove_handle(x->h->multi, s->easy);
		rc = xfer_finish(cu, s->easy, &s->xfer, &s->req, msg->data.result, &s->resp, &terr);
		complete(x, s, rc, &terr);
	}
}

static bool pop_done(struct irsa_http_exchange *x, void **ret_tag, int *ret_rc,
		     struct irsa_response *ret, struct irsa_error *err)
{
	struct finished *f;

	if (x->done_head == x->n_done)
		return false;
	f = &x->done[x->done_head++];
	*ret_tag = f->tag;
	*ret_rc = f->rc;
	*ret = f->resp;
	if (f->rc < 0 && err)
		*err = f->err;
	return true;
}

int irsa_http_exchange_next(struct irsa_http_exchange *x, long timeout_ms, void **ret_tag,
			    int *ret_rc, struct irsa_response *ret, struct irsa_error *err)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long left = timeout_ms < 0 ? 1000 : timeout_ms - (long)elapsed_ms(&start);

		if (x->in_flight > 0 && !x->h->transport.send)
			drive_curl(x);
		if (pop_done(x, ret_tag, ret_rc, ret, err))
			return 1;
		if (x->in_flight == 0) {
			/* Nothing can finish: wait out the time the caller asked for. */
			if (timeout_ms > 0)
				irsa_http_sleep_ms(x->h, timeout_ms);
			return 0;
		}
		if (left <= 0)
			return 0;
		x->h->curl->multi_poll(x->h->multi, NULL, 0, (int)(left > 1000 ? 1000 : left), NULL);
	}
}
