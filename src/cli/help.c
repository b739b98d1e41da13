/* --help text and shell completion, both generated from the tables. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "args.h"
#include "cli.h"
#include "irsa/aws_config.h"
#include "irsa/strutil.h"

static void print_options(const struct cli_option *opts, FILE *out)
{
	for (const struct cli_option *o = opts; o && o->name; o++) {
		char left[96];

		if (o->flags & OPT_HIDDEN)
			continue;
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "",
				 (o->flags & OPT_REPEAT) ? " ..." : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "", (o->flags & OPT_REPEAT) ? " ..." : "");
		if (strlen(left) <= 30)
			fprintf(out, "  %-30s %s\n", left, o->help);
		else
			fprintf(out, "  %s\n  %-30s %s\n", left, "", o->help);
	}
}

void cli_print_command_help(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "Usage: irsactl %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
	if (cmd->description && *cmd->description)
		fprintf(out, "\n%s\n", cmd->description);
	if (cmd->options && cmd->options[0].name) {
		fputs("\nOptions:\n", out);
		print_options(cmd->options, out);
	}
	fputs("\nGlobal options:\n", out);
	print_options(cli_global_options, out);
	if (cmd->examples && *cmd->examples)
		fprintf(out, "\nExamples:\n%s\n", cmd->examples);
	fprintf(out, "\nSee irsactl-%s(1) for details.\n", cmd->name);
}

const struct cli_command *cli_command_lookup(const struct cli_command *const *cmds, size_t n,
					      const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cmds[i]->name, name) == 0)
			return cmds[i];
	return NULL;
}

void cli_print_main_help(FILE *out, const struct cli_command *const *cmds, size_t n)
{
	int width = 0;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(cmds[i]->name) > width)
			width = (int)strlen(cmds[i]->name);
	fputs("Usage: irsactl [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
	      "Set up IAM Roles for Service Accounts (IRSA): OIDC provider, IAM role,\n"
	      "trust policy, permissions and the annotated ServiceAccount.\n\nCommands:\n", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-*s  %s\n", width, cmds[i]->name, cmds[i]->summary);
	fputs("\nGlobal options:\n", out);
	print_options(cli_global_options, out);
	fputs("\nRun 'irsactl COMMAND --help' for a command's options; see irsactl(1).\n"
	      "Version " IRSA_VERSION ".\n", out);
}

static int help_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	const char *const *pos;
	const struct cli_command *cmd;

	if (cli_positional(args, &pos) == 0) {
		cli_print_main_help(stdout, ctx->commands, ctx->n_commands);
		return 0;
	}
	cmd = cli_command_lookup(ctx->commands, ctx->n_commands, pos[0]);
	if (!cmd)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "no help for '%s': not an irsactl command; see 'irsactl --help'",
				      pos[0]);
	cli_print_command_help(cmd, stdout);
	return 0;
}

static const struct cli_option help_options[] = { { NULL } };

const struct cli_command cli_cmd_help = {
	.name = "help",
	.summary = "Show help for irsactl or one of its commands",
	.usage = "[COMMAND]",
	.description = "",
	.options = help_options,
	.min_args = 0,
	.max_args = 1,
	.run = help_run,
	.examples = "  irsactl help create-role",
};

/* ---- completion ---------------------------------------------------- */

static const struct cli_option *find_opt(const struct cli_option *opts, const char *word)
{
	for (const struct cli_option *o = opts; o && o->name; o++) {
		if (word[0] == '-' && word[1] == '-' && strcmp(word + 2, o->name) == 0)
			return o;
		if (word[0] == '-' && word[1] == o->short_name && word[1] && !word[2])
			return o;
	}
	return NULL;
}

/* The candidates for an option argument of the given kind; word is the
 * text typed so far. */
static void complete_values(const char *kind, const char *word)
{
	static const char *const regions[] = {
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1",
		"ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1",
		"eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
		"me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "cn-north-1",
		"cn-northwest-1", "us-gov-east-1", "us-gov-west-1",
	};

	if (strcmp(kind, "file") == 0 || strcmp(kind, "dir") == 0) {
		printf(":%s\n", kind);
	} else if (strcmp(kind, "policy-template") == 0) {
		cli_complete_policy_spec(word);
	} else if (strcmp(kind, "region") == 0) {
		for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
			puts(regions[i]);
	} else if (strcmp(kind, "profile") == 0) {
		struct irsa_config *c = NULL;
		const char **names = NULL;
		size_t n;

		if (irsa_config_load(NULL, NULL, &c, NULL) < 0)
			return;
		n = irsa_config_profile_names(c, &names);
		for (size_t i = 0; i < n; i++)
			puts(names[i]);
		free(names);
		irsa_config_free(c);
	} else if (strchr(kind, '|')) {
		for (const char *p = kind; *p;) {
			size_t len = strcspn(p, "|");

			printf("%.*s\n", (int)len, p);
			p += len + (p[len] == '|');
		}
	}
}

/* irsactl __complete WORD... : the words typed so far, the last one being
 * completed (possibly empty). Prints one candidate per line, or ":file"
 * when the shell should complete file names. */
/* The positional words typed after the command name, before the word
 * being completed (words[*ret_n], possibly ""). Caller frees the array. */
static const char **positional_words(const struct cli_command *cmd, int argc, char **argv,
				     size_t *ret_n)
{
	const char **words = irsa_malloc0(((size_t)argc + 1) * sizeof(char *));
	size_t nw = 0;
	bool after = false;

	for (int i = 0; i < argc - 1; i++) {
		const struct cli_option *po = i > 0 ? find_opt(cmd->options, argv[i - 1]) : NULL;

		if (!po && i > 0)
			po = find_opt(cli_global_options, argv[i - 1]);
		if (argv[i][0] == '-' || (po && po->arg))
			continue;
		if (after)
			words[nw++] = argv[i];
		else if (strcmp(argv[i], cmd->name) == 0)
			after = true;
	}
	words[nw] = argc > 0 ? argv[argc - 1] : "";
	*ret_n = nw;
	return words;
}

int cli_complete(int argc, char **argv, const struct cli_command *const *cmds, size_t n)
{
	const struct cli_command *cmd = NULL;
	const char *prev = argc >= 2 ? argv[argc - 2] : NULL;
	const struct cli_option *o;

	for (int i = 0; i < argc - 1 && !cmd; i++)
		if (argv[i][0] != '-' && !(i > 0 && (o = find_opt(cli_global_options, argv[i - 1])) && o->arg))
			cmd = cli_command_lookup(cmds, n, argv[i]);
	if (prev) {
		o = find_opt(cli_global_options, prev);
		if (!o && cmd)
			o = find_opt(cmd->options, prev);
		if (o && o->arg) {
			if (o->complete)
				complete_values(o->complete, argv[argc - 1]);
			return 0;
		}
	}
	if (!cmd && (argc == 0 || argv[argc - 1][0] != '-')) {
		for (size_t i = 0; i < n; i++)
			puts(cmds[i]->name);
		return 0;
	}
	if (cmd && strcmp(cmd->name, "help") == 0 && (argc == 0 || argv[argc - 1][0] != '-')) {
		for (size_t i = 0; i < n; i++)
			puts(cmds[i]->name);
		return 0;
	}
	if (cmd && cmd->complete_args && (argc == 0 || argv[argc - 1][0] != '-')) {
		size_t nw;
		const char **words = positional_words(cmd, argc, argv, &nw);

		cmd->complete_args(words, nw);
		free(words);
		return 0;
	}
	if (cmd && cmd->option_applies) {
		size_t nw;
		const char **words = positional_words(cmd, argc, argv, &nw);

		for (o = cmd->options; o->name; o++)
			if (!(o->flags & OPT_HIDDEN) && cmd->option_applies(words, nw, o->name))
				printf("--%s\n", o->name);
		free(words);
	} else {
		for (o = cmd ? cmd->options : NULL; o && o->name; o++)
			if (!(o->flags & OPT_HIDDEN))
				printf("--%s\n", o->name);
	}
	for (o = cli_global_options; o->name; o++)
		if (!(o->flags & OPT_HIDDEN))
			printf("--%s\n", o->name);
	return 0;
}
