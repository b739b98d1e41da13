#pragma once
/* Helpers shared by associate-oidc and disassociate-oidc
 * (defined in oidc-common.c). */
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "cli.h"
#include "irsa/oidc.h"

/* --cluster NAME or --issuer-url URL (at most one; exactly one when
 * required), validated; no request. *ret_issuer is the normalised URL
 * (malloc'd) for --issuer-url. */
int cli_oidc_target(const struct cli_args *args, bool required, const char **ret_cluster,
		    char **ret_issuer, struct irsa_error *err);
