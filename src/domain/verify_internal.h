#pragma once
/* What the checks of verify.c and verify_pod_identity.c share. */
#include <stdbool.h>
#include <jansson.h>

#include "irsa/eks.h"
#include "irsa/error.h"
#include "irsa/iam.h"
#include "irsa/macro.h"
#include "irsa/serviceaccount.h"
#include "irsa/verify.h"

/* What the checks learn and pass on. */
struct verify {
	const struct irsa_verify_env *env;
	const struct irsa_verify_request *req;
	struct irsa_verify_report *rep;
	const char *partition;
	char *account;            /* the caller's, NULL when identity failed */
	char *issuer;             /* normalised, NULL when unknown */
	char *cluster_arn;        /* the EKS cluster's, NULL when unknown */
	char *provider_arn;
	json_t *sa;               /* the ServiceAccount, NULL when not read */
	bool annotated;           /* the SA has a role-arn annotation */
	char *audience;           /* the SA's audience annotation or the partition's */
	char *role_arn;           /* the role to check, NULL when none */
	struct irsa_role_arn role_parts;
	bool role_arn_valid;
	struct irsa_role role;
	bool have_role;
	char *selector;           /* "--cluster NAME" or "--issuer-url URL" for fix commands */
	/* EKS Pod Identity */
	struct irsa_pod_identity_association assoc;
	bool have_assoc;
	struct irsa_error assoc_error; /* kind set when the lookup failed */
	struct irsa_role pi_role;
	struct irsa_role_arn pi_role_parts;
	bool have_pi_role;
};

void verify_check_set(struct verify *v, enum irsa_check_id id, enum irsa_check_status status,
		      const char *fix, const char *fmt, ...) _printf_(5, 6);

/* verify.c: the request's cluster_read when it is this run's cluster's */
const struct irsa_verify_cluster *verify_cluster_read(const struct verify *v);

/* verify_pod_identity.c */
/* The association of the SA, from the request's list or looked up. */
void verify_find_pod_identity(struct verify *v);
/* The five Pod Identity checks (hidden all when !wanted). */
void verify_check_pod_identity(struct verify *v, bool wanted);
void verify_pod_identity_release(struct verify *v);
/* verify_pod_identity_agent.c: the eks-pod-identity-agent add-on */
void verify_check_pod_identity_agent(struct verify *v);
