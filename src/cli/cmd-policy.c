/* irsactl policy list | show TEMPLATE[:K=V,...]: the built-in permission
 * templates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "irsa/names.h"
#include "irsa/strutil.h"
#include "irsa/templates.h"
#include "irsa/trust.h"

static const struct cli_option policy_options[] = {
	{ "account-id", 0, "ID", "account in rendered ARNs (default: '*')", 0, NULL },
	{ "cluster", 'c', "NAME", "cluster name for templates that take one (cluster-autoscaler, karpenter)", 0, NULL },
	{ NULL },
};

/* The groups of `policy list`, in their order. */
static const struct {
	const char *name, *title;
} groups[] = {
	{ "addon", "Add-ons" },
	{ "workload", "Workloads" },
};

static void print_template(const json_t *t, FILE *out)
{
	const json_t *src = json_object_get(t, "source"), *p;
	size_t j;

	fprintf(out, "  %-30s %s\n", json_string_value(json_object_get(t, "name")),
		json_string_value(json_object_get(t, "description")));
	json_array_foreach(json_object_get(t, "params"), j, p) {
		const char *def = json_string_value(json_object_get(p, "default"));
		const json_t *values = json_object_get(p, "values");

		fprintf(out, "    %s=%s%s%s%s%s\n", json_string_value(json_object_get(p, "name")),
			json_is_true(json_object_get(p, "list")) ? "V1;V2..." : "VALUE",
			json_is_true(json_object_get(p, "required")) ? " (required)" : "",
			def && *def ? " (default: " : "", def && *def ? def : "",
			def && *def ? ")" : "");
		fprintf(out, "        %s", json_string_value(json_object_get(p, "description")));
		if (values) {
			const json_t *v;
			size_t k;

			fputs("; one of", out);
			json_array_foreach(values, k, v)
				fprintf(out, "%s %s", k ? "," : "", json_string_value(v));
		}
		fputc('\n', out);
	}
	if (json_is_object(src))
		fprintf(out, "    upstream: %s (%s)\n", json_string_value(json_object_get(src, "url")),
			json_string_value(json_object_get(src, "version")));
}

static void print_list(const struct cli_ctx *ctx, const json_t *result, FILE *out)
{
	const json_t *t;
	size_t i;

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		fprintf(out, "%s%s:\n", g ? "\n" : "", groups[g].title);
		json_array_foreach(json_object_get(result, "templates"), i, t)
			if (strcmp(json_string_value(json_object_get(t, "group")), groups[g].name) == 0)
				print_template(t, out);
	}
}

/* {"templates": [every template as irsa_template_describe() gives it],
 *  "groups": [{"group", "title", "templates": [names]}]} */
static int list_run(struct cli_ctx *ctx, struct irsa_error *err)
{
	json_t *all = json_array(), *by_group = json_array();

	for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
		json_array_append_new(by_group, json_pack("{s:s, s:s, s:[]}", "group", groups[g].name,
							  "title", groups[g].title, "templates"));
	for (size_t i = 0; i < irsa_template_count(); i++) {
		const char *group;
		json_t *d;

		if (irsa_template_describe(irsa_template_name(i), &d, err) < 0) {
			json_decref(all);
			json_decref(by_group);
			return -1;
		}
		group = json_string_value(json_object_get(d, "group"));
		for (size_t g = 0; g < ARRAY_SIZE(groups); g++)
			if (group && strcmp(group, groups[g].name) == 0)
				json_array_append_new(json_object_get(json_array_get(by_group, g), "templates"),
						      json_string(irsa_template_name(i)));
		json_array_append_new(all, d);
	}
	return cli_print_result(ctx, json_pack("{s:o, s:o}", "templates", all, "groups", by_group),
				print_list);
}

static void print_document(const struct cli_ctx *ctx, const json_t *doc, FILE *out)
{
	char *s = irsa_policy_pretty(doc);

	fprintf(out, "%s\n", s ? s : "");
	free(s);
}

static int show_run(struct cli_ctx *ctx, const struct cli_args *args, const char *spec,
		    struct irsa_error *err)
{
	struct irsa_template_ctx tctx = { .cluster = cli_arg(args, "cluster") };
	struct irsa_policy_ref ref = { 0 };
	const char *account = cli_arg(args, "account-id");
	struct irsa_aws *aws;
	json_t *doc = NULL;
	int r;

	if (account && irsa_validate_account_id(account, err) < 0)
		return irsa_error_prefix(err, "--account-id");
	if (irsa_policy_ref_parse(spec, &tctx, &ref, err) < 0)
		return -1;
	/* the session only for the region and partition: no request */
	aws = cli_aws(ctx, err);
	if (!aws) {
		irsa_policy_ref_release(&ref);
		return -1;
	}
	tctx.partition = irsa_aws_partition(aws)->id;
	tctx.region = irsa_aws_region(aws);
	tctx.account = account ? account : "*";
	r = irsa_template_render(&ref, &tctx, &doc, err);
	irsa_policy_ref_release(&ref);
	if (r < 0)
		return -1;
	return cli_print_result(ctx, doc, print_document);
}

static int policy_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	const char *const *pos;
	size_t n = cli_positional(args, &pos);

	if (strcmp(pos[0], "list") == 0) {
		if (n != 1)
			return irsa_error_set(err, IRSA_ERR_USAGE, "'policy list' takes no arguments");
		return list_run(ctx, err);
	}
	if (strcmp(pos[0], "show") == 0) {
		if (n != 2)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "'policy show' needs one template: irsactl policy show "
					      "TEMPLATE[:KEY=VALUE,...]");
		return show_run(ctx, args, pos[1], err);
	}
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "unknown 'policy' subcommand '%s'; use 'list' or 'show'", pos[0]);
}

/* The candidates for the parameter item being typed at the end of word
 * (after "NAME:" or a ','): "KEY=" for each parameter, or after "KEY=" the
 * values of an enum parameter; each the whole word. */
static void complete_params(const char *word, const char *colon)
{
	_cleanup_free_ char *name = irsa_strndup(word, (size_t)(colon - word));
	const char *item = strrchr(colon + 1, ',') ? strrchr(colon + 1, ',') + 1 : colon + 1;
	const char *eq = strchr(item, '=');
	struct irsa_error err = { 0 };
	json_t *d = NULL, *p;
	size_t i;

	if (irsa_template_describe(name, &d, &err) < 0) {
		irsa_error_clear(&err);
		return;
	}
	json_array_foreach(json_object_get(d, "params"), i, p) {
		const char *key = json_string_value(json_object_get(p, "name"));
		const json_t *v;
		size_t k;

		if (!eq) {
			printf("%.*s%s=\n", (int)(item - word), word, key);
			continue;
		}
		if (strlen(key) != (size_t)(eq - item) || strncmp(key, item, strlen(key)) != 0)
			continue;
		json_array_foreach(json_object_get(p, "values"), k, v)
			printf("%.*s%s\n", (int)(eq + 1 - word), word, json_string_value(v));
	}
	json_decref(d);
}

void cli_complete_policy_spec(const char *word)
{
	const char *colon = word ? strchr(word, ':') : NULL;

	if (colon) {
		complete_params(word, colon);
		return;
	}
	for (size_t i = 0; i < irsa_template_count(); i++)
		puts(irsa_template_name(i));
}

/* "list" / "show", then a template reference after "show". */
static void complete_args(const char *const *words, size_t n)
{
	if (n == 0) {
		puts("list");
		puts("show");
	} else if (n == 1 && strcmp(words[0], "show") == 0) {
		cli_complete_policy_spec(words[1]);
	}
}

const struct cli_command cli_cmd_policy = {
	.name = "policy",
	.summary = "List the built-in permission templates or show one rendered",
	.usage = "list | show TEMPLATE[:KEY=VALUE,...] [--account-id ID] [--cluster NAME]",
	.description =
		"'policy list' prints every template, add-ons then workloads, with its\n"
		"parameters and an add-on's upstream policy. 'policy show'\n"
		"renders one as create-role --policy would (partition and region from\n"
		"--region, account from --account-id or '*'). Offline: no request is sent.\n"
		"Syntax: TEMPLATE:KEY=VALUE,KEY=VALUE; a list parameter takes V1;V2 or the\n"
		"key repeated.",
	.options = policy_options,
	.min_args = 1,
	.max_args = 2,
	.run = policy_run,
	.examples =
		"  irsactl policy list\n"
		"  irsactl policy show s3-read:bucket=my-bucket,prefix=reports/\n"
		"  irsactl policy show dynamodb-read:tables=orders;users --account-id 111122223333\n"
		"  irsactl policy show karpenter --cluster prod",
	.complete_args = complete_args,
};
