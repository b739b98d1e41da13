/* struct irsa_request / irsa_response and struct irsa_params. */
#include <stdbool.h>
#include <string.h>

#include "irsa/error.h"
#include "irsa/http.h"
#include "irsa/params.h"
#include "irsa/strutil.h"
#include "tap.h"

static void request_releasep(struct irsa_request *r)
{
	irsa_request_release(r);
}
#define _cleanup_request_ _cleanup_(request_releasep)

struct url_case {
	const char *url;
	const char *scheme, *authority, *path, *query;
	const char *round_trip; /* NULL: same as url */
};

TEST(set_url_parses_and_round_trips)
{
	static const struct url_case cases[] = {
		{ "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
		  "https", "sts.us-west-2.amazonaws.com", "/", "Action=GetCallerIdentity&Version=2011-06-15" },
		{ "https://example.com:8443/a/b%2Fc?x=1&y=", "https", "example.com:8443", "/a/b%2Fc",
		  "x=1&y=" },
		{ "http://127.0.0.1:4566/", "http", "127.0.0.1:4566", "/", "" },
		{ "http://[::1]:8080/p", "http", "[::1]:8080", "/p", "" },
		{ "https://[fd00::1]/", "https", "[fd00::1]", "/", "" },
		{ "https://iam.amazonaws.com", "https", "iam.amazonaws.com", "/", "",
		  "https://iam.amazonaws.com/" },
		{ "https://h?q", "https", "h", "/", "q", "https://h/?q" },
		{ "HTTPS://Example.COM/Path", "https", "Example.COM", "/Path", "",
		  "https://Example.COM/Path" },
		/* Default ports are left out, as curl leaves them out of Host. */
		{ "https://h:443/x", "https", "h", "/x", "", "https://h/x" },
		{ "http://h:80/x", "http", "h", "/x", "", "http://h/x" },
		{ "http://h:443/x", "http", "h:443", "/x", "" },
		/* The fragment is never sent. */
		{ "https://h/p?a=1#frag", "https", "h", "/p", "a=1", "https://h/p?a=1" },
		{ "https://h/p#f?x", "https", "h", "/p", "", "https://h/p" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct url_case *c = &cases[i];
		_cleanup_request_ struct irsa_request r;
		_cleanup_free_ char *url = NULL;
		struct irsa_error err = { 0 };

		irsa_request_init(&r);
		CHECK_INT(irsa_request_set_url(&r, "GET", c->url, &err), 0);
		CHECK_STR(r.method, "GET");
		CHECK_STR(r.scheme, c->scheme);
		CHECK_STR(r.authority, c->authority);
		CHECK_STR(r.path, c->path);
		CHECK_STR(r.query, c->query);
		url = irsa_request_url(&r);
		CHECK_STR(url, c->round_trip ? c->round_trip : c->url);
	}
}

TEST(set_url_rejects_bad_urls)
{
	static const char *const bad[] = {
		"", "ftp://example.com/", "file:///etc/passwd", "example.com/path", "//example.com/",
		"https://", "https:///path", "https://?q=1", "https://:443/", "https://user:pw@host/",
		"https://host:/", "https://host:99999/", "https://host:0/", "https://host:12a/",
		"https://[::1/", "https://[]/", "https://ho st/", "https://host/a b",
		"https://host/\x01", "https://[::1]x/",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_request_ struct irsa_request r;
		struct irsa_error err = { 0 };

		irsa_request_init(&r);
		CHECK_INT(irsa_request_set_url(&r, "GET", bad[i], &err), -1);
		CHECK_INT(err.kind, IRSA_ERR_USAGE);
		CHECK(strstr(err.message, "invalid URL") != NULL);
		if (err.kind != IRSA_ERR_USAGE)
			printf("#   for '%s'\n", bad[i]);
		/* A rejected URL leaves the request as it was. */
		CHECK(r.scheme == NULL && r.authority == NULL && r.path == NULL);
	}
}

TEST(set_url_error_messages)
{
	_cleanup_request_ struct irsa_request r;
	struct irsa_error err = { 0 };

	irsa_request_init(&r);
	irsa_request_set_url(&r, "GET", "ftp://example.com/x", &err);
	CHECK_STR(err.message,
		  "invalid URL 'ftp://example.com/x': it must start with https:// or http://");
	irsa_request_set_url(&r, "GET", "https:///x", &err);
	CHECK_STR(err.message, "invalid URL 'https:///x': no host");
	/* The query (a presigned signature, a token) is never shown. */
	irsa_request_set_url(&r, "GET", "ftp://h/?X-Amz-Security-Token=secret", &err);
	CHECK(strstr(err.message, "secret") == NULL);
	CHECK_STR(err.message, "invalid URL 'ftp://h/?...': it must start with https:// or http://");
	/* No method is a bug in the caller. */
	CHECK_INT(irsa_request_set_url(&r, "", "https://h/", &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_INTERNAL);
	/* A NULL error pointer is allowed. */
	CHECK_INT(irsa_request_set_url(&r, "GET", "nope", NULL), -1);
}

TEST(set_url_replaces_the_previous_url)
{
	_cleanup_request_ struct irsa_request r;
	_cleanup_free_ char *url = NULL;

	irsa_request_init(&r);
	CHECK_INT(irsa_request_set_url(&r, "GET", "https://a/x?1", NULL), 0);
	CHECK_INT(irsa_request_set_url(&r, "POST", "http://b:81/y", NULL), 0);
	CHECK_STR(r.method, "POST");
	url = irsa_request_url(&r);
	CHECK_STR(url, "http://b:81/y");
}

TEST(headers)
{
	_cleanup_request_ struct irsa_request r;

	irsa_request_init(&r);
	CHECK(irsa_request_get_header(&r, "Host") == NULL);
	irsa_request_add_header(&r, "X-Test", "1");
	irsa_request_add_header(&r, "x-test", "2");
	irsa_request_add_header(&r, "Content-Type", "text/plain");
	CHECK_INT(r.n_headers, 3);
	CHECK_STR(irsa_request_get_header(&r, "X-TEST"), "1");
	CHECK_STR(irsa_request_get_header(&r, "content-type"), "text/plain");

	irsa_request_set_header(&r, "X-Test", "3");
	CHECK_INT(r.n_headers, 2);
	CHECK_STR(irsa_request_get_header(&r, "x-test"), "3");
	/* Order of the others is kept; the set header goes last. */
	CHECK_STR(r.headers[0].name, "Content-Type");
	CHECK_STR(r.headers[1].name, "X-Test");

	irsa_request_add_header(&r, "Authorization", "Bearer secret");
	irsa_request_remove_header(&r, "authorization");
	irsa_request_remove_header(&r, "not-there");
	CHECK_INT(r.n_headers, 2);
	CHECK(irsa_request_get_header(&r, "Authorization") == NULL);
	irsa_request_remove_header(&r, "X-Test");
	irsa_request_remove_header(&r, "Content-Type");
	CHECK_INT(r.n_headers, 0);
}

TEST(add_query_encodes_rfc3986)
{
	_cleanup_request_ struct irsa_request r;
	_cleanup_free_ char *url = NULL;

	irsa_request_init(&r);
	CHECK_INT(irsa_request_set_url(&r, "POST", "https://iam.amazonaws.com/", NULL), 0);
	irsa_request_add_query(&r, "Action", "ListRoles");
	irsa_request_add_query(&r, "a b", "c/d~e-f_g.h");
	irsa_request_add_query(&r, "plus", "1+1=2&3");
	irsa_request_add_query(&r, "empty", "");
	irsa_request_add_query(&r, "utf8", "\xc3\xa9");
	irsa_request_add_query(&r, "null", NULL);
	CHECK_STR(r.query, "Action=ListRoles&a%20b=c%2Fd~e-f_g.h&plus=1%2B1%3D2%263&empty=&"
		  "utf8=%C3%A9&null=");
	url = irsa_request_url(&r);
	CHECK(irsa_str_has_prefix(url, "https://iam.amazonaws.com/?Action=ListRoles&"));

	/* On a request that already has a query, and on a bare request. */
	{
		_cleanup_request_ struct irsa_request q;

		irsa_request_init(&q);
		CHECK_INT(irsa_request_set_url(&q, "GET", "https://h/?a=1", NULL), 0);
		irsa_request_add_query(&q, "b", "2");
		CHECK_STR(q.query, "a=1&b=2");
		irsa_request_release(&q);
		irsa_request_add_query(&q, "k", "v");
		CHECK_STR(q.query, "k=v");
	}
}

TEST(request_url_without_set_url)
{
	_cleanup_request_ struct irsa_request r;
	_cleanup_free_ char *url = NULL;

	irsa_request_init(&r);
	r.authority = irsa_strdup("h");
	url = irsa_request_url(&r);
	CHECK_STR(url, "https://h/");
}

TEST(release_is_idempotent)
{
	struct irsa_request r;
	struct irsa_response resp;

	irsa_request_init(&r);
	irsa_request_set_url(&r, "GET", "https://h/", NULL);
	irsa_buf_puts(&r.body, "body");
	irsa_request_release(&r);
	irsa_request_release(&r);
	CHECK(r.method == NULL && r.n_headers == 0 && r.body.len == 0);
	irsa_request_release(NULL);

	irsa_response_init(&resp);
	irsa_response_release(&resp);
	irsa_response_release(NULL);
}

TEST(response_headers)
{
	struct irsa_response r;

	irsa_response_init(&r);
	CHECK(irsa_response_get_header(&r, "x-amzn-RequestId") == NULL);
	r.headers = irsa_malloc0(2 * sizeof(*r.headers));
	r.headers[0].name = irsa_strdup("x-amzn-RequestId");
	r.headers[0].value = irsa_strdup("abc-123");
	r.headers[1].name = irsa_strdup("Content-Type");
	r.headers[1].value = irsa_strdup("text/xml");
	r.n_headers = 2;
	r.status = 200;
	CHECK_STR(irsa_response_get_header(&r, "X-AMZN-REQUESTID"), "abc-123");
	CHECK_STR(irsa_response_get_header(&r, "content-type"), "text/xml");
	irsa_response_release(&r);
	CHECK(r.headers == NULL && r.n_headers == 0 && r.status == 0);
}

TEST(params)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	CHECK(irsa_params_get(&p, "Action") == NULL);
	irsa_params_add(&p, "Action", "CreateRole");
	irsa_params_add(&p, "Tags.member.1.Key", "team");
	irsa_params_addf(&p, "MaxSessionDuration", "%d", 3600);
	irsa_params_add(&p, "Action", "Duplicate");
	CHECK_INT(p.n, 4);
	CHECK_STR(irsa_params_get(&p, "Action"), "CreateRole");
	CHECK_STR(irsa_params_get(&p, "MaxSessionDuration"), "3600");
	CHECK_STR(p.items[1].key, "Tags.member.1.Key");
	CHECK_STR(p.items[3].value, "Duplicate");
	irsa_params_release(&p);
	CHECK_INT(p.n, 0);
	CHECK(p.items == NULL);
	irsa_params_release(&p);
}

int main(void)
{
	RUN(set_url_parses_and_round_trips);
	RUN(set_url_rejects_bad_urls);
	RUN(set_url_error_messages);
	RUN(set_url_replaces_the_previous_url);
	RUN(headers);
	RUN(add_query_encodes_rfc3986);
	RUN(request_url_without_set_url);
	RUN(release_is_idempotent);
	RUN(response_headers);
	RUN(params);
	return tap_done();
}
