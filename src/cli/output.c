/* Printing results as text, JSON or YAML. */
#include <stdio.h>
#include <string.h>

#include "irsa/yaml.h"

#include "cli.h"

int cli_emit_yaml(const json_t *value, FILE *out)
{
	struct irsa_buf text = IRSA_BUF_INIT;
	int r = irsa_yaml_emit_json(value, &text, NULL);

	if (r == 0 && fwrite(text.data, 1, text.len, out) != text.len)
		r = -1;
	irsa_buf_release(&text);
	return r;
}

static void print_text_generic(const json_t *result, FILE *out)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)result, key, v) {
		if (json_is_string(v)) {
			fprintf(out, "%s: %s\n", key, json_string_value(v));
		} else if (json_is_null(v)) {
			fprintf(out, "%s: -\n", key);
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			fprintf(out, "%s: %s\n", key, s ? s : "");
			free(s);
		}
	}
}

int cli_print_result(const struct cli_ctx *ctx, json_t *result,
		     void (*text_fn)(const struct cli_ctx *ctx, const json_t *result, FILE *out))
{
	int r = 0;

	switch (ctx->output) {
	case CLI_OUTPUT_JSON:
		r = json_dumpf(result, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ? -1 : 0;
		fputc('\n', stdout);
		break;
	case CLI_OUTPUT_YAML:
		r = cli_emit_yaml(result, stdout);
		break;
	case CLI_OUTPUT_TEXT:
		if (text_fn)
			text_fn(ctx, result, stdout);
		else
			print_text_generic(result, stdout);
		break;
	}
	json_decref(result);
	return r;
}

const char *cli_status_phrase(const char *status, bool dry_run)
{
	if (!dry_run)
		return status;
	if (strcmp(status, "created") == 0)
		return "would be created";
	if (strcmp(status, "updated") == 0)
		return "would be updated";
	if (strcmp(status, "deleted") == 0)
		return "would be deleted";
	return status;
}
