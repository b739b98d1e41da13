/* The HTTP seam (irsa_http_set_transport) and what rides on it: libcurl
 * not loaded until a real request needs it, the body limit applied to
 * every answer, and the Kubernetes client's retries (Retry-After). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"
#include "http-fake.h"
#include "irsa/http.h"
#include "irsa/kube.h"
#include "irsa/strutil.h"

static bool curl_loaded(void)
{
	void *h = dlopen(IRSA_CURL_SONAME, RTLD_LAZY | RTLD_NOLOAD);

	if (h)
		dlclose(h);
	return h != NULL;
}

static int request(struct irsa_request *req, const char *url)
{
	irsa_request_init(req);
	return irsa_request_set_url(req, "GET", url, NULL);
}

TEST(transport_answers_and_curl_stays_unloaded)
{
	static const struct fake_answer script[] = {
		{ 200, "Content-Type: text/plain\nX-Two: 2\n", "hello" },
	};
	struct irsa_http *h = irsa_http_new();
	struct fake_http f;
	struct irsa_request req;
	struct irsa_response resp;
	struct irsa_error err = { 0 };

	fake_install(&f, h, script, 1);
	CHECK_INT(request(&req, "https://example.test:8443/a/b?x=1"), 0);
	irsa_response_init(&resp);
	CHECK_INT(irsa_http_send(h, &req, NULL, 1, &resp, &err), 0);
	CHECK_INT(resp.status, 200);
	CHECK_STR(irsa_buf_str(&resp.body), "hello");
	CHECK_STR(irsa_response_get_header(&resp, "x-two"), "2");
	CHECK_STR(f.requests[0].url, "https://example.test:8443/a/b?x=1");
	irsa_http_sleep_ms(h, 1234);
	CHECK_INT(f.n_sleeps, 1);
	CHECK_INT(f.sleeps[0], 1234);
#ifndef IRSA_CURL_LINKED
	/* Creating a client and sending through a transport never loads it. */
	CHECK(!curl_loaded());
#endif
	irsa_response_release(&resp);
	irsa_request_release(&req);
	fake_release(&f);
	irsa_http_free(h);
}

TEST(body_limit_applies_to_transport_answers)
{
	static const struct fake_answer script[] = { { 200, NULL, "0123456789", NULL, 10 } };
	struct irsa_http_options opts = { .max_body = 99 };
	struct irsa_http *h = irsa_http_new();
	struct fake_http f;
	struct irsa_request req;
	struct irsa_response resp;
	struct irsa_error err = { 0 };

	fake_install(&f, h, script, 1);
	request(&req, "https://example.test/");
	irsa_response_init(&resp);
	CHECK_INT(irsa_http_send(h, &req, &opts, 1, &resp, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_REMOTE);
	CHECK(strstr(err.message, "larger than 99 bytes") != NULL);
	irsa_response_release(&resp);
	opts.max_body = 100;
	irsa_response_init(&resp);
	CHECK_INT(irsa_http_send(h, &req, &opts, 1, &resp, &err), 0);
	CHECK_INT(resp.body.len, 100);
	irsa_response_release(&resp);
	irsa_request_release(&req);
	fake_release(&f);
	irsa_http_free(h);
}

TEST(transport_failure)
{
	static const struct fake_answer script[] = { { 0, NULL, NULL, IRSA_HTTP_TIMEOUT_CODE } };
	struct irsa_http *h = irsa_http_new();
	struct fake_http f;
	struct irsa_request req;
	struct irsa_response resp;
	struct irsa_error err = { 0 };

	fake_install(&f, h, script, 1);
	request(&req, "http://127.0.0.1:9/");
	irsa_response_init(&resp);
	CHECK_INT(irsa_http_send(h, &req, NULL, 1, &resp, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_NETWORK);
	CHECK_STR(err.code, IRSA_HTTP_TIMEOUT_CODE);
	irsa_response_release(&resp);
	irsa_request_release(&req);
	fake_release(&f);
	irsa_http_free(h);
}

TEST(url_host)
{
	char *scheme = NULL, *host = NULL;

	CHECK_INT(irsa_http_url_host("http://[::1]:8080/creds", &scheme, &host), 0);
	CHECK_STR(scheme, "http");
	CHECK_STR(host, "[::1]");
	free(scheme);
	free(host);
	CHECK_INT(irsa_http_url_host("HTTPS://Example.COM/x", &scheme, &host), 0);
	CHECK_STR(scheme, "https");
	free(scheme);
	free(host);
	CHECK_INT(irsa_http_url_host("not a url at all", &scheme, &host), -1);
	/* That needed libcurl's URL parser: now it is loaded. */
	CHECK(curl_loaded());
}

/* --- the Kubernetes client through the seam --- */

static char kubeconfig[] = "/tmp/irsa-test-http-XXXXXX";

static void write_kubeconfig(void)
{
	int fd = mkstemp(kubeconfig);
	FILE *fp = fdopen(fd, "w");

	fputs("apiVersion: v1\nkind: Config\n"
	      "clusters:\n- name: c\n  cluster:\n    server: https://k8s.example.test:6443/\n"
	      "contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n"
	      "    namespace: apps\n"
	      "current-context: ctx\n"
	      "users:\n- name: u\n  user:\n    token: secret-token\n", fp);
	fclose(fp);
}

static struct irsa_kube *kube(struct fake_http *f, const struct fake_answer *script, size_t n)
{
	struct irsa_kube_options opts = { .kubeconfig = kubeconfig };
	struct irsa_kube *k = NULL;
	struct irsa_error err = { 0 };

	if (irsa_kube_open(&opts, &k, &err) < 0) {
		printf("# irsa_kube_open: %s\n", err.message);
		exit(1);
	}
	fake_install(f, irsa_kube_http(k), script, n);
	return k;
}

#define SA_JSON "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\"," \
	"\"metadata\":{\"name\":\"app\",\"namespace\":\"apps\"}}"

TEST(kube_retry_after_overflow)
{
	/* Issue #8: this Retry-After overflowed seconds * 1000. */
	static const struct fake_answer script[] = {
		{ 503, "Retry-After: 9223372036854775807\n", "" },
		{ 429, "Retry-After: 2\n", "" },
		{ 200, "Content-Type: application/json\n", SA_JSON },
	};
	struct fake_http f;
	struct irsa_kube *k = kube(&f, script, ARRAY_SIZE(script));
	struct irsa_error err = { 0 };
	json_t *sa = NULL;
	char *auth;

	CHECK_INT(irsa_kube_get_service_account(k, "apps", "app", &sa, &err), 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(sa, "metadata"), "name")),
		  "app");
	CHECK_INT(f.n_requests, 3);
	CHECK_INT(f.n_sleeps, 2);
	CHECK_INT(f.sleeps[0], 400);  /* absurd Retry-After: the client's own backoff */
	CHECK_INT(f.sleeps[1], 2000); /* a sane one is honoured */
	CHECK_STR(f.requests[0].url,
		  "https://k8s.example.test:6443/api/v1/namespaces/apps/serviceaccounts/app");
	auth = fake_request_header(&f, 0, "Authorization");
	CHECK_STR(auth, "Bearer secret-token");
	free(auth);
	json_decref(sa);
	fake_release(&f);
	irsa_kube_free(k);
}

TEST(kube_retry_after_junk)
{
	static const struct fake_answer script[] = {
		{ 503, "Retry-After: -5\n", "" },
		{ 503, "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\n", "" },
		{ 503, "Retry-After: 3\n", "" },
	};
	struct fake_http f;
	struct irsa_kube *k = kube(&f, script, ARRAY_SIZE(script));
	struct irsa_error err = { 0 };
	json_t *sa = NULL;

	CHECK_INT(irsa_kube_get_service_account(k, "apps", "app", &sa, &err), -1);
	CHECK_INT(err.http_status, 503);
	CHECK_INT(f.n_requests, 3);
	CHECK_INT(f.n_sleeps, 2);
	CHECK_INT(f.sleeps[0], 400);
	CHECK_INT(f.sleeps[1], 800);
	fake_release(&f);
	irsa_kube_free(k);
}

TEST(kube_status_error)
{
	static const struct fake_answer script[] = {
		{ 404, "Content-Type: application/json\n",
		  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
		  "\"serviceaccounts \\\"app\\\" not found\",\"reason\":\"NotFound\",\"code\":404}" },
	};
	struct fake_http f;
	struct irsa_kube *k = kube(&f, script, ARRAY_SIZE(script));
	struct irsa_error err = { 0 };
	json_t *sa = NULL;

	CHECK_INT(irsa_kube_get_service_account(k, "apps", "app", &sa, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_NOT_FOUND);
	CHECK_STR(err.code, "NotFound");
	CHECK_INT(f.n_requests, 1);
	CHECK_INT(f.n_sleeps, 0);
	fake_release(&f);
	irsa_kube_free(k);
}

int main(void)
{
	RUN(transport_answers_and_curl_stays_unloaded);
	RUN(body_limit_applies_to_transport_answers);
	RUN(transport_failure);
	RUN(url_host);
	write_kubeconfig();
	RUN(kube_retry_after_overflow);
	RUN(kube_retry_after_junk);
	RUN(kube_status_error);
	unlink(kubeconfig);
	return tap_done();
}
