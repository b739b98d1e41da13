#pragma once
/* Amazon EKS calls irsactl makes (REST-JSON). */
#include "irsa/aws.h"

struct irsa_eks_cluster {
	char *name;
	char *arn;
	char *status;       /* "ACTIVE", "CREATING", ... */
	char *endpoint;     /* https://... API server */
	char *ca_data;      /* base64 PEM, certificateAuthority.data */
	char *oidc_issuer;  /* identity.oidc.issuer, NULL if none */
	char *version;
};
void irsa_eks_cluster_release(struct irsa_eks_cluster *c);

/* DescribeCluster. IRSA_ERR_NOT_FOUND for an unknown cluster. */
int irsa_eks_describe_cluster(struct irsa_aws *aws, const char *name,
			      struct irsa_eks_cluster *ret, struct irsa_error *err);
