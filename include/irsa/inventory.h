#pragma once
/* irsactl list: the IRSA roles of an account and the annotated service
 * accounts of a cluster, with whether each role exists and admits its SA. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "irsa/aws.h"
#include "irsa/error.h"
#include "irsa/kube.h"
#include "irsa/strlist.h"

/* The issuer of an EKS cluster (DescribeCluster) or of an issuer URL,
 * normalised; *ret NULL when neither is given. aws may be NULL without a
 * cluster. IRSA_ERR_USAGE when both are given. */
int irsa_resolve_issuer(struct irsa_aws *aws, const char *cluster, const char *issuer_url,
			char **ret, struct irsa_error *err);

/* A role whose trust policy has an Allow of sts:AssumeRoleWithWebIdentity
 * for a Federated OIDC provider. */
struct irsa_listed_role {
	char *name;
	char *arn;
	struct irsa_strlist issuers;  /* provider names (issuer without https://) */
	struct irsa_strlist subjects; /* the ISSUER:sub condition values */
	bool managed;                 /* a statement irsactl wrote (Sid "IrsactlOidc...") */
};
void irsa_listed_roles_free(struct irsa_listed_role *r, size_t n);

/* From a trust document: true when it is an IRSA trust; fills r's
 * issuers, subjects and managed (name and arn untouched). */
bool irsa_trust_describe_irsa(const json_t *doc, struct irsa_listed_role *r);

/* Every role of the account (ListRoles to the last page), keeping the IRSA
 * ones; with issuer (normalised https://...; NULL = all), those trusting
 * that issuer's provider. Sorted by name. */
int irsa_list_irsa_roles(struct irsa_aws *aws, const char *issuer,
			 struct irsa_listed_role **ret, size_t *ret_n, struct irsa_error *err);

/* An annotated service account and what IAM says about its role. */
struct irsa_listed_sa {
	char *namespace_name;
	char *name;
	char *role_arn;
	int role_exists;     /* 1, 0, or -1 when it could not be read */
	int trust_admits;    /* 1, 0, or -1 when not evaluated */
	char *detail;        /* one line: why not, or what could not be read */
};
void irsa_listed_sas_free(struct irsa_listed_sa *s, size_t n);

/* The service accounts of ns (NULL = every namespace) with an
 * eks.amazonaws.com/role-arn annotation; for each, GetRole and the trust
 * evaluated for that SA against issuer (normalised; NULL = every OIDC
 * provider the trust names, admitted when one admits it). */
int irsa_list_service_accounts(struct irsa_aws *aws, struct irsa_kube *kube, const char *ns,
			       const char *issuer, struct irsa_listed_sa **ret, size_t *ret_n,
			       struct irsa_error *err);
