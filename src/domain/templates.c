/* Built-in permission templates: parse "NAME:k=v,...", validate, render.
 * The JSON files live in src/domain/templates/ and are embedded at build
 * time (scripts/embed.py → templates_data.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/buf.h"
#include "irsa/names.h"
#include "irsa/strutil.h"
#include "irsa/templates.h"
#include "templates_data.h"


size_t irsa_template_count(void)
{
	return irsa_template_files_n;
}

const char *irsa_template_name(size_t i)
{
	return i < irsa_template_files_n ? irsa_template_files[i].name : NULL;
}

static const char *closest_template(const char *name)
{
	const char *names[64];
	size_t n = 0;

	for (size_t i = 0; i < irsa_template_files_n && n < 64; i++)
		names[n++] = irsa_template_files[i].name;
	return irsa_str_closest(name, names, n);
}

static char *template_names(void);

static int unknown_template(const char *name, struct irsa_error *err)
{
	_cleanup_free_ char *names = template_names();
	const char *hint = closest_template(name);

	if (hint)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "unknown policy template '%s'; did you mean '%s'? "
				      "(see 'irsactl policy list')", name, hint);
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "unknown policy template '%s'; the templates are: %s "
			      "(see 'irsactl policy list')", name, names);
}

static char *template_names(void)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	for (size_t i = 0; i < irsa_template_files_n; i++)
		irsa_buf_printf(&b, "%s%s", i ? ", " : "", irsa_template_files[i].name);
	return irsa_buf_detach(&b);
}

/* The parsed template file `name` (new reference), or -1. */
static int load(const char *name, json_t **ret, struct irsa_error *err)
{
	for (size_t i = 0; i < irsa_template_files_n; i++) {
		json_error_t jerr;
		json_t *t;

		if (strcmp(irsa_template_files[i].name, name) != 0)
			continue;
		t = json_loads(irsa_template_files[i].text, 0, &jerr);
		if (!t)
			return irsa_error_set(err, IRSA_ERR_INTERNAL,
					      "built-in template '%s' is not valid JSON: %s", name,
					      jerr.text);
		*ret = t;
		return 0;
	}
	return unknown_template(name, err);
}

static char *param_names(const json_t *params)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	const char *key;
	json_t *p;
	bool first = true;

	json_object_foreach((json_t *)params, key, p) {
		irsa_buf_printf(&b, "%s%s%s", first ? "" : ", ", key,
				json_is_true(json_object_get(p, "required")) ? " (required)" : "");
		first = false;
	}
	if (first)
		irsa_buf_puts(&b, "none");
	return irsa_buf_detach(&b);
}

/* ---- value forms --------------------------------------------------------- */

static bool all_chars(const char *s, const char *extra, bool lower_only)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (lower_only ? (islower(c) || isdigit(c)) : isalnum(c))
			continue;
		if (!strchr(extra, c) || !c)
			return false;
	}
	return true;
}

static bool printable(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p < ' ' || *p > '~')
			return false;
	return true;
}

/* s is an ARN of service whose resource starts with prefix. */
static bool arn_of(const char *s, const char *service, const char *prefix)
{
	struct irsa_arn a = { 0 };
	bool ok = irsa_arn_parse(s, "value", &a, NULL) == 0 && strcmp(a.service, service) == 0 &&
		  irsa_str_has_prefix(a.resource, prefix) && a.resource[strlen(prefix)];

	irsa_arn_release(&a);
	return ok;
}

/* 1 to max characters, alphanumerics or extra; '*' allowed only as the
 * last character when star. */
static bool name_form(const char *v, size_t max, const char *extra, bool star)
{
	size_t len = strlen(v);

	if (star && len > 0 && v[len - 1] == '*') {
		_cleanup_free_ char *head = irsa_strndup(v, len - 1);

		return len <= max && all_chars(head, extra, false);
	}
	return len >= 1 && len <= max && all_chars(v, extra, false);
}

/* A queue or topic name: letters, digits, '-' and '_', ".fifo" allowed. */
static bool queue_name(const char *v, size_t max)
{
	size_t len = strlen(v);

	if (len > max)
		return false;
	if (irsa_str_has_suffix(v, ".fifo"))
		len -= strlen(".fifo");
	if (len < 1)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			return false;
	return true;
}

static bool kms_key_id(const char *v)
{
	size_t len = strlen(v);

	if (irsa_str_has_prefix(v, "mrk-"))
		return len == 36 && strspn(v + 4, "0123456789abcdef") == 32;
	if (len != 36)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? v[i] != '-'
							      : !isxdigit((unsigned char)v[i]))
			return false;
	return true;
}

static bool enum_value(const json_t *p, const char *v)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(p, "values"), i, x)
		if (strcmp(json_string_value(x), v) == 0)
			return true;
	return false;
}

static bool sqs_queue_name(const char *v)
{
	return queue_name(v, 80);
}

static bool sns_topic_name(const char *v)
{
	return queue_name(v, 256);
}

static bool ssm_parameter_name(const char *v)
{
	return name_form(*v == '/' ? v + 1 : v, 2048, "_.-/", true);
}

static bool ecr_repository_name(const char *v)
{
	return !strpbrk(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && name_form(v, 256, "._/-", true);
}

static bool log_group_name(const char *v)
{
	return name_form(v, 512, "_-/.#", true);
}

static bool iam_role_name(const char *v)
{
	return name_form(v, 64, "+=.@_-", false);
}

static bool aps_workspace_id(const char *v)
{
	return strcmp(v, "*") == 0 || (irsa_str_has_prefix(v, "ws-") && name_form(v, 64, "-", false));
}

static bool appmesh_name(const char *v)
{
	return strcmp(v, "*") == 0 || name_form(v, 255, "_-", false);
}

/* Parameter types naming an AWS resource: an ARN of service whose resource
 * starts with arn_prefix (when service is set), or a name name_ok accepts
 * (when set); hint says what is expected. */
static const struct resource_form {
	const char *type, *service, *arn_prefix;
	bool (*name_ok)(const char *v);
	const char *hint;
} resource_forms[] = {
	{ "sqs-queue", "sqs", "", sqs_queue_name,
	  "a queue name (1 to 80 of letters, digits, '-' and '_', optionally '.fifo') or queue ARN" },
	{ "sns-topic", "sns", "", sns_topic_name,
	  "a topic name (1 to 256 of letters, digits, '-' and '_', optionally '.fifo') or topic ARN" },
	{ "kms-key", "kms", "key/", kms_key_id,
	  "a KMS key id (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...) or key ARN "
	  "(arn:aws:kms:REGION:ACCOUNT:key/ID)" },
	{ "ssm-parameter", "ssm", "parameter/", ssm_parameter_name,
	  "a parameter name or path ('/app/prod/db', a final '*' for a prefix) or parameter ARN" },
	{ "ecr-repository", "ecr", "repository/", ecr_repository_name,
	  "a repository name (a-z, 0-9, '.', '_', '/' and '-', a final '*' for a prefix) or "
	  "repository ARN" },
	{ "log-group", NULL, NULL, log_group_name,
	  "a log group name (letters, digits and _ - / . #, a final '*' for a prefix)" },
	{ "iam-role-arn", "iam", "role/", NULL, "a role ARN (arn:aws:iam::ACCOUNT:role/NAME)" },
	{ "iam-role-name", NULL, NULL, iam_role_name,
	  "a role name: 1 to 64 of letters, digits and + = . @ _ -" },
	{ "aps-workspace", NULL, NULL, aps_workspace_id,
	  "a workspace id such as 'ws-12345678-abcd-...', or '*'" },
	{ "appmesh-name", NULL, NULL, appmesh_name,
	  "a name: 1 to 255 of letters, digits, '-' and '_', or '*'" },
};

static char *enum_values(const json_t *p)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(p, "values"), i, x)
		irsa_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(x));
	return irsa_buf_detach(&b);
}

/* NULL when value has the form of the parameter p's type, else what it
 * should look like. */
static const char *value_problem(const json_t *p, const char *v)
{
	const char *type = json_string_value(json_object_get(p, "type"));
	size_t len = strlen(v);

	if (!type)
		type = "";
	if (strcmp(type, "s3-bucket") == 0) {
		if (len < 3 || len > 63 || !all_chars(v, ".-", true) ||
		    !isalnum((unsigned char)v[0]) || !isalnum((unsigned char)v[len - 1]) ||
		    strstr(v, ".."))
			return "a bucket name: 3 to 63 of a-z, 0-9, '.' and '-'";
		return NULL;
	}
	if (strcmp(type, "s3-prefix") == 0)
		return len > 0 && len <= 1024 && printable(v) ? NULL
							     : "a key prefix of printable ASCII";
	if (strcmp(type, "dynamodb-table") == 0)
		return len >= 3 && len <= 255 && all_chars(v, "_.-", false)
			       ? NULL
			       : "a table name: 3 to 255 of A-Z, a-z, 0-9, '_', '.' and '-'";
	if (strcmp(type, "secret") == 0) {
		if (irsa_str_has_prefix(v, "arn:"))
			return arn_of(v, "secretsmanager", "secret:")
				       ? NULL
				       : "a Secrets Manager ARN (arn:aws:secretsmanager:REGION:"
					 "ACCOUNT:secret:NAME)";
		return name_form(v, 512, "/_+=.@-", true)
			       ? NULL
			       : "a secret name (letters, digits and / _ + = . @ -, a final '*' "
				 "for a prefix) or ARN";
	}
	if (strcmp(type, "hosted-zone") == 0) {
		if (irsa_str_has_prefix(v, "/hostedzone/"))
			v += strlen("/hostedzone/");
		len = strlen(v);
		if (strcmp(v, "*") == 0 ||
		    (len >= 1 && len <= 32 && all_chars(v, "", false) && !strpbrk(v, "abcdefghijklmnopqrstuvwxyz")))
			return NULL;
		return "a hosted zone id such as 'Z0123456789ABCDEFGHIJ', or '*'";
	}
	if (strcmp(type, "cluster-name") == 0)
		return len >= 1 && len <= 100 && isalnum((unsigned char)v[0]) &&
				       all_chars(v, "_-", false)
			       ? NULL
			       : "a cluster name: 1 to 100 of letters, digits, '-' and '_'";
	if (strcmp(type, "arn") == 0)
		return irsa_arn_parse(v, "value", NULL, NULL) == 0 ? NULL
								   : "an ARN (arn:PARTITION:SERVICE:...)";
	for (size_t i = 0; i < ARRAY_SIZE(resource_forms); i++) {
		const struct resource_form *f = &resource_forms[i];

		if (strcmp(type, f->type) != 0)
			continue;
		if (f->service && arn_of(v, f->service, f->arn_prefix))
			return NULL;
		return f->name_ok && f->name_ok(v) ? NULL : f->hint;
	}
	if (strcmp(type, "enum") == 0)
		return enum_value(p, v) ? NULL : "one of the values 'irsactl policy list' shows";
	return len > 0 && printable(v) ? NULL : "printable ASCII";
}

/* ---- parsing "NAME:k=v,..." ---------------------------------------------- */

void irsa_policy_ref_release(struct irsa_policy_ref *ref)
{
	if (!ref)
		return;
	free(ref->name);
	for (size_t i = 0; i < ref->n_params; i++) {
		free(ref->params[i].key);
		free(ref->params[i].value);
	}
	free(ref->params);
	memset(ref, 0, sizeof(*ref));
}

static size_t count_key(const struct irsa_policy_ref *ref, const char *key)
{
	size_t n = 0;

	for (size_t i = 0; i < ref->n_params; i++)
		n += strcmp(ref->params[i].key, key) == 0;
	return n;
}

static void ref_add(struct irsa_policy_ref *ref, const char *key, const char *value)
{
	ref->params = irsa_realloc(ref->params, (ref->n_params + 1) * sizeof(*ref->params));
	ref->params[ref->n_params].key = irsa_strdup(key);
	ref->params[ref->n_params].value = irsa_strdup(value);
	ref->n_params++;
}

static int add_values(struct irsa_policy_ref *ref, const json_t *params, const char *key,
		      const char *values, struct irsa_error *err)
{
	const json_t *p = json_object_get(params, key);
	bool list = json_is_true(json_object_get(p, "list"));
	_cleanup_free_ char *copy = irsa_strdup(values);
	char *save = NULL;

	if (!list && (strchr(values, ';') || count_key(ref, key) > 0))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "parameter '%s' of template '%s' takes one value", key,
				      ref->name);
	if (!*values)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "parameter '%s' of template '%s' has an empty value", key,
				      ref->name);
	for (char *v = strtok_r(copy, ";", &save); v; v = strtok_r(NULL, ";", &save)) {
		const char *why = value_problem(p, v);

		if (why && json_object_get(p, "values")) {
			_cleanup_free_ char *allowed = enum_values(p);

			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "parameter '%s' of template '%s' has the value '%s'; "
					      "expected one of: %s", key, ref->name, v, allowed);
		}
		if (why)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "parameter '%s' of template '%s' has the value '%s'; "
					      "expected %s", key, ref->name, v, why);
		ref_add(ref, key, v);
	}
	return 0;
}

static int parse_params(struct irsa_policy_ref *ref, const json_t *params, const char *spec,
			const char *list, struct irsa_error *err)
{
	_cleanup_free_ char *copy = irsa_strdup(list);
	char *save = NULL;

	if (!*list)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'%s' has ':' but no parameters; write %s or %s:KEY=VALUE",
				      spec, ref->name, ref->name);
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq) {
			_cleanup_free_ char *names = param_names(params);

			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "'%s' in '%s' is not KEY=VALUE; the parameters of "
					      "template '%s' are: %s", item, spec, ref->name, names);
		}
		*eq = '\0';
		if (!json_object_get(params, item)) {
			_cleanup_free_ char *names = param_names(params);

			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "template '%s' has no parameter '%s'; its parameters "
					      "are: %s", ref->name, item, names);
		}
		if (add_values(ref, params, item, eq + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* A template's "one_of": at least one of these parameters is needed. */
static int check_one_of(const struct irsa_policy_ref *ref, const json_t *tpl,
			struct irsa_error *err)
{
	const json_t *names = json_object_get(tpl, "one_of"), *n;
	struct irsa_buf b = IRSA_BUF_INIT;
	size_t i;

	if (!names)
		return 0;
	json_array_foreach(names, i, n) {
		if (count_key(ref, json_string_value(n)) > 0) {
			irsa_buf_release(&b);
			return 0;
		}
		irsa_buf_printf(&b, "%s%s", i ? ", " : "", json_string_value(n));
	}
	irsa_error_set(err, IRSA_ERR_USAGE,
		       "template '%s' needs at least one of the parameters %s: write %s:KEY=VALUE",
		       ref->name, irsa_buf_str(&b), ref->name);
	irsa_buf_release(&b);
	return -1;
}

int irsa_policy_ref_parse(const char *spec, const struct irsa_template_ctx *ctx,
			  struct irsa_policy_ref *ret, struct irsa_error *err)
{
	struct irsa_policy_ref ref = { 0 };
	json_auto_t *tpl = NULL;
	const char *colon = strchr(spec, ':');
	const json_t *params, *p;
	const char *key;

	ref.name = colon ? irsa_strndup(spec, (size_t)(colon - spec)) : irsa_strdup(spec);
	if (load(ref.name, &tpl, err) < 0)
		goto fail;
	params = json_object_get(tpl, "params");
	if (colon && parse_params(&ref, params, spec, colon + 1, err) < 0)
		goto fail;
	json_object_foreach((json_t *)params, key, p) {
		const char *from = json_string_value(json_object_get(p, "from"));

		if (!json_is_true(json_object_get(p, "required")) || count_key(&ref, key) > 0)
			continue;
		if (from && strcmp(from, "cluster") == 0 && ctx && ctx->cluster) {
			if (add_values(&ref, params, key, ctx->cluster, err) < 0)
				goto fail;
			continue;
		}
		irsa_error_set(err, IRSA_ERR_USAGE,
			       "template '%s' needs the parameter '%s' (%s): write %s:%s=VALUE%s",
			       ref.name, key,
			       json_string_value(json_object_get(p, "description")), ref.name, key,
			       from ? " or give --cluster" : "");
		goto fail;
	}
	if (check_one_of(&ref, tpl, err) < 0)
		goto fail;
	*ret = ref;
	return 0;
fail:
	irsa_policy_ref_release(&ref);
	return -1;
}

char *irsa_template_policy_name(const struct irsa_policy_ref *ref)
{
	return irsa_asprintf(IRSA_POLICY_NAME_PREFIX "%s", ref->name);
}

static bool is_iam_name_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("+=,.@_-", c));
}

/* ASCII for the Latin-1 letters U+00C0-U+00FF ('-' where there is none). */
static const char latin1_ascii[] = "AAAAAAACEEEEIIIIDNOOOOO-OUUUUYTs"
				   "aaaaaaaceeeeiiiidnooooo-ouuuuyty";

static void put_dash(struct irsa_buf *b)
{
	if (b->len == 0 || b->data[b->len - 1] != '-')
		irsa_buf_putc(b, '-');
}

/* The base name in IAM's name characters: Latin-1 letters without their
 * accents, any other character outside the set as one '-'. Sets
 * *non_ascii when the name had a character beyond ASCII. */
static void readable_name(struct irsa_buf *b, const char *s, size_t n, bool *non_ascii)
{
	const char *end = s + n;

	for (const char *p = s; p < end;) {
		const char *q = p;
		unsigned cp;

		if ((unsigned char)*p < 0x80) {
			if (is_iam_name_char(*p))
				irsa_buf_putc(b, *p);
			else
				put_dash(b);
			p++;
			continue;
		}
		*non_ascii = true;
		if (irsa_utf8_next(&q, &cp) < 0 || q > end) {
			put_dash(b);
			p++;
			continue;
		}
		p = q;
		if (cp == 0xdf)
			irsa_buf_puts(b, "ss");
		else if (cp == 0xc6 || cp == 0xe6)
			irsa_buf_puts(b, cp == 0xc6 ? "AE" : "ae");
		else if (cp >= 0xc0 && cp <= 0xff && latin1_ascii[cp - 0xc0] != '-')
			irsa_buf_putc(b, latin1_ascii[cp - 0xc0]);
		else
			put_dash(b);
	}
}

char *irsa_policy_file_policy_name(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base) - (irsa_str_has_suffix(base, ".json") ? 5 : 0);
	struct irsa_buf b = IRSA_BUF_INIT;
	bool non_ascii = false;
	_cleanup_free_ char *full = irsa_strndup(base, n);

	irsa_buf_puts(&b, IRSA_POLICY_NAME_PREFIX "file-");
	readable_name(&b, base, n, &non_ascii);
	/* Names that lost characters stay apart: "café" and "cafè" differ
	 * in a hash of the file name. */
	if (non_ascii) {
		while (b.len > 0 && b.data[b.len - 1] == '-')
			b.data[--b.len] = '\0';
		irsa_buf_printf(&b, "-%08x", irsa_name_hash(full));
	}
	if (b.len > IRSA_POLICY_NAME_MAX) {
		unsigned h = irsa_name_hash(full);

		b.len = IRSA_POLICY_NAME_MAX - 9;
		b.data[b.len] = '\0';
		irsa_buf_printf(&b, "-%08x", h);
	}
	return irsa_buf_detach(&b);
}

/* ---- rendering ----------------------------------------------------------- */

/* The value a template sees for v of type, in ctx. malloc'd. */
static char *normalise(const char *type, const char *v, const struct irsa_template_ctx *ctx)
{
	if (strcmp(type, "s3-prefix") == 0) {
		while (*v == '/')
			v++;
		if (*v && !irsa_str_has_suffix(v, "/"))
			return irsa_asprintf("%s/", v);
		return irsa_strdup(v);
	}
	if (irsa_str_has_prefix(v, "arn:"))
		return irsa_strdup(v);
	/* a name in the session's region and account becomes an ARN; a name
	 * ending in '*' is a prefix, matching the random suffix too */
	if (strcmp(type, "secret") == 0)
		return irsa_asprintf("arn:%s:secretsmanager:%s:%s:secret:%s%s", ctx->partition,
				     ctx->region, ctx->account, v,
				     irsa_str_has_suffix(v, "*") ? "" : "-??????");
	if (strcmp(type, "sqs-queue") == 0 || strcmp(type, "sns-topic") == 0)
		return irsa_asprintf("arn:%s:%s:%s:%s:%s", ctx->partition,
				     strcmp(type, "sqs-queue") == 0 ? "sqs" : "sns", ctx->region,
				     ctx->account, v);
	if (strcmp(type, "kms-key") == 0)
		return irsa_asprintf("arn:%s:kms:%s:%s:key/%s", ctx->partition, ctx->region,
				     ctx->account, v);
	if (strcmp(type, "ssm-parameter") == 0)
		return irsa_asprintf("arn:%s:ssm:%s:%s:parameter/%s", ctx->partition, ctx->region,
				     ctx->account, *v == '/' ? v + 1 : v);
	if (strcmp(type, "ecr-repository") == 0)
		return irsa_asprintf("arn:%s:ecr:%s:%s:repository/%s", ctx->partition, ctx->region,
				     ctx->account, v);
	if (strcmp(type, "hosted-zone") == 0 && irsa_str_has_prefix(v, "/hostedzone/"))
		return irsa_strdup(v + strlen("/hostedzone/"));
	return irsa_strdup(v);
}

/* vars: name → array of values; given: name → true when the user (or the
 * context) supplied a non-empty value. */
/* A jansson constructor failed (out of memory, or text not UTF-8): an
 * error, never a policy that silently lost a value. */
static int build_failed(const char *tname, struct irsa_error *err)
{
	return irsa_error_set(err, IRSA_ERR_INTERNAL,
			      "cannot build the policy of template '%s' (out of memory or text "
			      "that is not UTF-8)", tname);
}

static int build_vars(const struct irsa_policy_ref *ref, const json_t *params,
		      const struct irsa_template_ctx *ctx, json_t *vars, json_t *given,
		      struct irsa_error *err)
{
	const char *key;
	json_t *p;

	if (json_object_set_new(vars, "partition", json_pack("[s]", ctx->partition)) < 0 ||
	    json_object_set_new(vars, "region", json_pack("[s]", ctx->region)) < 0 ||
	    json_object_set_new(vars, "account", json_pack("[s]", ctx->account)) < 0)
		return build_failed(ref->name, err);
	json_object_foreach((json_t *)params, key, p) {
		const char *type = json_string_value(json_object_get(p, "type"));
		const char *def = json_string_value(json_object_get(p, "default"));
		json_t *values = json_array();
		int r = values ? 0 : -1;

		for (size_t i = 0; r == 0 && i < ref->n_params; i++) {
			if (strcmp(ref->params[i].key, key) != 0)
				continue;
			char *n = normalise(type, ref->params[i].value, ctx);

			r = json_array_append_new(values, json_string(n));
			free(n);
		}
		if (r == 0 && json_array_size(values) > 0)
			r = json_object_set_new(given, key, json_true());
		else if (r == 0 && def)
			r = json_array_append_new(values, json_string(def));
		if (r < 0) {
			json_decref(values);
			return build_failed(ref->name, err);
		}
		if (json_object_set_new(vars, key, values) < 0)
			return build_failed(ref->name, err);
	}
	return 0;
}

static int append_unique(json_t *out, const char *s)
{
	size_t i;
	json_t *item;

	json_array_foreach(out, i, item)
		if (strcmp(json_string_value(item), s) == 0)
			return 0;
	return json_array_append_new(out, json_string(s));
}

/* Substitute every ${NAME} of rest, after acc; a list variable gives one
 * string per value (several lists: every combination). */
static int subst(const char *acc, const char *rest, const json_t *vars, const char *tname,
		 json_t *out, struct irsa_error *err)
{
	const char *p = strstr(rest, "${"), *q;
	_cleanup_free_ char *name = NULL;
	const json_t *values, *v;
	size_t i;

	if (!p) {
		_cleanup_free_ char *s = irsa_asprintf("%s%s", acc, rest);

		return append_unique(out, s) < 0 ? build_failed(tname, err) : 0;
	}
	q = strchr(p, '}');
	if (!q)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "built-in template '%s' has an unterminated '${'", tname);
	name = irsa_strndup(p + 2, (size_t)(q - p - 2));
	if (strchr(name, ':')) {
		/* an IAM policy variable (${aws:PrincipalTag/...}): IAM's, kept */
		_cleanup_free_ char *next = irsa_asprintf("%s%.*s", acc, (int)(q + 1 - rest), rest);

		return subst(next, q + 1, vars, tname, out, err);
	}
	values = json_object_get(vars, name);
	if (!values)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "built-in template '%s' uses the unknown variable '%s'", tname,
				      name);
	json_array_foreach(values, i, v) {
		_cleanup_free_ char *next = irsa_asprintf("%s%.*s%s", acc, (int)(p - rest), rest,
							  json_string_value(v));

		if (subst(next, q + 1, vars, tname, out, err) < 0)
			return -1;
	}
	return 0;
}

/* An object key with ${...}: exactly one value. */
static int expand_key(const char *key, const json_t *vars, const char *tname, char **ret,
		      struct irsa_error *err)
{
	json_t *out = json_array();

	if (subst("", key, vars, tname, out, err) < 0) {
		json_decref(out);
		return -1;
	}
	if (json_array_size(out) != 1) {
		json_decref(out);
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "built-in template '%s': the key '%s' needs exactly one value",
				      tname, key);
	}
	*ret = irsa_strdup(json_string_value(json_array_get(out, 0)));
	json_decref(out);
	return 0;
}

/* An object's "$if": "PARAM" (the parameter was given), "!PARAM" (it was
 * not) or "PARAM=V1|V2" (one of its values, given or default, is V1 or V2). */
static bool condition_holds(const char *cond, const json_t *vars, const json_t *given)
{
	const char *eq = strchr(cond, '=');
	_cleanup_free_ char *name = NULL;
	const json_t *v;
	size_t i;

	if (cond[0] == '!')
		return !json_object_get(given, cond + 1);
	if (!eq)
		return json_object_get(given, cond) != NULL;
	name = irsa_strndup(cond, (size_t)(eq - cond));
	json_array_foreach(json_object_get(vars, name), i, v) {
		const char *value = json_string_value(v);

		for (const char *p = eq + 1; *p;) {
			size_t len = strcspn(p, "|");

			if (strlen(value) == len && strncmp(p, value, len) == 0)
				return true;
			p += len + (p[len] == '|');
		}
	}
	return false;
}

/* The expansion of v (new reference), or NULL with *ret_drop set when an
 * object's "$if" parameter has no value. A string expands to an array
 * (one element per value); the caller splices or unwraps it. */
static int expand(const json_t *v, const json_t *vars, const json_t *given, const char *tname,
		  json_t **ret, struct irsa_error *err)
{
	*ret = NULL;
	if (json_is_string(v)) {
		json_t *out = json_array();

		if (subst("", json_string_value(v), vars, tname, out, err) < 0) {
			json_decref(out);
			return -1;
		}
		*ret = out;
		return 0;
	}
	if (json_is_object(v)) {
		const char *cond = json_string_value(json_object_get(v, "$if"));
		json_t *out, *item;
		const char *key;

		if (cond && !condition_holds(cond, vars, given))
			return 0;
		out = json_object();
		json_object_foreach((json_t *)v, key, item) {
			json_t *x;

			_cleanup_free_ char *k = NULL;

			if (strcmp(key, "$if") == 0)
				continue;
			if (expand_key(key, vars, tname, &k, err) < 0) {
				json_decref(out);
				return -1;
			}
			if (expand(item, vars, given, tname, &x, err) < 0) {
				json_decref(out);
				return -1;
			}
			if (!x)
				continue;
			if (json_is_string(item)) {
				int r = 0;

				/* a scalar: one value stays a string */
				if (json_array_size(x) == 1)
					r = json_object_set(out, k, json_array_get(x, 0));
				else if (json_array_size(x) > 1)
					r = json_object_set(out, k, x);
				json_decref(x);
				if (r < 0) {
					json_decref(out);
					return build_failed(tname, err);
				}
			} else if (json_object_set_new(out, k, x) < 0) {
				json_decref(out);
				return build_failed(tname, err);
			}
		}
		*ret = out;
		return 0;
	}
	if (json_is_array(v)) {
		json_t *out = json_array(), *item;
		size_t i;

		json_array_foreach(v, i, item) {
			json_t *x;

			if (expand(item, vars, given, tname, &x, err) < 0) {
				json_decref(out);
				return -1;
			}
			if (!x)
				continue;
			if (json_is_string(item)) {
				size_t j;
				json_t *s;
				int r = 0;

				json_array_foreach(x, j, s)
					if (r == 0)
						r = append_unique(out, json_string_value(s));
				json_decref(x);
				if (r < 0) {
					json_decref(out);
					return build_failed(tname, err);
				}
			} else if (json_array_append_new(out, x) < 0) {
				json_decref(out);
				return build_failed(tname, err);
			}
		}
		*ret = out;
		return 0;
	}
	*ret = json_deep_copy(v);
	return *ret ? 0 : build_failed(tname, err);
}

int irsa_template_render(const struct irsa_policy_ref *ref, const struct irsa_template_ctx *ctx,
			 json_t **ret_doc, struct irsa_error *err)
{
	json_auto_t *tpl = NULL, *vars = json_object(), *given = json_object();
	json_t *doc;

	if (!ctx || !ctx->partition || !ctx->region || !ctx->account)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "template '%s': partition, region and account are needed to "
				      "render it", ref->name);
	if (load(ref->name, &tpl, err) < 0)
		return -1;
	if (!vars || !given ||
	    build_vars(ref, json_object_get(tpl, "params"), ctx, vars, given, err) < 0)
		return vars && given ? -1 : build_failed(ref->name, err);
	if (expand(json_object_get(tpl, "policy"), vars, given, ref->name, &doc, err) < 0)
		return -1;
	*ret_doc = doc;
	return 0;
}

int irsa_template_describe(const char *name, json_t **ret, struct irsa_error *err)
{
	json_auto_t *tpl = NULL;
	json_t *params, *p;
	const char *key;

	if (load(name, &tpl, err) < 0)
		return -1;
	params = json_array();
	json_object_foreach(json_object_get(tpl, "params"), key, p) {
		json_t *d = json_pack("{s:s, s:O, s:b, s:b}", "name", key, "type",
				      json_object_get(p, "type"), "required",
				      json_is_true(json_object_get(p, "required")), "list",
				      json_is_true(json_object_get(p, "list")));

		if (!d ||
		    json_object_set(d, "default", json_object_get(p, "default")
						      ? json_object_get(p, "default") : json_null()) < 0 ||
		    json_object_set(d, "description", json_object_get(p, "description")) < 0 ||
		    (json_object_get(p, "values") &&
		     json_object_set(d, "values", json_object_get(p, "values")) < 0) ||
		    json_array_append_new(params, d) < 0) {
			json_decref(params);
			return build_failed(name, err);
		}
	}
	*ret = json_pack("{s:s, s:O, s:O, s:o}", "name", name, "group",
			 json_object_get(tpl, "group"), "description",
			 json_object_get(tpl, "description"), "params", params);
	if (!*ret || json_object_set(*ret, "source", json_object_get(tpl, "source")
						       ? json_object_get(tpl, "source") : json_null()) < 0) {
		json_decref(*ret);
		*ret = NULL;
		return build_failed(name, err);
	}
	return 0;
}
