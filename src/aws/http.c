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
	if (h->handle)
		h->curl->easy_cleanup(h->handle);
	free(h);
	return NULL;
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

static int send_with_curl(struct irsa_http *h, const struct irsa_request *req, const char *url,
			  const struct irsa_http_options *o, struct irsa_response *ret,
			  struct irsa_error *err)
{
	const struct irsa_curl_api *cu = h->curl;
	CURL *c = h->handle;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct transfer t = { ret, o->max_body ? o->max_body : DEFAULT_MAX_BODY, false, 0, false };
	struct curl_slist *headers = build_headers(cu, req);
	_cleanup_free_ char *connect_to_entry = NULL;
	struct curl_slist *connect_to = NULL;
	char redacted[1024];
	CURLcode rc;

	setup_transfer(cu, c, url, "http,https", o, errbuf);
	cu->easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "HEAD") == 0)
		cu->easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (req->body.len || strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) {
		cu->easy_setopt(c, CURLOPT_POSTFIELDS, irsa_buf_str(&req->body));
		cu->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
	}
	cu->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	cu->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	cu->easy_setopt(c, CURLOPT_WRITEDATA, &t);
	cu->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	cu->easy_setopt(c, CURLOPT_HEADERDATA, &t);
	cu->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	cu->easy_setopt(c, CURLOPT_USERAGENT, "irsactl/" IRSA_VERSION);
	if (o->tls_server_name) {
		/* Verify against another name: connect to the real host while the
		 * URL (and so SNI and verification) names tls_server_name. */
		/* HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT; an authority with a
		 * port fills the last two fields, one without leaves the port. */
		const char *colon = strrchr(req->authority, ':');
		bool has_port = colon && !strchr(colon, ']');

		connect_to_entry = irsa_asprintf("%s::%s%s", o->tls_server_name, req->authority,
						 has_port ? "" : ":");
		connect_to = cu->slist_append(NULL, connect_to_entry);
		cu->easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
	}

	rc = cu->easy_perform(c);
	cu->slist_free_all(headers);
	cu->slist_free_all(connect_to);
	if (t.too_big)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the answer from '%s' is larger than %zu bytes", req->authority,
				      t.max_body);
	if (t.too_many_headers)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the answer from '%s' has more than %d headers or %u bytes of "
				      "headers", req->authority, MAX_HEADERS, MAX_HEADER_BYTES);
	if (rc != CURLE_OK) {
		redact_request_url(req, url, redacted, sizeof(redacted));
		irsa_error_set(err, transport_kind(rc), "%s %s: %s", req->method, redacted,
			       errbuf[0] ? errbuf : cu->easy_strerror(rc));
		if (err && rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(err->code, sizeof(err->code), "%s", IRSA_HTTP_TIMEOUT_CODE);
		return -1;
	}
	cu->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	return 0;
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
	if (opts->tls_server_name) {
		/* Put the TLS name into the URL; CONNECT_TO maps it back. */
		const char *colon = strrchr(req->authority, ':');
		url = irsa_asprintf("%s://%s%s%s%s%s", req->scheme, opts->tls_server_name,
				    colon ? colon : "", req->path, req->query[0] ? "?" : "", req->query);
	} else {
		url = irsa_request_url(req);
	}
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
