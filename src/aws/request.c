/* HTTP requests and responses as plain data (see irsa/http.h). The
 * transport that sends them lives in http.c. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/http.h"
#include "irsa/log.h"
#include "irsa/strutil.h"

/* Secret values (Authorization, X-Amz-Security-Token, ...) are zeroed. */
static void header_release(struct irsa_header *h)
{
	if (irsa_log_header_is_secret(h->name))
		irsa_free_secret(h->value);
	else
		free(h->value);
	free(h->name);
}

static void headers_free(struct irsa_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		header_release(&h[i]);
	free(h);
}

void irsa_request_init(struct irsa_request *r)
{
	memset(r, 0, sizeof(*r));
	irsa_buf_init(&r->body);
}

void irsa_request_release(struct irsa_request *r)
{
	if (!r)
		return;
	free(r->method);
	free(r->scheme);
	free(r->authority);
	free(r->path);
	/* A presigned query carries the session token. */
	irsa_free_secret(r->query);
	headers_free(r->headers, r->n_headers);
	irsa_buf_release(&r->body);
	irsa_request_init(r);
}

/* The part of a URL that is safe to show in an error message: everything
 * before the query, which may hold a presigned signature or token. */
static int url_error(struct irsa_error *err, const char *url, const char *why)
{
	size_t n = strcspn(url, "?#");

	return irsa_error_set(err, IRSA_ERR_USAGE, "invalid URL '%.*s%s': %s",
			      (int)(n > 200 ? 200 : n), url, url[n] ? "?..." : "", why);
}

static bool has_space_or_control(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/* "https" from "HTTPS://..."; NULL when the scheme is missing or not http(s).
 * *ret_rest points after "://". */
static char *parse_scheme(const char *url, const char **ret_rest)
{
	const char *sep = strstr(url, "://");
	char *scheme;

	if (!sep)
		return NULL;
	scheme = irsa_strndup(url, (size_t)(sep - url));
	for (char *p = scheme; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		free(scheme);
		return NULL;
	}
	*ret_rest = sep + 3;
	return scheme;
}

/* Checks host[:port] and drops the scheme's default port, as curl does in
 * the Host header it sends (so that the signed host equals the sent one).
 * Returns NULL with *ret_why set when the authority is not usable. */
static char *parse_authority(const char *scheme, const char *s, size_t len, const char **ret_why)
{
	const char *host_end, *port;
	size_t host_len;
	long portnum = 0;

	if (len == 0)
		return *ret_why = "no host", NULL;
	if (memchr(s, '@', len))
		return *ret_why = "user names and passwords in URLs are not supported", NULL;
	if (s[0] == '[') {
		host_end = memchr(s, ']', len);
		if (!host_end)
			return *ret_why = "unterminated IPv6 address", NULL;
		host_end++;
	} else {
		host_end = memchr(s, ':', len);
		if (!host_end)
			host_end = s + len;
	}
	host_len = (size_t)(host_end - s);
	if (host_len == 0 || (s[0] == '[' && host_len <= 2))
		return *ret_why = "no host", NULL;
	if (host_end == s + len)
		return irsa_strndup(s, len);
	if (*host_end != ':')
		return *ret_why = "unexpected characters after the host", NULL;
	port = host_end + 1;
	if (port == s + len)
		return *ret_why = "empty port", NULL;
	for (const char *p = port; p < s + len; p++) {
		if (*p < '0' || *p > '9')
			return *ret_why = "the port is not a number", NULL;
		portnum = portnum * 10 + (*p - '0');
		if (portnum > 65535)
			return *ret_why = "the port is out of range", NULL;
	}
	if (portnum == 0)
		return *ret_why = "the port is out of range", NULL;
	if ((portnum == 443 && strcmp(scheme, "https") == 0) ||
	    (portnum == 80 && strcmp(scheme, "http") == 0))
		return irsa_strndup(s, host_len);
	return irsa_strndup(s, len);
}

int irsa_request_set_url(struct irsa_request *r, const char *method, const char *url,
			 struct irsa_error *err)
{
	_cleanup_free_ char *scheme = NULL, *authority = NULL;
	const char *rest = NULL, *why = NULL, *path, *query, *end;

	if (irsa_str_empty(method))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "no HTTP method given for a request");
	if (irsa_str_empty(url))
		return irsa_error_set(err, IRSA_ERR_USAGE, "invalid URL '': it is empty");
	if (has_space_or_control(url))
		return url_error(err, url, "it contains a space or a control character");
	scheme = parse_scheme(url, &rest);
	if (!scheme)
		return url_error(err, url, "it must start with https:// or http://");
	path = rest + strcspn(rest, "/?#");
	authority = parse_authority(scheme, rest, (size_t)(path - rest), &why);
	if (!authority)
		return url_error(err, url, why);
	end = path + strcspn(path, "#");
	query = memchr(path, '?', (size_t)(end - path));
	if (!query)
		query = end;

	free(r->method);
	free(r->scheme);
	free(r->authority);
	free(r->path);
	irsa_free_secret(r->query);
	r->method = irsa_strdup(method);
	r->scheme = TAKE_PTR(scheme);
	r->authority = TAKE_PTR(authority);
	r->path = query == path ? irsa_strdup("/") : irsa_strndup(path, (size_t)(query - path));
	r->query = query < end ? irsa_strndup(query + 1, (size_t)(end - query - 1)) : irsa_strdup("");
	return 0;
}

void irsa_request_add_header(struct irsa_request *r, const char *name, const char *value)
{
	r->headers = irsa_realloc(r->headers, (r->n_headers + 1) * sizeof(*r->headers));
	r->headers[r->n_headers].name = irsa_strdup(name);
	r->headers[r->n_headers].value = irsa_strdup(value);
	r->n_headers++;
}

void irsa_request_remove_header(struct irsa_request *r, const char *name)
{
	size_t o = 0;

	for (size_t i = 0; i < r->n_headers; i++) {
		if (strcasecmp(r->headers[i].name, name) == 0) {
			header_release(&r->headers[i]);
			continue;
		}
		r->headers[o++] = r->headers[i];
	}
	r->n_headers = o;
}

void irsa_request_set_header(struct irsa_request *r, const char *name, const char *value)
{
	irsa_request_remove_header(r, name);
	irsa_request_add_header(r, name, value);
}

static const char *headers_get(const struct irsa_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

const char *irsa_request_get_header(const struct irsa_request *r, const char *name)
{
	return headers_get(r->headers, r->n_headers, name);
}

void irsa_request_add_query(struct irsa_request *r, const char *key, const char *value)
{
	struct irsa_buf q = IRSA_BUF_INIT;

	if (!irsa_str_empty(r->query)) {
		irsa_buf_puts(&q, r->query);
		irsa_buf_putc(&q, '&');
	}
	irsa_uri_encode(&q, key, strlen(key), false);
	irsa_buf_putc(&q, '=');
	if (value)
		irsa_uri_encode(&q, value, strlen(value), false);
	irsa_free_secret(r->query);
	r->query = irsa_buf_detach(&q);
}

char *irsa_request_url(const struct irsa_request *r)
{
	const char *path = irsa_str_empty(r->path) ? "/" : r->path;
	bool has_query = !irsa_str_empty(r->query);

	return irsa_asprintf("%s://%s%s%s%s", r->scheme ? r->scheme : "https",
			     r->authority ? r->authority : "", path, has_query ? "?" : "",
			     has_query ? r->query : "");
}

void irsa_response_init(struct irsa_response *r)
{
	memset(r, 0, sizeof(*r));
	irsa_buf_init(&r->body);
}

void irsa_response_release(struct irsa_response *r)
{
	if (!r)
		return;
	headers_free(r->headers, r->n_headers);
	irsa_buf_release(&r->body);
	irsa_response_init(r);
}

const char *irsa_response_get_header(const struct irsa_response *r, const char *name)
{
	return headers_get(r->headers, r->n_headers, name);
}
