/* The HTTP seam (irsa_http_set_transport) and what rides on it: libcurl
 * not loaded until a real request needs it, the body limit applied to
 * every answer, and the Kubernetes client's retries (Retry-After). */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"
#include "http-fake.h"
#include "irsa/http.h"
#include "irsa/aws.h"
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

/* --- the libcurl path against a raw server on loopback --- */

struct raw_server {
	int fd;
	int port;
	const char *answer; /* written after the request's headers */
	size_t answer_len;
	pthread_t thread;
};

static void *raw_serve(void *arg)
{
	struct raw_server *s = arg;
	char buf[4096];
	size_t got = 0;
	int c = accept(s->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	while (got < sizeof(buf) - 1) {
		ssize_t r = read(c, buf + got, sizeof(buf) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	for (size_t off = 0; off < s->answer_len;) {
		ssize_t w = write(c, s->answer + off, s->answer_len - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(c);
	return NULL;
}

static void raw_start(struct raw_server *s, const char *answer, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	bind(s->fd, (struct sockaddr *)&a, sizeof(a));
	listen(s->fd, 1);
	getsockname(s->fd, (struct sockaddr *)&a, &alen);
	s->port = ntohs(a.sin_port);
	s->answer = answer;
	s->answer_len = len;
	pthread_create(&s->thread, NULL, raw_serve, s);
}

static void raw_stop(struct raw_server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static int raw_get(struct raw_server *s, const struct irsa_http_options *opts,
		   struct irsa_response *resp, struct irsa_error *err)
{
	struct irsa_http *h = irsa_http_new();
	struct irsa_request req;
	char url[64];
	int r;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", s->port);
	request(&req, url);
	irsa_response_init(resp);
	r = irsa_http_send(h, &req, opts, 1, resp, err);
	irsa_request_release(&req);
	irsa_http_free(h);
	return r;
}

/* The first request loads libcurl (irsa_aws_global_init() does it ahead):
 * GnuTLS, which libcurl's dependencies link, is told not to initialise
 * itself, and the variable that says so is gone again afterwards (exec
 * plugins and credential_process inherit the environment). */
TEST(curl_loads_and_the_environment_is_left_as_it_was)
{
	struct irsa_error err = { 0 };

	unsetenv("GNUTLS_NO_IMPLICIT_INIT");
	CHECK_INT(irsa_aws_global_init(&err), 0);
	CHECK(curl_loaded());
	CHECK(getenv("GNUTLS_NO_IMPLICIT_INIT") == NULL);
	CHECK_INT(irsa_aws_global_init(&err), 0); /* once is enough; again is harmless */
}

TEST(curl_path)
{
	static const char answer[] = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
				     "X-Thing:  spaced \r\nConnection: close\r\n\r\nok";
	struct raw_server s;
	struct irsa_response resp;
	struct irsa_error err = { 0 };

	raw_start(&s, answer, strlen(answer));
	CHECK_INT(raw_get(&s, NULL, &resp, &err), 0);
	CHECK_INT(resp.status, 201);
	CHECK_STR(irsa_buf_str(&resp.body), "ok");
	CHECK_STR(irsa_response_get_header(&resp, "x-thing"), "spaced");
	irsa_response_release(&resp);
	raw_stop(&s);
}

TEST(curl_path_limits)
{
	struct irsa_buf answer = IRSA_BUF_INIT;
	struct irsa_http_options small = { .max_body = 10 };
	struct raw_server s;
	struct irsa_response resp;
	struct irsa_error err = { 0 };

	irsa_buf_puts(&answer, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 300; i++)
		irsa_buf_printf(&answer, "X-H%d: v\r\n", i);
	irsa_buf_puts(&answer, "Content-Length: 0\r\nConnection: close\r\n\r\n");
	raw_start(&s, answer.data, answer.len);
	CHECK_INT(raw_get(&s, NULL, &resp, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_REMOTE);
	CHECK(strstr(err.message, "headers") != NULL);
	irsa_response_release(&resp);
	raw_stop(&s);

	irsa_buf_reset(&answer);
	irsa_buf_puts(&answer, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n"
			       "\r\n0123456789A");
	raw_start(&s, answer.data, answer.len);
	CHECK_INT(raw_get(&s, &small, &resp, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_REMOTE);
	CHECK(strstr(err.message, "larger than 10 bytes") != NULL);
	irsa_response_release(&resp);
	raw_stop(&s);
	irsa_buf_release(&answer);
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

/* --- Kubernetes authentication through the seam --- */

static char plugin_dir[] = "/tmp/irsa-test-http-plugin-XXXXXX";

static void write_file(const char *path, const char *text, int mode)
{
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	chmod(path, (mode_t)mode);
}

/* A kubeconfig whose user runs `command args...` as its exec plugin. */
static char *exec_kubeconfig(const char *command, const char *args)
{
	char *path = irsa_asprintf("%s/kubeconfig", plugin_dir);
	char *text = irsa_asprintf(
		"apiVersion: v1\nkind: Config\n"
		"clusters:\n- name: c\n  cluster:\n    server: https://k8s.example.test\n"
		"contexts:\n- name: ctx\n  context:\n    cluster: c\n    user: u\n"
		"current-context: ctx\n"
		"users:\n- name: u\n  user:\n    exec:\n"
		"      apiVersion: client.authentication.k8s.io/v1\n"
		"      command: %s\n      args: [%s]\n      interactiveMode: Never\n",
		command, args);

	write_file(path, text, 0600);
	free(text);
	return path;
}

TEST(kube_exec_plugin_refreshed_after_401)
{
	static const struct fake_answer script[] = {
		{ 401, NULL, "{\"kind\":\"Status\",\"reason\":\"Unauthorized\",\"code\":401}" },
		{ 200, NULL, SA_JSON },
	};
	char *plugin = irsa_asprintf("%s/plugin.sh", plugin_dir);
	char *script_text = irsa_asprintf(
		"#!/bin/sh\nn=$(cat %s/count 2>/dev/null || echo 0)\nn=$((n+1))\n"
		"echo $n > %s/count\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",'\n"
		"printf '\"kind\":\"ExecCredential\",\"status\":{\"token\":\"tok-%%s\"}}' $n\n",
		plugin_dir, plugin_dir);
	char *path;
	struct irsa_kube_options opts = { 0 };
	struct irsa_kube *k = NULL;
	struct fake_http f;
	struct irsa_error err = { 0 };
	json_t *sa = NULL;
	char *a0, *a1;

	write_file(plugin, script_text, 0700);
	path = exec_kubeconfig(plugin, "");
	opts.kubeconfig = path;
	CHECK_INT(irsa_kube_open(&opts, &k, &err), 0);
	if (!k) {
		printf("# %s\n", err.message);
		goto out;
	}
	fake_install(&f, irsa_kube_http(k), script, ARRAY_SIZE(script));
	CHECK_INT(irsa_kube_get_service_account(k, "apps", "app", &sa, &err), 0);
	CHECK_INT(f.n_requests, 2);
	a0 = fake_request_header(&f, 0, "Authorization");
	a1 = fake_request_header(&f, 1, "Authorization");
	CHECK_STR(a0, "Bearer tok-1");
	CHECK_STR(a1, "Bearer tok-2"); /* the plugin ran again */
	free(a0);
	free(a1);
	json_decref(sa);
	fake_release(&f);
	irsa_kube_free(k);
out:
	free(path);
	free(plugin);
	free(script_text);
}

static const char *aws_getenv(const char *name)
{
	if (strcmp(name, "AWS_ACCESS_KEY_ID") == 0)
		return "AKIDEXAMPLE";
	if (strcmp(name, "AWS_SECRET_ACCESS_KEY") == 0)
		return "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	if (strcmp(name, "AWS_CONFIG_FILE") == 0 || strcmp(name, "AWS_SHARED_CREDENTIALS_FILE") == 0)
		return "/nonexistent/irsactl-test";
	return NULL;
}

TEST(kube_native_eks_token)
{
	static const struct fake_answer script[] = {
		{ 401, NULL, "" },
		{ 200, NULL, SA_JSON },
	};
	static const struct irsa_env_ops ops = { aws_getenv, NULL, NULL };
	struct irsa_aws_options aopts = { .region = "us-west-2", .ops = &ops };
	struct irsa_kube_options opts = { 0 };
	struct irsa_aws *aws = NULL;
	struct irsa_kube *k = NULL;
	struct fake_http f;
	struct irsa_error err = { 0 };
	json_t *sa = NULL;
	char *path = exec_kubeconfig("aws", "eks, get-token, --cluster-name, prod");
	char *a0, *a1;

	unsetenv("AWS_PROFILE");
	CHECK_INT(irsa_aws_new(&aopts, &aws, &err), 0);
	opts.kubeconfig = path;
	opts.aws = aws;
	CHECK_INT(irsa_kube_open(&opts, &k, &err), 0);
	if (!k) {
		printf("# %s\n", err.message);
		goto out;
	}
	CHECK(strstr(irsa_kube_auth_method(k), "native EKS token") != NULL);
	fake_install(&f, irsa_kube_http(k), script, ARRAY_SIZE(script));
	CHECK_INT(irsa_kube_get_service_account(k, "apps", "app", &sa, &err), 0);
	CHECK_INT(f.n_requests, 2);
	a0 = fake_request_header(&f, 0, "Authorization");
	a1 = fake_request_header(&f, 1, "Authorization");
	CHECK(a0 && irsa_str_has_prefix(a0, "Bearer k8s-aws-v1."));
	CHECK(a1 && irsa_str_has_prefix(a1, "Bearer k8s-aws-v1."));
	free(a0);
	free(a1);
	/* The token is presigned locally: the AWS session sent nothing. */
	CHECK_INT(irsa_aws_attempts(aws), 0);
	json_decref(sa);
	fake_release(&f);
	irsa_kube_free(k);
out:
	irsa_aws_free(aws);
	free(path);
}

int main(void)
{
	RUN(transport_answers_and_curl_stays_unloaded);
	RUN(body_limit_applies_to_transport_answers);
	RUN(transport_failure);
	RUN(url_host);
	RUN(curl_loads_and_the_environment_is_left_as_it_was);
	RUN(curl_path);
	RUN(curl_path_limits);
	write_kubeconfig();
	RUN(kube_retry_after_overflow);
	RUN(kube_retry_after_junk);
	RUN(kube_status_error);
	unlink(kubeconfig);
	if (!mkdtemp(plugin_dir))
		return 1;
	RUN(kube_exec_plugin_refreshed_after_401);
	RUN(kube_native_eks_token);
	{
		char *cmd = irsa_asprintf("rm -rf '%s'", plugin_dir);

		if (system(cmd) != 0)
			printf("# cannot remove %s\n", plugin_dir);
		free(cmd);
	}
	return tap_done();
}
