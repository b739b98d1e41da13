#pragma once
/* irsactl verify: check, link by link, that a service account can get its
 * role's credentials, and say which link is broken and how to fix it.
 *
 * The checks, in order (their JSON names):
 *   identity         who is asking (account, partition)
 *   cluster          the EKS cluster exists, is ACTIVE, its issuer (or --issuer-url)
 *   oidc-provider    an IAM OIDC provider for exactly that issuer, whose client
 *                    IDs include the audience; thumbprint vs the issuer's chain
 *                    (a mismatch is a warning)
 *   service-account  the SA exists and its eks.amazonaws.com annotations are valid
 *   role             the role exists (GetRole)
 *   trust            the trust policy lets this SA in (trust_eval.h)
 *   permissions      with actions: SimulatePrincipalPolicy of the role
 *   pods             the SA's pods carry the webhook's injection and the right role
 *   live             with live: TokenRequest -> AssumeRoleWithWebIdentity ->
 *                    GetCallerIdentity
 * and for EKS Pod Identity (an EKS cluster only):
 *   pod-identity-association  an association for NS/SA (the cluster's list,
 *                    read once), naming the expected role if one is given
 *   pod-identity-role         the association's role exists
 *   pod-identity-trust        its trust lets pods.eks.amazonaws.com do
 *                    sts:AssumeRole and sts:TagSession (trust_eval.h; TagSession
 *                    not needed with session tags disabled)
 *   pod-identity-target-role  with a target role: it exists and trusts the
 *                    role (in another account: a warning, it cannot be read)
 *   pod-identity-agent        the eks-pod-identity-agent add-on is ACTIVE
 * Which checks a report holds follows the service account: the IRSA chain
 * when it has the role-arn annotation, the Pod Identity checks when it has
 * an association, both when it has both (with a note that Pod Identity
 * takes precedence), and both when it has neither (each says what is
 * missing). A check that does not concern the account is left out of the
 * report (hidden).
 * Every check runs; one whose inputs a failed check should have given is
 * skipped and says so. The token and the credentials are never printed
 * or logged. */
#include <stdbool.h>
#include <jansson.h>
#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/error.h"
#include "irsa/kube.h"
#include "irsa/strlist.h"

enum irsa_check_id {
	IRSA_CHECK_IDENTITY,
	IRSA_CHECK_CLUSTER,
	IRSA_CHECK_OIDC_PROVIDER,
	IRSA_CHECK_SERVICE_ACCOUNT,
	IRSA_CHECK_ROLE,
	IRSA_CHECK_TRUST,
	IRSA_CHECK_PERMISSIONS,
	IRSA_CHECK_PODS,
	IRSA_CHECK_LIVE,
	IRSA_CHECK_POD_IDENTITY_ASSOCIATION,
	IRSA_CHECK_POD_IDENTITY_ROLE,
	IRSA_CHECK_POD_IDENTITY_TRUST,
	IRSA_CHECK_POD_IDENTITY_TARGET_ROLE,
	IRSA_CHECK_POD_IDENTITY_AGENT,
	IRSA_CHECK_COUNT,
};

enum irsa_check_status {
	IRSA_CHECK_SKIP,
	IRSA_CHECK_OK,
	IRSA_CHECK_WARN,
	IRSA_CHECK_FAIL,
};

/* "identity", "oidc-provider", ... and "ok", "fail", "warn", "skip". */
const char *irsa_check_name(enum irsa_check_id id);
const char *irsa_check_status_name(enum irsa_check_status s);

struct irsa_check {
	enum irsa_check_status status;
	char *message;  /* one line of evidence */
	char *fix;      /* for a failure (or warning): the command that fixes it, or NULL */
	bool hidden;    /* not about this service account's mechanism: not reported */
};

/* Where the checks look. The CLI opens the handles; kube is NULL when the
 * kubeconfig could not be used, and kube_error then says why. */
struct irsa_verify_env {
	struct irsa_aws *aws;
	struct irsa_kube *kube;
	const char *kube_error;
};

/* What verifying many service accounts of one EKS cluster reads once
 * instead of once for each: DescribeCluster and, when some of them use
 * EKS Pod Identity, DescribeAddon of eks-pod-identity-agent. */
struct irsa_verify_cluster {
	char *name;
	struct irsa_eks_cluster cluster;
	struct irsa_error cluster_err;  /* kind set when DescribeCluster failed */
	bool agent_read;
	bool agent_found;
	struct irsa_eks_addon agent;
	struct irsa_error agent_err;    /* kind set when DescribeAddon failed */
};

struct irsa_verify_request {
	const char *cluster;            /* EKS cluster name, or NULL with issuer_url */
	const char *issuer_url;         /* a self-managed cluster's issuer */
	const char *namespace_name;
	const char *service_account;
	const char *role_arn;           /* the role expected; NULL = the SA's annotation */
	bool live;
	const struct irsa_strlist *actions; /* NULL or empty: permissions skipped */
	const char *resource;           /* NULL = "*" */
	bool no_thumbprint;             /* do not fetch the issuer's chain */
	/* The cluster's Pod Identity associations (summaries) when the caller
	 * listed them once for many service accounts; else each run looks its
	 * own up. */
	const struct irsa_pod_identity_association *associations;
	size_t n_associations;
	bool associations_listed;
	/* The cluster and its Pod Identity agent add-on when the caller read
	 * them once for many service accounts (irsa_verify_read_cluster());
	 * NULL (or another cluster's): each run reads its own. */
	const struct irsa_verify_cluster *cluster_read;
};

struct irsa_verify_report {
	char *namespace_name;
	char *service_account;
	struct irsa_check checks[IRSA_CHECK_COUNT];
	struct irsa_strlist notes;      /* e.g. both mechanisms: which one EKS uses */
};

/* Run every check. Fails only for a bad request (IRSA_ERR_USAGE); a
 * broken link is a check with status IRSA_CHECK_FAIL. */
int irsa_verify_run(const struct irsa_verify_env *env, const struct irsa_verify_request *req,
		    struct irsa_verify_report *ret, struct irsa_error *err);
void irsa_verify_report_release(struct irsa_verify_report *r);

/* True when no check failed (warnings allowed). */
bool irsa_verify_ok(const struct irsa_verify_report *r);
/* The first failed check, or IRSA_CHECK_COUNT. */
enum irsa_check_id irsa_verify_first_failure(const struct irsa_verify_report *r);
/* {"ok": bool, "checks": [{"check", "status", "message", "fix"}], "notes": [...]}
 * (fix null when none; hidden checks left out; notes only when there are some). */
json_t *irsa_verify_report_to_json(const struct irsa_verify_report *r);

/* How a worker of irsa_verify_run_many() opens its own sessions. */
struct irsa_verify_sessions {
	const struct irsa_aws_options *aws;
	const struct irsa_kube_options *kube; /* its aws member is ignored */
};

/* Verify each "NAMESPACE/NAME" of sas (req's namespace_name and
 * service_account are ignored), up to `parallel` at a time, each worker
 * with its own AWS and Kubernetes sessions. reports (sas->n of them) are
 * filled in the order of sas; release each. Fails when a session cannot be
 * made or a request is bad. */
int irsa_verify_run_many(const struct irsa_verify_sessions *sessions,
			 const struct irsa_verify_request *req, const struct irsa_strlist *sas,
			 unsigned parallel, struct irsa_verify_report *reports,
			 struct irsa_error *err);

/* DescribeCluster of cluster and, with agent, DescribeAddon of its
 * eks-pod-identity-agent into ret (each outcome in its error), for
 * irsa_verify_request.cluster_read. Release with
 * irsa_verify_cluster_release(). */
void irsa_verify_read_cluster(struct irsa_aws *aws, const char *cluster, bool agent,
			      struct irsa_verify_cluster *ret);
void irsa_verify_cluster_release(struct irsa_verify_cluster *c);

/* The service accounts of ns (NULL = every namespace) that carry the
 * eks.amazonaws.com/role-arn annotation, as "NAMESPACE/NAME" sorted. */
int irsa_verify_annotated_service_accounts(struct irsa_kube *kube, const char *ns,
					   struct irsa_strlist *ret, struct irsa_error *err);
/* The Pod Identity associations of cluster (in ns, NULL = all; one
 * paginated list) into *ret, and their "NAMESPACE/NAME" added to sas
 * (once each, then sas sorted). */
int irsa_verify_pod_identity_service_accounts(struct irsa_aws *aws, const char *cluster,
					      const char *ns,
					      struct irsa_pod_identity_association **ret,
					      size_t *ret_n, struct irsa_strlist *sas,
					      struct irsa_error *err);
