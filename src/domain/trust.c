/* IRSA trust policies: render, merge, remove, compare (see trust.h for
 * how irsactl recognises the statements it owns). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/iam_rules.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

#define ACTION_WEB_IDENTITY "sts:AssumeRoleWithWebIdentity"
#define ACTION_ASSUME_ROLE "sts:AssumeRole"
#define ACTION_TAG_SESSION "sts:TagSession"
#define EXTERNAL_ID_KEY "sts:ExternalId"

/* An OIDC statement, decoded. */
struct oidc_stmt {
	char *provider_arn;
	char *issuer;
	char *audience;     /* the single StringEquals aud, NULL if not exactly one */
	char **subs;
	size_t n_subs;
	struct irsa_strlist auds; /* every aud value of the conditions */
	bool subs_like;     /* the subs are StringLike patterns */
	bool plain;         /* only ISSUER:sub and ISSUER:aud conditions */
};

static void oidc_stmt_release(struct oidc_stmt *s)
{
	free(s->provider_arn);
	free(s->issuer);
	free(s->audience);
	for (size_t i = 0; i < s->n_subs; i++)
		free(s->subs[i]);
	free(s->subs);
	irsa_strlist_release(&s->auds);
	memset(s, 0, sizeof(*s));
}

static bool has_sub(const struct oidc_stmt *s, const char *sub)
{
	for (size_t i = 0; i < s->n_subs; i++)
		if (strcmp(s->subs[i], sub) == 0)
			return true;
	return false;
}

static void add_sub(struct oidc_stmt *s, const char *sub)
{
	if (has_sub(s, sub))
		return;
	s->subs = irsa_realloc(s->subs, (s->n_subs + 1) * sizeof(char *));
	s->subs[s->n_subs++] = irsa_strdup(sub);
}

/* Same form as irsa_oidc_provider_arn() (oidc.h), from the issuer key. */
static char *provider_arn(const char *partition, const char *account, const char *issuer)
{
	return irsa_asprintf("arn:%s:iam::%s:oidc-provider/%s", partition, account, issuer);
}

static char *oidc_sid(const char *provider_arn, const char *audience)
{
	_cleanup_free_ char *key = irsa_asprintf("%s\n%s", provider_arn, audience);

	return irsa_asprintf(IRSA_SID_OIDC "%08x", irsa_name_hash(key));
}

/* jansson constructors return NULL on text that is not UTF-8 (and on
 * out-of-memory); json_pack() fails on a NULL "o" value, so a NULL
 * anywhere below comes out as a NULL statement, never as a statement
 * that silently lost a condition. */
static json_t *string_or_list(char *const *items, size_t n)
{
	json_t *a;

	if (n == 1)
		return json_string(items[0]);
	a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(items[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *render_oidc(const struct oidc_stmt *s)
{
	_cleanup_free_ char *sid = oidc_sid(s->provider_arn, s->audience);
	_cleanup_free_ char *aud_key = irsa_asprintf("%s:aud", s->issuer);
	_cleanup_free_ char *sub_key = irsa_asprintf("%s:sub", s->issuer);
	json_t *cond;
	bool like = false;

	for (size_t i = 0; i < s->n_subs; i++)
		if (irsa_name_has_wildcard(s->subs[i]))
			like = true;
	if (like)
		cond = json_pack("{s:{s:s}, s:{s:o}}", "StringEquals", aud_key, s->audience,
				 "StringLike", sub_key, string_or_list(s->subs, s->n_subs));
	else
		cond = json_pack("{s:{s:s, s:o}}", "StringEquals", aud_key, s->audience, sub_key,
				 string_or_list(s->subs, s->n_subs));
	return json_pack("{s:s, s:s, s:{s:s}, s:s, s:o}", "Sid", sid, "Effect", "Allow",
			 "Principal", "Federated", s->provider_arn, "Action",
			 ACTION_WEB_IDENTITY, "Condition", cond);
}

static json_t *render_assume(const char *arn, const char *external_id)
{
	_cleanup_free_ char *sid = irsa_asprintf(IRSA_SID_ASSUME "%08x", irsa_name_hash(arn));

	if (external_id)
		return json_pack("{s:s, s:s, s:{s:s}, s:s, s:{s:{s:s}}}", "Sid", sid, "Effect",
				 "Allow", "Principal", "AWS", arn, "Action", ACTION_ASSUME_ROLE,
				 "Condition", "StringEquals", EXTERNAL_ID_KEY, external_id);
	return json_pack("{s:s, s:s, s:{s:s}, s:s}", "Sid", sid, "Effect", "Allow", "Principal",
			 "AWS", arn, "Action", ACTION_ASSUME_ROLE);
}

static json_t *render_pod_identity(void)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:[s,s]}", "Sid", IRSA_SID_POD_IDENTITY, "Effect",
			 "Allow", "Principal", "Service", IRSA_POD_IDENTITY_SERVICE, "Action",
			 ACTION_ASSUME_ROLE, ACTION_TAG_SESSION);
}

/* Text that goes into the policy must be UTF-8: jansson refuses the rest. */
static int check_text(const char *what, const char *s, struct irsa_error *err)
{
	if (s && irsa_utf8_length(s) == (size_t)-1)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the %s is not valid UTF-8 text; give it in UTF-8", what);
	return 0;
}

/* STS's rule for ExternalId: 2 to 1224 characters of [\w+=,.@:/-]. */
int irsa_trust_check_external_id(const char *id, struct irsa_error *err)
{
	size_t n = strlen(id);

	if (n < 2 || n > 1224)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the external ID has %zu characters; STS takes 2 to 1224", n);
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("_+=,.@:/-", *c)))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "the external ID has the character '%c' that STS "
					      "refuses; use letters, digits and _+=,.@:/-",
					      *c);
	return 0;
}

static int check_spec(const struct irsa_trust_spec *spec, const char *aud,
		      struct irsa_error *err)
{
	if (spec->n_providers == 0 && spec->n_trust_role_arns == 0 && !spec->pod_identity)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "no OIDC provider for the trust policy; give --cluster or "
				      "--issuer-url");
	for (size_t i = 0; i < spec->n_providers; i++)
		if (spec->providers[i].n_subjects == 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "no service account for the trust policy; give "
					      "--namespace and --service-account, or --subject NS:SA");
	if (spec->external_id) {
		if (spec->n_trust_role_arns == 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "an external ID needs a role to trust; give "
					      "--trust-role-arn ARN with --external-id");
		if (irsa_trust_check_external_id(spec->external_id, err) < 0)
			return -1;
	}
	if (check_text("audience", aud, err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_providers; i++)
		if (check_text("issuer", spec->providers[i].issuer, err) < 0)
			return -1;
	return 0;
}

static int render_failed(struct irsa_error *err)
{
	return irsa_error_set(err, IRSA_ERR_INTERNAL,
			      "cannot build the trust policy statement (out of memory or text "
			      "that is not UTF-8)");
}

int irsa_trust_render(const struct irsa_trust_spec *spec, json_t **ret_doc,
		      struct irsa_error *err)
{
	const char *aud = spec->audience && *spec->audience ? spec->audience
							    : IRSA_DEFAULT_AUDIENCE;
	json_t *doc, *stmts;

	if (check_spec(spec, aud, err) < 0)
		return -1;
	stmts = json_array();
	for (size_t i = 0; i < spec->n_providers; i++) {
		struct oidc_stmt s = { 0 };
		bool seen = false;

		/* The same issuer twice: one statement with every subject. */
		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(spec->providers[j].issuer, spec->providers[i].issuer) == 0;
		if (seen)
			continue;
		s.provider_arn = provider_arn(spec->partition, spec->account,
							 spec->providers[i].issuer);
		s.issuer = irsa_strdup(spec->providers[i].issuer);
		s.audience = irsa_strdup(aud);
		for (size_t j = i; j < spec->n_providers; j++) {
			const struct irsa_trust_provider *p = &spec->providers[j];

			if (strcmp(p->issuer, s.issuer) != 0)
				continue;
			for (size_t k = 0; k < p->n_subjects; k++) {
				_cleanup_free_ char *sub = irsa_subject_string(&p->subjects[k]);

				add_sub(&s, sub);
			}
		}
		if (json_array_append_new(stmts, render_oidc(&s)) < 0) {
			oidc_stmt_release(&s);
			json_decref(stmts);
			return render_failed(err);
		}
		oidc_stmt_release(&s);
	}
	for (size_t i = 0; i < spec->n_trust_role_arns; i++) {
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup = dup || strcmp(spec->trust_role_arns[i], spec->trust_role_arns[j]) == 0;
		if (!dup && json_array_append_new(stmts, render_assume(spec->trust_role_arns[i],
								       spec->external_id)) < 0) {
			json_decref(stmts);
			return render_failed(err);
		}
	}
	if (spec->pod_identity && json_array_append_new(stmts, render_pod_identity()) < 0) {
		json_decref(stmts);
		return render_failed(err);
	}
	doc = json_pack("{s:s, s:o}", "Version", "2012-10-17", "Statement", stmts);
	if (!doc)
		return render_failed(err);
	*ret_doc = doc;
	return 0;
}

/* ---- reading statements ------------------------------------------------ */

/* The statements of doc as an array (a lone object becomes a 1-array).
 * New reference. */
static json_t *statements_of(const json_t *doc)
{
	json_t *st = json_object_get(doc, "Statement");

	if (json_is_array(st))
		return json_incref(st);
	if (json_is_object(st))
		return json_pack("[O]", st);
	return json_array();
}

size_t irsa_policy_statement_count(const json_t *doc)
{
	json_t *st = statements_of(doc);
	size_t n = json_array_size(st);

	json_decref(st);
	return n;
}

/* The one string of v (a string or a one-element list), or NULL. */
static const char *single_string(const json_t *v)
{
	if (json_is_array(v) && json_array_size(v) == 1)
		v = json_array_get(v, 0);
	return json_string_value(v);
}

static bool list_contains(const json_t *v, const char *s)
{
	size_t i;
	json_t *item;

	if (json_is_string(v))
		return strcmp(json_string_value(v), s) == 0;
	json_array_foreach(v, i, item)
		if (json_is_string(item) && strcmp(json_string_value(item), s) == 0)
			return true;
	return false;
}

static const char *sid_of(const json_t *st)
{
	const char *sid = json_string_value(json_object_get(st, "Sid"));

	return sid ? sid : "";
}

static bool is_owned_oidc(const json_t *st)
{
	return irsa_str_has_prefix(sid_of(st), IRSA_SID_OIDC);
}

static void collect_subs(struct oidc_stmt *s, const json_t *v)
{
	size_t i;
	json_t *item;

	if (json_is_string(v))
		add_sub(s, json_string_value(v));
	json_array_foreach(v, i, item)
		if (json_is_string(item))
			add_sub(s, json_string_value(item));
}

/* Add the string or strings of v to l; false when v is something else. */
static bool collect_strings(struct irsa_strlist *l, const json_t *v)
{
	size_t i;
	json_t *item;

	if (json_is_string(v)) {
		irsa_strlist_add(l, json_string_value(v));
		return true;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i, item)
		if (!json_is_string(item))
			return false;
	json_array_foreach(v, i, item)
		irsa_strlist_add(l, json_string_value(item));
	return true;
}

/* Decode an OIDC web-identity statement; false when st is not one. */
static bool parse_oidc(const json_t *st, struct oidc_stmt *ret)
{
	const char *effect = json_string_value(json_object_get(st, "Effect"));
	const json_t *principal = json_object_get(st, "Principal");
	const char *fed = single_string(json_object_get(principal, "Federated"));
	const json_t *cond = json_object_get(st, "Condition");
	_cleanup_free_ char *sub_key = NULL, *aud_key = NULL;
	const char *slash, *op;
	struct oidc_stmt s = { 0 };
	json_t *ops;

	if (!effect || strcmp(effect, "Allow") != 0 || !fed ||
	    !list_contains(json_object_get(st, "Action"), ACTION_WEB_IDENTITY) ||
	    json_object_size(principal) != 1)
		return false;
	slash = strstr(fed, ":oidc-provider/");
	if (!slash)
		return false;
	s.provider_arn = irsa_strdup(fed);
	s.issuer = irsa_strdup(slash + strlen(":oidc-provider/"));
	sub_key = irsa_asprintf("%s:sub", s.issuer);
	aud_key = irsa_asprintf("%s:aud", s.issuer);
	s.plain = single_string(json_object_get(st, "Action")) != NULL &&
		  json_object_get(st, "NotAction") == NULL &&
		  json_object_get(st, "NotPrincipal") == NULL;
	json_object_foreach((json_t *)cond, op, ops) {
		const char *key;
		json_t *v;
		bool eq = strcmp(op, "StringEquals") == 0, like = strcmp(op, "StringLike") == 0;

		json_object_foreach(ops, key, v) {
			if ((eq || like) && strcmp(key, sub_key) == 0) {
				collect_subs(&s, v);
				s.subs_like = s.subs_like || like;
			} else if ((eq || like) && strcmp(key, aud_key) == 0 &&
				   collect_strings(&s.auds, v)) {
				if (eq && single_string(v)) {
					free(s.audience);
					s.audience = irsa_strdup(single_string(v));
				}
			} else {
				s.plain = false;
			}
		}
	}
	*ret = s;
	return true;
}

/* True when one of s's sub values grants sub: equal, or a StringLike
 * pattern that matches it (IAM's '*' and '?', which fnmatch() shares
 * when the pattern has no '[' or '\\'). */
static bool stmt_grants_sub(const struct oidc_stmt *s, const char *sub)
{
	if (has_sub(s, sub))
		return true;
	for (size_t i = 0; s->subs_like && i < s->n_subs; i++)
		if (!strpbrk(s->subs[i], "[\\") && !irsa_name_has_wildcard(sub) &&
		    fnmatch(s->subs[i], sub, FNM_NOESCAPE) == 0)
			return true;
	return false;
}

/* True when a statement irsactl did not write grants sub to tokens of
 * provider_arn for audience at least as an irsactl statement would: the
 * same Federated principal and action, no condition but ISSUER:sub and
 * ISSUER:aud, sub among its subjects (or matched by its pattern), and
 * audience among its audiences (or no aud condition at all: any
 * audience). Such a statement is recognised as equivalent, so taking
 * over a hand-written IRSA trust adds no duplicate. */
static bool foreign_grants_sub(const json_t *stmts, const char *provider_arn,
			       const char *audience, const char *sub)
{
	size_t i;
	json_t *st;

	json_array_foreach(stmts, i, st) {
		struct oidc_stmt s = { 0 };
		bool hit;

		if (irsa_str_has_prefix(sid_of(st), IRSA_SID_PREFIX) || !parse_oidc(st, &s))
			continue;
		hit = s.plain && s.n_subs > 0 && strcmp(s.provider_arn, provider_arn) == 0 &&
		      (s.auds.n == 0 || irsa_strlist_contains(&s.auds, audience)) &&
		      stmt_grants_sub(&s, sub);
		oidc_stmt_release(&s);
		if (hit)
			return true;
	}
	return false;
}

static bool foreign_grants_assume(const json_t *stmts, const char *arn)
{
	size_t i;
	json_t *st;

	json_array_foreach(stmts, i, st) {
		const json_t *principal = json_object_get(st, "Principal");
		const char *effect = json_string_value(json_object_get(st, "Effect"));

		if (irsa_str_has_prefix(sid_of(st), IRSA_SID_PREFIX) || !effect ||
		    strcmp(effect, "Allow") != 0 || json_object_get(st, "Condition") ||
		    json_object_size(principal) != 1)
			continue;
		if (list_contains(json_object_get(principal, "AWS"), arn) &&
		    list_contains(json_object_get(st, "Action"), ACTION_ASSUME_ROLE))
			return true;
	}
	return false;
}

static ssize_t find_sid(const json_t *stmts, const char *sid)
{
	size_t i;
	json_t *st;

	json_array_foreach(stmts, i, st)
		if (strcmp(sid_of(st), sid) == 0)
			return (ssize_t)i;
	return -1;
}

/* A copy of doc whose Statement is the array stmts (stolen). */
static json_t *with_statements(const json_t *doc, json_t *stmts)
{
	json_t *out = json_is_object(doc) ? json_deep_copy(doc) : json_object();

	if (!out || (!json_object_get(out, "Version") &&
		     json_object_set_new(out, "Version", json_string("2012-10-17")) < 0)) {
		json_decref(out);
		json_decref(stmts);
		return NULL;
	}
	if (json_object_set_new(out, "Statement", stmts) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* Put st (stolen) at index at, or append it when at < 0. -1 when st is
 * NULL (a constructor failed). */
static int place(json_t *stmts, ssize_t at, json_t *st)
{
	if (!st)
		return -1;
	if (at >= 0)
		return json_array_set_new(stmts, (size_t)at, st);
	return json_array_append_new(stmts, st);
}

static int merge_oidc(json_t *stmts, const json_t *want)
{
	struct oidc_stmt d = { 0 }, have = { 0 };
	ssize_t at = find_sid(stmts, sid_of(want));
	int r = 0;

	if (!parse_oidc(want, &d))
		return 0;
	if (at >= 0 && parse_oidc(json_array_get(stmts, (size_t)at), &have) && have.audience) {
		/* ours already: keep its subjects, add the new ones */
		for (size_t i = 0; i < d.n_subs; i++)
			if (!foreign_grants_sub(stmts, d.provider_arn, d.audience, d.subs[i]))
				add_sub(&have, d.subs[i]);
		free(have.provider_arn);
		free(have.issuer);
		free(have.audience);
		have.provider_arn = irsa_strdup(d.provider_arn);
		have.issuer = irsa_strdup(d.issuer);
		have.audience = irsa_strdup(d.audience);
		r = place(stmts, at, render_oidc(&have));
	} else {
		struct oidc_stmt add = { 0 };

		add.provider_arn = irsa_strdup(d.provider_arn);
		add.issuer = irsa_strdup(d.issuer);
		add.audience = irsa_strdup(d.audience);
		for (size_t i = 0; i < d.n_subs; i++)
			if (!foreign_grants_sub(stmts, d.provider_arn, d.audience, d.subs[i]))
				add_sub(&add, d.subs[i]);
		if (add.n_subs > 0)
			r = place(stmts, at, render_oidc(&add));
		oidc_stmt_release(&add);
	}
	oidc_stmt_release(&have);
	oidc_stmt_release(&d);
	return r;
}

static int merge_assume(json_t *stmts, const json_t *want)
{
	const char *arn = json_string_value(json_object_get(json_object_get(want, "Principal"),
							    "AWS"));
	ssize_t at = find_sid(stmts, sid_of(want));

	if (at >= 0)
		return json_array_set(stmts, (size_t)at, (json_t *)want);
	/* A foreign grant without conditions would make an external ID moot:
	 * only skip ours when none is asked for. */
	if (!arn || json_object_get(want, "Condition") || !foreign_grants_assume(stmts, arn))
		return json_array_append(stmts, (json_t *)want);
	return 0;
}

/* A statement of someone else's that lets EKS Pod Identity in: Allow, the
 * Service principal alone, both actions, no condition. */
static bool foreign_grants_pod_identity(const json_t *st)
{
	const json_t *principal = json_object_get(st, "Principal");
	const char *effect = json_string_value(json_object_get(st, "Effect"));
	const json_t *action = json_object_get(st, "Action");

	return !irsa_str_has_prefix(sid_of(st), IRSA_SID_PREFIX) && effect &&
	       strcmp(effect, "Allow") == 0 && !json_object_get(st, "Condition") &&
	       json_object_size(principal) == 1 &&
	       list_contains(json_object_get(principal, "Service"), IRSA_POD_IDENTITY_SERVICE) &&
	       list_contains(action, ACTION_ASSUME_ROLE) && list_contains(action, ACTION_TAG_SESSION);
}

static bool grants_pod_identity(const json_t *stmts)
{
	size_t i;
	json_t *st;

	json_array_foreach(stmts, i, st)
		if (foreign_grants_pod_identity(st))
			return true;
	return false;
}

static int merge_pod_identity(json_t *stmts, const json_t *want)
{
	ssize_t at = find_sid(stmts, IRSA_SID_POD_IDENTITY);

	if (at >= 0)
		return json_array_set(stmts, (size_t)at, (json_t *)want);
	if (!grants_pod_identity(stmts))
		return json_array_append(stmts, (json_t *)want);
	return 0;
}

int irsa_trust_merge(const json_t *existing, const json_t *desired, json_t **ret_merged,
		     bool *ret_changed, struct irsa_error *err)
{
	json_t *have, *stmts, *want, *merged, *st;
	size_t i;

	if (!json_is_object(existing))
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the role's trust policy is not a JSON object");
	have = statements_of(existing);
	stmts = json_deep_copy(have);
	json_decref(have);
	want = statements_of(desired);
	json_array_foreach(want, i, st) {
		int r = 0;

		if (irsa_str_has_prefix(sid_of(st), IRSA_SID_OIDC))
			r = merge_oidc(stmts, st);
		else if (irsa_str_has_prefix(sid_of(st), IRSA_SID_ASSUME))
			r = merge_assume(stmts, st);
		else if (strcmp(sid_of(st), IRSA_SID_POD_IDENTITY) == 0)
			r = merge_pod_identity(stmts, st);
		if (r < 0 || !stmts) {
			json_decref(want);
			json_decref(stmts);
			return render_failed(err);
		}
	}
	json_decref(want);
	merged = with_statements(existing, stmts);
	if (!merged)
		return render_failed(err);
	if (ret_changed)
		*ret_changed = !irsa_policy_equal(existing, merged);
	*ret_merged = merged;
	return 0;
}

int irsa_trust_remove(const json_t *existing, const char *issuer,
		      const struct irsa_subject *subject, json_t **ret_doc, size_t *ret_removed,
		      struct irsa_error *err)
{
	_cleanup_free_ char *sub = subject ? irsa_subject_string(subject) : NULL;
	json_t *have, *out;
	size_t removed = 0, i;
	json_t *st;

	if (!json_is_object(existing))
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the role's trust policy is not a JSON object");
	have = statements_of(existing);
	out = json_array();
	json_array_foreach(have, i, st) {
		struct oidc_stmt s = { 0 };

		if (!is_owned_oidc(st) || !parse_oidc(st, &s) || !s.audience ||
		    (issuer && strcmp(s.issuer, issuer) != 0)) {
			oidc_stmt_release(&s);
			json_array_append(out, st);
			continue;
		}
		if (!sub) {
			removed++;
		} else if (has_sub(&s, sub)) {
			struct oidc_stmt keep = s;
			size_t n = 0;

			for (size_t k = 0; k < s.n_subs; k++) {
				if (strcmp(s.subs[k], sub) == 0)
					free(s.subs[k]);
				else
					keep.subs[n++] = s.subs[k];
			}
			keep.n_subs = n;
			s = keep;
			removed++;
			if (n > 0 && place(out, -1, render_oidc(&s)) < 0) {
				oidc_stmt_release(&s);
				json_decref(have);
				json_decref(out);
				return render_failed(err);
			}
		} else {
			json_array_append(out, st);
		}
		oidc_stmt_release(&s);
	}
	json_decref(have);
	*ret_doc = with_statements(existing, out);
	if (!*ret_doc)
		return render_failed(err);
	if (ret_removed)
		*ret_removed = removed;
	return 0;
}

int irsa_trust_remove_pod_identity(const json_t *existing, json_t **ret_doc,
				   size_t *ret_removed, struct irsa_error *err)
{
	json_t *have, *out, *st;
	size_t removed = 0, i;

	if (!json_is_object(existing))
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the role's trust policy is not a JSON object");
	have = statements_of(existing);
	out = json_array();
	json_array_foreach(have, i, st) {
		if (strcmp(sid_of(st), IRSA_SID_POD_IDENTITY) == 0)
			removed++;
		else if (json_array_append(out, st) < 0)
			break;
	}
	json_decref(have);
	*ret_doc = with_statements(existing, out);
	if (!*ret_doc)
		return render_failed(err);
	if (ret_removed)
		*ret_removed = removed;
	return 0;
}

bool irsa_trust_has_pod_identity(const json_t *doc)
{
	json_t *stmts = statements_of(doc);
	bool found = find_sid(stmts, IRSA_SID_POD_IDENTITY) >= 0 || grants_pod_identity(stmts);

	json_decref(stmts);
	return found;
}

size_t irsa_trust_count_owned(const json_t *doc)
{
	json_t *stmts = statements_of(doc), *st;
	size_t n = 0, i;

	json_array_foreach(stmts, i, st)
		if (is_owned_oidc(st))
			n++;
	json_decref(stmts);
	return n;
}

/* ---- documents in general ---------------------------------------------- */

int irsa_policy_parse(const char *text, const char *what, json_t **ret_doc,
		      struct irsa_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr), *stmts, *st;
	const char *version;
	size_t i;

	if (!doc)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s is not valid JSON: %s (line %d)",
				      what, jerr.text, jerr.line);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s is not a policy document: expected a JSON object", what);
	}
	version = json_string_value(json_object_get(doc, "Version"));
	if (json_object_get(doc, "Version") &&
	    (!version || (strcmp(version, "2012-10-17") != 0 && strcmp(version, "2008-10-17") != 0))) {
		json_decref(doc);
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s has an unknown Version; use \"2012-10-17\"", what);
	}
	stmts = json_object_get(doc, "Statement");
	if (!(json_is_array(stmts) && json_array_size(stmts) > 0) && !json_is_object(stmts)) {
		json_decref(doc);
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s has no Statement; a policy needs at least one", what);
	}
	stmts = statements_of(doc);
	json_array_foreach(stmts, i, st) {
		const char *effect = json_string_value(json_object_get(st, "Effect"));

		if (!json_is_object(st) || !effect ||
		    (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0)) {
			json_decref(stmts);
			json_decref(doc);
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "%s: statement %zu has no Effect \"Allow\" or \"Deny\"",
					      what, i + 1);
		}
	}
	json_decref(stmts);
	*ret_doc = doc;
	return 0;
}

static int cmp_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *canonical(const json_t *v)
{
	if (json_is_object(v)) {
		json_t *out = json_object(), *item;
		const char *key;

		json_object_foreach((json_t *)v, key, item)
			json_object_set_new(out, key, canonical(item));
		return out;
	}
	if (json_is_array(v)) {
		size_t n = json_array_size(v), m = 0;
		char **keys = irsa_malloc0((n + 1) * sizeof(char *));
		json_t *out = json_array();

		/* Sort by each element's canonical compact text; drop duplicates. */
		for (size_t i = 0; i < n; i++) {
			json_t *c = canonical(json_array_get(v, i));

			keys[i] = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
			json_decref(c);
		}
		qsort(keys, n, sizeof(char *), cmp_strings);
		for (size_t i = 0; i < n; i++) {
			if (m > 0 && strcmp(keys[i], keys[m - 1]) == 0) {
				free(keys[i]);
				continue;
			}
			keys[m++] = keys[i];
		}
		for (size_t i = 0; i < m; i++) {
			json_array_append_new(out, json_loads(keys[i], JSON_DECODE_ANY, NULL));
			free(keys[i]);
		}
		free(keys);
		if (json_array_size(out) == 1) {
			json_t *only = json_incref(json_array_get(out, 0));

			json_decref(out);
			return only;
		}
		return out;
	}
	return json_deep_copy(v);
}

json_t *irsa_policy_canonical(const json_t *doc)
{
	return canonical(doc);
}

bool irsa_policy_equal(const json_t *a, const json_t *b)
{
	json_t *ca = canonical(a), *cb = canonical(b);
	bool eq = json_equal(ca, cb);

	json_decref(ca);
	json_decref(cb);
	return eq;
}

char *irsa_policy_compact(const json_t *doc)
{
	return irsa_iam_policy_text(doc);
}

char *irsa_policy_pretty(const json_t *doc)
{
	return json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

size_t irsa_policy_size(const json_t *doc)
{
	return irsa_iam_policy_size(doc);
}

int irsa_trust_check_size(const json_t *doc, size_t limit, struct irsa_error *err)
{
	size_t size = irsa_policy_size(doc);

	if (limit == 0)
		limit = IRSA_TRUST_SIZE_LIMIT;
	if (size <= limit)
		return 0;
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "the trust policy is %zu characters long (without whitespace) and "
			      "IAM allows %zu; split the service accounts over several roles, "
			      "cover them with one wildcard subject such as 'NAMESPACE:*', or ask "
			      "AWS Service Quotas for a larger 'Role trust policy length' (up to "
			      "%d) and pass --trust-policy-limit %d",
			      size, limit, IRSA_TRUST_SIZE_LIMIT_MAX, IRSA_TRUST_SIZE_LIMIT_MAX);
}
