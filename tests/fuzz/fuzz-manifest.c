/* ServiceAccount manifests: the spec merged into any multi-document YAML
 * text (set, set with --overwrite, or remove). The documented
 * promise is checked too: merging the same spec into the result again
 * gives the same bytes and status unchanged. */
#include <string.h>

#include "irsa/manifest.h"
#include "irsa/serviceaccount.h"
#include "fuzz.h"

static struct irsa_sa_spec set_spec, remove_spec;

static void build(const struct irsa_sa_options *o, struct irsa_sa_spec *ret)
{
	struct irsa_error err = { 0 };

	if (irsa_sa_spec_build(o, false, ret, &err) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const labels[] = { "app=web" };
	static const char *const annotations[] = { "example.com/team=blue" };

	build(&(struct irsa_sa_options){
		.namespace = "default",
		.name = "web",
		.role_arn = "arn:aws:iam::111122223333:role/web",
		.audience = "sts.amazonaws.com",
		.token_expiration = "3600",
		.labels = labels,
		.n_labels = 1,
		.annotations = annotations,
		.n_annotations = 1,
	}, &set_spec);
	build(&(struct irsa_sa_options){ .namespace = "default", .name = "web", .remove = true },
	      &remove_spec);
	return 0;
}

static void merge(const char *text, size_t len, const struct irsa_sa_spec *spec, bool overwrite)
{
	struct irsa_manifest_result res = { 0 }, again = { 0 };
	struct irsa_error err = { 0 };

	if (irsa_manifest_merge("fuzz.yaml", text, len, spec, overwrite, &res, &err) < 0) {
		irsa_manifest_result_release(&res);
		return;
	}
	if (!res.data)
		abort();
	if (irsa_manifest_merge("fuzz.yaml", res.data, res.len, spec, overwrite, &again, &err) < 0)
		abort(); /* irsactl's own output must read back */
	if (again.status != IRSA_SA_UNCHANGED || again.len != res.len ||
	    memcmp(again.data, res.data, res.len) != 0)
		abort(); /* and a second merge must change nothing */
	irsa_manifest_result_release(&again);
	irsa_manifest_result_release(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);

	/* One of the three merges per input, picked by the length so the
	 * text stays plain YAML: mutations that add or drop a byte move a
	 * text to the other modes. */
	switch (size % 3) {
	case 0:
		merge(s, size, &set_spec, false);
		break;
	case 1:
		merge(s, size, &set_spec, true);
		break;
	default:
		merge(s, size, &remove_spec, false);
		break;
	}
	free(s);
	return 0;
}
