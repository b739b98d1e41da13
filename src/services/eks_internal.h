#pragma once
/* Private to eks.c, exposed for the fuzz targets. */
#include <jansson.h>

#include "irsa/eks.h"

/* The DescribeCluster answer {"cluster": {...}} for the cluster `name`
 * into ret (name when the answer has none, status "UNKNOWN" when none).
 * IRSA_ERR_REMOTE when there is no cluster object. */
int eks_cluster_parse(const json_t *root, const char *name, struct irsa_eks_cluster *ret,
		      struct irsa_error *err);
