/* kubeconfig files: parsed as one file of $KUBECONFIG and every context
 * selected, or the update-kubeconfig edit merged into the text (and
 * merged again, which must change nothing). */
#include <string.h>

#include "irsa/kubeconfig.h"
#include "fuzz.h"

static void select_all(const struct irsa_kubeconfig *kc)
{
	struct irsa_kubeconfig_selection sel;
	struct irsa_error err = { 0 };

	if (irsa_kubeconfig_select(kc, NULL, &sel, &err) == 0 && (!sel.context || !sel.cluster))
		abort();
	for (size_t i = 0; i < kc->n_contexts; i++)
		if (irsa_kubeconfig_select(kc, kc->contexts[i].name, &sel, &err) == 0 &&
		    (!sel.context || !sel.cluster || !sel.user))
			abort();
}

static void merge(const char *text, size_t len)
{
	static const char *const args[] = { "--region", "us-east-1", "eks", "get-token",
					    "--cluster-name", "demo" };
	static const struct irsa_kubeconfig_env env[] = { { (char *)"AWS_PROFILE", (char *)"p" } };
	const struct irsa_kubeconfig_entry entry = {
		.cluster_name = "arn:aws:eks:us-east-1:111122223333:cluster/demo",
		.server = "https://ABC.gr7.us-east-1.eks.amazonaws.com",
		.ca_data = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
		.user_name = "arn:aws:eks:us-east-1:111122223333:cluster/demo",
		.context_name = "demo",
		.exec_api_version = "client.authentication.k8s.io/v1beta1",
		.exec_command = "aws",
		.exec_args = args,
		.n_exec_args = sizeof(args) / sizeof(args[0]),
		.exec_env = env,
		.n_exec_env = 1,
		.set_current = true,
	};
	enum irsa_kubeconfig_change change, again;
	struct irsa_error err = { 0 };
	char *out = NULL, *out2 = NULL;

	if (irsa_kubeconfig_merge_entry("/fuzz/config", text, len, &entry, &out, &change, &err) < 0)
		return;
	if (!out)
		abort();
	if (irsa_kubeconfig_merge_entry("/fuzz/config", out, strlen(out), &entry, &out2, &again,
					&err) < 0 || again != IRSA_KUBECONFIG_UNCHANGED)
		abort(); /* what irsactl wrote must read back, and be stable */
	free(out);
	free(out2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct irsa_kubeconfig *kc = NULL;
	struct irsa_error err = { 0 };

	/* Read or edit, picked by the length's parity so the text stays
	 * plain YAML (a mutation of one byte moves a text to the other). */
	if (size % 2 == 0) {
		if (irsa_kubeconfig_parse("/fuzz/config", s, size, &kc, &err) == 0) {
			select_all(kc);
			irsa_kubeconfig_free(kc);
		}
	} else {
		merge(s, size);
	}
	free(s);
	return 0;
}
