/* The Kubernetes API client (see irsa/kube.h): connection settings from
 * the kubeconfig, requests through irsa_http_send with a few retries,
 * metav1.Status errors decoded into struct irsa_error. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "irsa/kube.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "kube_internal.h"

#define MAX_ATTEMPTS 3
#define MAX_RETRY_AFTER_S 5
#define FIELD_MANAGER "irsactl"

struct irsa_kube *irsa_kube_free(struct irsa_kube *k)
{
	if (!k)
		return NULL;
	kube_auth_release(k);
	irsa_http_free(k->http);
	irsa_strlist_release(&k->namespaces);
	json_decref(k->listed);
	irsa_aws_free(k->own_aws);
	irsa_kubeconfig_free(k->kc);
	free(k->server);
	free(k->auth_method);
	free(k);
	return NULL;
}

const char *irsa_kube_default_namespace(const struct irsa_kube *k)
{
	const char *ns = k->sel.context->namespace;

	return irsa_str_empty(ns) ? "default" : ns;
}

const char *irsa_kube_server(const struct irsa_kube *k)
{
	return k->server;
}

const char *irsa_kube_context_name(const struct irsa_kube *k)
{
	return k->sel.context->name;
}

const char *irsa_kube_auth_method(const struct irsa_kube *k)
{
	return k->auth_method;
}

struct irsa_http *irsa_kube_http(struct irsa_kube *k)
{
	return k->http;
}

static int setup_connection(struct irsa_kube *k, struct irsa_error *err)
{
	const struct irsa_kubeconfig_cluster *c = k->sel.cluster;
	struct irsa_request probe;
	size_t n = strlen(c->server);
	int r;

	while (n && c->server[n - 1] == '/')
		n--;
	k->server = irsa_strndup(c->server, n);
	irsa_request_init(&probe);
	r = irsa_request_set_url(&probe, "GET", k->server, err);
	irsa_request_release(&probe);
	if (r < 0)
		return irsa_error_prefix(err, "kubeconfig '%s': cluster '%s'", c->file, c->name);
	if (c->certificate_authority_data) {
		k->http_opts.ca_pem = c->certificate_authority_data;
	} else if (c->certificate_authority) {
		if (access(c->certificate_authority, R_OK) < 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "kubeconfig '%s': cluster '%s': cannot read "
					      "certificate-authority '%s': %m",
					      c->file, c->name, c->certificate_authority);
		k->http_opts.ca_file = c->certificate_authority;
	}
	k->http_opts.tls_server_name = c->tls_server_name;
	k->http_opts.proxy = c->proxy_url;
	k->http_opts.connect_timeout_ms = 5000;
	k->http_opts.timeout_ms = 30000;
	if (c->insecure_skip_tls_verify) {
		k->http_opts.insecure_skip_verify = true;
		irsa_log_warn("TLS certificate of cluster '%s' is not verified "
			      "(insecure-skip-tls-verify in kubeconfig '%s')", c->name, c->file);
	}
	return 0;
}

int irsa_kube_open(const struct irsa_kube_options *opts, struct irsa_kube **ret,
		   struct irsa_error *err)
{
	struct irsa_kube *k = irsa_malloc0(sizeof(*k));

	k->aws = opts ? opts->aws : NULL;
	if (irsa_kubeconfig_load(opts ? opts->kubeconfig : NULL, getenv("KUBECONFIG"), &k->kc, err) < 0 ||
	    irsa_kubeconfig_select(k->kc, opts ? opts->context : NULL, &k->sel, err) < 0 ||
	    setup_connection(k, err) < 0 || kube_auth_setup(k, err) < 0) {
		irsa_kube_free(k);
		return -1;
	}
	k->http = irsa_http_new();
	irsa_log_debug("kubernetes: context '%s', server %s, auth %s", k->sel.context->name,
		       k->server, k->auth_method);
	*ret = k;
	return 0;
}

/* ---- names ----------------------------------------------------------- */

/* RFC 1123 label (namespaces) or subdomain (ServiceAccount names). */
static bool dns_name_valid(const char *s, bool subdomain)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > (subdomain ? 253u : 63u))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (alnum)
			continue;
		if (c == '-' && i > 0 && i + 1 < n)
			continue;
		if (c == '.' && subdomain && i > 0 && i + 1 < n && s[i - 1] != '.' && s[i - 1] != '-' &&
		    s[i + 1] != '-')
			continue;
		return false;
	}
	return true;
}

static int check_names(const char *ns, const char *name, struct irsa_error *err)
{
	if (!dns_name_valid(ns, false))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "invalid namespace '%s': use at most 63 lower-case letters, "
				      "digits and '-', starting and ending with a letter or digit",
				      ns ? ns : "");
	if (name && !dns_name_valid(name, true))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "invalid service account name '%s': use lower-case letters, "
				      "digits, '-' and '.', starting and ending with a letter or digit",
				      name);
	return 0;
}

/* ---- errors ---------------------------------------------------------- */

static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

/* "conflict with \"kubectl\" using v1: .x" -> kubectl */
static void conflict_manager(const char *msg, char *out, size_t len)
{
	const char *q = msg ? strchr(msg, '"') : NULL;
	const char *end = q ? strchr(q + 1, '"') : NULL;

	if (q && end)
		snprintf(out, len, "%.*s", (int)(end - q - 1), q + 1);
	else
		snprintf(out, len, "another manager");
}

static int status_error(const struct irsa_kube *k, const char *what,
			const struct irsa_response *resp, struct irsa_error *err)
{
	json_t *root = json_loadb(irsa_buf_str(&resp->body), resp->body.len, 0, NULL);
	const char *kind = json_string_value(json_object_get(root, "kind"));
	bool is_status = kind && strcmp(kind, "Status") == 0;
	const char *reason = is_status ? json_string_value(json_object_get(root, "reason")) : NULL;
	const char *smsg = is_status ? json_string_value(json_object_get(root, "message")) : NULL;
	json_t *causes = json_object_get(json_object_get(root, "details"), "causes");
	_cleanup_buf_ struct irsa_buf msg = IRSA_BUF_INIT;
	enum irsa_error_kind ek;
	long st = resp->status;
	size_t i;
	json_t *c;

	if (!smsg || !*smsg)
		smsg = NULL;
	switch (st) {
	case 401:
		ek = IRSA_ERR_AUTH;
		irsa_buf_printf(&msg, "cannot %s: the API server %s rejected the credentials of user "
				"'%s' (context '%s', %s)%s%s", what, k->server, k->sel.user->name,
				k->sel.context->name, k->auth_method, smsg ? ": " : "",
				smsg ? smsg : "");
		break;
	case 403:
		ek = IRSA_ERR_AUTH;
		irsa_buf_printf(&msg, "cannot %s: forbidden%s%s", what, smsg ? ": " : "",
				smsg ? smsg : "");
		break;
	case 404:
		ek = IRSA_ERR_NOT_FOUND;
		irsa_buf_printf(&msg, "cannot %s: %s", what, smsg ? smsg : "not found");
		if (!reason)
			reason = "NotFound";
		break;
	case 409: {
		size_t n = 0;

		ek = IRSA_ERR_CONFLICT;
		json_array_foreach(causes, i, c) {
			const char *cr = json_string_value(json_object_get(c, "reason"));
			const char *field = json_string_value(json_object_get(c, "field"));
			char manager[128];

			if (!cr || strcmp(cr, "FieldManagerConflict") != 0)
				continue;
			conflict_manager(json_string_value(json_object_get(c, "message")), manager,
					 sizeof(manager));
			irsa_buf_printf(&msg, "%s'%s' (owned by '%s')", n++ ? ", " : "",
					field ? field : "?", manager);
		}
		if (n) {
			_cleanup_free_ char *list = irsa_buf_detach(&msg);

			irsa_buf_printf(&msg, "cannot %s: %s managed by another field manager: %s; "
					"force the apply (--force-conflicts) to take %s over",
					what, n == 1 ? "a field is" : "fields are", list,
					n == 1 ? "it" : "them");
		} else {
			irsa_buf_printf(&msg, "cannot %s: %s", what, smsg ? smsg : "conflict");
		}
		break;
	}
	case 415:
		ek = IRSA_ERR_REMOTE;
		irsa_buf_printf(&msg, "cannot %s: the API server does not accept the request's "
				"content type (server-side apply needs Kubernetes 1.18 or later)%s%s",
				what, smsg ? ": " : "", smsg ? smsg : "");
		break;
	case 400:
	case 422: {
		size_t n = 0;

		ek = IRSA_ERR_USAGE;
		irsa_buf_printf(&msg, "cannot %s: the API server rejected it as invalid", what);
		json_array_foreach(causes, i, c) {
			const char *field = json_string_value(json_object_get(c, "field"));
			const char *cm = json_string_value(json_object_get(c, "message"));

			irsa_buf_printf(&msg, "%s%s%s%s", n++ ? "; " : ": ", field ? field : "",
					field ? ": " : "", cm ? cm : "");
		}
		if (!n && smsg)
			irsa_buf_printf(&msg, ": %s", smsg);
		break;
	}
	case 429:
		ek = IRSA_ERR_THROTTLED;
		irsa_buf_printf(&msg, "cannot %s: the API server is rate limiting requests; try again "
				"later", what);
		break;
	default:
		ek = IRSA_ERR_REMOTE;
		irsa_buf_printf(&msg, "cannot %s: the API server answered HTTP %ld%s%s", what, st,
				smsg ? ": " : "", smsg ? smsg : "");
		break;
	}
	irsa_error_set(err, ek, "%s", irsa_buf_str(&msg));
	if (err) {
		one_line(err->message);
		snprintf(err->code, sizeof(err->code), "%s", reason ? reason : "");
		err->http_status = (int)st;
	}
	json_decref(root);
	return -1;
}

/* ---- requests -------------------------------------------------------- */

static bool retryable(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

/* The wait before attempt+1: the server's Retry-After when it asks for
 * 1 to 5 seconds, else a short backoff. Parsed with bounds first: the
 * value is the server's, and seconds * 1000 must not overflow. */
static long retry_delay_ms(const char *retry_after, int attempt)
{
	long fallback = 200L << attempt;
	char *end;
	long seconds;

	if (!retry_after)
		return fallback;
	errno = 0;
	seconds = strtol(retry_after, &end, 10);
	if (errno || end == retry_after || *end || seconds < 1 || seconds > MAX_RETRY_AFTER_S)
		return fallback;
	return seconds * 1000;
}

static void build(struct irsa_kube *k, struct irsa_request *req, const char *content_type,
		  const char *body)
{
	irsa_request_set_header(req, "Accept", "application/json");
	if (content_type)
		irsa_request_set_header(req, "Content-Type", content_type);
	irsa_request_remove_header(req, "Authorization");
	if (k->bearer) {
		_cleanup_free_ char *h = irsa_asprintf("Bearer %s", k->bearer);

		irsa_request_set_header(req, "Authorization", h);
		irsa_secure_zero(h, strlen(h));
	} else if (k->basic) {
		char *b64 = irsa_base64_encode((const unsigned char *)k->basic, strlen(k->basic));
		_cleanup_free_ char *h = irsa_asprintf("Basic %s", b64);

		irsa_free_secret(b64);
		irsa_request_set_header(req, "Authorization", h);
		irsa_secure_zero(h, strlen(h));
	}
	irsa_buf_reset(&req->body);
	if (body)
		irsa_buf_puts(&req->body, body);
}

/* Send method path with body; 2xx → 0 and *ret (may be NULL when the
 * answer has no JSON body); otherwise -1 with err decoded. */
static int kube_call(struct irsa_kube *k, const char *method, const char *path,
		     const char *content_type, const char *body, const char *what, json_t **ret,
		     struct irsa_error *err)
{
	_cleanup_free_ char *url = irsa_asprintf("%s%s", k->server, path);
	struct irsa_request req;
	struct irsa_response resp;
	bool refreshed = false;
	int r = -1;

	irsa_request_init(&req);
	if (irsa_request_set_url(&req, method, url, err) < 0)
		goto out;
	for (int attempt = 1;; attempt++) {
		struct irsa_error e = { 0 };
		long delay;

		build(k, &req, content_type, body);
		irsa_response_init(&resp);
		if (irsa_http_send(k->http, &req, &k->http_opts, attempt, &resp, &e) < 0) {
			irsa_response_release(&resp);
			if (e.kind == IRSA_ERR_NETWORK && attempt < MAX_ATTEMPTS) {
				irsa_http_sleep_ms(k->http, 200L << attempt);
				continue;
			}
			if (err)
				*err = e;
			irsa_error_prefix(err, "cannot %s (context '%s')", what, k->sel.context->name);
			goto out;
		}
		if (resp.status == 401 && !refreshed && k->refreshable) {
			refreshed = true;
			irsa_response_release(&resp);
			if (kube_auth_refresh(k, err) < 0)
				goto out;
			attempt--;
			continue;
		}
		if (retryable(resp.status) && attempt < MAX_ATTEMPTS) {
			delay = retry_delay_ms(irsa_response_get_header(&resp, "Retry-After"), attempt);
			irsa_response_release(&resp);
			irsa_http_sleep_ms(k->http, delay);
			continue;
		}
		break;
	}
	if (resp.status < 200 || resp.status > 299) {
		status_error(k, what, &resp, err);
	} else {
		json_error_t jerr;
		json_t *root = resp.body.len ? json_loadb(irsa_buf_str(&resp.body), resp.body.len, 0, &jerr)
					     : NULL;

		if (resp.body.len && !root) {
			irsa_error_set(err, IRSA_ERR_REMOTE, "cannot %s: the API server's answer is not "
				       "JSON: %s", what, jerr.text);
		} else {
			if (ret)
				*ret = root;
			else
				json_decref(root);
			r = 0;
		}
	}
	irsa_response_release(&resp);
out:
	irsa_request_release(&req);
	return r;
}

/* ---- ServiceAccounts and namespaces ----------------------------------- */

/* The ServiceAccount from a prefetched list, as a GET would answer:
 * 1 found, 0 not in the list, -1 the namespace was not prefetched. */
static int get_prefetched(struct irsa_kube *k, const char *ns, const char *name, json_t **ret)
{
	json_t *in_ns = json_object_get(k->listed, ns), *obj;

	if (!in_ns)
		return -1;
	obj = json_object_get(in_ns, name);
	if (!obj)
		return 0;
	*ret = json_deep_copy(obj);
	json_object_set_new(*ret, "kind", json_string("ServiceAccount"));
	json_object_set_new(*ret, "apiVersion", json_string("v1"));
	return 1;
}

/* A write makes the namespace's prefetched list stale. */
static void forget_prefetched(struct irsa_kube *k, const char *ns)
{
	if (k->listed)
		json_object_del(k->listed, ns);
}

int irsa_kube_prefetch_service_accounts(struct irsa_kube *k, const char *ns,
					struct irsa_error *err)
{
	json_t *items = NULL, *by_name, *item;
	size_t i;

	if (irsa_kube_list_service_accounts(k, ns, &items, err) < 0)
		return -1;
	by_name = json_object();
	json_array_foreach(items, i, item) {
		const char *name = json_string_value(
			json_object_get(json_object_get(item, "metadata"), "name"));

		if (name && json_is_object(item))
			json_object_set(by_name, name, item);
	}
	json_decref(items);
	if (!k->listed)
		k->listed = json_object();
	json_object_set_new(k->listed, ns, by_name);
	if (json_object_size(by_name) && !irsa_strlist_contains(&k->namespaces, ns))
		irsa_strlist_add(&k->namespaces, ns);
	return 0;
}

int irsa_kube_get_service_account(struct irsa_kube *k, const char *ns, const char *name,
				  json_t **ret, struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL, *what = NULL;
	json_t *obj = NULL;
	int found;

	if (check_names(ns, name, err) < 0)
		return -1;
	path = irsa_asprintf("/api/v1/namespaces/%s/serviceaccounts/%s", ns, name);
	what = irsa_asprintf("get serviceaccount '%s/%s'", ns, name);
	found = get_prefetched(k, ns, name, ret);
	if (found == 1)
		return 0;
	if (found == 0) {
		if (err) {
			irsa_error_set(err, IRSA_ERR_NOT_FOUND, "cannot %s: serviceaccounts \"%s\" "
				       "not found", what, name);
			snprintf(err->code, sizeof(err->code), "NotFound");
			err->http_status = 404;
		}
		return -1;
	}
	if (kube_call(k, "GET", path, NULL, NULL, what, &obj, err) < 0)
		return -1;
	if (!json_is_object(obj)) {
		json_decref(obj);
		return irsa_error_set(err, IRSA_ERR_REMOTE, "cannot %s: the answer is not an object", what);
	}
	*ret = obj;
	return 0;
}

int irsa_kube_apply_service_account(struct irsa_kube *k, const char *ns, const char *name,
				    const json_t *object, bool force, bool dry_run,
				    json_t **ret, struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL, *what = NULL, *body = NULL;
	json_t *obj = NULL;

	if (check_names(ns, name, err) < 0)
		return -1;
	if (!json_is_object(object))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "apply: the object is not a JSON object");
	path = irsa_asprintf("/api/v1/namespaces/%s/serviceaccounts/%s?fieldManager=" FIELD_MANAGER
			     "%s%s", ns, name, force ? "&force=true" : "",
			     dry_run ? "&dryRun=All" : "");
	what = irsa_asprintf("apply serviceaccount '%s/%s'", ns, name);
	if (!dry_run)
		forget_prefetched(k, ns);
	/* JSON is YAML: the apply-patch+yaml body may be JSON. */
	body = json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!body)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot encode the serviceaccount as JSON");
	if (kube_call(k, "PATCH", path, "application/apply-patch+yaml", body, what, &obj, err) < 0)
		return -1;
	if (ret)
		*ret = obj;
	else
		json_decref(obj);
	return 0;
}

/* One server-side apply of a batch, sent through the exchange. */
static int start_apply(struct irsa_kube *k, struct irsa_http_exchange *x,
		       struct irsa_kube_apply_call *c, struct irsa_error *err)
{
	_cleanup_free_ char *url = NULL, *body = NULL;
	struct irsa_request req;

	if (check_names(c->ns, c->name, err) < 0 || !json_is_object(c->object))
		return -1;
	url = irsa_asprintf("%s/api/v1/namespaces/%s/serviceaccounts/%s?fieldManager="
			    FIELD_MANAGER "%s%s", k->server, c->ns, c->name,
			    c->force ? "&force=true" : "", c->dry_run ? "&dryRun=All" : "");
	body = json_dumps(c->object, JSON_COMPACT | JSON_PRESERVE_ORDER);
	irsa_request_init(&req);
	if (!body || irsa_request_set_url(&req, "PATCH", url, err) < 0) {
		irsa_request_release(&req);
		return -1;
	}
	build(k, &req, "application/apply-patch+yaml", body);
	if (irsa_http_exchange_start(x, &req, &k->http_opts, 1, c, err) < 0) {
		irsa_request_release(&req);
		return -1;
	}
	if (!c->dry_run)
		forget_prefetched(k, c->ns);
	return 0;
}

/* A 2xx answer with a JSON object: the call is done. */
static bool take_answer(struct irsa_kube_apply_call *c, int rc, struct irsa_response *resp)
{
	json_t *obj;

	if (rc < 0 || resp->status < 200 || resp->status > 299 || !resp->body.len)
		return false;
	obj = json_loadb(irsa_buf_str(&resp->body), resp->body.len, 0, NULL);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return false;
	}
	c->ret = obj;
	c->rc = 0;
	return true;
}

void irsa_kube_apply_service_accounts(struct irsa_kube *k, struct irsa_kube_apply_call *c,
				      size_t n, size_t concurrency)
{
	struct irsa_http_exchange *x = irsa_http_exchange_new(k->http, concurrency);
	size_t next = 0, in_flight = 0;

	for (size_t i = 0; i < n; i++) {
		c[i].rc = -1;
		c[i].ret = NULL;
		c[i].done = false;
	}
	while (next < n || in_flight) {
		struct irsa_response resp;
		struct irsa_error e = { 0 };
		void *tag = NULL;
		int rc = 0;

		while (next < n && in_flight < (concurrency ? concurrency : 1)) {
			if (start_apply(k, x, &c[next], &e) == 0)
				in_flight++;
			next++;
		}
		if (!in_flight)
			break;
		irsa_response_init(&resp);
		if (irsa_http_exchange_next(x, -1, &tag, &rc, &resp, &e) == 1) {
			in_flight--;
			((struct irsa_kube_apply_call *)tag)->done =
				take_answer(tag, rc, &resp);
		}
		irsa_response_release(&resp);
	}
	irsa_http_exchange_free(x);
	/* anything else (an error, a retry, a credential to refresh, a request
	 * that could not start) takes the one-by-one path, which knows them all */
	for (size_t i = 0; i < n; i++) {
		if (c[i].done)
			continue;
		memset(&c[i].err, 0, sizeof(c[i].err));
		c[i].rc = irsa_kube_apply_service_account(k, c[i].ns, c[i].name, c[i].object,
							  c[i].force, c[i].dry_run, &c[i].ret,
							  &c[i].err);
		c[i].done = true;
	}
}

int irsa_kube_patch_service_account(struct irsa_kube *k, const char *ns, const char *name,
				    const json_t *merge_patch, bool dry_run, json_t **ret,
				    struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL, *what = NULL, *body = NULL;
	json_t *obj = NULL;

	if (check_names(ns, name, err) < 0)
		return -1;
	if (!json_is_object(merge_patch))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "patch: the merge patch is not a JSON object");
	path = irsa_asprintf("/api/v1/namespaces/%s/serviceaccounts/%s?fieldManager=" FIELD_MANAGER
			     "%s", ns, name, dry_run ? "&dryRun=All" : "");
	what = irsa_asprintf("patch serviceaccount '%s/%s'", ns, name);
	if (!dry_run)
		forget_prefetched(k, ns);
	body = json_dumps(merge_patch, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!body)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot encode the merge patch as JSON");
	if (kube_call(k, "PATCH", path, "application/merge-patch+json", body, what, &obj, err) < 0)
		return -1;
	if (ret)
		*ret = obj;
	else
		json_decref(obj);
	return 0;
}

int irsa_kube_namespace_exists(struct irsa_kube *k, const char *ns, bool *ret,
			       struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL, *what = NULL;
	struct irsa_error e = { 0 };

	if (check_names(ns, NULL, err) < 0)
		return -1;
	if (irsa_strlist_contains(&k->namespaces, ns)) {
		*ret = true;
		return 0;
	}
	path = irsa_asprintf("/api/v1/namespaces/%s", ns);
	what = irsa_asprintf("get namespace '%s'", ns);
	if (kube_call(k, "GET", path, NULL, NULL, what, NULL, &e) < 0) {
		if (e.kind == IRSA_ERR_NOT_FOUND) {
			*ret = false;
			return 0;
		}
		if (err)
			*err = e;
		return -1;
	}
	irsa_strlist_add(&k->namespaces, ns);
	*ret = true;
	return 0;
}

int irsa_kube_create_namespace(struct irsa_kube *k, const char *ns, struct irsa_error *err)
{
	_cleanup_free_ char *what = NULL, *body = NULL;
	struct irsa_error e = { 0 };
	json_t *obj;

	if (check_names(ns, NULL, err) < 0)
		return -1;
	obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
			"metadata", "name", ns);
	body = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	what = irsa_asprintf("create namespace '%s'", ns);
	if (kube_call(k, "POST", "/api/v1/namespaces", "application/json", body, what, NULL, &e) < 0) {
		/* Someone else made it meanwhile: that is what we wanted. */
		if (e.kind == IRSA_ERR_CONFLICT && strcmp(e.code, "AlreadyExists") == 0)
			return 0;
		if (err)
			*err = e;
		return -1;
	}
	irsa_strlist_add(&k->namespaces, ns);
	return 0;
}

/* ---- listing, pods, TokenRequest (irsactl verify / list) --------------- */

static int list_items(struct irsa_kube *k, const char *path, const char *what, json_t **ret,
		      struct irsa_error *err)
{
	json_t *obj = NULL, *items;

	if (kube_call(k, "GET", path, NULL, NULL, what, &obj, err) < 0)
		return -1;
	items = json_object_get(obj, "items");
	if (!json_is_array(items)) {
		json_decref(obj);
		return irsa_error_set(err, IRSA_ERR_REMOTE, "cannot %s: the answer has no items", what);
	}
	*ret = json_incref(items);
	json_decref(obj);
	return 0;
}

int irsa_kube_list_service_accounts(struct irsa_kube *k, const char *ns, json_t **ret,
				    struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL, *what = NULL;

	if (ns && check_names(ns, NULL, err) < 0)
		return -1;
	path = ns ? irsa_asprintf("/api/v1/namespaces/%s/serviceaccounts", ns)
		  : irsa_strdup("/api/v1/serviceaccounts");
	what = ns ? irsa_asprintf("list the service accounts of namespace '%s'", ns)
		  : irsa_strdup("list the service accounts of every namespace");
	return list_items(k, path, what, ret, err);
}

int irsa_kube_list_pods(struct irsa_kube *k, const char *ns, const char *service_account,
			json_t **ret, struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL, *what = NULL;

	if (check_names(ns, service_account, err) < 0)
		return -1;
	path = service_account
		? irsa_asprintf("/api/v1/namespaces/%s/pods?fieldSelector=spec.serviceAccountName%%3D%s",
				ns, service_account)
		: irsa_asprintf("/api/v1/namespaces/%s/pods", ns);
	what = irsa_asprintf("list the pods of namespace '%s'", ns);
	return list_items(k, path, what, ret, err);
}

int irsa_kube_request_token(struct irsa_kube *k, const char *ns, const char *name,
			    const char *audience, long expiration_seconds, char **ret_token,
			    struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL, *what = NULL, *body = NULL;
	json_t *req, *answer = NULL;
	const char *token;

	if (check_names(ns, name, err) < 0)
		return -1;
	req = json_pack("{s:s, s:s, s:{s:[s], s:I}}", "apiVersion", "authentication.k8s.io/v1",
			"kind", "TokenRequest", "spec", "audiences", audience, "expirationSeconds",
			(json_int_t)expiration_seconds);
	body = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(req);
	path = irsa_asprintf("/api/v1/namespaces/%s/serviceaccounts/%s/token", ns, name);
	what = irsa_asprintf("request a token for serviceaccount '%s/%s'", ns, name);
	if (kube_call(k, "POST", path, "application/json", body, what, &answer, err) < 0)
		return -1;
	token = json_string_value(json_object_get(json_object_get(answer, "status"), "token"));
	if (!token || !*token) {
		json_decref(answer);
		return irsa_error_set(err, IRSA_ERR_REMOTE, "cannot %s: the answer has no token", what);
	}
	*ret_token = irsa_strdup(token);
	irsa_secure_zero((char *)token, strlen(token));
	json_decref(answer);
	return 0;
}
