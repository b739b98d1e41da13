/* irsactl: parsing the global options and dispatching to a command (the
 * table of commands and global options is in commands.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "args.h"
#include "cli.h"
#include "irsa/log.h"
#include "irsa/strutil.h"

static int apply_globals(struct cli_ctx *ctx, const struct cli_args *a, struct irsa_error *err)
{
	const char *out = cli_arg(a, "output");
	const char *nc = getenv("NO_COLOR");

	if (cli_arg(a, "profile"))
		ctx->profile = cli_arg(a, "profile");
	if (cli_arg(a, "region"))
		ctx->region = cli_arg(a, "region");
	if (out) {
		if (strcmp(out, "text") == 0)
			ctx->output = CLI_OUTPUT_TEXT;
		else if (strcmp(out, "json") == 0)
			ctx->output = CLI_OUTPUT_JSON;
		else if (strcmp(out, "yaml") == 0)
			ctx->output = CLI_OUTPUT_YAML;
		else
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "unknown output format '%s'; use text, json or yaml", out);
	}
	if (cli_flag(a, "debug"))
		ctx->debug = true;
	if (cli_flag(a, "quiet"))
		ctx->quiet = true;
	ctx->color = isatty(STDERR_FILENO) && !(nc && *nc) && !cli_flag(a, "no-color");
	irsa_log_level = ctx->debug ? IRSA_LOG_DEBUG : ctx->quiet ? IRSA_LOG_QUIET : IRSA_LOG_INFO;
	return 0;
}

static int unknown_command(const char *name, struct irsa_error *err)
{
	const char *names[64];
	size_t n;
	const struct cli_command *const *commands = cli_commands(&n);
	const char *hint;

	for (size_t i = 0; i < n && i < ARRAY_SIZE(names); i++)
		names[i] = commands[i]->name;
	hint = cli_suggest(name, names, n);
	if (hint)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'%s' is not an irsactl command; did you mean '%s'?", name, hint);
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "'%s' is not an irsactl command; see 'irsactl --help'", name);
}

static int check_arg_count(const struct cli_command *cmd, size_t n, struct irsa_error *err)
{
	if ((int)n < cmd->min_args)
		return irsa_error_set(err, IRSA_ERR_USAGE, "'%s' needs more arguments: irsactl %s %s",
				      cmd->name, cmd->name, cmd->usage);
	if (cmd->max_args >= 0 && (int)n > cmd->max_args)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'%s' takes %s; usage: irsactl %s %s", cmd->name,
				      cmd->max_args == 0 ? "no arguments" : "fewer arguments",
				      cmd->name, cmd->usage);
	return 0;
}

/* A result printed to a closed pipe or a full disk must not look like
 * success. EPIPE is fine: the reader went away on purpose. */
static int finish_stdout(struct irsa_error *err)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return 0;
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the result to stdout: %s",
				      strerror(errno));
	}
	return 0;
}

static int run_command(struct cli_ctx *ctx, const struct cli_command *cmd, int argc,
		       char **argv, struct irsa_error *err)
{
	const struct cli_option *const tables[] = { cmd->options, cli_global_options };
	struct cli_args args;
	const char *const *pos;
	int r;

	cli_args_init(&args, argc);
	r = cli_args_parse(&args, tables, 2, argc, argv, false, cmd->name, err);
	if (r < 0)
		goto out;
	r = apply_globals(ctx, &args, err);
	if (r < 0)
		goto out;
	if (cli_flag(&args, "help")) {
		cli_print_command_help(cmd, stdout);
		r = finish_stdout(err);
		goto out;
	}
	r = check_arg_count(cmd, cli_positional(&args, &pos), err);
	if (r < 0)
		goto out;
	r = cmd->run(ctx, &args, err);
	if (finish_stdout(r < 0 ? NULL : err) < 0)
		r = -1;
out:
	cli_args_release(&args);
	return r;
}

static int run(int argc, char **argv, struct irsa_error *err)
{
	const struct cli_option *const tables[] = { cli_global_options };
	struct cli_ctx ctx = { .output = CLI_OUTPUT_TEXT };
	const struct cli_command *cmd;
	struct cli_args globals;
	int i, r;

	ctx.commands = cli_commands(&ctx.n_commands);
	if (argc > 1 && strcmp(argv[1], "__complete") == 0)
		return cli_complete(argc - 2, argv + 2, ctx.commands, ctx.n_commands);
	cli_args_init(&globals, argc);
	i = cli_args_parse(&globals, tables, 1, argc - 1, argv + 1, true, NULL, err);
	if (i < 0 || apply_globals(&ctx, &globals, err) < 0) {
		cli_args_release(&globals);
		return -1;
	}
	if (cli_flag(&globals, "version")) {
		cli_args_release(&globals);
		printf("irsactl %s\n", IRSA_VERSION);
		return finish_stdout(err);
	}
	if (i >= argc - 1) {
		bool help = cli_flag(&globals, "help");

		cli_args_release(&globals);
		cli_print_main_help(help ? stdout : stderr, ctx.commands, ctx.n_commands);
		if (help)
			return finish_stdout(err);
		return irsa_error_set(err, IRSA_ERR_USAGE, "no command given");
	}
	cmd = cli_command_lookup(ctx.commands, ctx.n_commands, argv[1 + i]);
	if (!cmd) {
		r = unknown_command(argv[1 + i], err);
		cli_args_release(&globals);
		return r;
	}
	r = run_command(&ctx, cmd, argc - 2 - i, argv + 2 + i, err);
	cli_args_release(&globals);
	irsa_account_release(&ctx.account);
	irsa_aws_free(ctx.aws);
	return r < 0 ? r : ctx.exit_code;
}

int main(int argc, char **argv)
{
	struct irsa_error err = { 0 };
	int r = run(argc, argv, &err);

	if (r < 0) {
		if (err.kind == IRSA_ERR_NONE)
			err.kind = IRSA_ERR_INTERNAL;
		if (err.message[0]) {
			char *msg = cli_escape(err.message);
			const char *hint = cli_error_hint(&err);

			fprintf(stderr, "irsactl: error: %s%s%s%s\n", msg, hint ? " (" : "",
				hint ? hint : "", hint ? ")" : "");
			free(msg);
		}
		return irsa_error_exit_code(err.kind);
	}
	return r;
}
