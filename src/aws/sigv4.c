/* AWS Signature Version 4 (see irsa/sigv4.h).
 *
 * The signer is pure: the time comes from the config, nothing reads the
 * clock, the environment or the locale. Key material (the derived keys
 * kDate ... kSigning and the "AWS4" + secret key) is zeroed right after
 * use. Canonicalisation follows the AWS documentation and the two test
 * suites in tests/data/sigv4 (see SOURCE.md there). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "irsa/sigv4.h"
#include "irsa/strutil.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define KEY_LEN 32
#define MAX_EXPIRES 604800u /* 7 days, the SigV4 limit */

/* Headers that are never signed: the transport or a proxy may add,
 * change or drop them on the way (same list as aws-c-auth / botocore). */
static const char *const unsigned_headers[] = {
	"user-agent", "x-amzn-trace-id", "transfer-encoding", "expect", "connection", "upgrade",
};

/* Query parameters the signer writes; finding one means "already signed". */
static const char *const signer_params[] = {
	"X-Amz-Signature", "X-Amz-Date", "X-Amz-Credential", "X-Amz-Algorithm",
	"X-Amz-SignedHeaders",
};

static void buf_release_securep(struct irsa_buf *b)
{
	irsa_buf_release_secure(b);
}
#define _cleanup_secure_buf_ _cleanup_(buf_release_securep)

_Noreturn static void crypto_failure(void)
{
	fputs("irsactl: error: OpenSSL failed to compute SHA-256/HMAC\n", stderr);
	abort();
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != KEY_LEN)
		crypto_failure();
	irsa_hex_encode(md, n, out);
}

static void hmac_sha256(const void *key, size_t key_len, const char *data, size_t len,
			unsigned char out[KEY_LEN])
{
	unsigned int n = 0;

	if (!HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, len, out, &n) ||
	    n != KEY_LEN)
		crypto_failure();
}

static const char *session_token(const struct irsa_sigv4_config *cfg)
{
	const char *t = cfg->creds ? cfg->creds->session_token : NULL;

	return irsa_str_empty(t) ? NULL : t;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- time ---------------------------------------------------------- */

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm); used
 * instead of gmtime_r(), which may read TZ on its first call. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void irsa_sigv4_format_time(time_t t, char out[17])
{
	int64_t secs = (int64_t)t, days, rem, year;
	unsigned month, day;

	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999) {
		memcpy(out, "00000000T000000Z", 17);
		return;
	}
	snprintf(out, 17, "%04u%02u%02uT%02u%02u%02uZ", (unsigned)year, month % 100, day % 100,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

/* "20150830/us-east-1/service/aws4_request" */
static void credential_scope(const struct irsa_sigv4_config *cfg, struct irsa_buf *out)
{
	char amz_date[17];

	irsa_sigv4_format_time(cfg->time, amz_date);
	irsa_buf_printf(out, "%.8s/%s/%s/aws4_request", amz_date, cfg->region, cfg->service);
}

/* ---- checks -------------------------------------------------------- */

static int check_config(const struct irsa_sigv4_config *cfg, struct irsa_error *err)
{
	if (!cfg->creds || irsa_str_empty(cfg->creds->access_key_id) ||
	    irsa_str_empty(cfg->creds->secret_access_key))
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "cannot sign the request: no access key id or secret access key");
	if (irsa_str_empty(cfg->region))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "cannot sign the request: no region; use --region or AWS_REGION");
	if (irsa_str_empty(cfg->service))
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "cannot sign the request: no signing service name");
	if (cfg->mode == IRSA_SIGV4_QUERY && (cfg->expires == 0 || cfg->expires > MAX_EXPIRES))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "cannot presign the request: expiry %u s is not between 1 and %u s",
				      cfg->expires, MAX_EXPIRES);
	return 0;
}

static bool query_has_param(const char *query, const char *name)
{
	size_t name_len = strlen(name);

	for (const char *p = query; p && *p;) {
		size_t len = strcspn(p, "&");
		size_t key_len = strcspn(p, "=&");
		_cleanup_free_ char *key = irsa_uri_decode(p, key_len);

		if (strlen(key) == name_len && strcasecmp(key, name) == 0)
			return true;
		p += len;
		if (*p == '&')
			p++;
	}
	return false;
}

/* A request that carries a signature already must not be signed again. */
static int check_not_signed(const struct irsa_sigv4_config *cfg, const struct irsa_request *req,
			    struct irsa_error *err)
{
	static const char *const headers[] = { "Authorization", "X-Amz-Date" };

	for (size_t i = 0; i < ARRAY_SIZE(headers); i++)
		if (irsa_request_get_header(req, headers[i]))
			return irsa_error_set(err, IRSA_ERR_INTERNAL,
					      "cannot sign a request that already has a '%s' header",
					      headers[i]);
	for (size_t i = 0; i < ARRAY_SIZE(signer_params); i++)
		if (query_has_param(req->query, signer_params[i]))
			return irsa_error_set(err, IRSA_ERR_INTERNAL,
					      "cannot sign a request whose query already has '%s'",
					      signer_params[i]);
	if (cfg->mode == IRSA_SIGV4_QUERY && query_has_param(req->query, "X-Amz-Expires"))
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "cannot presign a request whose query already has 'X-Amz-Expires'");
	if (cfg->mode == IRSA_SIGV4_QUERY && session_token(cfg) &&
	    query_has_param(req->query, "X-Amz-Security-Token"))
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "cannot presign a request whose query already has 'X-Amz-Security-Token'");
	return 0;
}

/* ---- canonical path ------------------------------------------------ */

/* Remove "." and ".." segments and empty segments ("//"), keeping a
 * trailing slash (RFC 3986 section 5.2.4 plus slash collapsing). */
static char *normalize_path(const char *path)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	const char *last = path;

	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");

		last = p;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = memrchr(out.data ? out.data : "", '/', out.len);

			out.len = slash ? (size_t)(slash - out.data) : 0;
			if (out.data)
				out.data[out.len] = '\0';
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			irsa_buf_putc(&out, '/');
			irsa_buf_append(&out, p, len);
		}
		p += len;
		if (*p == '/') {
			p++;
			last = p;
		}
	}
	/* last is the final segment: "", "." or ".." end in a directory. */
	if (out.len == 0)
		irsa_buf_putc(&out, '/');
	else if (*last == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		irsa_buf_putc(&out, '/');
	return irsa_buf_detach(&out);
}

static void canonical_path(const struct irsa_sigv4_config *cfg, const char *path,
			   struct irsa_buf *out)
{
	_cleanup_free_ char *normalized = NULL;

	if (irsa_str_empty(path))
		path = "/";
	if (cfg->flags & IRSA_SIGV4_NORMALIZE_PATH)
		path = normalized = normalize_path(path);
	/* The wire path is encoded once already; non-S3 services want it
	 * encoded again ("/a%2Fb" signs as "/a%252Fb"). */
	if (cfg->flags & IRSA_SIGV4_DOUBLE_ENCODE)
		irsa_uri_encode(out, path, strlen(path), true);
	else
		irsa_buf_puts(out, path);
}

/* ---- canonical query ----------------------------------------------- */

struct query_pair {
	char *key;   /* RFC 3986 encoded */
	char *value; /* RFC 3986 encoded */
};

static char *reencode(const char *s, size_t len)
{
	_cleanup_free_ char *raw = irsa_uri_decode(s, len);
	struct irsa_buf out = IRSA_BUF_INIT;

	irsa_uri_encode(&out, raw, strlen(raw), false);
	return irsa_buf_detach(&out);
}

static int query_pair_cmp(const void *a, const void *b)
{
	const struct query_pair *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	return r ? r : strcmp(x->value, y->value);
}

/* Decode every key and value, encode them again with the unreserved set,
 * sort by key then value (bytewise), join as k=v&k=v. "a" becomes "a=". */
static void canonical_query(const char *query, struct irsa_buf *out)
{
	struct query_pair *pairs = NULL;
	size_t n = 0;

	for (const char *p = query; p && *p;) {
		size_t len = strcspn(p, "&");
		size_t key_len = strcspn(p, "=&");

		if (len > 0) {
			pairs = irsa_realloc(pairs, (n + 1) * sizeof(*pairs));
			pairs[n].key = reencode(p, key_len);
			pairs[n].value = key_len < len ? reencode(p + key_len + 1, len - key_len - 1)
						       : irsa_strdup("");
			n++;
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (n)
		qsort(pairs, n, sizeof(*pairs), query_pair_cmp);
	for (size_t i = 0; i < n; i++) {
		irsa_buf_printf(out, "%s%s=%s", i ? "&" : "", pairs[i].key, pairs[i].value);
		free(pairs[i].key);
		/* Values may be a session token. */
		irsa_free_secret(pairs[i].value);
	}
	free(pairs);
}

/* ---- canonical headers --------------------------------------------- */

struct canon_header {
	char *name;   /* lower-case */
	char *value;  /* trimmed, inner runs of whitespace collapsed to one space */
	size_t order; /* position in the request: repeats stay in request order */
};

static bool header_is_signed(const char *lower_name)
{
	for (size_t i = 0; i < ARRAY_SIZE(unsigned_headers); i++)
		if (strcmp(lower_name, unsigned_headers[i]) == 0)
			return false;
	return true;
}

static char *lower_dup(const char *s)
{
	char *r = irsa_strdup(s);

	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

static char *collapse_spaces(const char *v)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	bool pending = false;

	for (; *v; v++) {
		if (is_space(*v)) {
			pending = out.len > 0;
			continue;
		}
		if (pending)
			irsa_buf_putc(&out, ' ');
		pending = false;
		irsa_buf_putc(&out, *v);
	}
	return irsa_buf_detach(&out);
}

static int canon_header_cmp(const void *a, const void *b)
{
	const struct canon_header *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The signed headers of req, sorted; the host header comes from the
 * authority when the request has none (the transport adds it). */
static struct canon_header *collect_headers(const struct irsa_request *req, size_t *ret_n)
{
	struct canon_header *h = irsa_malloc0((req->n_headers + 1) * sizeof(*h));
	bool have_host = false;
	size_t n = 0;

	for (size_t i = 0; i < req->n_headers; i++) {
		char *name = lower_dup(req->headers[i].name);

		if (!header_is_signed(name)) {
			free(name);
			continue;
		}
		have_host |= strcmp(name, "host") == 0;
		h[n].name = name;
		h[n].value = collapse_spaces(req->headers[i].value ? req->headers[i].value : "");
		h[n].order = i;
		n++;
	}
	if (!have_host && !irsa_str_empty(req->authority)) {
		h[n].name = irsa_strdup("host");
		h[n].value = irsa_strdup(req->authority);
		h[n].order = req->n_headers;
		n++;
	}
	if (n)
		qsort(h, n, sizeof(*h), canon_header_cmp);
	*ret_n = n;
	return h;
}

static void free_headers(struct canon_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].name);
		irsa_free_secret(h[i].value);
	}
	free(h);
}

/* Appends "name:v1,v2\n" lines to lines (if not NULL) and "a;b;c" to
 * signed_headers. */
static void canonical_headers(const struct irsa_request *req, struct irsa_buf *lines,
			      struct irsa_buf *signed_headers)
{
	size_t n = 0;
	struct canon_header *h = collect_headers(req, &n);

	for (size_t i = 0; i < n; i++) {
		bool repeat = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
		bool last = i + 1 == n || strcmp(h[i].name, h[i + 1].name) != 0;

		if (!repeat)
			irsa_buf_printf(signed_headers, "%s%s", i ? ";" : "", h[i].name);
		if (!lines)
			continue;
		if (repeat)
			irsa_buf_putc(lines, ',');
		else
			irsa_buf_printf(lines, "%s:", h[i].name);
		irsa_buf_puts(lines, h[i].value);
		if (last)
			irsa_buf_putc(lines, '\n');
	}
	free_headers(h, n);
}

/* ---- payload ------------------------------------------------------- */

static const char *payload_hash(const struct irsa_sigv4_config *cfg,
				const struct irsa_request *req, char buf[65])
{
	if (cfg->body_hash)
		return cfg->body_hash;
	sha256_hex(req->body.data ? req->body.data : "", req->body.len, buf);
	return buf;
}

/* ---- stages -------------------------------------------------------- */

static void prepare_query(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
			  const char *amz_date)
{
	struct irsa_buf credential = IRSA_BUF_INIT, signed_headers = IRSA_BUF_INIT;
	char expires[16];

	irsa_buf_printf(&credential, "%s/", cfg->creds->access_key_id);
	credential_scope(cfg, &credential);
	canonical_headers(req, NULL, &signed_headers);
	snprintf(expires, sizeof(expires), "%u", cfg->expires);

	irsa_request_add_query(req, "X-Amz-Algorithm", ALGORITHM);
	irsa_request_add_query(req, "X-Amz-Credential", irsa_buf_str(&credential));
	irsa_request_add_query(req, "X-Amz-Date", amz_date);
	irsa_request_add_query(req, "X-Amz-Expires", expires);
	irsa_request_add_query(req, "X-Amz-SignedHeaders", irsa_buf_str(&signed_headers));
	if (session_token(cfg) && !(cfg->flags & IRSA_SIGV4_OMIT_SESSION_TOKEN))
		irsa_request_add_query(req, "X-Amz-Security-Token", session_token(cfg));
	irsa_buf_release(&credential);
	irsa_buf_release(&signed_headers);
}

int irsa_sigv4_prepare(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
		       struct irsa_error *err)
{
	char amz_date[17], hash_buf[65];

	if (check_config(cfg, err) < 0 || check_not_signed(cfg, req, err) < 0)
		return -1;
	irsa_sigv4_format_time(cfg->time, amz_date);
	if (cfg->mode == IRSA_SIGV4_QUERY) {
		prepare_query(cfg, req, amz_date);
		return 0;
	}
	irsa_request_add_header(req, "X-Amz-Date", amz_date);
	if (session_token(cfg) && !(cfg->flags & IRSA_SIGV4_OMIT_SESSION_TOKEN))
		irsa_request_set_header(req, "X-Amz-Security-Token", session_token(cfg));
	if (cfg->flags & IRSA_SIGV4_CONTENT_SHA256)
		irsa_request_set_header(req, "x-amz-content-sha256", payload_hash(cfg, req, hash_buf));
	return 0;
}

int irsa_sigv4_canonical_request(const struct irsa_sigv4_config *cfg,
				 const struct irsa_request *req, struct irsa_buf *out,
				 struct irsa_buf *signed_headers, struct irsa_error *err)
{
	struct irsa_buf names = IRSA_BUF_INIT;
	char hash_buf[65];

	if (irsa_str_empty(req->method))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot sign a request without a method");
	irsa_buf_printf(out, "%s\n", req->method);
	canonical_path(cfg, req->path, out);
	irsa_buf_putc(out, '\n');
	canonical_query(req->query, out);
	irsa_buf_putc(out, '\n');
	canonical_headers(req, out, &names);
	irsa_buf_printf(out, "\n%s\n%s", irsa_buf_str(&names), payload_hash(cfg, req, hash_buf));
	irsa_buf_puts(signed_headers, irsa_buf_str(&names));
	irsa_buf_release(&names);
	return 0;
}

void irsa_sigv4_string_to_sign(const struct irsa_sigv4_config *cfg,
			       const char *canonical_request, struct irsa_buf *out)
{
	char amz_date[17], hash[65];

	irsa_sigv4_format_time(cfg->time, amz_date);
	sha256_hex(canonical_request, strlen(canonical_request), hash);
	irsa_buf_printf(out, "%s\n%s\n", ALGORITHM, amz_date);
	credential_scope(cfg, out);
	irsa_buf_printf(out, "\n%s", hash);
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"). Every intermediate key is zeroed before returning. */
static void derive_signing_key(const struct irsa_sigv4_config *cfg, unsigned char ret_key[KEY_LEN])
{
	const char *secret = cfg->creds && cfg->creds->secret_access_key ?
			     cfg->creds->secret_access_key : "";
	size_t secret_len = 4 + strlen(secret);
	char *k_secret = irsa_malloc0(secret_len + 1);
	unsigned char k_date[KEY_LEN], k_region[KEY_LEN], k_service[KEY_LEN];
	char amz_date[17];

	irsa_sigv4_format_time(cfg->time, amz_date);
	memcpy(k_secret, "AWS4", 4);
	memcpy(k_secret + 4, secret, secret_len - 4);
	hmac_sha256(k_secret, secret_len, amz_date, 8, k_date);
	irsa_secure_zero(k_secret, secret_len);
	free(k_secret);
	hmac_sha256(k_date, KEY_LEN, cfg->region, strlen(cfg->region), k_region);
	irsa_secure_zero(k_date, sizeof(k_date));
	hmac_sha256(k_region, KEY_LEN, cfg->service, strlen(cfg->service), k_service);
	irsa_secure_zero(k_region, sizeof(k_region));
	hmac_sha256(k_service, KEY_LEN, "aws4_request", strlen("aws4_request"), ret_key);
	irsa_secure_zero(k_service, sizeof(k_service));
}

void irsa_sigv4_signature(const struct irsa_sigv4_config *cfg, const char *string_to_sign,
			  char hex_out[65])
{
	unsigned char k_signing[KEY_LEN], sig[KEY_LEN];

	derive_signing_key(cfg, k_signing);
	hmac_sha256(k_signing, KEY_LEN, string_to_sign, strlen(string_to_sign), sig);
	irsa_secure_zero(k_signing, sizeof(k_signing));
	irsa_hex_encode(sig, KEY_LEN, hex_out);
}

int irsa_sigv4_finish(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
		      const char *signed_headers, const char *signature,
		      struct irsa_error *err)
{
	const char *late_token = cfg->flags & IRSA_SIGV4_OMIT_SESSION_TOKEN ? session_token(cfg) : NULL;
	struct irsa_buf auth = IRSA_BUF_INIT;

	if (!cfg->creds || irsa_str_empty(cfg->creds->access_key_id) ||
	    irsa_str_empty(signed_headers) || !signature || strlen(signature) != 64)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "cannot finish signing: no credentials, signed headers or signature");
	if (cfg->mode == IRSA_SIGV4_QUERY) {
		if (late_token)
			irsa_request_add_query(req, "X-Amz-Security-Token", late_token);
		irsa_request_add_query(req, "X-Amz-Signature", signature);
		return 0;
	}
	irsa_buf_printf(&auth, "%s Credential=%s/", ALGORITHM, cfg->creds->access_key_id);
	credential_scope(cfg, &auth);
	irsa_buf_printf(&auth, ", SignedHeaders=%s, Signature=%s", signed_headers, signature);
	irsa_request_add_header(req, "Authorization", irsa_buf_str(&auth));
	if (late_token)
		irsa_request_set_header(req, "X-Amz-Security-Token", late_token);
	irsa_buf_release(&auth);
	return 0;
}

int irsa_sigv4_sign(const struct irsa_sigv4_config *cfg, struct irsa_request *req,
		    struct irsa_error *err)
{
	/* The canonical request and string to sign may contain the token. */
	_cleanup_secure_buf_ struct irsa_buf creq = IRSA_BUF_INIT;
	_cleanup_secure_buf_ struct irsa_buf sts = IRSA_BUF_INIT;
	_cleanup_buf_ struct irsa_buf signed_headers = IRSA_BUF_INIT;
	char signature[65];

	if (irsa_sigv4_prepare(cfg, req, err) < 0 ||
	    irsa_sigv4_canonical_request(cfg, req, &creq, &signed_headers, err) < 0)
		return -1;
	irsa_sigv4_string_to_sign(cfg, irsa_buf_str(&creq), &sts);
	irsa_sigv4_signature(cfg, irsa_buf_str(&sts), signature);
	return irsa_sigv4_finish(cfg, req, irsa_buf_str(&signed_headers), signature, err);
}
