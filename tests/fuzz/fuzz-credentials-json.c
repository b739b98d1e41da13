/* The JSON that credential helpers answer with: credential_process
 * output (Version 1), the container credentials endpoint and instance
 * metadata (both through irsa_cred_from_json()), and their Expiration
 * timestamps. */
#include <jansson.h>

#include "irsa/credentials.h"
#include "providers.h"
#include "fuzz.h"

/* Success hands out both keys; a failure hands out nothing. */
static void check(int r, struct irsa_credentials *c)
{
	if (r == 0 && (!c || !c->access_key_id || !c->secret_access_key))
		abort();
	if (r < 0 && c)
		abort();
	irsa_credentials_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct irsa_credentials *c = NULL;
	struct irsa_error err = { 0 };
	json_t *root;
	time_t t;
	int r;

	r = irsa_cred_process_parse("fuzz", s, size, &c, &err);
	check(r, c);

	root = json_loadb(s, size, 0, NULL);
	if (root) {
		c = NULL;
		r = irsa_cred_from_json(root, "Token", "container credentials endpoint 'x'",
					IRSA_PROVIDER_CONTAINER, &c, &err);
		check(r, c);
		c = NULL;
		r = irsa_cred_from_json(root, "SessionToken", "instance metadata",
					IRSA_PROVIDER_IMDS, &c, &err);
		check(r, c);
		json_decref(root);
	}
	irsa_parse_iso8601(s, &t);
	free(s);
	return 0;
}
