/* IAM's limits and policy grammar (see iam_rules.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/iam_rules.h"
#include "irsa/names.h"
#include "irsa/strutil.h"
#include "irsa/templates.h"
#include "irsa/trust.h"

/* ---- the text IAM receives and its size ------------------------------- */

static void put_escape(struct irsa_buf *b, unsigned cp)
{
	if (cp > 0xffff) {
		cp -= 0x10000;
		irsa_buf_printf(b, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
	} else {
		irsa_buf_printf(b, "\\u%04x", cp);
	}
}

char *irsa_iam_policy_text(const json_t *doc)
{
	_cleanup_free_ char *raw = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct irsa_buf b = IRSA_BUF_INIT;

	if (!raw)
		return NULL;
	/* jansson writes every non-ASCII character raw and only inside
	 * strings, where a \u escape means the same. */
	for (const char *p = raw; *p;) {
		const char *start = p;
		unsigned cp;

		if ((unsigned char)*p < 0x80 || irsa_utf8_next(&p, &cp) < 0) {
			irsa_buf_putc(&b, *p++);
			continue;
		}
		if (cp <= 0xff)
			irsa_buf_append(&b, start, (size_t)(p - start));
		else
			put_escape(&b, cp);
	}
	return irsa_buf_detach(&b);
}

size_t irsa_iam_policy_size(const json_t *doc)
{
	_cleanup_free_ char *text = irsa_iam_policy_text(doc);
	size_t n;

	if (!text)
		return 0;
	n = irsa_utf8_length(text);
	return n == (size_t)-1 ? strlen(text) : n;
}

/* ---- grammar -------------------------------------------------------- */

static bool is_string_or_strings(const json_t *v)
{
	size_t i;
	json_t *item;

	if (json_is_string(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i, item)
		if (!json_is_string(item))
			return false;
	return true;
}

static bool sid_ok(const char *sid)
{
	for (const char *p = sid; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

static const char *const statement_keys[] = {
	"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
	"NotResource", "Condition",
};

static bool known_statement_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(statement_keys); i++)
		if (strcmp(statement_keys[i], key) == 0)
			return true;
	return false;
}

/* The element pairs (Action/NotAction, ...): exactly one of them, with
 * (when strings) a string or a list of strings. Fails with a message
 * naming the pair and what is wrong. */
static int check_pair(const json_t *st, const char *yes, const char *no, bool strings,
		      const char *what, size_t n, const char *hint, struct irsa_error *err)
{
	const json_t *a = json_object_get(st, yes), *b = json_object_get(st, no);

	if (a && b)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s: statement %zu has both %s and %s; "
				      "%s", what, n, yes, no, hint);
	if (!a && !b)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s: statement %zu has neither %s nor "
				      "%s; %s", what, n, yes, no, hint);
	if (strings && !is_string_or_strings(a ? a : b))
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s: statement %zu has a %s that is not "
				      "a string or a non-empty list of strings", what, n, a ? yes : no);
	return 0;
}

static bool principal_ok(const json_t *p)
{
	const char *key;
	json_t *v;

	if (json_is_string(p))
		return strcmp(json_string_value(p), "*") == 0;
	if (!json_is_object(p) || json_object_size(p) == 0)
		return false;
	json_object_foreach((json_t *)p, key, v)
		if (!is_string_or_strings(v))
			return false;
	return true;
}

static bool condition_ok(const json_t *c)
{
	const char *op, *key;
	json_t *block, *v;

	if (!json_is_object(c))
		return false;
	json_object_foreach((json_t *)c, op, block) {
		if (!json_is_object(block))
			return false;
		json_object_foreach(block, key, v)
			if (!json_is_string(v) && !json_is_array(v) && !json_is_boolean(v) &&
			    !json_is_number(v))
				return false;
	}
	return true;
}

static int check_statement(const json_t *st, size_t n, enum irsa_policy_kind kind,
			   const char *what, struct irsa_error *err)
{
	bool trust = kind == IRSA_POLICY_TRUST;
	const char *effect = json_string_value(json_object_get(st, "Effect"));
	const json_t *sid = json_object_get(st, "Sid");
	const char *key;
	json_t *v;

	if (!json_is_object(st))
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s: statement %zu is not a JSON object",
				      what, n);
	json_object_foreach((json_t *)st, key, v)
		if (!known_statement_key(key))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "%s: statement %zu has the element '%s' that IAM does "
					      "not know; use Sid, Effect, Action, Resource, Condition%s",
					      what, n, key, trust ? ", Principal" : "");
	if (sid && (!json_is_string(sid) || !sid_ok(json_string_value(sid))))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s: statement %zu has a Sid that is not only letters and "
				      "digits, as IAM requires; for example \"ReadReports\"", what, n);
	if (!effect || (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s: statement %zu has no Effect \"Allow\" or \"Deny\"", what, n);
	if (check_pair(st, "Action", "NotAction", true, what, n, "give one of them", err) < 0)
		return -1;
	if (!trust && (json_object_get(st, "Principal") || json_object_get(st, "NotPrincipal")))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s: statement %zu has a Principal, which a permissions policy "
				      "must not have (the role is the principal); remove it", what, n);
	if (!trust && check_pair(st, "Resource", "NotResource", true, what, n,
				 "give one of them", err) < 0)
		return -1;
	if (trust && (json_object_get(st, "Resource") || json_object_get(st, "NotResource")))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s: statement %zu has a Resource, which a trust policy must "
				      "not have (the role is the resource); remove it", what, n);
	if (trust && check_pair(st, "Principal", "NotPrincipal", false, what, n,
				"a trust policy names who may assume the role", err) < 0)
		return -1;
	v = json_object_get(st, "Principal");
	if (!v)
		v = json_object_get(st, "NotPrincipal");
	if (v && !principal_ok(v))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s: statement %zu has a Principal that is neither \"*\" nor an "
				      "object such as {\"AWS\": \"ARN\"}", what, n);
	if (json_object_get(st, "Condition") && !condition_ok(json_object_get(st, "Condition")))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s: statement %zu has a Condition that is not {\"Operator\": "
				      "{\"key\": value}}", what, n);
	return 0;
}

static int check_unique_sids(const json_t *stmts, const char *what, struct irsa_error *err)
{
	size_t i, j;
	json_t *a, *b;

	json_array_foreach(stmts, i, a) {
		const char *sid = json_string_value(json_object_get(a, "Sid"));

		if (!sid || !*sid)
			continue;
		json_array_foreach(stmts, j, b) {
			const char *other = json_string_value(json_object_get(b, "Sid"));

			if (j > i && other && strcmp(sid, other) == 0)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "%s: the Sid \"%s\" is used by statements %zu and "
						      "%zu; IAM needs each Sid once", what, sid, i + 1, j + 1);
		}
	}
	return 0;
}

int irsa_iam_check_policy(const json_t *doc, enum irsa_policy_kind kind, const char *what,
			  struct irsa_error *err)
{
	const json_t *version = json_object_get(doc, "Version");
	json_t *stmts, *st, *v;
	const char *key;
	size_t i;
	int r = 0;

	if (!json_is_object(doc))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s is not a policy document: expected a JSON object", what);
	json_object_foreach((json_t *)doc, key, v)
		if (strcmp(key, "Version") != 0 && strcmp(key, "Id") != 0 &&
		    strcmp(key, "Statement") != 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "%s has the element '%s' that IAM does not know; a "
					      "policy has Version, Id and Statement", what, key);
	if (version && (!json_is_string(version) ||
			(strcmp(json_string_value(version), "2012-10-17") != 0 &&
			 strcmp(json_string_value(version), "2008-10-17") != 0)))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s has an unknown Version; use \"2012-10-17\"", what);
	if (json_object_get(doc, "Id") && !json_is_string(json_object_get(doc, "Id")))
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s has an Id that is not a string", what);
	stmts = json_object_get(doc, "Statement");
	if (json_is_object(stmts))
		return check_statement(stmts, 1, kind, what, err);
	if (!json_is_array(stmts) || json_array_size(stmts) == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s has no Statement; a policy needs at least one", what);
	json_array_foreach(stmts, i, st)
		if ((r = check_statement(st, i + 1, kind, what, err)) < 0)
			return r;
	return check_unique_sids(stmts, what, err);
}

int irsa_iam_check_managed_policy(const json_t *doc, const char *what, struct irsa_error *err)
{
	size_t n;

	if (irsa_iam_check_policy(doc, IRSA_POLICY_PERMISSIONS, what, err) < 0)
		return -1;
	n = irsa_iam_policy_size(doc);
	if (n > IRSA_IAM_MANAGED_POLICY_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s is %zu characters long (without whitespace) and IAM "
				      "allows %d for a managed policy; split it into several "
				      "policies", what, n, IRSA_IAM_MANAGED_POLICY_MAX);
	return 0;
}

int irsa_iam_check_trust_limit(size_t limit, struct irsa_error *err)
{
	if (limit > IRSA_IAM_TRUST_POLICY_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--trust-policy-limit %zu is above IAM's maximum of %d "
				      "characters for a role trust policy (no quota goes higher); "
				      "give at most %d", limit, IRSA_IAM_TRUST_POLICY_MAX,
				      IRSA_IAM_TRUST_POLICY_MAX);
	return 0;
}

/* ---- requests -------------------------------------------------------- */

static int check_tags(const struct irsa_tags *tags, struct irsa_error *err)
{
	for (size_t i = 0; tags && i < tags->n; i++) {
		const char *key = tags->items[i].key;

		if (irsa_validate_tag(key, tags->items[i].value, err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(tags->items[j].key, key) == 0)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "tag keys '%s' and '%s' differ only in case, and "
						      "IAM treats them as one key; give one of them",
						      tags->items[j].key, key);
	}
	if (tags && tags->n > IRSA_IAM_TAGS_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%zu tags given; IAM allows %d per role",
				      tags->n, IRSA_IAM_TAGS_MAX);
	return 0;
}

static int check_inline_policies(const struct irsa_role_request *req, struct irsa_error *err)
{
	for (size_t i = 0; i < req->n_inline_policies; i++) {
		const struct irsa_inline_policy *p = &req->inline_policies[i];
		_cleanup_free_ char *what = irsa_asprintf("inline policy '%s'", p->name);

		if (irsa_validate_policy_name(p->name, err) < 0 ||
		    irsa_iam_check_policy(p->document, IRSA_POLICY_PERMISSIONS, what, err) < 0)
			return -1;
	}
	return 0;
}

static int check_managed_policies(const struct irsa_role_request *req, struct irsa_error *err)
{
	for (size_t i = 0; i < req->n_managed_policies; i++) {
		const struct irsa_role_managed_policy *p = &req->managed_policies[i];
		_cleanup_free_ char *what = irsa_asprintf("managed policy '%s'", p->name);

		if (irsa_validate_policy_name(p->name, err) < 0 ||
		    irsa_validate_policy_arn_in(p->arn, "managed policy", req->partition, err) < 0 ||
		    irsa_iam_check_managed_policy(p->document, what, err) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(req->managed_policies[j].arn, p->arn) == 0)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "the managed policy '%s' is asked for twice; "
						      "give it once", p->name);
	}
	return 0;
}

int irsa_iam_check_role_request(const struct irsa_role_request *req, struct irsa_error *err)
{
	if (irsa_validate_role_name(req->role_name, err) < 0 ||
	    (req->path && irsa_validate_iam_path(req->path, err) < 0) ||
	    (req->description && irsa_validate_role_description(req->description, err) < 0) ||
	    check_tags(req->tags, err) < 0 || irsa_iam_check_trust_limit(req->trust_limit, err) < 0)
		return -1;
	if (req->permissions_boundary &&
	    irsa_validate_policy_arn_in(req->permissions_boundary, "--permissions-boundary",
					req->partition, err) < 0)
		return -1;
	for (size_t i = 0; i < req->n_managed_arns; i++)
		if (irsa_validate_policy_arn_in(req->managed_arns[i], "--attach-policy-arn",
						req->partition, err) < 0)
			return -1;
	if (check_inline_policies(req, err) < 0 || check_managed_policies(req, err) < 0)
		return -1;
	if (req->trust && irsa_iam_check_policy(req->trust, IRSA_POLICY_TRUST,
						"the trust policy", err) < 0)
		return -1;
	return 0;
}

static bool request_has_inline(const struct irsa_role_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_inline_policies; i++)
		if (strcmp(req->inline_policies[i].name, name) == 0)
			return true;
	return false;
}

static size_t text_size(const char *text)
{
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	size_t n = doc ? irsa_iam_policy_size(doc) : 0;

	json_decref(doc);
	return n;
}

static int check_inline_total(const struct irsa_role_request *req,
			      const struct irsa_role_state *state, struct irsa_error *err)
{
	struct irsa_buf kept = IRSA_BUF_INIT;
	size_t total = 0, kept_size = 0;
	int r = 0;

	for (size_t i = 0; i < req->n_inline_policies; i++)
		total += irsa_iam_policy_size(req->inline_policies[i].document);
	for (size_t i = 0; state->exists && i < state->inline_names.n; i++) {
		const char *name = state->inline_names.items[i];
		size_t n;

		if (request_has_inline(req, name) ||
		    (req->prune && irsa_str_has_prefix(name, IRSA_POLICY_NAME_PREFIX)))
			continue;
		n = text_size(state->inline_docs ? state->inline_docs[i] : NULL);
		kept_size += n;
		irsa_buf_printf(&kept, "%s'%s'", kept.len ? ", " : "", name);
	}
	total += kept_size;
	if (total > IRSA_IAM_INLINE_TOTAL_MAX)
		r = irsa_error_set(err, IRSA_ERR_USAGE,
				   "the inline policies of role '%s' would be %zu characters long "
				   "(without whitespace%s%s%s) and IAM allows %d for all inline "
				   "policies of a role; put the larger ones in customer-managed "
				   "policies (--managed-policy TEMPLATE or --managed-policy-file "
				   "FILE, %d characters each) instead of --policy/--policy-file",
				   req->role_name, total, kept.len ? ", counting " : "",
				   kept.len ? irsa_buf_str(&kept) : "",
				   kept.len ? " already on the role" : "", IRSA_IAM_INLINE_TOTAL_MAX,
				   IRSA_IAM_MANAGED_POLICY_MAX);
	irsa_buf_release(&kept);
	return r;
}

int irsa_iam_check_tag_total(const struct irsa_tags *have, const struct irsa_tags *add,
			     const char *what, struct irsa_error *err)
{
	size_t n = have ? have->n : 0, added = 0;

	for (size_t i = 0; add && i < add->n; i++)
		if (!irsa_tags_find(have, add->items[i].key))
			added++;
	if (n + added > IRSA_IAM_TAGS_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s has %zu tags and %zu new keys were given: %zu in all, and "
				      "IAM allows %d; give fewer tags or remove unused ones (aws iam "
				      "untag-...)", what, n, added, n + added, IRSA_IAM_TAGS_MAX);
	return 0;
}

static int check_tag_total(const struct irsa_role_request *req,
			   const struct irsa_role_state *state, struct irsa_error *err)
{
	_cleanup_free_ char *what = irsa_asprintf("role '%s'", req->role_name);

	return irsa_iam_check_tag_total(state->exists ? &state->role.tags : NULL, req->tags, what,
					err);
}

int irsa_iam_check_role_totals(const struct irsa_role_request *req,
			       const struct irsa_role_state *state, struct irsa_error *err)
{
	if (check_inline_total(req, state, err) < 0 || check_tag_total(req, state, err) < 0)
		return -1;
	return 0;
}

/* ---- ownership ------------------------------------------------------- */

static bool trust_has_irsactl_statement(const char *text)
{
	json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
	json_t *stmts = json_object_get(doc, "Statement"), *st;
	bool found = false;
	size_t i;

	if (json_is_object(stmts)) {
		const char *sid = json_string_value(json_object_get(stmts, "Sid"));

		found = sid && irsa_str_has_prefix(sid, IRSA_SID_PREFIX);
	}
	json_array_foreach(stmts, i, st) {
		const char *sid = json_string_value(json_object_get(st, "Sid"));

		if (sid && irsa_str_has_prefix(sid, IRSA_SID_PREFIX))
			found = true;
	}
	json_decref(doc);
	return found;
}

bool irsa_iam_role_is_owned(const struct irsa_role *role)
{
	const struct irsa_kv *tag = irsa_tags_find(&role->tags, IRSA_OWNER_TAG_KEY);

	if (tag && strcmp(tag->value, IRSA_OWNER_TAG_VALUE) == 0)
		return true;
	return trust_has_irsactl_statement(role->trust_policy);
}
