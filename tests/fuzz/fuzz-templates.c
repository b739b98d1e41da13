/* Permission template references from the command line
 * ("NAME:KEY=VALUE,KEY=VALUE;VALUE"): parsed, validated and rendered. */
#include "irsa/templates.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct irsa_template_ctx ctx = {
		.partition = "aws",
		.region = "us-east-1",
		.account = "111122223333",
		.cluster = "demo",
	};
	char *s = fuzz_string(data, size);
	struct irsa_policy_ref ref = { 0 };
	struct irsa_error err = { 0 };
	json_t *doc = NULL;

	if (irsa_policy_ref_parse(s, &ctx, &ref, &err) == 0) {
		if (!ref.name)
			abort();
		if (irsa_template_render(&ref, &ctx, &doc, &err) == 0) {
			if (!json_is_object(doc))
				abort();
			json_decref(doc);
		}
		free(irsa_template_policy_name(&ref));
	}
	irsa_policy_ref_release(&ref);
	if (irsa_template_describe(s, &doc, &err) == 0)
		json_decref(doc);
	free(irsa_policy_file_policy_name(s));
	free(s);
	return 0;
}
