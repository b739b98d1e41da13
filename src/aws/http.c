#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config.h"
#include "irsa/http.h"
#include "irsa/log.h"
#include "irsa/strutil.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_BODY (16u * 1024u * 1024u)

struct irsa_http {
	CURL *curl; /* reused: keeps connections alive between requests */
};

struct transfer {
	struct irsa_response *resp;
	size_t max_body;
	bool too_big;
};

struct irsa_http *irsa_http_new(void)
{
	struct irsa_http *h = irsa_malloc0(sizeof(*h));
	static bool initialized;

	if (!initialized) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		initialized = true;
	}
	h->curl = curl_easy_init();
	return h;
}

struct irsa_http *irsa_http_free(struct irsa_http *h)
{
	if (!h)
		return NULL;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h);
	return NULL;
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

static struct curl_slist *build_headers(const struct irsa_request *req)
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
		list = curl_slist_append(list, line);
	}
	/* Keep libcurl from adding headers the signer did not see. */
	if (!has_expect)
		list = curl_slist_append(list, "Expect:");
	if (!has_accept)
		list = curl_slist_append(list, "Accept:");
	if (!has_ctype && req->body.len == 0)
		list = curl_slist_append(list, "Content-Type:");
	return list;
}

static void apply_tls(CURL *c, const struct irsa_http_options *o)
{
	struct curl_blob blob;

	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->ca_pem) {
		blob.data = (void *)o->ca_pem;
		blob.len = strlen(o->ca_pem);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (o->client_cert_file)
		curl_easy_setopt(c, CURLOPT_SSLCERT, o->client_cert_file);
	if (o->client_key_file)
		curl_easy_setopt(c, CURLOPT_SSLKEY, o->client_key_file);
	if (o->client_cert_pem) {
		blob.data = (void *)o->client_cert_pem;
		blob.len = strlen(o->client_cert_pem);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &blob);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (o->client_key_pem) {
		blob.data = (void *)o->client_key_pem;
		blob.len = strlen(o->client_key_pem);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &blob);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (o->insecure_skip_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, o->proxy);
}

static enum irsa_error_kind transport_kind(CURLcode rc)
{
	return rc == CURLE_OUT_OF_MEMORY ? IRSA_ERR_INTERNAL : IRSA_ERR_NETWORK;
}

static int send_once(CURL *c, const struct irsa_request *req, const char *url,
		     const struct irsa_http_options *o, struct irsa_response *ret,
		     struct irsa_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct transfer t = { ret, o->max_body ? o->max_body : DEFAULT_MAX_BODY, false };
	struct curl_slist *headers = build_headers(req);
	_cleanup_free_ char *connect_to_entry = NULL;
	struct curl_slist *connect_to = NULL;
	char redacted[1024];
	CURLcode rc;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (req->body.len || strcmp(req->method, "POST") == 0 ||
	    strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, irsa_buf_str(&req->body));
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body.len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "irsactl/" IRSA_VERSION);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
	apply_tls(c, o);
	if (o->tls_server_name) {
		/* Verify against another name: connect to the real host while the
		 * URL (and so SNI and verification) names tls_server_name. */
		/* HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT; an authority with a
		 * port fills the last two fields, one without leaves the port. */
		const char *colon = strrchr(req->authority, ':');
		bool has_port = colon && !strchr(colon, ']');

		connect_to_entry = irsa_asprintf("%s::%s%s", o->tls_server_name, req->authority,
						 has_port ? "" : ":");
		connect_to = curl_slist_append(NULL, connect_to_entry);
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
	}

	rc = curl_easy_perform(c);
	curl_slist_free_all(headers);
	curl_slist_free_all(connect_to);
	if (t.too_big)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the answer from '%s' is larger than %zu bytes", req->authority,
				      t.max_body);
	if (rc != CURLE_OK) {
		irsa_log_redact_url(url, redacted, sizeof(redacted));
		return irsa_error_set(err, transport_kind(rc), "%s %s: %s", req->method, redacted,
				      errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
	return 0;
}

int irsa_http_send(struct irsa_http *h, const struct irsa_request *req,
		   const struct irsa_http_options *opts, struct irsa_response *ret,
		   struct irsa_error *err)
{
	static const struct irsa_http_options none;
	_cleanup_free_ char *url = NULL;

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
	return send_once(h->curl, req, url, opts, ret, err);
}

void irsa_http_log_request(const struct irsa_request *req, long status, int attempt,
			   double ms)
{
	_cleanup_free_ char *url = NULL;
	char redacted[1024];

	if (!irsa_log_enabled(IRSA_LOG_DEBUG))
		return;
	url = irsa_request_url(req);
	irsa_log_redact_url(url, redacted, sizeof(redacted));
	if (status)
		irsa_log_debug("%s %s -> %ld (attempt %d, %.0f ms)", req->method, redacted, status,
			       attempt, ms);
	else
		irsa_log_debug("%s %s -> no answer (attempt %d, %.0f ms)", req->method, redacted,
			       attempt, ms);
}
