/* The OIDC provider of a cluster: issuer URLs, ARNs, tags, and the
 * associate / disassociate plans. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/eks.h"
#include "irsa/iam_rules.h"
#include "irsa/log.h"
#include "irsa/names.h"
#include "irsa/oidc.h"
#include "irsa/strutil.h"
#include "irsa/account.h"
#include "irsa/thumbprint.h"

#define ISSUER_MAX_LEN 255 /* IAM's limit on an OIDC provider URL */
#define TAGS_MAX 50
#define THUMBPRINTS_MAX 5

/* ---- issuer URLs ---- */

static bool host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

static int check_authority(const char *url, const char *auth, size_t len, struct irsa_error *err)
{
	size_t host_len = len;
	const char *colon;

	if (len == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' has no host; use https://HOST/PATH", url);
	if (memchr(auth, '@', len))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' must not contain user information ('@')", url);
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', len);

		if (!close)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "issuer URL '%s' has an unterminated IPv6 address", url);
		host_len = (size_t)(close - auth) + 1;
	} else {
		colon = memchr(auth, ':', len);
		if (colon)
			host_len = (size_t)(colon - auth);
		for (size_t i = 0; i < host_len; i++)
			if (!host_char_ok(auth[i]))
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "issuer URL '%s' has an invalid host name", url);
		if (host_len == 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "issuer URL '%s' has no host; use https://HOST/PATH",
					      url);
	}
	if (host_len < len) {
		const char *port = auth + host_len;
		size_t plen = len - host_len;
		long v = 0;

		if (port[0] != ':' || plen < 2 || plen > 6)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "issuer URL '%s' has an invalid port", url);
		for (size_t i = 1; i < plen; i++) {
			if (!isdigit((unsigned char)port[i]))
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "issuer URL '%s' has an invalid port", url);
			v = v * 10 + (port[i] - '0');
		}
		if (v < 1 || v > 65535)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "issuer URL '%s' has an invalid port", url);
		/* IAM names a provider by its URL without "https://" inside
		 * an ARN, where ':' separates fields: it takes no port. */
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' has a port, and IAM does not accept an OIDC "
				      "provider URL with one; serve the issuer on port 443 and use "
				      "that URL (the same as the tokens' 'iss')", url);
	}
	return 0;
}

static int check_path(const char *url, const char *path, struct irsa_error *err)
{
	for (const char *p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "issuer URL '%s' has a non-ASCII character; IAM names the "
					      "provider by its URL in ASCII: give the path percent-encoded "
					      "exactly as the issuer writes it in its tokens ('iss')", url);
		if (c <= 0x20 || c == 0x7f || strchr("\"<>\\^`{|}", c))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "issuer URL '%s' contains a character not allowed in "
					      "a URL path", url);
	}
	return 0;
}

int irsa_oidc_issuer_normalize(const char *url, char **ret, struct irsa_error *err)
{
	const char *auth, *slash;
	size_t auth_len, path_len;
	struct irsa_buf out = IRSA_BUF_INIT;

	if (irsa_str_empty(url))
		return irsa_error_set(err, IRSA_ERR_USAGE, "the issuer URL is empty");
	if (strncasecmp(url, "http://", 7) == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' must use https://, not http:// (IAM accepts "
				      "only https issuers)", url);
	if (strncasecmp(url, "https://", 8) != 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' must start with https://, e.g. "
				      "'https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE'", url);
	if (strpbrk(url, "?#"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' must not have a query ('?') or fragment ('#')",
				      url);
	auth = url + 8;
	slash = strchr(auth, '/');
	auth_len = slash ? (size_t)(slash - auth) : strlen(auth);
	if (check_authority(url, auth, auth_len, err) < 0 ||
	    check_path(url, auth + auth_len, err) < 0)
		return -1;
	path_len = strlen(auth + auth_len);
	while (path_len > 0 && auth[auth_len + path_len - 1] == '/')
		path_len--;
	irsa_buf_puts(&out, "https://");
	for (size_t i = 0; i < auth_len; i++)
		irsa_buf_putc(&out, (char)tolower((unsigned char)auth[i]));
	irsa_buf_append(&out, auth + auth_len, path_len);
	if (out.len > ISSUER_MAX_LEN) {
		irsa_buf_release(&out);
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' is longer than IAM's limit of %d characters",
				      url, ISSUER_MAX_LEN);
	}
	*ret = irsa_buf_detach(&out);
	return 0;
}

const char *irsa_oidc_issuer_key(const char *issuer)
{
	if (strncasecmp(issuer, "https://", 8) == 0)
		return issuer + 8;
	return issuer;
}

char *irsa_oidc_issuer_label(const char *issuer)
{
	const char *key = irsa_oidc_issuer_key(issuer);
	const char *slash = strrchr(key, '/');
	char *label = slash ? irsa_strdup(slash + 1) : irsa_strndup(key, strcspn(key, ".:"));

	if (strlen(label) > 12)
		label[12] = '\0';
	return label;
}

char *irsa_oidc_provider_arn(const char *partition, const char *account, const char *issuer)
{
	return irsa_asprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account,
			     irsa_oidc_issuer_key(issuer));
}

bool irsa_oidc_arn_is_for(const char *arn, const char *issuer)
{
	const char *p;

	if (!arn || !irsa_str_has_prefix(arn, "arn:") || !strstr(arn, ":iam::"))
		return false;
	p = strstr(arn, ":oidc-provider/");
	if (!p)
		return false;
	return strcmp(p + strlen(":oidc-provider/"), irsa_oidc_issuer_key(issuer)) == 0;
}

static bool principal_names(const json_t *federated, const char *arn)
{
	size_t i;
	json_t *v;

	if (json_is_string(federated))
		return strcmp(json_string_value(federated), arn) == 0;
	json_array_foreach(federated, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), arn) == 0)
			return true;
	return false;
}

static bool statement_references(const json_t *st, const char *arn)
{
	const json_t *principal = json_object_get(st, "Principal");

	return json_is_object(principal) &&
	       principal_names(json_object_get(principal, "Federated"), arn);
}

bool irsa_oidc_trust_references(const char *trust_policy, const char *provider_arn)
{
	json_t *doc, *st, *v;
	bool found = false;
	size_t i;

	if (!trust_policy || !provider_arn)
		return false;
	doc = json_loads(trust_policy, 0, NULL);
	if (!doc)
		return false;
	st = json_object_get(doc, "Statement");
	if (json_is_object(st))
		found = statement_references(st, provider_arn);
	json_array_foreach(st, i, v)
		if (statement_references(v, provider_arn))
			found = true;
	json_decref(doc);
	return found;
}

/* ---- tags and thumbprints ---- */

int irsa_tag_arg_parse(const char *arg, struct irsa_tags *tags, struct irsa_error *err)
{
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *key = NULL;
	const struct irsa_kv *same;

	if (!eq || eq == arg)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "tag '%s' is not KEY=VALUE (e.g. --tag team=payments)", arg);
	key = irsa_strndup(arg, (size_t)(eq - arg));
	if (irsa_validate_tag(key, eq + 1, err) < 0)
		return -1;
	same = irsa_tags_find(tags, key);
	if (same && strcmp(same->key, key) == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "tag key '%s' is given twice", key);
	if (same)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "tag keys '%s' and '%s' differ only in case, and IAM treats "
				      "them as one key; give one of them", same->key, key);
	if (tags->n >= TAGS_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE, "more than %d tags; IAM allows %d",
				      TAGS_MAX, TAGS_MAX);
	irsa_tags_add(tags, key, eq + 1);
	return 0;
}

static bool strlist_contains_ci(const struct irsa_strlist *l, const char *s)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcasecmp(l->items[i], s) == 0)
			return true;
	return false;
}

static bool same_set_ci(const struct irsa_strlist *a, const struct irsa_strlist *b)
{
	for (size_t i = 0; a && i < a->n; i++)
		if (!strlist_contains_ci(b, a->items[i]))
			return false;
	for (size_t i = 0; b && i < b->n; i++)
		if (!strlist_contains_ci(a, b->items[i]))
			return false;
	return true;
}

int irsa_oidc_thumbprints_parse(const char *const *args, size_t n, struct irsa_strlist *ret,
				struct irsa_error *err)
{
	struct irsa_strlist l = { 0 };

	for (size_t i = 0; i < n; i++) {
		char hex[IRSA_THUMBPRINT_LEN + 1];

		if (irsa_thumbprint_normalize(args[i], hex, err) < 0) {
			irsa_strlist_release(&l);
			return -1;
		}
		if (!irsa_strlist_contains(&l, hex))
			irsa_strlist_add(&l, hex);
	}
	if (l.n > THUMBPRINTS_MAX) {
		irsa_strlist_release(&l);
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%zu thumbprints given; IAM allows at most %d per provider", n,
				      THUMBPRINTS_MAX);
	}
	*ret = l;
	return 0;
}

/* ---- plans ---- */

const char *irsa_oidc_verb_name(enum irsa_oidc_verb v)
{
	switch (v) {
	case IRSA_OIDC_CREATE_PROVIDER:
		return "create-oidc-provider";
	case IRSA_OIDC_ADD_CLIENT_ID:
		return "add-client-id";
	case IRSA_OIDC_UPDATE_THUMBPRINTS:
		return "update-thumbprints";
	case IRSA_OIDC_TAG_PROVIDER:
		return "tag-oidc-provider";
	case IRSA_OIDC_DELETE_PROVIDER:
		return "delete-oidc-provider";
	}
	return "unknown";
}

void irsa_oidc_plan_release(struct irsa_oidc_plan *plan)
{
	if (!plan)
		return;
	irsa_plan_release(&plan->plan);
	free(plan->issuer);
	free(plan->arn);
	irsa_strlist_release(&plan->client_ids);
	irsa_strlist_release(&plan->thumbprints);
	irsa_tags_release(&plan->tags);
	irsa_strlist_release(&plan->trusted_by);
	memset(plan, 0, sizeof(*plan));
}

static json_t *strlist_json(const struct irsa_strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; l && i < l->n; i++)
		json_array_append_new(a, json_string(l->items[i]));
	return a;
}

static json_t *tags_json(const struct irsa_tags *t)
{
	json_t *o = json_object();

	for (size_t i = 0; i < t->n; i++)
		json_object_set_new(o, t->items[i].key, json_string(t->items[i].value));
	return o;
}

static struct irsa_plan_action *add_action(struct irsa_oidc_plan *plan, enum irsa_oidc_verb verb,
					   const char *target, const char *details)
{
	return irsa_plan_add(&plan->plan, (int)verb, irsa_oidc_verb_name(verb), NULL, target,
			     details, NULL);
}

static void plan_start(struct irsa_oidc_plan *plan, const char *issuer, const char *arn)
{
	memset(plan, 0, sizeof(*plan));
	irsa_plan_init(&plan->plan);
	plan->issuer = irsa_strdup(issuer);
	plan->arn = arn ? irsa_strdup(arn) : NULL;
}

static int run_action(struct irsa_plan *p, struct irsa_plan_action *a, struct irsa_error *err);

static void report(struct irsa_oidc_plan *plan)
{
	json_object_clear(plan->plan.subject);
	json_object_clear(plan->plan.result);
	json_object_set_new(plan->plan.subject, "provider_arn",
			    plan->arn ? json_string(plan->arn) : json_null());
	json_object_set_new(plan->plan.subject, "issuer", json_string(plan->issuer));
	json_object_set_new(plan->plan.result, "thumbprints", strlist_json(&plan->thumbprints));
	json_object_set_new(plan->plan.result, "client_ids", strlist_json(&plan->client_ids));
	json_object_set_new(plan->plan.result, "trusted_by", strlist_json(&plan->trusted_by));
	free(plan->plan.label);
	plan->plan.label = irsa_strdup(plan->arn ? plan->arn : plan->issuer);
}

/* Place the plan built in `built` at ret, where it stays. */
static void plan_finish(struct irsa_oidc_plan *built, struct irsa_aws *aws,
			struct irsa_oidc_plan *ret)
{
	*ret = *built;
	ret->aws = aws;
	ret->plan.run = run_action;
	ret->plan.data = ret;
	report(ret);
}

static void copy_strlist(struct irsa_strlist *dst, const struct irsa_strlist *src)
{
	for (size_t i = 0; src && i < src->n; i++)
		irsa_strlist_add(dst, src->items[i]);
}

/* IAM keeps one tag per key ignoring case: look keys up the same way. */
static const char *tag_value(const struct irsa_tags *t, const char *key)
{
	const struct irsa_kv *kv = irsa_tags_find(t, key);

	return kv ? kv->value : NULL;
}

static void plan_creation(const struct irsa_oidc_request *req, const char *client_id,
			  const char *fetched, struct irsa_oidc_plan *plan)
{
	struct irsa_plan_action *a;

	irsa_strlist_add(&plan->client_ids, client_id);
	if (req->thumbprint_mode == IRSA_THUMBPRINT_EXPLICIT)
		copy_strlist(&plan->thumbprints, req->thumbprints);
	else if (req->thumbprint_mode == IRSA_THUMBPRINT_FETCH && fetched)
		irsa_strlist_add(&plan->thumbprints, fetched);
	for (size_t i = 0; req->tags && i < req->tags->n; i++)
		irsa_tags_add(&plan->tags, req->tags->items[i].key, req->tags->items[i].value);
	/* a provider irsactl creates says so */
	if (!irsa_tags_find(&plan->tags, IRSA_OWNER_TAG_KEY) && plan->tags.n < IRSA_IAM_TAGS_MAX)
		irsa_tags_add(&plan->tags, IRSA_OWNER_TAG_KEY, IRSA_OWNER_TAG_VALUE);
	a = add_action(plan, IRSA_OIDC_CREATE_PROVIDER, plan->issuer, NULL);
	a->document = json_pack("{s:s, s:o, s:o, s:o}", "url", plan->issuer, "client_ids",
				strlist_json(&plan->client_ids), "thumbprints",
				strlist_json(&plan->thumbprints), "tags", tags_json(&plan->tags));
	plan->plan.status = IRSA_PLAN_CREATE;
}

static void plan_thumbprints(const struct irsa_oidc_request *req,
			     const struct irsa_oidc_provider *existing, const char *fetched,
			     struct irsa_oidc_plan *plan)
{
	if (req->thumbprint_mode == IRSA_THUMBPRINT_EXPLICIT &&
	    !same_set_ci(&existing->thumbprints, req->thumbprints)) {
		struct irsa_plan_action *a;

		irsa_strlist_release(&plan->thumbprints);
		copy_strlist(&plan->thumbprints, req->thumbprints);
		a = add_action(plan, IRSA_OIDC_UPDATE_THUMBPRINTS, plan->arn, NULL);
		irsa_plan_action_change(a, "thumbprints", strlist_json(&existing->thumbprints),
					strlist_json(&plan->thumbprints));
	} else if (req->thumbprint_mode == IRSA_THUMBPRINT_FETCH && fetched &&
		   !strlist_contains_ci(&existing->thumbprints, fetched)) {
		irsa_plan_warn(&plan->plan,
			       "the provider's thumbprints do not include the issuer's current one "
			       "'%s'; left as they are (pass --thumbprint %s to replace them)",
			       fetched, fetched);
	}
}

static void plan_tags(const struct irsa_oidc_request *req,
		      const struct irsa_oidc_provider *existing, struct irsa_oidc_plan *plan)
{
	struct irsa_plan_action *a;

	for (size_t i = 0; req->tags && i < req->tags->n; i++) {
		const char *have = tag_value(&existing->tags, req->tags->items[i].key);

		if (!have || strcmp(have, req->tags->items[i].value) != 0)
			irsa_tags_add(&plan->tags, req->tags->items[i].key,
				      req->tags->items[i].value);
	}
	if (!plan->tags.n)
		return;
	a = add_action(plan, IRSA_OIDC_TAG_PROVIDER, plan->arn, NULL);
	for (size_t i = 0; i < plan->tags.n; i++) {
		const char *have = tag_value(&existing->tags, plan->tags.items[i].key);
		_cleanup_free_ char *field = irsa_asprintf("tag:%s", plan->tags.items[i].key);

		irsa_plan_action_change(a, field, have ? json_string(have) : json_null(),
					json_string(plan->tags.items[i].value));
	}
}

int irsa_oidc_plan_associate_compute(const struct irsa_oidc_request *req,
				     const char *partition_client_id, const char *arn,
				     const struct irsa_oidc_provider *existing,
				     const char *fetched, struct irsa_oidc_plan *ret,
				     struct irsa_error *err)
{
	struct irsa_oidc_plan plan;
	const char *client_id = req->client_id ? req->client_id : partition_client_id;

	if (irsa_str_empty(req->issuer) || irsa_str_empty(arn) || irsa_str_empty(client_id))
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "OIDC plan: issuer, provider ARN and client id are required");
	plan_start(&plan, req->issuer, arn);
	plan.exists = existing != NULL;
	if (!existing) {
		plan_creation(req, client_id, fetched, &plan);
		plan_finish(&plan, NULL, ret);
		return 0;
	}
	if (irsa_iam_check_tag_total(&existing->tags, req->tags, "the OIDC provider", err) < 0) {
		irsa_oidc_plan_release(&plan);
		return -1;
	}
	copy_strlist(&plan.client_ids, &existing->client_ids);
	copy_strlist(&plan.thumbprints, &existing->thumbprints);
	if (!irsa_strlist_contains(&existing->client_ids, client_id)) {
		_cleanup_free_ char *details = irsa_asprintf("client id '%s'", client_id);
		struct irsa_plan_action *a = add_action(&plan, IRSA_OIDC_ADD_CLIENT_ID, plan.arn,
							details);

		irsa_strlist_add(&plan.client_ids, client_id);
		irsa_plan_action_change(a, "client_ids", strlist_json(&existing->client_ids),
					strlist_json(&plan.client_ids));
	}
	plan_thumbprints(req, existing, fetched, &plan);
	plan_tags(req, existing, &plan);
	plan.plan.status = plan.plan.n_actions ? IRSA_PLAN_UPDATE : IRSA_PLAN_UNCHANGED;
	plan_finish(&plan, NULL, ret);
	return 0;
}

static void join_quoted(struct irsa_buf *b, const struct irsa_strlist *l, size_t max)
{
	for (size_t i = 0; i < l->n && i < max; i++)
		irsa_buf_printf(b, "%s'%s'", i ? ", " : "", l->items[i]);
	if (l->n > max)
		irsa_buf_printf(b, " and %zu more", l->n - max);
}

int irsa_oidc_plan_disassociate_compute(const char *issuer, const char *arn,
					const struct irsa_oidc_provider *existing,
					const struct irsa_strlist *trusted_by, bool force,
					struct irsa_oidc_plan *ret, struct irsa_error *err)
{
	struct irsa_oidc_plan plan;
	struct irsa_buf roles = IRSA_BUF_INIT;

	if (existing && trusted_by && trusted_by->n && !force) {
		join_quoted(&roles, trusted_by, 5);
		irsa_error_set(err, IRSA_ERR_CONFLICT,
			       "refusing to delete OIDC provider '%s': role%s %s still trust%s it; "
			       "remove the cluster from %s trust policies first, or pass --force",
			       arn, trusted_by->n > 1 ? "s" : "", irsa_buf_str(&roles),
			       trusted_by->n > 1 ? "" : "s", trusted_by->n > 1 ? "their" : "its");
		irsa_buf_release(&roles);
		return -1;
	}
	plan_start(&plan, issuer, arn);
	plan.exists = existing != NULL;
	copy_strlist(&plan.trusted_by, trusted_by);
	if (!existing) {
		plan.plan.status = IRSA_PLAN_ABSENT;
		plan_finish(&plan, NULL, ret);
		return 0;
	}
	copy_strlist(&plan.client_ids, &existing->client_ids);
	copy_strlist(&plan.thumbprints, &existing->thumbprints);
	if (plan.trusted_by.n) {
		join_quoted(&roles, &plan.trusted_by, 5);
		irsa_plan_warn(&plan.plan,
			       "deleting the provider although %s still trust%s it (--force): pods "
			       "using %s can no longer get AWS credentials",
			       irsa_buf_str(&roles), plan.trusted_by.n > 1 ? "" : "s",
			       plan.trusted_by.n > 1 ? "those roles" : "that role");
	}
	add_action(&plan, IRSA_OIDC_DELETE_PROVIDER, arn,
		   plan.trusted_by.n ? irsa_buf_str(&roles) : NULL);
	irsa_buf_release(&roles);
	plan.plan.status = IRSA_PLAN_DELETE;
	plan_finish(&plan, NULL, ret);
	return 0;
}

/* ---- reading the state ---- */

/* The provider of issuer: *ret_arn NULL when there is none. */
static int find_provider(struct irsa_account *acct, const char *issuer, char **ret_arn,
			 struct irsa_oidc_provider *ret, struct irsa_error *err)
{
	struct irsa_aws *aws = acct->aws;
	const struct irsa_strlist *arns;
	const char *found = NULL;
	int r;

	*ret_arn = NULL;
	if (irsa_account_provider_arns(acct, &arns, err) < 0)
		return -1;
	for (size_t i = 0; i < arns->n && !found; i++)
		if (irsa_oidc_arn_is_for(arns->items[i], issuer))
			found = arns->items[i];
	/* every provider listed is in the caller's account */
	if (arns->n)
		irsa_account_learn(acct, arns->items[0]);
	if (!found)
		return 0;
	r = irsa_iam_get_oidc_provider(aws, found, ret, err);
	if (r == 0)
		*ret_arn = irsa_strdup(found);
	else if (err && err->kind == IRSA_ERR_NOT_FOUND) {
		irsa_error_clear(err); /* deleted since the listing: there is none */
		r = 0;
	}
	return r;
}

static int predict_arn(struct irsa_account *acct, const char *issuer, char **ret,
		       struct irsa_error *err)
{
	const char *account;

	if (irsa_account_get(acct, &account, err) < 0)
		return -1;
	*ret = irsa_oidc_provider_arn(irsa_aws_partition(acct->aws)->id, account, issuer);
	return 0;
}

/* FETCH mode: the issuer's thumbprint; fatal only when must_have. */
static int fetch_thumbprint(struct irsa_aws *aws, const char *issuer, bool must_have,
			    char hex[IRSA_THUMBPRINT_LEN + 1], bool *ret_ok,
			    struct irsa_strlist *warnings, struct irsa_error *err)
{
	struct irsa_error ferr = { 0 };
	char *w;

	*ret_ok = false;
	if (irsa_thumbprint_fetch(issuer, irsa_aws_http_options(aws), hex, &ferr) == 0) {
		*ret_ok = true;
		return 0;
	}
	if (must_have) {
		if (err)
			*err = ferr;
		return -1;
	}
	w = irsa_asprintf("cannot check the provider's thumbprints: %s", ferr.message);
	irsa_strlist_add(warnings, w);
	free(w);
	return 0;
}

int irsa_oidc_plan_associate(struct irsa_account *acct, const struct irsa_oidc_request *req,
			     struct irsa_oidc_plan *ret, struct irsa_error *err)
{
	struct irsa_aws *aws = acct->aws;
	struct irsa_oidc_provider existing = { 0 };
	struct irsa_strlist warnings = { 0 };
	_cleanup_free_ char *arn = NULL;
	char hex[IRSA_THUMBPRINT_LEN + 1];
	bool fetched = false;
	int r = -1;

	if (find_provider(acct, req->issuer, &arn, &existing, err) < 0)
		return -1;
	if (!arn && predict_arn(acct, req->issuer, &arn, err) < 0)
		goto out;
	if (req->thumbprint_mode == IRSA_THUMBPRINT_FETCH &&
	    fetch_thumbprint(aws, req->issuer, !existing.arn, hex, &fetched, &warnings, err) < 0)
		goto out;
	r = irsa_oidc_plan_associate_compute(req, irsa_aws_partition(aws)->sts_audience, arn,
					     existing.arn ? &existing : NULL,
					     fetched ? hex : NULL, ret, err);
	if (r == 0) {
		ret->aws = aws;
		for (size_t i = 0; i < warnings.n; i++)
			irsa_plan_warn(&ret->plan, "%s", warnings.items[i]);
	}
out:
	irsa_strlist_release(&warnings);
	irsa_oidc_provider_release(&existing);
	return r;
}

static int roles_trusting(struct irsa_aws *aws, const char *arn, struct irsa_strlist *ret,
			  struct irsa_error *err)
{
	struct irsa_role *roles = NULL;
	size_t n = 0;

	if (irsa_iam_list_roles(aws, NULL, &roles, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (irsa_oidc_trust_references(roles[i].trust_policy, arn))
			irsa_strlist_add(ret, roles[i].name ? roles[i].name : roles[i].arn);
	irsa_roles_free(roles, n);
	return 0;
}

int irsa_oidc_plan_disassociate(struct irsa_account *acct, const char *issuer, bool force,
				struct irsa_oidc_plan *ret, struct irsa_error *err)
{
	struct irsa_aws *aws = acct->aws;
	struct irsa_oidc_provider existing = { 0 };
	struct irsa_strlist trusted_by = { 0 };
	_cleanup_free_ char *arn = NULL;
	int r = -1;

	if (find_provider(acct, issuer, &arn, &existing, err) < 0)
		return -1;
	if (!arn) {
		if (predict_arn(acct, issuer, &arn, err) < 0)
			return -1;
	} else if (roles_trusting(aws, arn, &trusted_by, err) < 0) {
		goto out;
	}
	r = irsa_oidc_plan_disassociate_compute(issuer, arn, existing.arn ? &existing : NULL,
						&trusted_by, force, ret, err);
	if (r == 0)
		ret->aws = aws;
out:
	irsa_strlist_release(&trusted_by);
	irsa_oidc_provider_release(&existing);
	return r;
}

/* ---- execution ---- */

static int run_action(struct irsa_plan *p, struct irsa_plan_action *a, struct irsa_error *err)
{
	struct irsa_oidc_plan *plan = p->data;
	struct irsa_aws *aws = plan->aws;
	char *arn = NULL;

	switch ((enum irsa_oidc_verb)a->op) {
	case IRSA_OIDC_CREATE_PROVIDER:
		if (irsa_iam_create_oidc_provider(aws, plan->issuer, &plan->client_ids,
						  &plan->thumbprints, &plan->tags, &arn, err) < 0)
			return -1;
		free(plan->arn);
		plan->arn = arn;
		report(plan);
		return 0;
	case IRSA_OIDC_ADD_CLIENT_ID:
		return irsa_iam_add_client_id(aws, plan->arn,
					      plan->client_ids.items[plan->client_ids.n - 1], err);
	case IRSA_OIDC_UPDATE_THUMBPRINTS:
		return irsa_iam_update_thumbprints(aws, plan->arn, &plan->thumbprints, err);
	case IRSA_OIDC_TAG_PROVIDER:
		return irsa_iam_tag_oidc_provider(aws, plan->arn, &plan->tags, err);
	case IRSA_OIDC_DELETE_PROVIDER:
		return irsa_iam_delete_oidc_provider(aws, plan->arn, err);
	}
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "unknown OIDC plan action %d", a->op);
}

int irsa_oidc_issuer_of_cluster(const struct irsa_eks_cluster *c, const char *cluster,
				bool need_active, char **ret_issuer, struct irsa_error *err)
{
	if (need_active && (!c->status || strcmp(c->status, "ACTIVE") != 0))
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "EKS cluster '%s' is %s, not ACTIVE; wait until it is ACTIVE "
				      "(aws eks wait cluster-active --name %s) and run this again",
				      cluster, c->status ? c->status : "UNKNOWN", cluster);
	if (!c->oidc_issuer)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "EKS cluster '%s' has no OIDC issuer (identity.oidc.issuer is "
				      "empty); IRSA needs a cluster with an OIDC issuer", cluster);
	if (irsa_oidc_issuer_normalize(c->oidc_issuer, ret_issuer, err) < 0)
		return irsa_error_prefix(err, "EKS cluster '%s'", cluster);
	return 0;
}

int irsa_oidc_cluster_issuer(struct irsa_aws *aws, const char *cluster, bool need_active,
			     char **ret_issuer, struct irsa_error *err)
{
	struct irsa_eks_cluster c = { 0 };
	int r;

	if (irsa_eks_describe_cluster(aws, cluster, &c, err) < 0)
		return -1;
	r = irsa_oidc_issuer_of_cluster(&c, cluster, need_active, ret_issuer, err);
	irsa_eks_cluster_release(&c);
	return r;
}
