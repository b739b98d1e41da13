/* The session's account, looked up at most once per process (account.h). */
#include <stdlib.h>
#include <string.h>

#include "irsa/account.h"
#include "irsa/iam.h"
#include "irsa/names.h"
#include "irsa/oidc.h"
#include "irsa/strutil.h"
#include "irsa/sts.h"

void irsa_account_init(struct irsa_account *a, struct irsa_aws *aws)
{
	memset(a, 0, sizeof(*a));
	a->aws = aws;
}

void irsa_account_release(struct irsa_account *a)
{
	if (!a)
		return;
	free(a->id);
	a->id = NULL;
	irsa_tags_release(&a->issuers);
	irsa_strlist_release(&a->provider_arns);
	a->providers_read = false;
}

void irsa_account_set(struct irsa_account *a, const char *id)
{
	free(a->id);
	a->id = irsa_strdup(id);
}

void irsa_account_learn(struct irsa_account *a, const char *arn)
{
	struct irsa_arn parsed = { 0 };

	if (a->id || !arn || irsa_arn_parse(arn, "ARN", &parsed, NULL) < 0)
		return;
	if (parsed.account && irsa_validate_account_id(parsed.account, NULL) == 0)
		a->id = irsa_strdup(parsed.account);
	irsa_arn_release(&parsed);
}

int irsa_account_get(struct irsa_account *a, const char **ret, struct irsa_error *err)
{
	struct irsa_caller_identity id = { 0 };

	if (!a->id) {
		if (a->lookups)
			return irsa_error_set(err, IRSA_ERR_AUTH,
					      "the AWS account could not be found earlier in this run");
		a->lookups++;
		if (irsa_sts_get_caller_identity(a->aws, &id, err) < 0)
			return irsa_error_prefix(err, "cannot find the AWS account");
		a->id = irsa_strdup(id.account);
		irsa_caller_identity_release(&id);
	}
	*ret = a->id;
	return 0;
}

const char *irsa_account_known_issuer(const struct irsa_account *a, const char *cluster)
{
	for (size_t i = 0; i < a->issuers.n; i++)
		if (strcmp(a->issuers.items[i].key, cluster) == 0)
			return a->issuers.items[i].value;
	return NULL;
}

void irsa_account_add_issuer(struct irsa_account *a, const char *cluster, const char *issuer)
{
	if (!irsa_account_known_issuer(a, cluster))
		irsa_tags_add(&a->issuers, cluster, issuer);
}

int irsa_account_cluster_issuer(struct irsa_account *a, const char *cluster, char **ret,
				struct irsa_error *err)
{
	const char *known = irsa_account_known_issuer(a, cluster);
	char *issuer = NULL;

	if (known) {
		*ret = irsa_strdup(known);
		return 0;
	}
	if (irsa_oidc_cluster_issuer(a->aws, cluster, false, &issuer, err) < 0)
		return -1;
	irsa_account_add_issuer(a, cluster, issuer);
	*ret = issuer;
	return 0;
}

void irsa_account_set_providers(struct irsa_account *a, const struct irsa_strlist *arns)
{
	irsa_strlist_release(&a->provider_arns);
	for (size_t i = 0; i < arns->n; i++)
		irsa_strlist_add(&a->provider_arns, arns->items[i]);
	a->providers_read = true;
	/* every provider listed is in the caller's account */
	if (a->provider_arns.n)
		irsa_account_learn(a, a->provider_arns.items[0]);
}

int irsa_account_provider_arns(struct irsa_account *a, const struct irsa_strlist **ret,
			       struct irsa_error *err)
{
	if (!a->providers_read) {
		struct irsa_strlist arns = { 0 };

		if (irsa_iam_list_oidc_providers(a->aws, &arns, err) < 0)
			return -1;
		irsa_account_set_providers(a, &arns);
		irsa_strlist_release(&arns);
	}
	*ret = &a->provider_arns;
	return 0;
}

void irsa_account_provider_created(struct irsa_account *a, const char *arn)
{
	if (a->providers_read && !irsa_strlist_contains(&a->provider_arns, arn))
		irsa_strlist_add(&a->provider_arns, arn);
}
