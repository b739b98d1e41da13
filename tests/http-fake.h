#pragma once
/* Canned HTTP answers through the HTTP seam (irsa_http_set_transport):
 * a script of answers given in order (the last one repeats), every
 * request and every wait recorded, no network and no real sleeping. */
#include <string.h>

#include "irsa/http.h"
#include "irsa/strutil.h"

#define FAKE_MAX 128

struct fake_answer {
	long status;          /* 0 = a transport failure */
	const char *headers;  /* "Name: value\n..." or NULL */
	const char *body;     /* NUL-terminated, or NULL */
	const char *fail_code;/* for status 0: err->code, e.g. IRSA_HTTP_TIMEOUT_CODE */
	size_t body_repeat;   /* >0: body is repeated this many times */
};

struct fake_request {
	char *method, *url, *body, *headers; /* headers as "name: value\n" lines */
};

struct fake_http {
	const struct fake_answer *script;
	size_t n_script;
	size_t n_requests;
	struct fake_request requests[FAKE_MAX];
	size_t n_sleeps;
	long sleeps[FAKE_MAX];
};

/* Add "Name: value" lines (the space is optional) to r's headers. */
static inline void fake_add_headers(struct irsa_response *r, const char *text)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		const char *colon = memchr(text, ':', len);

		if (colon) {
			const char *value = colon + 1 + (colon + 1 < text + len && colon[1] == ' ');

			r->headers = irsa_realloc(r->headers, (r->n_headers + 1) * sizeof(*r->headers));
			r->headers[r->n_headers].name = irsa_strndup(text, (size_t)(colon - text));
			r->headers[r->n_headers].value =
				irsa_strndup(value, (size_t)(text + len - value));
			r->n_headers++;
		}
		text += len + (nl ? 1 : 0);
	}
}

static inline int fake_send(void *userdata, const struct irsa_request *req,
			    const struct irsa_http_options *opts, struct irsa_response *ret,
			    struct irsa_error *err)
{
	struct fake_http *f = userdata;
	size_t i = f->n_requests < f->n_script ? f->n_requests : f->n_script - 1;
	const struct fake_answer *a = &f->script[i];
	struct fake_request *rec = &f->requests[f->n_requests < FAKE_MAX ? f->n_requests : FAKE_MAX - 1];
	struct irsa_buf h = IRSA_BUF_INIT;

	for (size_t k = 0; k < req->n_headers; k++)
		irsa_buf_printf(&h, "%s: %s\n", req->headers[k].name, req->headers[k].value);
	if (f->n_requests >= FAKE_MAX) {
		free(rec->method);
		free(rec->url);
		free(rec->body);
		free(rec->headers);
	}
	rec->method = irsa_strdup(req->method);
	rec->url = irsa_request_url(req);
	rec->body = irsa_strdup(irsa_buf_str(&req->body));
	rec->headers = irsa_buf_detach(&h);
	f->n_requests++;
	if (a->status == 0) {
		irsa_error_set(err, IRSA_ERR_NETWORK, "connection failed (canned)");
		if (err && a->fail_code)
			snprintf(err->code, sizeof(err->code), "%s", a->fail_code);
		return -1;
	}
	ret->status = a->status;
	fake_add_headers(ret, a->headers);
	for (size_t k = 0; a->body && k < (a->body_repeat ? a->body_repeat : 1); k++)
		irsa_buf_puts(&ret->body, a->body);
	return 0;
}

static inline void fake_sleep(void *userdata, long ms)
{
	struct fake_http *f = userdata;

	if (f->n_sleeps < FAKE_MAX)
		f->sleeps[f->n_sleeps] = ms;
	f->n_sleeps++;
}

/* Route h through f with this script. */
static inline void fake_install(struct fake_http *f, struct irsa_http *h,
				const struct fake_answer *script, size_t n)
{
	struct irsa_http_transport t = { fake_send, fake_sleep, f };

	memset(f, 0, sizeof(*f));
	f->script = script;
	f->n_script = n;
	irsa_http_set_transport(h, &t);
}

static inline void fake_release(struct fake_http *f)
{
	size_t n = f->n_requests < FAKE_MAX ? f->n_requests : FAKE_MAX;

	for (size_t i = 0; i < n; i++) {
		free(f->requests[i].method);
		free(f->requests[i].url);
		free(f->requests[i].body);
		free(f->requests[i].headers);
	}
	memset(f, 0, sizeof(*f));
}

/* The value of header `name` in recorded request i (malloc'd), NULL if
 * absent. */
static inline char *fake_request_header(const struct fake_http *f, size_t i, const char *name)
{
	const char *p = f->requests[i].headers;
	size_t n = strlen(name);

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return irsa_strndup(p + n + 2, (size_t)(nl - p) - n - 2);
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}
