/* Printing results as text, JSON or YAML. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/yaml.h"

#include "cli.h"
#include "irsa/log.h"
#include "irsa/strutil.h"

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

/* C0 controls, DEL and the C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F)
 * as \n, \t, \r or \xHH; everything else as it is. */
char *cli_escape(const char *s)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p; p++) {
		if (*p == '\n')
			irsa_buf_puts(&b, "\\n");
		else if (*p == '\t')
			irsa_buf_puts(&b, "\\t");
		else if (*p == '\r')
			irsa_buf_puts(&b, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			irsa_buf_printf(&b, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			irsa_buf_printf(&b, "\\u%04x", *++p);
		else
			irsa_buf_putc(&b, (char)*p);
	}
	return irsa_buf_detach(&b);
}

void cli_log(const struct cli_ctx *ctx, enum cli_log_kind level, const char *fmt, ...)
{
	char *raw, *safe;
	va_list ap;

	va_start(ap, fmt);
	raw = irsa_vasprintf(fmt, ap);
	va_end(ap);
	safe = cli_escape(raw);
	if (level == CLI_LOG_WARN)
		irsa_log_warn("%s", safe);
	else if (level == CLI_LOG_DEBUG)
		irsa_log_debug("%s", safe);
	else
		irsa_log_info("%s", safe);
	free(raw);
	free(safe);
}
