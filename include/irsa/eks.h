#pragma once
/* Amazon EKS calls irsactl makes (REST-JSON). */
#include "irsa/aws.h"
#include "irsa/strlist.h"

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

/* ---- add-ons ---- */
struct irsa_eks_addon {
	char *name;
	char *version;
	char *status; /* "ACTIVE", "DEGRADED", "CREATING", ... */
};
void irsa_eks_addon_release(struct irsa_eks_addon *a);
/* DescribeAddon. IRSA_ERR_NOT_FOUND (code "ResourceNotFoundException") for
 * an add-on that is not installed and for an unknown cluster: err->message
 * says which. */
int irsa_eks_describe_addon(struct irsa_aws *aws, const char *cluster, const char *addon,
			    struct irsa_eks_addon *ret, struct irsa_error *err);
#define IRSA_EKS_POD_IDENTITY_AGENT "eks-pod-identity-agent"

/* ---- EKS Pod Identity associations ---- */
struct irsa_pod_identity_association {
	char *cluster;
	char *namespace_;
	char *service_account;
	char *association_id;
	char *association_arn;
	char *role_arn;          /* NULL in List answers (summaries) */
	char *target_role_arn;   /* NULL when none */
	char *external_id;       /* set by EKS with a target role */
	bool disable_session_tags;
	struct irsa_tags tags;
};
void irsa_pod_identity_association_release(struct irsa_pod_identity_association *a);
void irsa_pod_identity_associations_free(struct irsa_pod_identity_association *a, size_t n);

struct irsa_pod_identity_spec {
	const char *cluster;
	const char *namespace_;
	const char *service_account;
	const char *role_arn;
	const char *target_role_arn;  /* NULL = none */
	bool disable_session_tags;
	const struct irsa_tags *tags; /* NULL = none (create only) */
};

/* CreatePodIdentityAssociation. IRSA_ERR_CONFLICT (ResourceInUseException)
 * when the service account has one already; IRSA_ERR_NOT_FOUND for an
 * unknown cluster. */
int irsa_eks_create_pod_identity_association(struct irsa_aws *aws,
					     const struct irsa_pod_identity_spec *spec,
					     struct irsa_pod_identity_association *ret,
					     struct irsa_error *err);
int irsa_eks_describe_pod_identity_association(struct irsa_aws *aws, const char *cluster,
					       const char *association_id,
					       struct irsa_pod_identity_association *ret,
					       struct irsa_error *err);
/* UpdatePodIdentityAssociation of association_id with spec's role ARN,
 * target role ARN (NULL: sent empty, which removes it) and session tags
 * setting; namespace, service account and tags of spec are not used. */
int irsa_eks_update_pod_identity_association(struct irsa_aws *aws, const char *association_id,
					     const struct irsa_pod_identity_spec *spec,
					     struct irsa_pod_identity_association *ret,
					     struct irsa_error *err);
int irsa_eks_delete_pod_identity_association(struct irsa_aws *aws, const char *cluster,
					     const char *association_id, struct irsa_error *err);
/* ListPodIdentityAssociations, every page (nextToken followed); namespace_
 * and service_account NULL = all. The items are summaries: cluster,
 * namespace, service account, association ID and ARN. */
int irsa_eks_list_pod_identity_associations(struct irsa_aws *aws, const char *cluster,
					    const char *namespace_, const char *service_account,
					    struct irsa_pod_identity_association **ret,
					    size_t *ret_n, struct irsa_error *err);

/* The association of namespace_/service_account in cluster, described
 * (List filtered by both, then Describe): *ret_found false (and *ret
 * untouched) when there is none. */
int irsa_eks_find_pod_identity_association(struct irsa_aws *aws, const char *cluster,
					   const char *namespace_, const char *service_account,
					   struct irsa_pod_identity_association *ret,
					   bool *ret_found, struct irsa_error *err);
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
