/* Helpers shared by the OIDC commands (associate-oidc, disassociate-oidc). */
#include "args.h"
#include "oidc-common.h"
#include "irsa/names.h"

int cli_oidc_target(const struct cli_args *args, bool required, const char **ret_cluster,
		    char **ret_issuer, struct irsa_error *err)
{
	const char *cluster = cli_arg(args, "cluster");
	const char *url = cli_arg(args, "issuer-url");

	*ret_cluster = NULL;
	*ret_issuer = NULL;
	if (cluster && url)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give either --cluster or --issuer-url, not both");
	if (!cluster && !url && required)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which cluster? give --cluster NAME or --issuer-url URL");
	if (cluster) {
		*ret_cluster = cluster;
		return irsa_validate_cluster_name(cluster, err);
	}
	return url ? irsa_oidc_issuer_normalize(url, ret_issuer, err) : 0;
}
