/* Trust policy evaluation (see trust_eval.h for the rules). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/strutil.h"
#include "irsa/trust.h"
#include "irsa/trust_eval.h"

/* How far a statement got before it stopped matching; the Allow that got
 * furthest explains an implicit deny. */
enum stage {
	STAGE_EFFECT = 0,
	STAGE_ACTION,
	STAGE_PRINCIPAL,
	STAGE_CONDITION,
	STAGE_MATCHED,
};

struct verdict {
	enum stage stage;
	char why[512];
};

static void verdict_set(struct verdict *v, enum stage stage, const char *fmt, ...) _printf_(3, 4);

static void verdict_set(struct verdict *v, enum stage stage, const char *fmt, ...)
{
	va_list ap;

	v->stage = stage;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

bool irsa_wildcard_match(const char *pattern, const char *s, bool ignore_case)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*pattern == '*') {
			star = pattern++;
			resume = s;
		} else if (*pattern == '?' ||
			   (*pattern && (ignore_case ? tolower((unsigned char)*pattern) ==
						       tolower((unsigned char)*s)
						     : *pattern == *s))) {
			pattern++;
			s++;
		} else if (star) {
			pattern = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

const char *irsa_trust_decision_name(enum irsa_trust_decision d)
{
	switch (d) {
	case IRSA_TRUST_ALLOWED:
		return "allowed";
	case IRSA_TRUST_EXPLICIT_DENY:
		return "explicitDeny";
	case IRSA_TRUST_IMPLICIT_DENY:
		break;
	}
	return "implicitDeny";
}

/* A policy scalar as text: strings as they are, true/false and numbers
 * as IAM reads them. NULL for objects, arrays and null. */
static char *scalar_text(const json_t *v)
{
	if (json_is_string(v))
		return irsa_strdup(json_string_value(v));
	if (json_is_true(v))
		return irsa_strdup("true");
	if (json_is_false(v))
		return irsa_strdup("false");
	if (json_is_integer(v))
		return irsa_asprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return irsa_asprintf("%g", json_real_value(v));
	return NULL;
}

/* Calls fn for each value of a "string or list of strings" element;
 * stops at the first true. */
static bool any_value(const json_t *elem, bool (*fn)(const char *value, const void *ctx),
		      const void *ctx)
{
	size_t i;
	json_t *item;

	if (!json_is_array(elem)) {
		_cleanup_free_ char *t = scalar_text(elem);
		return t && fn(t, ctx);
	}
	json_array_foreach(elem, i, item) {
		_cleanup_free_ char *t = scalar_text(item);
		if (t && fn(t, ctx))
			return true;
	}
	return false;
}

/* First value of a "string or list" element, for messages. */
static const char *first_value(const json_t *elem)
{
	if (json_is_array(elem))
		elem = json_array_get(elem, 0);
	return json_is_string(elem) ? json_string_value(elem) : "?";
}

static bool action_matches(const char *pattern, const void *ctx)
{
	return irsa_wildcard_match(pattern, ctx, true);
}

static int check_action(const json_t *stmt, const struct irsa_trust_request *req,
			struct verdict *v)
{
	const json_t *action = json_object_get(stmt, "Action");
	const json_t *not_action = json_object_get(stmt, "NotAction");

	if (action) {
		if (any_value(action, action_matches, req->action))
			return 0;
		verdict_set(v, STAGE_ACTION, "its Action '%s' does not cover '%s'",
			    first_value(action), req->action);
		return -1;
	}
	if (not_action) {
		if (!any_value(not_action, action_matches, req->action))
			return 0;
		verdict_set(v, STAGE_ACTION, "its NotAction excludes '%s'", req->action);
		return -1;
	}
	verdict_set(v, STAGE_ACTION, "it has no Action");
	return -1;
}

static bool principal_value_matches(const char *value, const void *ctx)
{
	const struct irsa_trust_request *req = ctx;

	if (strcmp(value, "*") == 0)
		return true;
	/* Service principals are DNS names; ARNs compare exactly. */
	if (strcmp(req->principal_type, "Service") == 0)
		return strcasecmp(value, req->principal) == 0;
	return strcmp(value, req->principal) == 0;
}

/* Does a Principal / NotPrincipal element name the request's principal? */
static bool principal_named(const json_t *p, const struct irsa_trust_request *req)
{
	const char *type;
	json_t *values;

	if (json_is_string(p))
		return strcmp(json_string_value(p), "*") == 0;
	if (!json_is_object(p))
		return false;
	json_object_foreach((json_t *)p, type, values) {
		bool anyone = strcmp(type, "AWS") == 0 && json_is_string(values) &&
			      strcmp(json_string_value(values), "*") == 0;
		if (anyone)
			return true;
		if (strcmp(type, req->principal_type) == 0 &&
		    any_value(values, principal_value_matches, req))
			return true;
	}
	return false;
}

/* For messages: the principal a statement names, of the request's type
 * if it has one, as "TYPE 'VALUE'". */
static void principal_shown(const json_t *p, const struct irsa_trust_request *req, char *out,
			    size_t size)
{
	const char *type = req->principal_type;
	const json_t *values = json_object_get(p, type);

	if (json_is_string(p)) {
		snprintf(out, size, "'%s'", json_string_value(p));
		return;
	}
	if (!values && json_object_size(p) > 0) {
		void *iter = json_object_iter((json_t *)p);
		type = json_object_iter_key(iter);
		values = json_object_iter_value(iter);
	}
	snprintf(out, size, "%s '%s'", values ? type : "no", values ? first_value(values) : "one");
}

static int check_principal(const json_t *stmt, const struct irsa_trust_request *req,
			   struct verdict *v)
{
	const json_t *principal = json_object_get(stmt, "Principal");
	const json_t *not_principal = json_object_get(stmt, "NotPrincipal");

	if (principal) {
		if (principal_named(principal, req))
			return 0;
		char shown[300];

		principal_shown(principal, req, shown, sizeof(shown));
		verdict_set(v, STAGE_PRINCIPAL, "it names principal %s, not %s '%s'", shown,
			    req->principal_type, req->principal);
		return -1;
	}
	if (not_principal) {
		if (!principal_named(not_principal, req))
			return 0;
		verdict_set(v, STAGE_PRINCIPAL, "its NotPrincipal excludes %s '%s'",
			    req->principal_type, req->principal);
		return -1;
	}
	verdict_set(v, STAGE_PRINCIPAL, "it has no Principal");
	return -1;
}

/* --- conditions ------------------------------------------------------- */

enum base_op {
	OP_STRING_EQUALS,
	OP_STRING_EQUALS_IGNORE_CASE,
	OP_STRING_LIKE,
	OP_ARN_EQUALS,
	OP_ARN_LIKE,
	OP_BOOL,
	OP_NUMERIC_EQUALS,
	OP_NUMERIC_LESS,
	OP_NUMERIC_LESS_EQUALS,
	OP_NUMERIC_GREATER,
	OP_NUMERIC_GREATER_EQUALS,
	OP_NULL,
};

enum set_qualifier { SET_NONE, SET_ANY, SET_ALL };

struct cond_op {
	enum base_op base;
	bool negated;
	bool if_exists;
	enum set_qualifier set;
};

static const struct {
	const char *name;
	enum base_op base;
	bool negated;
} op_table[] = {
	{ "StringEquals", OP_STRING_EQUALS, false },
	{ "StringNotEquals", OP_STRING_EQUALS, true },
	{ "StringEqualsIgnoreCase", OP_STRING_EQUALS_IGNORE_CASE, false },
	{ "StringNotEqualsIgnoreCase", OP_STRING_EQUALS_IGNORE_CASE, true },
	{ "StringLike", OP_STRING_LIKE, false },
	{ "StringNotLike", OP_STRING_LIKE, true },
	{ "ArnEquals", OP_ARN_EQUALS, false },
	{ "ArnNotEquals", OP_ARN_EQUALS, true },
	{ "ArnLike", OP_ARN_LIKE, false },
	{ "ArnNotLike", OP_ARN_LIKE, true },
	{ "Bool", OP_BOOL, false },
	{ "NumericEquals", OP_NUMERIC_EQUALS, false },
	{ "NumericNotEquals", OP_NUMERIC_EQUALS, true },
	{ "NumericLessThan", OP_NUMERIC_LESS, false },
	{ "NumericLessThanEquals", OP_NUMERIC_LESS_EQUALS, false },
	{ "NumericGreaterThan", OP_NUMERIC_GREATER, false },
	{ "NumericGreaterThanEquals", OP_NUMERIC_GREATER_EQUALS, false },
	{ "Null", OP_NULL, false },
};

static int parse_op(const char *name, struct cond_op *op)
{
	char base[64];
	size_t len;

	memset(op, 0, sizeof(*op));
	if (irsa_str_has_prefix(name, "ForAnyValue:")) {
		op->set = SET_ANY;
		name += strlen("ForAnyValue:");
	} else if (irsa_str_has_prefix(name, "ForAllValues:")) {
		op->set = SET_ALL;
		name += strlen("ForAllValues:");
	}
	len = strlen(name);
	if (len >= sizeof(base))
		return -1;
	memcpy(base, name, len + 1);
	if (irsa_str_has_suffix(base, "IfExists")) {
		op->if_exists = true;
		base[len - strlen("IfExists")] = '\0';
	}
	for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (strcmp(base, op_table[i].name) == 0) {
			if (op_table[i].base == OP_NULL && (op->if_exists || op->set != SET_NONE))
				return -1;
			op->base = op_table[i].base;
			op->negated = op_table[i].negated;
			return 0;
		}
	return -1;
}

static bool numeric_compare(enum base_op base, const char *have, const char *want)
{
	char *end1, *end2;
	double a = strtod(have, &end1), b = strtod(want, &end2);

	if (end1 == have || *end1 || end2 == want || *end2)
		return false;
	switch (base) {
	case OP_NUMERIC_EQUALS:
		return a == b;
	case OP_NUMERIC_LESS:
		return a < b;
	case OP_NUMERIC_LESS_EQUALS:
		return a <= b;
	case OP_NUMERIC_GREATER:
		return a > b;
	case OP_NUMERIC_GREATER_EQUALS:
		return a >= b;
	default:
		return false;
	}
}

/* The positive sense of base: does the request value match the policy value? */
static bool value_matches(enum base_op base, const char *have, const char *want)
{
	switch (base) {
	case OP_STRING_EQUALS:
	case OP_ARN_EQUALS:
		return strcmp(have, want) == 0;
	case OP_STRING_EQUALS_IGNORE_CASE:
		return strcasecmp(have, want) == 0;
	case OP_STRING_LIKE:
	case OP_ARN_LIKE:
		return irsa_wildcard_match(want, have, false);
	case OP_BOOL:
		return strcasecmp(have, want) == 0;
	case OP_NULL:
		return false;
	default:
		return numeric_compare(base, have, want);
	}
}

static const struct irsa_trust_key *find_key(const struct irsa_trust_request *req,
					     const char *name)
{
	for (size_t i = 0; i < req->n_keys; i++)
		if (strcasecmp(req->keys[i].name, name) == 0)
			return &req->keys[i];
	return NULL;
}

struct match_ctx {
	enum base_op base;
	const char *have;
};

static bool policy_value_matches(const char *want, const void *ctx)
{
	const struct match_ctx *m = ctx;

	return value_matches(m->base, m->have, want);
}

/* Does one request value match any of the policy's values for the key? */
static bool any_policy_value(const struct cond_op *op, const char *have, const json_t *want)
{
	struct match_ctx m = { op->base, have };

	return any_value(want, policy_value_matches, &m);
}

static bool equals_ignore_case(const char *value, const void *ctx)
{
	return strcasecmp(value, ctx) == 0;
}

/* Null: "true" holds when the key is missing, "false" when it is present. */
static bool null_holds(const json_t *want, bool present)
{
	return any_value(want, equals_ignore_case, present ? "false" : "true");
}

/* One key of one operator. */
static bool key_holds(const struct cond_op *op, const struct irsa_trust_key *key,
		      const json_t *want)
{
	if (op->base == OP_NULL)
		return null_holds(want, key != NULL);
	if (!key)
		return op->if_exists || op->negated || op->set == SET_ALL;
	if (op->set == SET_ALL) {
		for (size_t i = 0; i < key->n_values; i++)
			if (any_policy_value(op, key->values[i], want) == op->negated)
				return false;
		return true;
	}
	if (op->set == SET_ANY) {
		for (size_t i = 0; i < key->n_values; i++)
			if (any_policy_value(op, key->values[i], want) != op->negated)
				return true;
		return false;
	}
	/* No qualifier: a positive operator holds when some value matches,
	 * a negated one when none does. */
	for (size_t i = 0; i < key->n_values; i++)
		if (any_policy_value(op, key->values[i], want))
			return !op->negated;
	return op->negated;
}

static void describe_key_failure(struct verdict *v, const char *op_name, const char *key_name,
				 const struct irsa_trust_key *key, const json_t *want)
{
	_cleanup_free_ char *wanted = json_is_array(want)
		? json_dumps(want, JSON_COMPACT) : scalar_text(want);

	if (!key || key->n_values == 0)
		verdict_set(v, STAGE_CONDITION,
			    "its condition %s on '%s' (%s) does not hold: the request has no '%s'",
			    op_name, key_name, wanted ? wanted : "?", key_name);
	else
		verdict_set(v, STAGE_CONDITION,
			    "its condition %s on '%s' wants %s%s%s, the request has '%s'",
			    op_name, key_name, json_is_array(want) ? "" : "'",
			    wanted ? wanted : "?", json_is_array(want) ? "" : "'", key->values[0]);
}

static int check_conditions(const json_t *stmt, const struct irsa_trust_request *req,
			    struct verdict *v)
{
	const json_t *cond = json_object_get(stmt, "Condition");
	const char *op_name, *key_name;
	json_t *keys, *want;

	if (!cond)
		return 0;
	if (!json_is_object(cond)) {
		verdict_set(v, STAGE_CONDITION, "its Condition is not an object");
		return -1;
	}
	json_object_foreach((json_t *)cond, op_name, keys) {
		struct cond_op op;

		if (parse_op(op_name, &op) < 0) {
			verdict_set(v, STAGE_CONDITION,
				    "its condition operator '%s' is not one irsactl evaluates", op_name);
			return -1;
		}
		if (!json_is_object(keys)) {
			verdict_set(v, STAGE_CONDITION, "its condition %s is not an object", op_name);
			return -1;
		}
		json_object_foreach(keys, key_name, want) {
			const struct irsa_trust_key *key = find_key(req, key_name);

			if (key_holds(&op, key, want))
				continue;
			describe_key_failure(v, op_name, key_name, key, want);
			return -1;
		}
	}
	return 0;
}

/* --- statements ------------------------------------------------------- */

static void statement_matches(const json_t *stmt, const struct irsa_trust_request *req,
			      struct verdict *v)
{
	v->stage = STAGE_EFFECT;
	v->why[0] = '\0';
	if (check_action(stmt, req, v) < 0)
		return;
	if (check_principal(stmt, req, v) < 0)
		return;
	if (check_conditions(stmt, req, v) < 0)
		return;
	v->stage = STAGE_MATCHED;
}

/* The one-line reason; a long one is cut at the buffer's end. */
_printf_(2, 3)
static void reason_set(struct irsa_trust_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

static void result_set(struct irsa_trust_result *res, enum irsa_trust_decision d, int index,
		       const json_t *stmt)
{
	const json_t *sid = stmt ? json_object_get(stmt, "Sid") : NULL;

	res->decision = d;
	res->statement = index;
	snprintf(res->sid, sizeof(res->sid), "%s", json_is_string(sid) ? json_string_value(sid) : "");
}

static void name_statement(char *out, size_t size, const struct irsa_trust_result *res)
{
	if (res->sid[0])
		snprintf(out, size, "statement %d ('%s')", res->statement, res->sid);
	else
		snprintf(out, size, "statement %d", res->statement);
}

static int check_document(const json_t *doc, const json_t **ret_stmts, struct irsa_error *err)
{
	const json_t *stmts = json_is_object(doc) ? json_object_get(doc, "Statement") : NULL;
	size_t i;
	json_t *s;

	if (!stmts)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the trust policy has no Statement: it lets no one in");
	if (json_is_array(stmts)) {
		json_array_foreach(stmts, i, s)
			if (!json_is_object(s))
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "statement %zu of the trust policy is not an object", i);
	} else if (!json_is_object(stmts)) {
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the trust policy's Statement is neither an object nor a list");
	}
	*ret_stmts = stmts;
	return 0;
}

static const json_t *statement_at(const json_t *stmts, size_t i)
{
	return json_is_array(stmts) ? json_array_get(stmts, i) : (i == 0 ? stmts : NULL);
}

static size_t statement_count(const json_t *stmts)
{
	return json_is_array(stmts) ? json_array_size(stmts) : 1;
}

int irsa_trust_evaluate(const json_t *doc, const struct irsa_trust_request *req,
			struct irsa_trust_result *res, struct irsa_error *err)
{
	const json_t *stmts = NULL;
	int allow = -1, nearest = -1;
	struct verdict nearest_v = { STAGE_EFFECT, "" };
	char name[256];

	memset(res, 0, sizeof(*res));
	res->statement = -1;
	if (check_document(doc, &stmts, err) < 0)
		return -1;
	for (size_t i = 0; i < statement_count(stmts); i++) {
		const json_t *stmt = statement_at(stmts, i);
		const char *effect = json_string_value(json_object_get(stmt, "Effect"));
		struct verdict v;

		if (!effect || (strcmp(effect, "Allow") != 0 && strcmp(effect, "Deny") != 0))
			continue;
		statement_matches(stmt, req, &v);
		if (v.stage == STAGE_MATCHED && strcmp(effect, "Deny") == 0) {
			result_set(res, IRSA_TRUST_EXPLICIT_DENY, (int)i, stmt);
			name_statement(name, sizeof(name), res);
			reason_set(res,
				 "%s explicitly denies %s '%s' the action '%s'", name,
				 req->principal_type, req->principal, req->action);
			return 0;
		}
		if (strcmp(effect, "Deny") == 0)
			continue;
		if (v.stage == STAGE_MATCHED) {
			if (allow < 0)
				allow = (int)i;
		} else if (nearest < 0 || v.stage > nearest_v.stage) {
			nearest = (int)i;
			nearest_v = v;
		}
	}
	if (allow >= 0) {
		result_set(res, IRSA_TRUST_ALLOWED, allow, statement_at(stmts, (size_t)allow));
		name_statement(name, sizeof(name), res);
		reason_set(res, "%s allows %s '%s' the action '%s'", name,
			 req->principal_type, req->principal, req->action);
		return 0;
	}
	if (nearest < 0 || nearest_v.stage <= STAGE_ACTION) {
		result_set(res, IRSA_TRUST_IMPLICIT_DENY, -1, NULL);
		reason_set(res,
			 "no Allow statement of the trust policy covers the action '%s'", req->action);
		return 0;
	}
	result_set(res, IRSA_TRUST_IMPLICIT_DENY, nearest, statement_at(stmts, (size_t)nearest));
	name_statement(name, sizeof(name), res);
	reason_set(res, "no statement allows it: %s comes closest, but %s",
		 name, nearest_v.why);
	return 0;
}

int irsa_trust_evaluate_web_identity(const json_t *doc, const struct irsa_web_identity *wi,
				     struct irsa_trust_result *res, struct irsa_error *err)
{
	const char *issuer = wi->issuer;
	const char *audience = wi->audience ? wi->audience : IRSA_DEFAULT_AUDIENCE;
	_cleanup_free_ char *sub = NULL, *sub_key = NULL, *aud_key = NULL;
	const char *sub_values[1], *aud_values[1] = { audience };
	struct irsa_trust_key keys[2];
	struct irsa_trust_request req = {
		"Federated", wi->provider_arn, IRSA_ACTION_WEB_IDENTITY, keys, 2,
	};

	if (irsa_str_has_prefix(issuer, "https://"))
		issuer += strlen("https://");
	sub = irsa_asprintf("system:serviceaccount:%s:%s", wi->namespace_name,
			    wi->service_account);
	sub_key = irsa_asprintf("%s:sub", issuer);
	aud_key = irsa_asprintf("%s:aud", issuer);
	sub_values[0] = sub;
	keys[0] = (struct irsa_trust_key){ sub_key, sub_values, 1 };
	keys[1] = (struct irsa_trust_key){ aud_key, aud_values, 1 };
	return irsa_trust_evaluate(doc, &req, res, err);
}
