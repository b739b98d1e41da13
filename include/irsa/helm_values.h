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
#include <jansson.h>

#include "irsa/error.h"
#include "irsa/plan.h"
#include "irsa/serviceaccount.h"

#define IRSA_HELM_VALUES_PATH "serviceAccount"

struct irsa_helm_values_spec {
	const char *values_path;             /* NULL = "serviceAccount" */
	const char *name;                    /* the ServiceAccount name */
	bool create;                         /* the chart creates it: create: true */
	const struct irsa_sa_kv *annotations;
	size_t n_annotations;
};

/* The block as JSON ({"serviceAccount": {...}}), new reference. */
int irsa_helm_values_tree(const struct irsa_helm_values_spec *spec, json_t **ret,
			  struct irsa_error *err);
/* The block as YAML text, malloc'd. */
int irsa_helm_values_render(const struct irsa_helm_values_spec *spec, char **ret,
			    struct irsa_error *err);

struct irsa_helm_values_result {
	bool changed;
	bool created; /* changed, and the file had no values at the path before
		       * (no key, null or {}) */
	char *data; /* the new text (owned) */
	size_t len;
};
void irsa_helm_values_result_release(struct irsa_helm_values_result *r);

/* Merge into data[0..len); `name` names the file in messages. A file that
 * is not one YAML mapping (or empty) is IRSA_ERR_USAGE. */
int irsa_helm_values_merge(const char *name, const char *data, size_t len,
			   const struct irsa_helm_values_spec *spec,
			   struct irsa_helm_values_result *ret, struct irsa_error *err);

/* -f VALUES --format helm-values: read path (a regular file; missing is
 * IRSA_ERR_NOT_FOUND), merge, and unless dry_run or unchanged write it
 * back atomically with its mode (a symlink's target is written). */
int irsa_helm_values_update_file(const char *path, const struct irsa_helm_values_spec *spec,
				 bool dry_run, struct irsa_helm_values_result *ret,
				 struct irsa_error *err);

/* The plan of merging the block into the values file at path (-f VALUES
 * --format helm-values; read as irsa_helm_values_update_file() reads
 * it): one "update-values" action with the old and new text for the
 * diff, none when the bytes would not change. Status create when the
 * file had no values at the path, update when it had others, unchanged.
 * Subject {service_account, role_arn, target: "values:PATH", values_path},
 * result {values: the block as JSON}. Nothing is written while planning;
 * executing the plan merges again and writes the file back. The spec is
 * copied, its strings borrowed: they must outlive the plan. Release with
 * irsa_helm_values_plan_release(), also after a failure. */
struct irsa_helm_values_plan {
	struct irsa_plan plan;
	struct irsa_helm_values_spec spec; /* strings borrowed */
	char *path;
};
int irsa_helm_values_plan_file(const char *path, const struct irsa_helm_values_spec *spec,
			       struct irsa_helm_values_plan *ret, struct irsa_error *err);
void irsa_helm_values_plan_release(struct irsa_helm_values_plan *p);
