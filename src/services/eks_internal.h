#pragma once
/* Private to the EKS service (eks.c), exposed for the fuzz targets and
 * for round.c, which sends DescribeCluster in a round of reads. */
#include <jansson.h>

#include "irsa/eks.h"

/* The DescribeCluster answer {"cluster": {...}} for the cluster `name`
 * into ret (name when the answer has none, status "UNKNOWN" when none).
 * IRSA_ERR_REMOTE when there is no cluster object. */
int eks_cluster_parse(const json_t *root, const char *name, struct irsa_eks_cluster *ret,
		      struct irsa_error *err);
/* "/clusters/NAME", NAME percent-encoded (malloc'd). */
char *eks_cluster_path(const char *name);
/* A DescribeCluster that failed: IRSA_ERR_NOT_FOUND gets the message
 * naming the cluster and the region. Returns -1. */
int eks_describe_failed(struct irsa_aws *aws, const char *name, struct irsa_error *err);
