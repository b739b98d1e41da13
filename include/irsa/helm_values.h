#pragma once
/* Helm values for a chart's ServiceAccount (`annotate-sa --format
 * helm-values`): most charts take it as
 *
 *   serviceAccount:
 *     create: true
 *     name: app
 *     annotations:
 *       eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/app
 *
 * under a values path ("serviceAccount" by default; dots for deeper ones:
 * "app.serviceAccount"). Render that block, or merge it into an existing
 * values file in place: only the values irsactl sets are replaced or
 * inserted, each scalar written by the YAML module's quoting rule; every
 * other byte (comments, order, other keys) stays. Block style only: a
 * mapping on the path written in flow style ({...}) is an error that says
 * so. After the edit the text is read back and must hold the values.
 * A second merge of the same spec gives the same bytes (unchanged). */
#include <stdbool.h>
#include <stddef.h>

#include "irsa/error.h"
#include "irsa/serviceaccount.h"

#define IRSA_HELM_VALUES_PATH "serviceAccount"

struct irsa_helm_values_spec {
	const char *values_path;             /* NULL = "serviceAccount" */
	const char *name;                    /* the ServiceAccount name */
	bool create;                         /* the chart creates it: create: true */
	const struct irsa_sa_kv *annotations;
	size_t n_annotations;
};

/* The block as YAML text, malloc'd. */
int irsa_helm_values_render(const struct irsa_helm_values_spec *spec, char **ret,
			    struct irsa_error *err);

struct irsa_helm_values_result {
	bool changed;
	char *data; /* the new text (owned) */
	size_t len;
};
void irsa_helm_values_result_release(struct irsa_helm_values_result *r);

/* Merge into data[0..len); `name` names the file in messages. A file that
 * is not one YAML mapping (or empty) is IRSA_ERR_USAGE. */
int irsa_helm_values_merge(const char *name, const char *data, size_t len,
			   const struct irsa_helm_values_spec *spec,
			   struct irsa_helm_values_result *ret, struct irsa_error *err);
