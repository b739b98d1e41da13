/* What a kubeconfig exec plugin prints: an ExecCredential JSON object
 * (v1 and v1beta1), decoded as after running the plugin, and its
 * expirationTimestamp on its own. */
#include "irsa/kubeconfig.h"
#include "kube_internal.h"
#include "fuzz.h"

static void decode(const char *api_version, const char *s, size_t len)
{
	struct irsa_kubeconfig_exec e = {
		.api_version = (char *)api_version,
		.command = (char *)"fuzz-plugin",
	};
	struct irsa_kubeconfig_user user = { .name = (char *)"fuzz", .file = "kubeconfig" };
	struct irsa_kubeconfig_cluster cluster = { .name = (char *)"fuzz",
						   .server = (char *)"https://127.0.0.1" };
	struct irsa_kubeconfig_context context = { .name = (char *)"fuzz" };
	struct irsa_kubeconfig_selection sel = { &context, &cluster, &user };
	struct kube_exec_result res = { 0 };
	struct irsa_error err = { 0 };

	if (kube_exec_decode(&e, &sel, s, len, &res, &err) == 0) {
		/* a token, or a certificate with its key */
		if (!res.token && (!res.cert_pem || !res.key_pem))
			abort();
	} else if (res.token || res.cert_pem || res.key_pem) {
		abort();
	}
	kube_exec_result_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);

	decode("client.authentication.k8s.io/v1", s, size);
	decode("client.authentication.k8s.io/v1beta1", s, size);
	kube_exec_parse_time(s);
	free(s);
	return 0;
}
