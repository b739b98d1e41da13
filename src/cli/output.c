/* Printing results as text, JSON or YAML. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "cli.h"
#include "irsa/log.h"
#include "irsa/strutil.h"

static int yaml_out(void *data, unsigned char *buffer, size_t size)
{
	return fwrite(buffer, 1, size, (FILE *)data) == size;
}

static int emit_scalar(yaml_emitter_t *e, const char *value, bool plain_ok)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)value, (int)strlen(value),
				     plain_ok, 1,
				     plain_ok ? YAML_ANY_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	return yaml_emitter_emit(e, &ev);
}

static int emit_value(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	char num[64];

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *item;

		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return 0;
		json_object_foreach((json_t *)v, key, item) {
			if (!emit_scalar(e, key, true) || !emit_value(e, item))
				return 0;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *item;

		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return 0;
		json_array_foreach(v, i, item) {
			if (!emit_value(e, item))
				return 0;
		}
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	}
	case JSON_STRING: {
		/* A string that would read back as another type must be quoted:
		 * libyaml's plain style does not know about YAML 1.1 booleans,
		 * numbers or null, so quote whatever is not plainly a string. */
		const char *s = json_string_value(v);
		static const char *const special[] = {
			"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
			"True", "False", "Yes", "No", "On", "Off", "Null", "NULL", "TRUE", "FALSE",
			"YES", "NO", "ON", "OFF", "Y", "N", "",
		};
		bool plain = true;
		char *end;

		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
			if (strcmp(s, special[i]) == 0)
				plain = false;
		if (*s) {
			(void)strtod(s, &end);
			if (*end == '\0')
				plain = false;
		}
		return emit_scalar(e, s, plain);
	}
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return emit_scalar(e, num, true);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		return emit_scalar(e, num, true);
	case JSON_TRUE:
		return emit_scalar(e, "true", true);
	case JSON_FALSE:
		return emit_scalar(e, "false", true);
	case JSON_NULL:
		return emit_scalar(e, "null", true);
	}
	return 0;
}

int cli_emit_yaml(const json_t *value, FILE *out)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&e))
		return -1;
	yaml_emitter_set_output(&e, yaml_out, out);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_width(&e, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = yaml_emitter_emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	ok = ok && yaml_emitter_emit(&e, &ev);
	ok = ok && emit_value(&e, value);
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && yaml_emitter_emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && yaml_emitter_emit(&e, &ev);
	yaml_emitter_delete(&e);
	return ok ? 0 : -1;
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
