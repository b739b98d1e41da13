/* Parsing an invocation against the global and command option tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "irsa/strutil.h"

static const struct cli_option *find_long(const struct cli_option *const *tables, size_t nt,
					  const char *name, size_t len);

/* Reading an option the command does not declare is a bug that would
 * silently read nothing: stop at once, so that any test running the code
 * path fails (tests/test_cli.py also checks every name statically). */
static void check_declared(const struct cli_args *a, const char *name)
{
	if (find_long(a->tables, a->n_tables, name, strlen(name)))
		return;
	fprintf(stderr, "irsactl: internal error: option '--%s' is read but not declared\n", name);
	abort();
}

const char *cli_arg(const struct cli_args *a, const char *name)
{
	check_declared(a, name);
	for (size_t i = a->n; i > 0; i--)
		if (strcmp(a->items[i - 1].opt->name, name) == 0)
			return a->items[i - 1].value;
	return NULL;
}

size_t cli_arg_list(const struct cli_args *a, const char *name, const char *const **ret)
{
	struct cli_args *m = (struct cli_args *)a; /* lists live as long as a */
	const char **list;
	size_t n = 0;

	check_declared(a, name);
	list = irsa_malloc0((a->n + 1) * sizeof(char *));

	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i].opt->name, name) == 0)
			list[n++] = a->items[i].value;
	m->lists = irsa_realloc(m->lists, (m->n_lists + 1) * sizeof(*m->lists));
	m->lists[m->n_lists++] = list;
	*ret = list;
	return n;
}

bool cli_flag(const struct cli_args *a, const char *name)
{
	return cli_arg(a, name) != NULL;
}

size_t cli_positional(const struct cli_args *a, const char *const **ret)
{
	*ret = a->positional;
	return a->n_positional;
}

void cli_args_release(struct cli_args *a)
{
	free(a->items);
	free(a->positional);
	for (size_t i = 0; i < a->n_lists; i++)
		free(a->lists[i]);
	free(a->lists);
	memset(a, 0, sizeof(*a));
}

static const struct cli_option *find_long(const struct cli_option *const *tables, size_t nt,
					  const char *name, size_t len)
{
	for (size_t t = 0; t < nt; t++)
		for (const struct cli_option *o = tables[t]; o && o->name; o++)
			if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
				return o;
	return NULL;
}

static const struct cli_option *find_short(const struct cli_option *const *tables, size_t nt,
					   char c)
{
	for (size_t t = 0; t < nt; t++)
		for (const struct cli_option *o = tables[t]; o && o->name; o++)
			if (o->short_name == c)
				return o;
	return NULL;
}

static int unknown_option(const struct cli_option *const *tables, size_t nt, const char *word,
			  const char *cmd, struct irsa_error *err)
{
	const char *names[256];
	char dashed[256][64];
	size_t n = 0;
	const char *hint;

	for (size_t t = 0; t < nt; t++)
		for (const struct cli_option *o = tables[t]; o && o->name && n < 256; o++) {
			snprintf(dashed[n], sizeof(dashed[n]), "--%s", o->name);
			names[n] = dashed[n];
			n++;
		}
	hint = cli_suggest(word, names, n);
	if (hint)
		return irsa_error_set(err, IRSA_ERR_USAGE, "unknown option '%s'; did you mean '%s'?",
				      word, hint);
	return irsa_error_set(err, IRSA_ERR_USAGE, "unknown option '%s'; see 'irsactl %s%s--help'",
			      word, cmd ? cmd : "", cmd ? " " : "");
}

static void add_item(struct cli_args *a, const struct cli_option *o, const char *value)
{
	a->items = irsa_realloc(a->items, (a->n + 1) * sizeof(*a->items));
	a->items[a->n].opt = o;
	a->items[a->n].value = value;
	a->n++;
}

static int check_repeat(const struct cli_args *a, const struct cli_option *o,
			struct irsa_error *err)
{
	if (o->flags & OPT_REPEAT)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->items[i].opt == o)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "option '--%s' given more than once", o->name);
	return 0;
}

int cli_args_parse(struct cli_args *a, const struct cli_option *const *tables, size_t nt,
		   int argc, char **argv, bool stop_at_positional, const char *cmd,
		   struct irsa_error *err)
{
	int i;

	a->tables = tables;
	a->n_tables = nt;
	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		const struct cli_option *o;
		const char *value = NULL;

		if (strcmp(w, "--") == 0) {
			for (i++; i < argc; i++)
				a->positional[a->n_positional++] = argv[i];
			break;
		}
		if (w[0] != '-' || w[1] == '\0') {
			if (stop_at_positional)
				break;
			a->positional[a->n_positional++] = w;
			continue;
		}
		if (w[1] == '-') {
			const char *eq = strchr(w + 2, '=');

			o = find_long(tables, nt, w + 2, eq ? (size_t)(eq - w - 2) : strlen(w + 2));
			if (eq)
				value = eq + 1;
		} else {
			o = w[2] == '\0' ? find_short(tables, nt, w[1]) : NULL;
		}
		if (!o)
			return unknown_option(tables, nt, w, cmd, err);
		if (check_repeat(a, o, err) < 0)
			return -1;
		if (!o->arg) {
			if (value)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "option '--%s' takes no value", o->name);
			add_item(a, o, "true");
			continue;
		}
		if (!value) {
			if (i + 1 >= argc)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "option '--%s' needs a value (%s)", o->name,
						      o->arg);
			value = argv[++i];
		}
		add_item(a, o, value);
	}
	return i;
}

void cli_args_init(struct cli_args *a, int argc)
{
	memset(a, 0, sizeof(*a));
	a->positional = irsa_malloc0(((size_t)argc + 1) * sizeof(char *));
}

const char *cli_suggest(const char *word, const char *const *names, size_t n)
{
	return irsa_str_closest(word, names, n);
}

bool cli_command_has_option(const struct cli_command *cmd, const char *name)
{
	const struct cli_option *const tables[] = { cmd->options, cli_global_options };

	return find_long(tables, 2, name, strlen(name)) != NULL;
}
