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

/* DescribeCluster of n clusters in parallel: ret[i] or errs[i] (kind
 * != 0) for each. -1 when one failed. */
int irsa_eks_describe_clusters(struct irsa_aws *aws, const char *const *names, size_t n,
			       struct irsa_eks_cluster *ret, struct irsa_error *errs);

/* ---- EKS bearer tokens ("k8s-aws-v1." + base64url of a presigned STS
 * GetCallerIdentity URL), as `aws eks get-token` and aws-iam-authenticator
 * make them: GET /?Action=GetCallerIdentity&Version=2011-06-15, the header
 * x-k8s-aws-id: CLUSTER signed (not sent), X-Amz-Expires=60, the payload
 * hash of an empty body, the session token (if any) in the query. The
 * token is valid for 15 minutes after signing; the expiration reported is
 * the signing time + 14 minutes, as the aws CLI does. */
#define IRSA_EKS_TOKEN_PREFIX "k8s-aws-v1."
#define IRSA_EKS_TOKEN_LIFETIME (14 * 60)

struct irsa_eks_token_input {
	const struct irsa_credentials *creds;
	const char *region;   /* signing region */
	const char *endpoint; /* STS endpoint URL: "https://sts.us-west-2.amazonaws.com" */
	const char *cluster;  /* the cluster name (or id), x-k8s-aws-id */
	time_t time;          /* signing time */
};

/* Pure: the token from explicit inputs. *ret_token is malloc'd (a secret:
 * free with irsa_free_secret). */
int irsa_eks_token_presign(const struct irsa_eks_token_input *in, char **ret_token,
			   time_t *ret_expiration, struct irsa_error *err);

/* The token for cluster_name with the session's credentials and STS
 * endpoint (AWS_ENDPOINT_URL_STS honoured). now: the signing time, 0 for
 * the session's clock. */
int irsa_eks_token(struct irsa_aws *aws, const char *cluster_name, time_t now,
		   char **ret_token, time_t *ret_expiration, struct irsa_error *err);
/* Same, for the STS endpoint of another region (NULL = the session's). */
int irsa_eks_token_in_region(struct irsa_aws *aws, const char *cluster_name, const char *region,
			     time_t now, char **ret_token, time_t *ret_expiration,
			     struct irsa_error *err);

/* ---- the token as a kubeconfig exec plugin's output (`irsactl token`) ---- */
#define IRSA_EXEC_CREDENTIAL_V1 "client.authentication.k8s.io/v1"
#define IRSA_EXEC_CREDENTIAL_V1BETA1 "client.authentication.k8s.io/v1beta1"

/* True for the two ExecCredential apiVersions above. */
bool irsa_exec_credential_api_version_known(const char *v);
/* The apiVersion kubectl asks for in exec_info (the value of
 * KUBERNETES_EXEC_INFO; NULL, unparsable or unknown: none), else v1beta1,
 * what `aws eks get-token` prints. Returns one of the constants above. */
const char *irsa_exec_credential_api_version(const char *exec_info);
/* irsa_eks_token() for cluster_name printed as one compact ExecCredential
 * JSON object of api_version (no newline): kind, apiVersion, spec {},
 * status {expirationTimestamp (RFC 3339, UTC), token}. *ret is malloc'd,
 * a secret: free with irsa_free_secret(). */
int irsa_eks_exec_credential(struct irsa_aws *aws, const char *cluster_name,
			     const char *api_version, char **ret, struct irsa_error *err);
