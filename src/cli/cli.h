#pragma once
/* The command-line frame: one table of commands, each with its option
 * table. Parsing, --help, "did you mean" and shell completion all come
 * from these tables, so they cannot drift apart.
 *
 * Adding a command: write src/cli/cmd-NAME.c defining
 * `const struct cli_command cli_cmd_NAME`, declare it below, add it to
 * the table in commands.c and the file to src/cli/meson.build, write
 * man/irsactl-NAME.1.scd, and add tests. */
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "irsa/aws.h"
#include "irsa/error.h"
#include "irsa/request.h"

enum cli_opt_flags {
	OPT_REPEAT = 1 << 0, /* may be given several times */
	OPT_HIDDEN = 1 << 1, /* not in --help */
};

struct cli_option {
	const char *name;     /* long name without "--" */
	char short_name;      /* 0 if none */
	const char *arg;      /* metavariable; NULL for a boolean flag */
	const char *help;
	unsigned flags;       /* enum cli_opt_flags */
	const char *complete; /* "file", "dir", "profile", "region", "context",
			       * "policy-template", or "a|b|c" */
};

enum cli_output { CLI_OUTPUT_TEXT, CLI_OUTPUT_JSON, CLI_OUTPUT_YAML };

struct cli_ctx {
	const char *profile;
	const char *region;
	enum cli_output output;
	bool debug, quiet, color;
	struct irsa_aws *aws; /* created by cli_aws() on first use */
	struct irsa_account account; /* the account helper of aws (account.h) */
	int exit_code;        /* on success: 0, or a command's own code (apply's 10) */
	const struct cli_command *const *commands; /* the command table (commands.c) */
	size_t n_commands;
};

struct cli_args;

struct cli_command {
	const char *name;
	const char *summary;     /* one line, for the command list */
	const char *usage;       /* after "irsactl NAME " */
	const char *description; /* paragraphs for --help */
	const struct cli_option *options; /* terminated by { NULL } */
	int min_args, max_args;  /* positional arguments; max -1 = any */
	int (*run)(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err);
	const char *examples;    /* lines for --help */
	/* Shell completion of positional arguments (may be NULL): words are
	 * the positional arguments typed before the one being completed
	 * (words[n] is the one being completed, possibly ""); prints one
	 * candidate per line. */
	void (*complete_args)(const char *const *words, size_t n);
	/* For a command whose options depend on its subcommand (may be NULL):
	 * whether --name applies after the positional words typed. */
	bool (*option_applies)(const char *const *words, size_t n, const char *name);
};

/* The option values of one invocation. Strings borrowed from argv. A name
 * the command does not declare (in its table or the global one) aborts:
 * see check_declared() in args.c. */
const char *cli_arg(const struct cli_args *a, const char *name);
size_t cli_arg_list(const struct cli_args *a, const char *name, const char *const **ret);
bool cli_flag(const struct cli_args *a, const char *name);
size_t cli_positional(const struct cli_args *a, const char *const **ret);
/* True when cmd (or the global table) declares the option --name. */
bool cli_command_has_option(const struct cli_command *cmd, const char *name);

/* The AWS session for this run, created on first use from the global
 * options. Returns NULL with err set on failure. */
struct irsa_aws *cli_aws(struct cli_ctx *ctx, struct irsa_error *err);
/* The session's account helper (GetCallerIdentity at most once per
 * process), creating the session when needed. */
struct irsa_account *cli_account(struct cli_ctx *ctx, struct irsa_error *err);

/* Print a result: json/yaml print the object; text calls text_fn (or a
 * generic "key: value" listing when text_fn is NULL). Steals `result`. */
int cli_print_result(const struct cli_ctx *ctx, json_t *result,
		     void (*text_fn)(const struct cli_ctx *ctx, const json_t *result, FILE *out));
/* Emit json_t as YAML (block style, libyaml quoting). */
int cli_emit_yaml(const json_t *value, FILE *out);

/* The finish of every mutating command: execute the plan unless dry_run
 * (a progress line per action on a terminal), show its notes and
 * warnings, print its report (irsa_plan_to_json(), or in text "LABEL
 * STATUS" and with --dry-run the actions, changes, diffs and documents). */
struct irsa_plan;
int cli_plan_finish(struct cli_ctx *ctx, struct irsa_plan *plan, bool dry_run,
		    struct irsa_error *err);
void cli_plan_print_text(const struct irsa_plan *plan, FILE *out);

/* s with control characters (C0, DEL, C1) escaped as \n, \xHH ..., so a
 * value from the command line or a server cannot break a one-line message
 * or reach the terminal as an escape sequence. malloc'd. */
char *cli_escape(const char *s);
/* A hint for what to do about err, from its kind and code (never its
 * message), or NULL. The one place hints are added to errors. */
const char *cli_error_hint(const struct irsa_error *err);
enum cli_log_kind { CLI_LOG_INFO, CLI_LOG_WARN, CLI_LOG_DEBUG };
/* A log line on stderr (irsa/log.h levels), escaped with cli_escape(). */
void cli_log(const struct cli_ctx *ctx, enum cli_log_kind kind, const char *fmt, ...)
	_printf_(3, 4);

/* Progress / status lines on stderr (not with --quiet), escaped with
 * cli_escape(). */
void cli_status(const struct cli_ctx *ctx, const char *fmt, ...) _printf_(2, 3);

/* Global options, shared by every command. */
extern const struct cli_option cli_global_options[];

/* The commands. */
extern const struct cli_command cli_cmd_annotate_sa;
extern const struct cli_command cli_cmd_apply;
extern const struct cli_command cli_cmd_associate_oidc;
extern const struct cli_command cli_cmd_create_role;
extern const struct cli_command cli_cmd_delete_role;
extern const struct cli_command cli_cmd_disassociate_oidc;
extern const struct cli_command cli_cmd_help;
extern const struct cli_command cli_cmd_list;
extern const struct cli_command cli_cmd_migrate_to_pod_identity;
extern const struct cli_command cli_cmd_pod_identity;
extern const struct cli_command cli_cmd_policy;
extern const struct cli_command cli_cmd_render_trust_policy;
extern const struct cli_command cli_cmd_token;
extern const struct cli_command cli_cmd_update_kubeconfig;
extern const struct cli_command cli_cmd_verify;
extern const struct cli_command cli_cmd_whoami;

/* The table of commands (commands.c), sorted by name. Only main.c asks
 * for it; it hands it on (cli_ctx.commands, the arguments below), so that
 * nothing a command calls refers back to the table. */
const struct cli_command *const *cli_commands(size_t *ret_n);
/* help.c: help and completion of the commands in cmds. */
const struct cli_command *cli_command_lookup(const struct cli_command *const *cmds, size_t n,
					      const char *name);
void cli_print_command_help(const struct cli_command *cmd, FILE *out);
void cli_print_main_help(FILE *out, const struct cli_command *const *cmds, size_t n);
int cli_complete(int argc, char **argv, const struct cli_command *const *cmds, size_t n);
/* Candidates for a --policy value being typed: template names, then after
 * "NAME:" its parameters ("NAME:KEY="), after "KEY=" an enum's values. */
void cli_complete_policy_spec(const char *word);
/* Closest of names to word by edit distance, or NULL if none is close. */
const char *cli_suggest(const char *word, const char *const *names, size_t n);
