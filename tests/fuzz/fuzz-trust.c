/* Trust policies as IAM gives them back: a URL-encoded JSON document
 * (AssumeRolePolicyDocument), decoded and parsed, then compared
 * canonically and a subject and provider removed (even length), or
 * merged with a rendered IRSA statement (odd length). Input: document,
 * NUL, "NS:SA" subject, NUL, issuer URL.
 *
 * Checked: a document equals itself; merging the same desired statements
 * into a merge result changes nothing. */
#include <string.h>

#include "irsa/names.h"
#include "irsa/oidc.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"
#include "fuzz.h"

static json_t *desired_for(const struct irsa_subject *subject, const char *issuer_key)
{
	static const char *const assume[] = { "arn:aws:iam::111122223333:role/admin" };
	struct irsa_trust_provider provider = { issuer_key, subject, 1 };
	struct irsa_trust_spec spec = {
		.partition = "aws",
		.account = "111122223333",
		.providers = &provider,
		.n_providers = 1,
		.trust_role_arns = assume,
		.n_trust_role_arns = 1,
	};
	struct irsa_error err = { 0 };
	json_t *doc = NULL;

	if (irsa_trust_render(&spec, &doc, &err) < 0)
		return NULL;
	return doc;
}

static void merge_twice(const json_t *existing, const json_t *desired)
{
	struct irsa_error err = { 0 };
	json_t *merged = NULL, *again = NULL;
	bool changed;

	if (irsa_trust_merge(existing, desired, &merged, &changed, &err) < 0)
		return;
	if (irsa_trust_merge(merged, desired, &again, &changed, &err) < 0 || changed)
		abort();
	free(irsa_policy_compact(merged));
	irsa_trust_check_size(merged, 0, &err);
	json_decref(again);
	json_decref(merged);
}

static void remove_from(const json_t *existing, const char *issuer_key,
			const struct irsa_subject *subject)
{
	struct irsa_error err = { 0 };
	json_t *out = NULL;
	size_t removed;

	if (irsa_trust_remove(existing, issuer_key, subject, &out, &removed, &err) == 0)
		json_decref(out);
	out = NULL;
	if (irsa_trust_remove(existing, NULL, NULL, &out, &removed, &err) == 0)
		json_decref(out);
}

static void inspect(const json_t *doc)
{
	json_t *canonical = irsa_policy_canonical(doc);

	if (!irsa_policy_equal(doc, doc))
		abort();
	json_decref(canonical);
	free(irsa_policy_compact(doc));
	free(irsa_policy_pretty(doc));
	irsa_policy_size(doc);
	irsa_trust_count_owned(doc);
	irsa_policy_statement_count(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts in;
	struct irsa_subject subject = { 0 };
	struct irsa_error err = { 0 };
	char *text, *issuer = NULL, *arn;
	const char *key;
	json_t *doc = NULL, *desired;

	fuzz_split(data, size, 3, &in);
	text = irsa_uri_decode(in.part[0], in.len[0]);
	if (irsa_subject_parse(in.part[1], IRSA_NAME_WILDCARD, &subject, &err) < 0 &&
	    irsa_subject_make("default", "web", 0, &subject, &err) < 0)
		abort();
	if (irsa_oidc_issuer_normalize(in.part[2], &issuer, &err) < 0)
		issuer = irsa_strdup("https://oidc.eks.us-east-1.amazonaws.com/id/ABC");
	key = irsa_oidc_issuer_key(issuer);
	arn = irsa_oidc_provider_arn("aws", "111122223333", issuer);
	irsa_oidc_trust_references(text, arn);
	if (irsa_policy_parse(text, "trust policy of role 'fuzz'", &doc, &err) == 0) {
		/* Inspected and edited, or merged, picked by the length's
		 * parity: a mutation of one byte moves an input to the other. */
		if (size % 2 == 0) {
			inspect(doc);
			remove_from(doc, key, &subject);
		} else if ((desired = desired_for(&subject, key))) {
			merge_twice(doc, desired);
			json_decref(desired);
		}
		json_decref(doc);
	}
	free(arn);
	free(issuer);
	free(text);
	irsa_subject_release(&subject);
	fuzz_parts_release(&in);
	return 0;
}
