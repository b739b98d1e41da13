#pragma once
/* Helpers shared by associate-oidc and disassociate-oidc (defined in
 * cmd-associate-oidc.c). */
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "cli.h"
#include "irsa/oidc.h"

/* --cluster NAME or --issuer-url URL (exactly one), validated; no
 * request. *ret_issuer is the normalised URL (malloc'd) for --issuer-url. */
int cli_oidc_target(const struct cli_args *args, const char **ret_cluster, char **ret_issuer,
		    struct irsa_error *err);
int cli_oidc_check_cluster_name(const char *name, struct irsa_error *err);
/* Text output: "ARN STATUS", and the actions with --dry-run. */
void cli_oidc_print_text(const struct cli_ctx *ctx, const json_t *result, FILE *out);
void cli_oidc_print_warnings(const struct irsa_oidc_plan *plan);
