#pragma once
/* What apply.c shares with apply_prune.c and apply_pod_identity.c (not
 * part of the engine's interface). */
#include <stdbool.h>
#include <stddef.h>
#include "irsa/apply.h"
#include "irsa/serviceaccount.h"

struct irsa_aws;
struct irsa_kube;

/* Whether sa is meant for cluster c (no clusters named: every one). */
bool irsa_apply_sa_has_cluster(const struct irsa_apply_sa *sa, const struct irsa_apply_cluster *c);

/* The Kubernetes client of the request's cluster, opened on first use and
 * kept in a->kubes. */
int irsa_apply_open_kube(struct irsa_apply *a, size_t cluster, struct irsa_aws *aws,
			 struct irsa_kube **ret, struct irsa_error *err);

/* irsa_sa_spec_build() of o (namespace, name, role and annotation settings
 * filled by the caller) with sa's labels and annotations added. */
int irsa_apply_sa_spec_build(const struct irsa_apply_sa *sa, struct irsa_sa_options *o,
			     struct irsa_sa_spec *spec, struct irsa_error *err);
