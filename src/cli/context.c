/* What every command may ask of the run: the AWS session and account
 * helper (created on first use from the global options), status lines and
 * error hints. Kept apart from main.c so that commands never call back
 * into the dispatcher that calls them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "irsa/strutil.h"

struct irsa_aws *cli_aws(struct cli_ctx *ctx, struct irsa_error *err)
{
	struct irsa_aws_options opts = { ctx->profile, ctx->region, NULL };

	if (!ctx->aws) {
		if (irsa_aws_new(&opts, &ctx->aws, err) < 0)
			return NULL;
		irsa_account_init(&ctx->account, ctx->aws);
	}
	return ctx->aws;
}

struct irsa_account *cli_account(struct cli_ctx *ctx, struct irsa_error *err)
{
	return cli_aws(ctx, err) ? &ctx->account : NULL;
}

void cli_status(const struct cli_ctx *ctx, const char *fmt, ...)
{
	char *raw, *safe;
	va_list ap;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	raw = irsa_vasprintf(fmt, ap);
	va_end(ap);
	safe = cli_escape(raw);
	fprintf(stderr, "%s\n", safe);
	free(raw);
	free(safe);
}

const char *cli_error_hint(const struct irsa_error *err)
{
	/* IAM's answer when a trust policy names an OIDC provider that does
	 * not exist (create-role checks first; this covers a race) */
	if (strcmp(err->code, "MalformedPolicyDocument") == 0)
		return "does the OIDC provider exist? see 'irsactl associate-oidc'";
	return NULL;
}
