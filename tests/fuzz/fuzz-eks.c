/* EKS DescribeCluster answers (REST-JSON), decoded as irsactl decodes
 * them after the HTTP call. */
#include <jansson.h>

#include "irsa/eks.h"
#include "eks_internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct irsa_eks_cluster c = { 0 };
	struct irsa_error err = { 0 };
	json_t *root = json_loadb((const char *)data, size, 0, NULL);

	if (!root)
		return 0;
	if (eks_cluster_parse(root, "fuzz", &c, &err) == 0) {
		if (!c.name || !c.status)
			abort();
		irsa_eks_cluster_release(&c);
	}
	json_decref(root);
	return 0;
}
