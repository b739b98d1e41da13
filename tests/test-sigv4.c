/* SigV4: the two official AWS test suites (header and query signing),
 * the EKS token vector, and cases the suites do not cover.
 *
 * Vectors live in data/sigv4 (copied from shared/testdata/sigv4; see
 * SOURCE.md there for the format and the quirks handled below). Each
 * vector is one TAP line; details of a failure are printed as '#' lines. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif

#include "irsa/buf.h"
#include "irsa/credentials.h"
#include "irsa/error.h"
#include "irsa/fileutil.h"
#include "irsa/http.h"
#include "irsa/sigv4.h"
#include "irsa/strutil.h"
#include "tap.h"

#define DATA "data/sigv4"
#define NEW_SUITE DATA "/aws-signing-test-suite/v4"
#define OLD_SUITE DATA "/aws-sig-v4-test-suite"
#define EKS_VECTOR DATA "/eks-token/aws-iam-authenticator-get-with-sts.json"

#define NEW_SUITE_CASES 38
#define OLD_SUITE_CASES 34

/* Shared constants of both AWS suites (AWS documentation example values). */
#define SUITE_AKID "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_REGION "us-east-1"
#define SUITE_SERVICE "service"
#define SUITE_TIME 1440938160 /* 2015-08-30T12:36:00Z */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* The old suite gives its session tokens only in .sreq files and its
 * readme (SOURCE.md): the short one of get-vanilla-with-session-token and
 * the long STS example token of post-sts-token/. */
#define SHORT_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define LONG_TOKEN \
	"AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAe" \
	"MicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8ph" \
	"UZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT3" \
	"8xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQ" \
	"wj2ICCR/oLxBA=="

static struct irsa_credentials suite_creds(const char *token)
{
	struct irsa_credentials c = {
		.access_key_id = (char *)SUITE_AKID,
		.secret_access_key = (char *)SUITE_SECRET,
		.session_token = (char *)token,
	};

	return c;
}

static void request_releasep(struct irsa_request *r)
{
	irsa_request_release(r);
}
#define _cleanup_request_ _cleanup_(request_releasep)

/* ---- reading vectors ----------------------------------------------- */

static char *slurp(const char *path)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	struct irsa_error err = { 0 };

	if (irsa_file_read(path, 1u << 20, "test vector", &b, &err) < 0) {
		printf("#   %s\n", err.message);
		irsa_buf_release(&b);
		return NULL;
	}
	return irsa_buf_detach(&b);
}

static void print_block(const char *label, const char *text)
{
	printf("#   %s:\n#     ", label);
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			printf("\n#     ");
		else
			putchar(*p);
	}
	putchar('\n');
}

/* Byte-for-byte comparison with a readable report. */
static bool same_text(const char *what, const char *got, const char *want)
{
	if (got && want && strcmp(got, want) == 0)
		return true;
	printf("#   %s differs\n", what);
	print_block("got", got ? got : "(null)");
	print_block("want", want ? want : "(null)");
	return false;
}

static void append_continuation(struct irsa_header *h, const char *line, size_t len)
{
	_cleanup_free_ char *part = irsa_strndup(line, len);
	char *joined = irsa_asprintf("%s %s", h->value, irsa_str_trim(part));

	free(h->value);
	h->value = joined;
}

/* Parse an HTTP/1.1 request as the suites write it (SOURCE.md): the
 * method ends at the first space, the target may contain spaces, header
 * lines split at the first ':', lines starting with whitespace continue
 * the previous header, the first empty line starts the body. */
static int parse_request(const char *text, struct irsa_request *req)
{
	const char *eol = strchrnul(text, '\n');
	const char *sp = memchr(text, ' ', (size_t)(eol - text));
	const char *target, *target_end, *q, *p;

	if (!sp)
		return -1;
	req->method = irsa_strndup(text, (size_t)(sp - text));
	target = sp + 1;
	target_end = eol;
	if (target_end - target >= 9 && memcmp(target_end - 9, " HTTP/1.1", 9) == 0)
		target_end -= 9;
	q = memchr(target, '?', (size_t)(target_end - target));
	req->scheme = irsa_strdup("https");
	req->path = irsa_strndup(target, (size_t)((q ? q : target_end) - target));
	req->query = q ? irsa_strndup(q + 1, (size_t)(target_end - q - 1)) : irsa_strdup("");

	for (p = *eol ? eol + 1 : eol; *p; ) {
		size_t len;
		const char *colon;

		eol = strchrnul(p, '\n');
		len = (size_t)(eol - p);
		if (len == 0) {
			p = *eol ? eol + 1 : eol;
			irsa_buf_puts(&req->body, p);
			break;
		}
		if ((p[0] == ' ' || p[0] == '\t') && req->n_headers > 0) {
			append_continuation(&req->headers[req->n_headers - 1], p, len);
		} else {
			_cleanup_free_ char *name = NULL, *value = NULL;

			colon = memchr(p, ':', len);
			if (!colon)
				return -1;
			name = irsa_strndup(p, (size_t)(colon - p));
			value = irsa_strndup(colon + 1, (size_t)(eol - colon - 1));
			irsa_request_add_header(req, name, value);
		}
		p = *eol ? eol + 1 : eol;
	}
	if (irsa_request_get_header(req, "Host")) {
		_cleanup_free_ char *host = irsa_strdup(irsa_request_get_header(req, "Host"));

		req->authority = irsa_strdup(irsa_str_trim(host));
	}
	return 0;
}

static int parse_request_file(const char *path, struct irsa_request *req)
{
	_cleanup_free_ char *text = slurp(path);

	if (!text)
		return -1;
	if (parse_request(text, req) < 0) {
		printf("#   cannot parse the request in '%s'\n", path);
		return -1;
	}
	return 0;
}

/* ---- comparing signed requests semantically ------------------------ */

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct str_list {
	char **items;
	size_t n;
};

static void str_list_add(struct str_list *l, char *s)
{
	l->items = irsa_realloc(l->items, (l->n + 1) * sizeof(*l->items));
	l->items[l->n++] = s;
}

static void str_list_release(struct str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

/* Query parameters as a sorted list of decoded "key=value". */
static void query_items(const char *query, struct str_list *out)
{
	for (const char *p = query; p && *p;) {
		size_t len = strcspn(p, "&"), key_len = strcspn(p, "=&");
		_cleanup_free_ char *key = irsa_uri_decode(p, key_len);
		_cleanup_free_ char *value = key_len < len ?
			irsa_uri_decode(p + key_len + 1, len - key_len - 1) : irsa_strdup("");

		if (len)
			str_list_add(out, irsa_asprintf("%s=%s", key, value));
		p += len;
		if (*p)
			p++;
	}
	if (out->n)
		qsort(out->items, out->n, sizeof(char *), str_cmp);
}

/* Headers as a sorted list of "lower-case-name:trimmed value"; the value
 * of Authorization is replaced by authz when given. */
static void header_items(const struct irsa_request *r, const char *authz, struct str_list *out)
{
	for (size_t i = 0; i < r->n_headers; i++) {
		_cleanup_free_ char *name = irsa_strdup(r->headers[i].name);
		_cleanup_free_ char *value = irsa_strdup(r->headers[i].value);

		for (char *c = name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		if (authz && strcmp(name, "authorization") == 0) {
			free(value);
			value = irsa_strdup(authz);
		}
		str_list_add(out, irsa_asprintf("%s:%s", name, irsa_str_trim(value)));
	}
	if (out->n)
		qsort(out->items, out->n, sizeof(char *), str_cmp);
}

static bool same_list(const char *what, struct str_list *got, struct str_list *want)
{
	struct irsa_buf g = IRSA_BUF_INIT, w = IRSA_BUF_INIT;
	bool same = got->n == want->n;

	for (size_t i = 0; same && i < got->n; i++)
		same = strcmp(got->items[i], want->items[i]) == 0;
	if (!same) {
		for (size_t i = 0; i < got->n; i++)
			irsa_buf_printf(&g, "%s\n", got->items[i]);
		for (size_t i = 0; i < want->n; i++)
			irsa_buf_printf(&w, "%s\n", want->items[i]);
		same_text(what, irsa_buf_str(&g), irsa_buf_str(&w));
	}
	irsa_buf_release(&g);
	irsa_buf_release(&w);
	str_list_release(got);
	str_list_release(want);
	return same;
}

/* Same method, path, body, query parameters as a set, headers compared by
 * lower-case name in any order (as upstream's driver compares them). */
static bool same_request(const struct irsa_request *got, const struct irsa_request *want,
			 const char *want_authz)
{
	struct str_list gq = { 0 }, wq = { 0 }, gh = { 0 }, wh = { 0 };
	bool ok = true;

	ok &= same_text("signed request method", got->method, want->method);
	ok &= same_text("signed request path", got->path, want->path);
	ok &= same_text("signed request body", irsa_buf_str(&got->body), irsa_buf_str(&want->body));
	query_items(got->query, &gq);
	query_items(want->query, &wq);
	ok &= same_list("signed request query parameters", &gq, &wq);
	header_items(got, NULL, &gh);
	header_items(want, want_authz, &wh);
	ok &= same_list("signed request headers", &gh, &wh);
	return ok;
}

/* ---- running one vector -------------------------------------------- */

struct expect {
	const char *creq, *sts, *signature, *authz; /* authz: old suite only */
	const struct irsa_request *signed_req;
};

/* Runs the staged API on req and compares every stage; then signs a copy
 * of the unsigned request with irsa_sigv4_sign() and checks that the
 * all-in-one call gives the same result. */
static bool run_stages(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
		       const char *unsigned_text, const struct expect *want)
{
	_cleanup_buf_ struct irsa_buf creq = IRSA_BUF_INIT, names = IRSA_BUF_INIT, sts = IRSA_BUF_INIT;
	_cleanup_request_ struct irsa_request again;
	struct irsa_error err = { 0 };
	char signature[65];
	bool ok = true;

	irsa_request_init(&again);
	if (irsa_sigv4_prepare(cfg, req, &err) < 0 ||
	    irsa_sigv4_canonical_request(cfg, req, &creq, &names, &err) < 0) {
		printf("#   signing failed: %s\n", err.message);
		return false;
	}
	ok &= same_text("canonical request", irsa_buf_str(&creq), want->creq);
	irsa_sigv4_string_to_sign(cfg, irsa_buf_str(&creq), &sts);
	ok &= same_text("string to sign", irsa_buf_str(&sts), want->sts);
	irsa_sigv4_signature(cfg, irsa_buf_str(&sts), signature);
	if (want->signature)
		ok &= same_text("signature", signature, want->signature);
	if (irsa_sigv4_finish(cfg, req, irsa_buf_str(&names), signature, &err) < 0) {
		printf("#   finishing failed: %s\n", err.message);
		return false;
	}
	if (want->authz)
		ok &= same_text("Authorization", irsa_request_get_header(req, "Authorization"),
				want->authz);
	if (want->signed_req)
		ok &= same_request(req, want->signed_req, want->authz);

	if (unsigned_text) {
		if (parse_request(unsigned_text, &again) < 0 ||
		    irsa_sigv4_sign(cfg, &again, &err) < 0) {
			printf("#   irsa_sigv4_sign failed: %s\n", err.message);
			return false;
		}
		ok &= same_request(&again, req, NULL);
	}
	return ok;
}

/* ---- aws-signing-test-suite/v4 (aws-c-auth) ------------------------ */

struct context {
	json_t *root;
	const char *akid, *secret, *token, *region, *service, *timestamp;
	int expires, normalize, sign_body, omit;
};

static int load_context(const char *path, struct context *c)
{
	json_error_t jerr;

	memset(c, 0, sizeof(*c));
	c->root = json_load_file(path, 0, &jerr);
	if (!c->root) {
		printf("#   %s: %s\n", path, jerr.text);
		return -1;
	}
	c->omit = 0;
	c->token = NULL;
	if (json_unpack_ex(c->root, &jerr, 0,
			   "{s:{s:s, s:s, s?s}, s:s, s:s, s:s, s:i, s:b, s:b, s?b}",
			   "credentials", "access_key_id", &c->akid, "secret_access_key",
			   &c->secret, "token", &c->token, "region", &c->region, "service",
			   &c->service, "timestamp", &c->timestamp, "expiration_in_seconds",
			   &c->expires, "normalize", &c->normalize, "sign_body", &c->sign_body,
			   "omit_session_token", &c->omit) < 0) {
		printf("#   %s: %s\n", path, jerr.text);
		json_decref(c->root);
		return -1;
	}
	return 0;
}

static time_t parse_iso8601(const char *s)
{
	struct tm tm = { 0 };

	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return (time_t)-1;
	return timegm(&tm);
}

/* The contents of dir/name[suffix], or NULL. */
static char *read_in(const char *dir, const char *name, const char *suffix)
{
	_cleanup_free_ char *path = irsa_asprintf("%s/%s%s", dir, name, suffix ? suffix : "");

	return slurp(path);
}

static bool run_new_case(const char *dir, enum irsa_sigv4_mode mode)
{
	const char *prefix = mode == IRSA_SIGV4_HEADER ? "header" : "query";
	_cleanup_request_ struct irsa_request req, want_req;
	_cleanup_free_ char *path = NULL, *unsigned_text = NULL, *creq = NULL, *sts = NULL,
			    *sig = NULL;
	struct irsa_credentials creds;
	struct irsa_sigv4_config cfg;
	struct context ctx;
	bool ok;

	irsa_request_init(&req);
	irsa_request_init(&want_req);
	path = irsa_asprintf("%s/context.json", dir);
	if (load_context(path, &ctx) < 0)
		return false;
	free(path);

	creds = (struct irsa_credentials){
		.access_key_id = (char *)ctx.akid,
		.secret_access_key = (char *)ctx.secret,
		.session_token = (char *)ctx.token,
	};
	cfg = (struct irsa_sigv4_config){
		.region = ctx.region,
		.service = ctx.service,
		.time = parse_iso8601(ctx.timestamp),
		.mode = mode,
		.expires = (unsigned)ctx.expires,
		.flags = IRSA_SIGV4_DOUBLE_ENCODE |
			 (ctx.normalize ? IRSA_SIGV4_NORMALIZE_PATH : 0) |
			 (ctx.omit ? IRSA_SIGV4_OMIT_SESSION_TOKEN : 0) |
			 (ctx.sign_body && mode == IRSA_SIGV4_HEADER ? IRSA_SIGV4_CONTENT_SHA256 : 0),
		.creds = &creds,
	};

	unsigned_text = read_in(dir, "request.txt", NULL);
	creq = read_in(dir, prefix, "-canonical-request.txt");
	sts = read_in(dir, prefix, "-string-to-sign.txt");
	sig = read_in(dir, prefix, "-signature.txt");
	path = irsa_asprintf("%s/%s-signed-request.txt", dir, prefix);
	ok = unsigned_text && creq && sts && sig &&
	     parse_request(unsigned_text, &req) == 0 && parse_request_file(path, &want_req) == 0;
	if (ok) {
		struct expect want = { creq, sts, sig, NULL, &want_req };

		ok = run_stages(&cfg, &req, unsigned_text, &want);
	}
	json_decref(ctx.root);
	return ok;
}

static int scan_dirs(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void run_new_suite(void)
{
	struct dirent **list = NULL;
	int n = scandir(NEW_SUITE, &list, scan_dirs, alphasort), cases = 0;

	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *dir = irsa_asprintf("%s/%s", NEW_SUITE, list[i]->d_name);
		_cleanup_free_ char *ctx = irsa_asprintf("%s/context.json", dir);
		_cleanup_free_ char *name_h = irsa_asprintf("v4/%s header", list[i]->d_name);
		_cleanup_free_ char *name_q = irsa_asprintf("v4/%s query", list[i]->d_name);

		if (is_dir(dir) && irsa_file_exists(ctx)) {
			tap_result(name_h, run_new_case(dir, IRSA_SIGV4_HEADER));
			tap_result(name_q, run_new_case(dir, IRSA_SIGV4_QUERY));
			cases++;
		}
		free(list[i]);
	}
	free(list);
	if (cases != NEW_SUITE_CASES)
		printf("#   found %d cases in %s, want %d\n", cases, NEW_SUITE, NEW_SUITE_CASES);
	tap_result("aws-signing-test-suite/v4: all 38 cases found", cases == NEW_SUITE_CASES);
}

/* ---- aws-sig-v4-test-suite (botocore's copy of the 2015 suite) ----- */

/* "20150830T123600Z" */
static time_t parse_amz_date(const char *s)
{
	struct tm tm = { 0 };
	_cleanup_free_ char *copy = irsa_strdup(s);

	if (!strptime(irsa_str_trim(copy), "%Y%m%dT%H%M%SZ", &tm))
		return (time_t)-1;
	return timegm(&tm);
}

static bool run_old_case(const char *dir, const char *name)
{
	_cleanup_request_ struct irsa_request req, want_req;
	_cleanup_free_ char *base = irsa_asprintf("%s/%s", dir, name);
	_cleanup_free_ char *p_req = irsa_asprintf("%s.req", base);
	_cleanup_free_ char *p_sreq = irsa_asprintf("%s.sreq", base);
	_cleanup_free_ char *creq = read_in(dir, name, ".creq");
	_cleanup_free_ char *sts = read_in(dir, name, ".sts");
	_cleanup_free_ char *authz = read_in(dir, name, ".authz");
	_cleanup_free_ char *date = NULL, *token_header = NULL;
	const char *token = NULL;
	struct irsa_credentials creds;
	struct irsa_sigv4_config cfg = {
		.region = SUITE_REGION,
		.service = SUITE_SERVICE,
		.mode = IRSA_SIGV4_HEADER,
		.flags = IRSA_SIGV4_DEFAULT_FLAGS,
	};
	struct expect want = { creq, sts, NULL, authz, &want_req };

	irsa_request_init(&req);
	irsa_request_init(&want_req);
	if (!creq || !sts || !authz || parse_request_file(p_req, &req) < 0 ||
	    parse_request_file(p_sreq, &want_req) < 0)
		return false;

	/* The .req carries X-Amz-Date (and post-sts-header-before the token):
	 * take the time and the token from there; the signer adds both. */
	date = irsa_strdup(irsa_request_get_header(&req, "X-Amz-Date"));
	cfg.time = parse_amz_date(date);
	if (cfg.time != SUITE_TIME) {
		printf("#   unexpected X-Amz-Date '%s'\n", date);
		return false;
	}
	irsa_request_remove_header(&req, "X-Amz-Date");
	if (irsa_request_get_header(&req, "X-Amz-Security-Token")) {
		token_header = irsa_strdup(irsa_request_get_header(&req, "X-Amz-Security-Token"));
		irsa_request_remove_header(&req, "X-Amz-Security-Token");
	}
	if (strcmp(name, "get-vanilla-with-session-token") == 0)
		token = SHORT_TOKEN;
	if (irsa_str_has_prefix(name, "post-sts-header-"))
		token = LONG_TOKEN;
	if (strcmp(name, "post-sts-header-after") == 0)
		cfg.flags |= IRSA_SIGV4_OMIT_SESSION_TOKEN;
	if (token_header && (!token || strcmp(token_header, token) != 0)) {
		printf("#   the .req carries a session token the driver does not expect\n");
		return false;
	}
	creds = suite_creds(token);
	cfg.creds = &creds;
	/* The .sreq's Authorization is compared against .authz instead: the
	 * .sreq of get-vanilla-with-session-token has a wrong signature. */
	return run_stages(&cfg, &req, NULL, &want);
}

static void walk_old_suite(const char *dir, const char *label, int *cases)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, scan_dirs, alphasort);

	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		_cleanup_free_ char *sub = irsa_asprintf("%s/%s", dir, name);
		_cleanup_free_ char *req = irsa_asprintf("%s/%s.req", sub, name);
		_cleanup_free_ char *sublabel = irsa_asprintf("%s%s%s", label, *label ? "/" : "", name);

		if (is_dir(sub) && irsa_file_exists(req)) {
			_cleanup_free_ char *tap_name = irsa_asprintf("sig-v4-test-suite/%s header", sublabel);

			tap_result(tap_name, run_old_case(sub, name));
			(*cases)++;
		} else if (is_dir(sub)) {
			walk_old_suite(sub, sublabel, cases);
		}
		free(list[i]);
	}
	free(list);
}

static void run_old_suite(void)
{
	int cases = 0;

	walk_old_suite(OLD_SUITE, "", &cases);
	if (cases != OLD_SUITE_CASES)
		printf("#   found %d cases in %s, want %d\n", cases, OLD_SUITE, OLD_SUITE_CASES);
	tap_result("aws-sig-v4-test-suite: all 34 cases found", cases == OLD_SUITE_CASES);
}

/* ---- EKS token (aws-iam-authenticator) ----------------------------- */

static char *decode_b64_string(const char *in)
{
	unsigned char *raw = NULL;
	size_t len = 0;
	char *s;

	if (!in || irsa_base64_decode(in, &raw, &len) < 0)
		return NULL;
	s = irsa_strndup((const char *)raw, len);
	free(raw);
	return s;
}

static bool run_eks_vector(void)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_request_ struct irsa_request req;
	_cleanup_free_ char *akid = NULL, *secret = NULL, *url = NULL, *b64 = NULL, *token = NULL,
			    *get_url = NULL;
	_cleanup_buf_ struct irsa_buf creq = IRSA_BUF_INIT, names = IRSA_BUF_INIT, sts = IRSA_BUF_INIT;
	const char *akid64, *secret64, *region, *host, *service, *cluster, *timestamp;
	const char *want_creq, *want_sts, *want_sig, *want_url, *want_token, *want_hash;
	json_t *signed_headers;
	json_int_t unix_time, expires;
	struct irsa_credentials creds;
	struct irsa_sigv4_config cfg;
	struct irsa_error err = { 0 };
	json_error_t jerr;
	char signature[65];
	bool ok = true;

	irsa_request_init(&req);
	root = json_load_file(EKS_VECTOR, 0, &jerr);
	if (!root || json_unpack_ex(root, &jerr, 0,
				    "{s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:s,"
				    " s:s, s:s, s:s, s:s, s:s}",
				    "credentials", "access_key_id_base64", &akid64,
				    "secret_access_key_base64", &secret64, "region", &region,
				    "sts_host", &host, "service", &service, "cluster_id", &cluster,
				    "timestamp", &timestamp, "unix_time", &unix_time,
				    "expires_in_seconds", &expires, "signed_headers", &signed_headers,
				    "payload_hash", &want_hash, "canonical_request", &want_creq,
				    "string_to_sign", &want_sts, "signature", &want_sig,
				    "decoded_url", &want_url, "expected_token", &want_token) < 0) {
		printf("#   %s: %s\n", EKS_VECTOR, jerr.text);
		return false;
	}
	akid = decode_b64_string(akid64);
	secret = decode_b64_string(secret64);
	if (!akid || !secret) {
		printf("#   cannot decode the vector's credentials\n");
		return false;
	}
	ok &= parse_iso8601(timestamp) == (time_t)unix_time;
	ok &= strcmp(want_hash, EMPTY_SHA256) == 0;

	creds = (struct irsa_credentials){ .access_key_id = akid, .secret_access_key = secret };
	cfg = (struct irsa_sigv4_config){
		.region = region,
		.service = service,
		.time = (time_t)unix_time,
		.mode = IRSA_SIGV4_QUERY,
		.expires = (unsigned)expires,
		.flags = IRSA_SIGV4_DEFAULT_FLAGS,
		.creds = &creds,
	};
	get_url = irsa_asprintf("https://%s/?Action=GetCallerIdentity&Version=2011-06-15", host);
	if (irsa_request_set_url(&req, "GET", get_url, &err) < 0) {
		printf("#   %s\n", err.message);
		return false;
	}
	irsa_request_add_header(&req, "x-k8s-aws-id", cluster);
	if (irsa_sigv4_prepare(&cfg, &req, &err) < 0 ||
	    irsa_sigv4_canonical_request(&cfg, &req, &creq, &names, &err) < 0) {
		printf("#   %s\n", err.message);
		return false;
	}
	ok &= same_text("canonical request", irsa_buf_str(&creq), want_creq);
	ok &= same_text("signed headers", irsa_buf_str(&names),
			json_array_size(signed_headers) == 2 ? "host;x-k8s-aws-id" : "?");
	irsa_sigv4_string_to_sign(&cfg, irsa_buf_str(&creq), &sts);
	ok &= same_text("string to sign", irsa_buf_str(&sts), want_sts);
	irsa_sigv4_signature(&cfg, irsa_buf_str(&sts), signature);
	ok &= same_text("signature", signature, want_sig);
	if (irsa_sigv4_finish(&cfg, &req, irsa_buf_str(&names), signature, &err) < 0) {
		printf("#   %s\n", err.message);
		return false;
	}
	url = irsa_request_url(&req);
	ok &= same_text("presigned URL", url, want_url);
	b64 = irsa_base64url_encode((const unsigned char *)url, strlen(url));
	token = irsa_asprintf("k8s-aws-v1.%s", b64);
	ok &= same_text("EKS token", token, want_token);
	irsa_free_secret(TAKE_PTR(secret));
	return ok;
}

/* ---- own cases ----------------------------------------------------- */

static const struct irsa_credentials test_creds = {
	.access_key_id = (char *)SUITE_AKID,
	.secret_access_key = (char *)SUITE_SECRET,
};

static struct irsa_sigv4_config test_config(enum irsa_sigv4_mode mode, unsigned flags)
{
	struct irsa_sigv4_config cfg = {
		.region = SUITE_REGION,
		.service = SUITE_SERVICE,
		.time = SUITE_TIME,
		.mode = mode,
		.expires = 900,
		.flags = flags,
		.creds = &test_creds,
	};

	return cfg;
}

/* Build a request on url with "Name", "value", ... headers (NULL ends). */
static void make_request(struct irsa_request *req, const char *method, const char *url,
			 const char *const *headers)
{
	struct irsa_error err = { 0 };

	irsa_request_init(req);
	if (irsa_request_set_url(req, method, url, &err) < 0)
		printf("#   set_url('%s'): %s\n", url, err.message);
	for (size_t i = 0; headers && headers[i]; i += 2)
		irsa_request_add_header(req, headers[i], headers[i + 1]);
}

/* The canonical request of req after the prepare stage (malloc'd). */
static char *canonical_of(const struct irsa_sigv4_config *cfg, struct irsa_request *req)
{
	struct irsa_buf creq = IRSA_BUF_INIT, names = IRSA_BUF_INIT;
	struct irsa_error err = { 0 };

	if (irsa_sigv4_prepare(cfg, req, &err) < 0 ||
	    irsa_sigv4_canonical_request(cfg, req, &creq, &names, &err) < 0) {
		printf("#   %s\n", err.message);
		irsa_buf_release(&names);
		irsa_buf_release(&creq);
		return irsa_strdup("");
	}
	irsa_buf_release(&names);
	return irsa_buf_detach(&creq);
}

/* Line n (0-based) of text, malloc'd. */
static char *line_of(const char *text, int n)
{
	for (; n > 0 && text; n--) {
		text = strchr(text, '\n');
		if (text)
			text++;
	}
	if (!text)
		return irsa_strdup("(no such line)");
	return irsa_strndup(text, strcspn(text, "\n"));
}

static char *canonical_line(const char *url, const char *const *headers, unsigned flags, int n)
{
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER, flags);
	_cleanup_request_ struct irsa_request req;
	_cleanup_free_ char *creq = NULL;

	make_request(&req, "GET", url, headers);
	creq = canonical_of(&cfg, &req);
	return line_of(creq, n);
}

#define PATH_LINE 1
#define QUERY_LINE 2
#define FIRST_HEADER_LINE 3

/* Line `line` of the canonical request of a GET built directly (raw
 * bytes allowed), whose path (PATH_LINE) or query (QUERY_LINE) is `wire`. */
static char *canonical_line_of(const char *wire, int line, unsigned flags)
{
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER, flags);
	_cleanup_request_ struct irsa_request req;
	_cleanup_free_ char *creq = NULL;
	char **part;

	make_request(&req, "GET", "https://example.amazonaws.com/", NULL);
	part = line == PATH_LINE ? &req.path : &req.query;
	free(*part);
	*part = irsa_strdup(wire);
	creq = canonical_of(&cfg, &req);
	return line_of(creq, line);
}

static char *canonical_path_of(const char *wire_path, unsigned flags)
{
	return canonical_line_of(wire_path, PATH_LINE, flags);
}

static char *canonical_query_of(const char *wire_query)
{
	return canonical_line_of(wire_query, QUERY_LINE, IRSA_SIGV4_DEFAULT_FLAGS);
}

#define CHECK_OWNED_STR(expr, want) do { \
	char *s_ = (expr); \
	CHECK_STR(s_, want); \
	free(s_); \
} while (0)

TEST(percent_encoded_path_is_encoded_again)
{
	/* IAM/STS/EKS: the wire path is encoded a second time. */
	CHECK_OWNED_STR(canonical_path_of("/a%2Fb/c%20d", IRSA_SIGV4_DEFAULT_FLAGS),
			"/a%252Fb/c%2520d");
	/* S3 style (no double encoding, no normalisation): kept as sent. */
	CHECK_OWNED_STR(canonical_path_of("/a%2Fb//c%20d", 0), "/a%2Fb//c%20d");
	/* Encoded dots are not dot segments. */
	CHECK_OWNED_STR(canonical_path_of("/a/%2E%2E/b", IRSA_SIGV4_DEFAULT_FLAGS),
			"/a/%252E%252E/b");
	/* Through irsa_request_set_url as well. */
	CHECK_OWNED_STR(canonical_line("https://iam.amazonaws.com/x%2Fy", NULL,
				       IRSA_SIGV4_DEFAULT_FLAGS, PATH_LINE), "/x%252Fy");
}

TEST(path_normalisation)
{
	static const char *const cases[][2] = {
		{ "", "/" },
		{ "/", "/" },
		{ "//", "/" },
		{ "/./", "/" },
		{ "/a/..", "/" },
		{ "/a/../..", "/" },
		{ "/a/b/..", "/a/" },
		{ "/a/./b", "/a/b" },
		{ "//a//b//", "/a/b/" },
		{ "/a/b/.", "/a/b/" },
		{ "/a/../b/../c", "/c" },
		{ "/..a/b..", "/..a/b.." },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		CHECK_OWNED_STR(canonical_path_of(cases[i][0], IRSA_SIGV4_NORMALIZE_PATH), cases[i][1]);
}

TEST(empty_query_value_and_bare_key)
{
	CHECK_OWNED_STR(canonical_query_of("b=&a"), "a=&b=");
	CHECK_OWNED_STR(canonical_query_of("a=1&&b=2&"), "a=1&b=2");
	CHECK_OWNED_STR(canonical_query_of("=v"), "=v");
	CHECK_OWNED_STR(canonical_query_of("k=a=b"), "k=a%3Db");
}

TEST(repeated_query_keys_sorted_by_value)
{
	CHECK_OWNED_STR(canonical_query_of("k=b&k=a&k=B&k="), "k=&k=B&k=a&k=b");
	CHECK_OWNED_STR(canonical_query_of("Param1=value2&Param1=Value1"),
			"Param1=Value1&Param1=value2");
}

TEST(query_is_decoded_then_encoded_again)
{
	CHECK_OWNED_STR(canonical_query_of("d=%41&c=x+y&b=%2f&a=%7e"), "a=~&b=%2F&c=x%2By&d=A");
	CHECK_OWNED_STR(canonical_query_of("sp=a%20b&semi=a;b"), "semi=a%3Bb&sp=a%20b");
}

TEST(non_ascii_path_and_query)
{
	/* Raw UTF-8 on the wire (as in the suites' get-utf8) ... */
	CHECK_OWNED_STR(canonical_path_of("/caf\xc3\xa9", IRSA_SIGV4_DEFAULT_FLAGS), "/caf%C3%A9");
	/* ... and the usual percent-encoded wire form, encoded again. */
	CHECK_OWNED_STR(canonical_path_of("/caf%C3%A9", IRSA_SIGV4_DEFAULT_FLAGS), "/caf%25C3%25A9");
	CHECK_OWNED_STR(canonical_query_of("q=caf\xc3\xa9"), "q=caf%C3%A9");
	CHECK_OWNED_STR(canonical_query_of("q=caf%C3%A9"), "q=caf%C3%A9");
	CHECK_OWNED_STR(canonical_query_of("%C3%A9=1&z=2&\xe1\x88\xb4=3"), "%C3%A9=1&%E1%88%B4=3&z=2");

	{
		_cleanup_request_ struct irsa_request req;

		make_request(&req, "GET", "https://example.amazonaws.com/", NULL);
		irsa_request_add_query(&req, "name", "caf\xc3\xa9 \xc3\xbc/x");
		CHECK_STR(req.query, "name=caf%C3%A9%20%C3%BC%2Fx");
	}
}

static void check_rejected(const char *url, const char *header, const char *what)
{
	const char *const headers[] = { header, "x", NULL };
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER, IRSA_SIGV4_DEFAULT_FLAGS);
	_cleanup_request_ struct irsa_request req;
	_cleanup_free_ char *query_before = NULL;
	struct irsa_error err = { 0 };
	size_t n_before;

	make_request(&req, "GET", url, header ? headers : NULL);
	query_before = irsa_strdup(req.query);
	n_before = req.n_headers;
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_INTERNAL);
	CHECK(strstr(err.message, what) != NULL);
	/* Nothing was added to the rejected request. */
	CHECK_INT(req.n_headers, n_before);
	CHECK_STR(req.query, query_before);
	cfg.mode = IRSA_SIGV4_QUERY;
	irsa_error_clear(&err);
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), -1);
	CHECK_STR(req.query, query_before);
}

TEST(already_signed_requests_are_rejected)
{
	const char *base = "https://example.amazonaws.com/";

	check_rejected(base, "Authorization", "Authorization");
	check_rejected(base, "authorization", "Authorization");
	check_rejected(base, "X-Amz-Date", "X-Amz-Date");
	check_rejected("https://example.amazonaws.com/?a=1&X-Amz-Signature=abc", NULL,
		       "X-Amz-Signature");
	check_rejected("https://example.amazonaws.com/?x-amz-date=20150830T123600Z", NULL,
		       "X-Amz-Date");
	check_rejected("https://example.amazonaws.com/?X-Amz-Credential=a%2Fb", NULL,
		       "X-Amz-Credential");
	check_rejected("https://example.amazonaws.com/?X-Amz-Algorithm", NULL, "X-Amz-Algorithm");
	check_rejected("https://example.amazonaws.com/?X%2DAmz%2DSignedHeaders=host", NULL,
		       "X-Amz-SignedHeaders");
}

TEST(transport_headers_are_never_signed)
{
	const char *const headers[] = {
		"User-Agent", "irsactl/0.1", "X-Amzn-Trace-Id", "Root=1-abc",
		"Transfer-Encoding", "chunked", "X-Custom", "1", NULL,
	};
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER, IRSA_SIGV4_DEFAULT_FLAGS);
	_cleanup_request_ struct irsa_request req, preq;
	_cleanup_free_ char *creq = NULL, *pcreq = NULL;
	struct irsa_error err = { 0 };
	const char *authz;

	make_request(&req, "GET", "https://example.amazonaws.com/", headers);
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), 0);
	authz = irsa_request_get_header(&req, "Authorization");
	CHECK(authz && strstr(authz, "SignedHeaders=host;x-amz-date;x-custom, ") != NULL);
	/* The headers themselves are still sent. */
	CHECK_STR(irsa_request_get_header(&req, "user-agent"), "irsactl/0.1");

	cfg.mode = IRSA_SIGV4_QUERY;
	make_request(&preq, "GET", "https://example.amazonaws.com/", headers);
	pcreq = canonical_of(&cfg, &preq);
	CHECK(strstr(preq.query, "X-Amz-SignedHeaders=host%3Bx-custom") != NULL);
	CHECK_OWNED_STR(line_of(pcreq, FIRST_HEADER_LINE), "host:example.amazonaws.com");
	CHECK_OWNED_STR(line_of(pcreq, FIRST_HEADER_LINE + 1), "x-custom:1");
	CHECK_OWNED_STR(line_of(pcreq, FIRST_HEADER_LINE + 3), "host;x-custom");
	(void)creq;
}

TEST(header_values_collapse_inner_spaces)
{
	const char *const headers[] = {
		"X-Test", "  a   b\t\t c  ", "x-test", "d", "X-Empty", "   ", NULL,
	};

	CHECK_OWNED_STR(canonical_line("https://example.amazonaws.com/", headers,
				       IRSA_SIGV4_DEFAULT_FLAGS, FIRST_HEADER_LINE + 2), "x-empty:");
	CHECK_OWNED_STR(canonical_line("https://example.amazonaws.com/", headers,
				       IRSA_SIGV4_DEFAULT_FLAGS, FIRST_HEADER_LINE + 3), "x-test:a b c,d");
}

TEST(host_comes_from_the_authority)
{
	CHECK_OWNED_STR(canonical_line("https://example.com:8443/", NULL, IRSA_SIGV4_DEFAULT_FLAGS,
				       FIRST_HEADER_LINE), "host:example.com:8443");
	/* curl leaves the default port out of Host; so does the signer. */
	CHECK_OWNED_STR(canonical_line("https://example.com:443/", NULL, IRSA_SIGV4_DEFAULT_FLAGS,
				       FIRST_HEADER_LINE), "host:example.com");
	CHECK_OWNED_STR(canonical_line("http://127.0.0.1:80/", NULL, IRSA_SIGV4_DEFAULT_FLAGS,
				       FIRST_HEADER_LINE), "host:127.0.0.1");
}

TEST(payload_hash)
{
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER,
						   IRSA_SIGV4_DEFAULT_FLAGS | IRSA_SIGV4_CONTENT_SHA256);
	_cleanup_request_ struct irsa_request req, preq, ureq;
	_cleanup_free_ char *creq = NULL, *pcreq = NULL, *ucreq = NULL;
	const char *hash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";

	make_request(&req, "POST", "https://example.amazonaws.com/", NULL);
	irsa_buf_puts(&req.body, "Param1=value1");
	creq = canonical_of(&cfg, &req);
	CHECK_STR(irsa_request_get_header(&req, "x-amz-content-sha256"), hash);
	CHECK_OWNED_STR(line_of(creq, 8), hash);

	/* Query mode: the body hash is signed, but no parameter is added. */
	cfg.mode = IRSA_SIGV4_QUERY;
	make_request(&preq, "POST", "https://example.amazonaws.com/", NULL);
	irsa_buf_puts(&preq.body, "Param1=value1");
	pcreq = canonical_of(&cfg, &preq);
	CHECK(strstr(preq.query, "content") == NULL);
	CHECK(irsa_str_has_suffix(pcreq, hash));

	/* An explicit override (S3's UNSIGNED-PAYLOAD). */
	cfg.mode = IRSA_SIGV4_HEADER;
	cfg.body_hash = "UNSIGNED-PAYLOAD";
	make_request(&ureq, "PUT", "https://example.amazonaws.com/", NULL);
	irsa_buf_puts(&ureq.body, "ignored");
	ucreq = canonical_of(&cfg, &ureq);
	CHECK(irsa_str_has_suffix(ucreq, "\nUNSIGNED-PAYLOAD"));
	CHECK_STR(irsa_request_get_header(&ureq, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
}

TEST(session_token_in_presigned_urls)
{
	struct irsa_credentials creds = suite_creds("tok/en+=");
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_QUERY, IRSA_SIGV4_DEFAULT_FLAGS);
	_cleanup_request_ struct irsa_request req, late;
	_cleanup_free_ char *creq = NULL, *late_creq = NULL;
	struct irsa_error err = { 0 };

	cfg.creds = &creds;
	make_request(&req, "GET", "https://example.amazonaws.com/", NULL);
	creq = canonical_of(&cfg, &req);
	CHECK(strstr(creq, "&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-SignedHeaders=host\n") != NULL);

	cfg.flags |= IRSA_SIGV4_OMIT_SESSION_TOKEN;
	make_request(&late, "GET", "https://example.amazonaws.com/", NULL);
	CHECK_INT(irsa_sigv4_sign(&cfg, &late, &err), 0);
	CHECK(strstr(late.query, "X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature=") != NULL);
	irsa_request_release(&late);
	make_request(&late, "GET", "https://example.amazonaws.com/", NULL);
	late_creq = canonical_of(&cfg, &late);
	CHECK(strstr(late_creq, "Security-Token") == NULL);
}

TEST(bad_configuration)
{
	struct irsa_credentials empty = { 0 };
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER, IRSA_SIGV4_DEFAULT_FLAGS);
	_cleanup_request_ struct irsa_request req;
	struct irsa_error err = { 0 };

	make_request(&req, "GET", "https://example.amazonaws.com/", NULL);
	cfg.creds = NULL;
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_AUTH);
	cfg.creds = &empty;
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_AUTH);

	cfg = test_config(IRSA_SIGV4_HEADER, IRSA_SIGV4_DEFAULT_FLAGS);
	cfg.region = "";
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "region") != NULL);

	cfg = test_config(IRSA_SIGV4_QUERY, IRSA_SIGV4_DEFAULT_FLAGS);
	cfg.expires = 0;
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	cfg.expires = 604801;
	CHECK_INT(irsa_sigv4_sign(&cfg, &req, &err), -1);
	/* Nothing was added by the failed attempts. */
	CHECK_INT(req.n_headers, 0);
	CHECK_STR(req.query, "");
}

TEST(format_time_matches_gmtime)
{
	static const time_t times[] = {
		0, 1, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 1440938160,
		1682640000, 2147483647, (time_t)4102444800LL /* 2100-01-01 */,
		(time_t)253402300799LL /* 9999-12-31T23:59:59 */,
	};
	char got[17], want[32];

	for (size_t i = 0; i < ARRAY_SIZE(times); i++) {
		struct tm tm;

		gmtime_r(&times[i], &tm);
		strftime(want, sizeof(want), "%Y%m%dT%H%M%SZ", &tm);
		irsa_sigv4_format_time(times[i], got);
		CHECK_STR(got, want);
	}
	/* Every day of a few years around the leap rules. */
	for (time_t t = 946684800 - 86400 * 400; t < 946684800 + 86400 * 800; t += 86400 + 3601) {
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y%m%dT%H%M%SZ", &tm);
		irsa_sigv4_format_time(t, got);
		if (strcmp(got, want) != 0) {
			CHECK_STR(got, want);
			break;
		}
	}
}

static char *authorization_with_tz(const char *tz)
{
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER, IRSA_SIGV4_DEFAULT_FLAGS);
	_cleanup_request_ struct irsa_request req;
	struct irsa_error err = { 0 };

	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	make_request(&req, "GET", "https://example.amazonaws.com/", NULL);
	if (irsa_sigv4_sign(&cfg, &req, &err) < 0)
		return irsa_strdup(err.message);
	return irsa_strdup(irsa_request_get_header(&req, "Authorization"));
}

TEST(no_clock_no_environment)
{
	/* get-vanilla of the suites, whatever the local time zone. */
	const char *want = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
			   "aws4_request, SignedHeaders=host;x-amz-date, Signature="
			   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
	_cleanup_free_ char *old_tz = getenv("TZ") ? irsa_strdup(getenv("TZ")) : NULL;

	CHECK_OWNED_STR(authorization_with_tz(NULL), want);
	CHECK_OWNED_STR(authorization_with_tz("Pacific/Kiritimati"), want);
	CHECK_OWNED_STR(authorization_with_tz("XYZ+13"), want);
	if (old_tz)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

/* ---- key material is zeroed ---------------------------------------- *
 * After the signer returns, its stack frames are dead but their bytes
 * stay where they were until something else runs there. Scan the region
 * it used for the intermediate keys (kDate ... kSigning) and for
 * "AWS4" + secret. A control that leaves a key behind on purpose checks
 * that the scan can see dead frames with this compiler; if it cannot
 * (e.g. a sanitizer moved frames elsewhere) the test is skipped. */

#define SCAN_BYTES 32768

static void hmac_raw(const void *key, size_t key_len, const char *data, unsigned char out[32])
{
	unsigned int n = 0;

	HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, strlen(data), out, &n);
}

static __attribute__((noinline)) void scrub_stack(void)
{
	volatile unsigned char area[SCAN_BYTES];

	for (size_t i = 0; i < sizeof(area); i++)
		area[i] = 0;
}

static __attribute__((noinline)) bool stack_contains(const unsigned char (*keys)[32], size_t n_keys)
{
	volatile unsigned char area[SCAN_BYTES];
	unsigned char *copy = malloc(SCAN_BYTES);
	bool found = false;

	VALGRIND_MAKE_MEM_DEFINED((void *)area, sizeof(area));
	for (size_t i = 0; i < sizeof(area); i++)
		copy[i] = area[i];
	for (size_t k = 0; k < n_keys && !found; k++)
		found = memmem(copy, SCAN_BYTES, keys[k], 32) != NULL;
	free(copy);
	return found;
}

static __attribute__((noinline)) void leave_key_behind(const unsigned char key[32])
{
	volatile unsigned char local[64];

	for (size_t i = 0; i < 32; i++)
		local[i + 16] = key[i];
	__asm__ volatile("" : : "r"(local) : "memory");
}

static __attribute__((noinline)) void sign_once(const struct irsa_sigv4_config *cfg, char out[65])
{
	irsa_sigv4_signature(cfg, "AWS4-HMAC-SHA256\n20150830T123600Z\n"
			     "20150830/us-east-1/service/aws4_request\n" EMPTY_SHA256, out);
}

static void test_signing_keys_are_zeroed(void)
{
	struct irsa_sigv4_config cfg = test_config(IRSA_SIGV4_HEADER, IRSA_SIGV4_DEFAULT_FLAGS);
	unsigned char keys[5][32];
	const char *secret = "AWS4" SUITE_SECRET;
	char sig[65];
	bool control, leaked;

	hmac_raw(secret, strlen(secret), "20150830", keys[0]);
	hmac_raw(keys[0], 32, SUITE_REGION, keys[1]);
	hmac_raw(keys[1], 32, SUITE_SERVICE, keys[2]);
	hmac_raw(keys[2], 32, "aws4_request", keys[3]);
	memcpy(keys[4], secret, 32); /* the first 32 bytes of "AWS4" + secret */

	scrub_stack();
	leave_key_behind(keys[3]);
	control = stack_contains(keys, 5);
	scrub_stack();
	sign_once(&cfg, sig);
	leaked = stack_contains(keys, 5);
	if (!control) {
		tap_result("signing keys are zeroed # SKIP the stack scan cannot see dead frames here", 1);
		return;
	}
	if (leaked)
		printf("#   key material found on the stack after irsa_sigv4_signature()\n");
	tap_result("signing keys are zeroed", !leaked);
}

int main(void)
{
	run_new_suite();
	run_old_suite();
	tap_result("eks-token/aws-iam-authenticator-get-with-sts", run_eks_vector());

	RUN(percent_encoded_path_is_encoded_again);
	RUN(path_normalisation);
	RUN(empty_query_value_and_bare_key);
	RUN(repeated_query_keys_sorted_by_value);
	RUN(query_is_decoded_then_encoded_again);
	RUN(non_ascii_path_and_query);
	RUN(already_signed_requests_are_rejected);
	RUN(transport_headers_are_never_signed);
	RUN(header_values_collapse_inner_spaces);
	RUN(host_comes_from_the_authority);
	RUN(payload_hash);
	RUN(session_token_in_presigned_urls);
	RUN(bad_configuration);
	RUN(format_time_matches_gmtime);
	RUN(no_clock_no_environment);
	test_signing_keys_are_zeroed();
	return tap_done();
}
