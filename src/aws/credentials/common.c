/* What the credential providers share: the credentials object, and the
 * parsing helpers (STS XML answers, JSON credential objects, ISO 8601
 * times, token files). Kept apart from the chain (credentials.c) so that
 * the providers the chain calls never call back into it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/credentials.h"
#include "irsa/fileutil.h"
#include "irsa/strutil.h"
#include "providers.h"

struct irsa_credentials *irsa_credentials_new(const char *access_key_id,
					      const char *secret_access_key,
					      const char *session_token, time_t expiration,
					      const char *provider)
{
	struct irsa_credentials *c = irsa_malloc0(sizeof(*c));

	c->access_key_id = irsa_strdup(access_key_id);
	c->secret_access_key = irsa_strdup(secret_access_key);
	c->session_token = session_token ? irsa_strdup(session_token) : NULL;
	c->expiration = expiration;
	c->provider = provider ? irsa_strdup(provider) : NULL;
	return c;
}

struct irsa_credentials *irsa_credentials_dup(const struct irsa_credentials *c)
{
	if (!c)
		return NULL;
	return irsa_credentials_new(c->access_key_id, c->secret_access_key, c->session_token,
				    c->expiration, c->provider);
}

struct irsa_credentials *irsa_credentials_free(struct irsa_credentials *c)
{
	if (!c)
		return NULL;
	irsa_free_secret(c->access_key_id);
	irsa_free_secret(c->secret_access_key);
	irsa_free_secret(c->session_token);
	free(c->provider);
	irsa_secure_zero(c, sizeof(*c));
	free(c);
	return NULL;
}

bool irsa_env_true(const char *v)
{
	if (!v)
		return false;
	while (isspace((unsigned char)*v))
		v++;
	return strncasecmp(v, "true", 4) == 0 && (v[4] == '\0' || isspace((unsigned char)v[4]));
}

int irsa_cred_read_token_file(const char *path, const char *what, struct irsa_buf *token,
			      struct irsa_error *err)
{
	_cleanup_free_ char *expanded = irsa_path_expand_home(path);

	if (irsa_file_read(expanded, IRSA_TOKEN_FILE_MAX, what, token, err) < 0) {
		if (err)
			err->kind = IRSA_ERR_AUTH;
		return -1;
	}
	/* a trailing newline is not part of the token */
	while (token->len && strchr(" \t\r\n", token->data[token->len - 1]))
		token->data[--token->len] = '\0';
	return 0;
}

char *irsa_cred_session_name(const struct irsa_cred_context *ctx)
{
	return irsa_asprintf("irsactl-%lld", (long long)irsa_cred_now(ctx));
}

static int digits(const char **s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -1;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*ret = v;
	return 0;
}

static int expect(const char **s, char c)
{
	if (**s != c)
		return -1;
	(*s)++;
	return 0;
}

int irsa_parse_iso8601(const char *s, time_t *ret)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (!s)
		return -1;
	if (digits(&s, 4, &y) < 0 || expect(&s, '-') < 0 || digits(&s, 2, &mo) < 0 ||
	    expect(&s, '-') < 0 || digits(&s, 2, &d) < 0)
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (digits(&s, 2, &h) < 0 || expect(&s, ':') < 0 || digits(&s, 2, &mi) < 0 ||
	    expect(&s, ':') < 0 || digits(&s, 2, &sec) < 0)
		return -1;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		s++;
		if (digits(&s, 2, &oh) < 0)
			return -1;
		if (*s == ':')
			s++;
		if (digits(&s, 2, &om) < 0)
			return -1;
	} else {
		return -1;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    oh > 23 || om > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*ret = t - sign * (oh * 3600 + om * 60);
	return 0;
}

int irsa_cred_sts_parse(xmlDoc *doc, const char *what, const char *provider,
			struct irsa_credentials **ret, struct irsa_error *err)
{
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *node = root ? irsa_xml_find(root, "Credentials") : NULL;
	_cleanup_free_ char *expiration = NULL;
	char *key_id = NULL, *secret = NULL, *token = NULL;
	time_t expires = 0;
	int r = -1;

	if (!node) {
		irsa_error_set(err, IRSA_ERR_REMOTE, "%s: the STS answer has no Credentials", what);
		goto out;
	}
	key_id = irsa_xml_find_text(node, "AccessKeyId");
	secret = irsa_xml_find_text(node, "SecretAccessKey");
	token = irsa_xml_find_text(node, "SessionToken");
	expiration = irsa_xml_find_text(node, "Expiration");
	if (irsa_str_empty(key_id) || irsa_str_empty(secret) || irsa_str_empty(token)) {
		irsa_error_set(err, IRSA_ERR_REMOTE,
			       "%s: the STS answer lacks AccessKeyId, SecretAccessKey or SessionToken",
			       what);
		goto out;
	}
	if (expiration && irsa_parse_iso8601(expiration, &expires) < 0) {
		irsa_error_set(err, IRSA_ERR_REMOTE, "%s: the STS answer has an invalid Expiration '%.40s'",
			       what, expiration);
		goto out;
	}
	*ret = irsa_credentials_new(key_id, secret, token, expires, provider);
	r = 0;
out:
	irsa_free_secret(key_id);
	irsa_free_secret(secret);
	irsa_free_secret(token);
	return r;
}

static const char *json_member_string(const json_t *obj, const char *key, bool *bad)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

int irsa_cred_from_json(const json_t *obj, const char *token_key, const char *who,
			const char *provider, struct irsa_credentials **ret,
			struct irsa_error *err)
{
	const char *key_id, *secret, *token, *expiration;
	time_t expires = 0;
	bool bad = false;

	if (!json_is_object(obj))
		return irsa_error_set(err, IRSA_ERR_AUTH, "%s returned JSON that is not an object", who);
	key_id = json_member_string(obj, "AccessKeyId", &bad);
	secret = json_member_string(obj, "SecretAccessKey", &bad);
	token = json_member_string(obj, token_key, &bad);
	expiration = json_member_string(obj, "Expiration", &bad);
	if (bad)
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "%s returned a non-string AccessKeyId, SecretAccessKey, %s or "
				      "Expiration", who, token_key);
	if (irsa_str_empty(key_id))
		return irsa_error_set(err, IRSA_ERR_AUTH, "%s returned no 'AccessKeyId'", who);
	if (irsa_str_empty(secret))
		return irsa_error_set(err, IRSA_ERR_AUTH, "%s returned no 'SecretAccessKey'", who);
	/* the value is not quoted: it comes from the same answer as the secret */
	if (expiration && irsa_parse_iso8601(expiration, &expires) < 0)
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "%s returned an invalid 'Expiration' (want ISO 8601 such as "
				      "'2030-01-02T03:04:05Z')", who);
	*ret = irsa_credentials_new(key_id, secret, irsa_str_empty(token) ? NULL : token,
				    expires, provider);
	return 0;
}
