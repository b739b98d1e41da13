/* The one finish of every mutating command: execute the plan (unless
 * --dry-run), show its notes and warnings, print the report as text, JSON
 * or YAML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "irsa/log.h"
#include "irsa/plan.h"

static const char *phrase(enum irsa_plan_status status, bool executed)
{
	if (executed)
		return irsa_plan_status_name(status, true);
	switch (status) {
	case IRSA_PLAN_CREATE:
		return "would be created";
	case IRSA_PLAN_UPDATE:
		return "would be updated";
	case IRSA_PLAN_DELETE:
		return "would be deleted";
	default:
		return irsa_plan_status_name(status, false);
	}
}

static void print_indented(FILE *out, const char *indent, const char *text)
{
	for (const char *line = text; line && *line;) {
		size_t len = strcspn(line, "\n");

		fprintf(out, "%s%.*s\n", indent, (int)len, line);
		line += len + (line[len] == '\n');
	}
}

static void print_changes(FILE *out, const json_t *changes)
{
	const char *field;
	json_t *c;

	json_object_foreach((json_t *)changes, field, c) {
		char *from = json_dumps(json_object_get(c, "from"), JSON_ENCODE_ANY | JSON_COMPACT);
		char *to = json_dumps(json_object_get(c, "to"), JSON_ENCODE_ANY | JSON_COMPACT);

		fprintf(out, "      %s: %s -> %s\n", field, from ? from : "", to ? to : "");
		free(from);
		free(to);
	}
}

static void print_action(FILE *out, const struct irsa_plan_action *a)
{
	char *text = NULL;

	fprintf(out, "  %s %s%s%s\n", a->verb, a->target ? a->target : "",
		a->details ? ": " : "", a->details ? a->details : "");
	if (a->changes)
		print_changes(out, a->changes);
	if (a->before)
		text = irsa_json_diff(a->before, a->document);
	else if (a->text_after)
		text = irsa_text_diff(a->text_before ? a->text_before : "", a->text_after,
				      a->text_before ? "before" : "/dev/null", "after");
	else if (a->document)
		text = json_dumps(a->document, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	print_indented(out, "      ", text);
	free(text);
}

void cli_plan_print_text(const struct irsa_plan *plan, FILE *out)
{
	const char *suffix = plan->executed ? "" : " (dry run)";

	/* a plan of several objects: one line per object */
	for (size_t i = 0; i < plan->object_labels.n; i++)
		fprintf(out, "%s %s%s\n", plan->object_labels.items[i],
			phrase(plan->object_status[i], plan->executed), suffix);
	if (plan->label || !plan->object_labels.n)
		fprintf(out, "%s %s%s%s%s\n", plan->label ? plan->label : "",
			phrase(plan->status, plan->executed), plan->where ? " in " : "",
			plan->where ? plan->where : "", suffix);
	if (plan->executed)
		return;
	for (size_t i = 0; i < plan->n_actions; i++)
		print_action(out, &plan->actions[i]);
}

static void progress(void *userdata, const struct irsa_plan_action *a)
{
	const struct cli_ctx *ctx = userdata;

	if (isatty(STDERR_FILENO))
		cli_status(ctx, "%s %s", a->verb, a->target ? a->target : "");
}

int cli_plan_finish(struct cli_ctx *ctx, struct irsa_plan *plan, bool dry_run,
		    struct irsa_error *err)
{
	/* notes and warnings first: they still matter when an action fails */
	for (size_t i = 0; i < plan->notes.n; i++)
		cli_log(ctx, CLI_LOG_INFO, "%s", plan->notes.items[i]);
	for (size_t i = 0; i < plan->warnings.n; i++)
		cli_log(ctx, CLI_LOG_WARN, "%s", plan->warnings.items[i]);
	if (!dry_run && irsa_plan_execute(plan, progress, ctx, err) < 0)
		return -1;
	if (ctx->output == CLI_OUTPUT_TEXT) {
		cli_plan_print_text(plan, stdout);
		return 0;
	}
	return cli_print_result(ctx, irsa_plan_to_json(plan), NULL);
}
