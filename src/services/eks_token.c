/* EKS bearer tokens: a presigned STS GetCallerIdentity URL (see irsa/eks.h).
 * Made in-process, no network: the API server (or the EKS authenticator
 * behind it) sends the URL to STS to learn who signed it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irsa/eks.h"
#include "irsa/log.h"
#include "irsa/sigv4.h"
#include "irsa/strutil.h"

#define TOKEN_URL_EXPIRES 60

int irsa_eks_token_presign(const struct irsa_eks_token_input *in, char **ret_token,
			   time_t *ret_expiration, struct irsa_error *err)
{
	struct irsa_sigv4_config cfg = {
		.region = in->region,
		.service = "sts",
		.time = in->time,
		.mode = IRSA_SIGV4_QUERY,
		.expires = TOKEN_URL_EXPIRES,
		.flags = IRSA_SIGV4_DEFAULT_FLAGS,
		.body_hash = NULL, /* the SHA-256 of the empty body, not UNSIGNED-PAYLOAD */
		.creds = in->creds,
	};
	_cleanup_free_ char *base = NULL;
	struct irsa_request req;
	char *url, *b64;
	size_t n;

	if (irsa_str_empty(in->cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE, "an EKS token needs a cluster name");
	if (irsa_str_empty(in->endpoint))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "an EKS token needs an STS endpoint");
	n = strlen(in->endpoint);
	while (n && in->endpoint[n - 1] == '/')
		n--;
	base = irsa_asprintf("%.*s/?Action=GetCallerIdentity&Version=2011-06-15", (int)n, in->endpoint);
	irsa_request_init(&req);
	if (irsa_request_set_url(&req, "GET", base, err) < 0) {
		irsa_request_release(&req);
		return -1;
	}
	irsa_request_add_header(&req, "x-k8s-aws-id", in->cluster);
	if (irsa_sigv4_sign(&cfg, &req, err) < 0) {
		irsa_request_release(&req);
		return irsa_error_prefix(err, "cannot make the EKS token for cluster '%s'", in->cluster);
	}
	url = irsa_request_url(&req);
	irsa_request_release(&req);
	b64 = irsa_base64url_encode((const unsigned char *)url, strlen(url));
	irsa_free_secret(url);
	*ret_token = irsa_asprintf(IRSA_EKS_TOKEN_PREFIX "%s", b64);
	irsa_free_secret(b64);
	if (ret_expiration)
		*ret_expiration = in->time + IRSA_EKS_TOKEN_LIFETIME;
	return 0;
}

int irsa_eks_token_in_region(struct irsa_aws *aws, const char *cluster_name, const char *region,
			     time_t now, char **ret_token, time_t *ret_expiration,
			     struct irsa_error *err)
{
	const struct irsa_credentials *creds;
	struct irsa_endpoint ep;
	struct irsa_eks_token_input in = { .cluster = cluster_name };

	if (irsa_aws_endpoint(aws, "sts", &ep, err) < 0)
		return -1;
	if (!irsa_str_empty(region) && strcmp(region, irsa_aws_region(aws)) != 0) {
		if (!irsa_region_valid(region))
			return irsa_error_set(err, IRSA_ERR_USAGE, "unknown region '%s'", region);
		/* An endpoint override applies to every region; otherwise use
		 * the STS endpoint of that region. */
		if (ep.overridden) {
			snprintf(ep.signing_region, sizeof(ep.signing_region), "%s", region);
		} else if (irsa_endpoint_resolve("sts", region, NULL, &ep, err) < 0) {
			return -1;
		}
	}
	if (irsa_aws_credentials(aws, &creds, err) < 0)
		return -1;
	in.creds = creds;
	in.region = ep.signing_region;
	in.endpoint = ep.url;
	in.time = now ? now : irsa_aws_now(aws);
	irsa_log_debug("eks token for cluster '%s' signed for %s (%s), credentials from %s",
		       cluster_name, ep.url, ep.signing_region,
		       creds->provider ? creds->provider : "unknown");
	return irsa_eks_token_presign(&in, ret_token, ret_expiration, err);
}

int irsa_eks_token(struct irsa_aws *aws, const char *cluster_name, time_t now,
		   char **ret_token, time_t *ret_expiration, struct irsa_error *err)
{
	return irsa_eks_token_in_region(aws, cluster_name, NULL, now, ret_token, ret_expiration, err);
}

bool irsa_exec_credential_api_version_known(const char *v)
{
	return v && (strcmp(v, IRSA_EXEC_CREDENTIAL_V1) == 0 ||
		     strcmp(v, IRSA_EXEC_CREDENTIAL_V1BETA1) == 0);
}

const char *irsa_exec_credential_api_version(const char *exec_info)
{
	const char *ret = IRSA_EXEC_CREDENTIAL_V1BETA1;

	if (!irsa_str_empty(exec_info)) {
		json_t *root = json_loads(exec_info, 0, NULL);
		const char *v = json_string_value(json_object_get(root, "apiVersion"));

		if (irsa_exec_credential_api_version_known(v) && strcmp(v, IRSA_EXEC_CREDENTIAL_V1) == 0)
			ret = IRSA_EXEC_CREDENTIAL_V1;
		json_decref(root);
	}
	return ret;
}

int irsa_eks_exec_credential(struct irsa_aws *aws, const char *cluster_name,
			     const char *api_version, char **ret, struct irsa_error *err)
{
	char *token = NULL, *out;
	time_t expiration;
	struct tm tm;
	char stamp[32];
	json_t *cred, *tok;

	if (irsa_eks_token(aws, cluster_name, 0, &token, &expiration, err) < 0)
		return -1;
	gmtime_r(&expiration, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cred = json_pack("{s:s, s:s, s:{}, s:{s:s, s:s}}", "kind", "ExecCredential",
			 "apiVersion", api_version, "spec",
			 "status", "expirationTimestamp", stamp, "token", token);
	irsa_free_secret(token);
	out = json_dumps(cred, JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* Zero the token inside the JSON tree too. */
	tok = json_object_get(json_object_get(cred, "status"), "token");
	irsa_secure_zero((char *)json_string_value(tok), json_string_length(tok));
	json_decref(cred);
	if (!out)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot encode the ExecCredential");
	*ret = out;
	return 0;
}
