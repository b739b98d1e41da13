/* Every name irsactl accepts from users, through every validator and
 * parser: namespaces, ServiceAccounts, subjects, IAM names, paths and
 * ARNs, EKS cluster names, account ids, tags, thumbprints, issuer URLs,
 * role ARNs, Kubernetes label and annotation keys, and the default role
 * name built from them. */
#include <string.h>

#include "irsa/names.h"
#include "irsa/oidc.h"
#include "irsa/serviceaccount.h"
#include "irsa/strlist.h"
#include "irsa/strutil.h"
#include "fuzz.h"

static void validators(const char *s)
{
	struct irsa_error err = { 0 };
	struct irsa_subject subject = { 0 };
	struct irsa_arn arn = { 0 };
	struct irsa_role_arn role_arn;

	irsa_name_has_wildcard(s);
	irsa_validate_namespace(s, 0, &err);
	irsa_validate_namespace(s, IRSA_NAME_WILDCARD, &err);
	irsa_validate_service_account(s, 0, &err);
	irsa_validate_service_account(s, IRSA_NAME_WILDCARD, &err);
	if (irsa_subject_parse(s, IRSA_NAME_WILDCARD, &subject, &err) == 0) {
		free(irsa_subject_string(&subject));
		irsa_subject_release(&subject);
	}
	irsa_validate_role_name(s, &err);
	irsa_validate_iam_path(s, &err);
	irsa_validate_policy_name(s, &err);
	irsa_validate_cluster_name(s, &err);
	irsa_validate_account_id(s, &err);
	if (irsa_arn_parse(s, "--fuzz", &arn, &err) == 0)
		irsa_arn_release(&arn);
	irsa_validate_policy_arn(s, "--fuzz", &err);
	irsa_validate_principal_arn(s, "--fuzz", &err);
	irsa_role_arn_parse(s, &role_arn, &err);
	irsa_k8s_check_qualified_name(s, "annotation key", &err);
	irsa_k8s_check_label_value("app", s, &err);
	irsa_name_hash(s);
}

static void issuer(const char *s)
{
	struct irsa_error err = { 0 };
	char *normal = NULL;

	if (irsa_oidc_issuer_normalize(s, &normal, &err) == 0) {
		char *again = NULL;

		/* normalising is idempotent */
		if (irsa_oidc_issuer_normalize(normal, &again, &err) < 0 || strcmp(again, normal) != 0)
			abort();
		free(irsa_oidc_issuer_label(normal));
		irsa_oidc_arn_is_for(s, normal);
		free(again);
		free(normal);
	}
}

static void built_names(const struct fuzz_parts *in)
{
	struct irsa_error err = { 0 };
	struct irsa_tags tags = { 0 };
	struct irsa_strlist thumbprints = { 0 };
	const char *args[] = { in->part[0], in->part[1] };
	char *name = irsa_default_role_name(in->part[0], in->part[1], in->part[2]);
	char *copy = irsa_strdup(in->part[0]);

	if (irsa_validate_role_name(name, &err) < 0)
		abort(); /* the default name is always a valid one */
	irsa_iam_name_sanitize(copy);
	irsa_tag_arg_parse(in->part[0], &tags, &err);
	irsa_tag_arg_parse(in->part[1], &tags, &err);
	irsa_tags_release(&tags);
	if (irsa_oidc_thumbprints_parse(args, 2, &thumbprints, &err) == 0)
		irsa_strlist_release(&thumbprints);
	free(copy);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts in;
	char *whole = fuzz_string(data, size);

	validators(whole);
	issuer(whole);
	fuzz_split(data, size, 3, &in);
	built_names(&in);
	fuzz_parts_release(&in);
	free(whole);
	return 0;
}
