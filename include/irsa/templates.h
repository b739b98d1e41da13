#pragma once
/* Built-in permission templates (src/domain/templates/NAME.json, embedded
 * into the binary at build time by scripts/embed.py).
 *
 * A template is used as  NAME[:KEY=VALUE[,KEY=VALUE...]]
 *   - a list parameter takes several values separated by ';', or the key
 *     repeated: "dynamodb-read:tables=orders;users" or
 *     "dynamodb-read:tables=orders,tables=users";
 *   - values cannot contain ',' (no IAM name or ARN irsactl accepts does).
 * Unknown templates and parameters, a missing required parameter or a
 * value of the wrong form fail with IRSA_ERR_USAGE naming the valid ones.
 *
 * Inside a template file, strings may hold ${PARAM} and the context
 * variables ${partition}, ${region}, ${account}; a ${...} with a ':' is
 * an IAM policy variable (${aws:PrincipalTag/kubernetes-namespace}, the
 * EKS Pod Identity session tags for ABAC) and stays as written; a string holding a list
 * parameter becomes one string per value (inside an array it is spliced
 * in); an object with "$if": "PARAM" is left out when PARAM has no value,
 * with "$if": "!PARAM" when it has one, with "$if": "PARAM=V1|V2" unless
 * one of its values (or its default) is V1 or V2. A parameter's "type" is
 * the form its values are checked against (bucket, queue, KMS key, ...;
 * "enum" with "values"); names of queues, topics, keys, parameters,
 * repositories and secrets become ARNs in ctx's partition, region and
 * account. "one_of" lists parameters of which at least one is needed.
 * "group" ("addon"/"workload") and "source" (the upstream policy) are
 * shown by irsa_template_describe(). scripts/embed.py checks all this at
 * build time.
 *
 * A rendered template becomes an INLINE policy of the role named
 * "irsactl-NAME" (see role.h for why inline). */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "irsa/aws_config.h"
#include "irsa/error.h"

#define IRSA_POLICY_NAME_PREFIX "irsactl-"

/* What a template is rendered for. Members may be NULL while only
 * validating; rendering needs partition, region and account. */
struct irsa_template_ctx {
	const char *partition;
	const char *region;
	const char *account;
	const char *cluster; /* --cluster, the default of "from": "cluster" params */
};

/* A parsed "NAME:k=v,..." reference. */
struct irsa_policy_ref {
	char *name;               /* template name */
	struct irsa_kv *params;   /* in the order given, lists already split */
	size_t n_params;
};
void irsa_policy_ref_release(struct irsa_policy_ref *ref);

/* Parse and validate spec against the template's parameters (names,
 * required ones, value forms). ctx->cluster fills "from": "cluster". */
int irsa_policy_ref_parse(const char *spec, const struct irsa_template_ctx *ctx,
			  struct irsa_policy_ref *ret, struct irsa_error *err);

/* Render the policy document of ref in ctx. New reference in *ret_doc. */
int irsa_template_render(const struct irsa_policy_ref *ref, const struct irsa_template_ctx *ctx,
			 json_t **ret_doc, struct irsa_error *err);

/* The inline policy name for ref: "irsactl-NAME", malloc'd. */
char *irsa_template_policy_name(const struct irsa_policy_ref *ref);
/* The inline policy name for the policy file at path:
 * "irsactl-file-BASENAME" without ".json", readable in IAM's name
 * characters: Latin-1 letters without accents ("café" -> "cafe"), other
 * characters IAM does not allow replaced by '-'. A name that had
 * non-ASCII characters, or is longer than 128, ends in '-' and 8 hex
 * digits of a hash of the file name, so different files keep different
 * names. malloc'd. */
char *irsa_policy_file_policy_name(const char *path);

/* The templates, sorted by name. */
size_t irsa_template_count(void);
const char *irsa_template_name(size_t i);
/* {"name", "group", "description", "source" ({"url", "version"} or null),
 * "params": [{"name", "type", "required", "list", "default", "description",
 * "values" (enums)}]} for `irsactl policy list/show`. */
int irsa_template_describe(const char *name, json_t **ret, struct irsa_error *err);
