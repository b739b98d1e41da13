/* AWS IAM: SimulatePrincipalPolicy (irsactl verify's permissions check). */
#include <stdlib.h>
#include <string.h>

#include "irsa/iam.h"
#include "irsa/strutil.h"
#include "iam_internal.h"

struct simulation_array {
	struct irsa_simulation_result *items;
	size_t n;
};

static void parse_matched(xmlNode *list, struct irsa_strlist *ids)
{
	for (xmlNode *m = list ? list->children : NULL; m; m = m->next) {
		_cleanup_free_ char *id = NULL;

		if (m->type != XML_ELEMENT_NODE)
			continue;
		id = iam_child_text(m, "SourcePolicyId");
		if (id && !irsa_strlist_contains(ids, id))
			irsa_strlist_add(ids, id);
	}
}

static int collect_result(xmlNode *member, void *userdata, struct irsa_error *err)
{
	struct simulation_array *a = userdata;
	struct irsa_simulation_result *r;
	xmlNode *boundary;
	_cleanup_free_ char *allowed = NULL;

	(void)err;
	a->items = irsa_realloc(a->items, (a->n + 1) * sizeof(*a->items));
	r = &a->items[a->n++];
	memset(r, 0, sizeof(*r));
	r->action = iam_child_text(member, "EvalActionName");
	r->resource = iam_child_text(member, "EvalResourceName");
	r->decision = iam_child_text(member, "EvalDecision");
	parse_matched(iam_child(member, "MatchedStatements"), &r->matched_policies);
	boundary = iam_child(member, "PermissionsBoundaryDecisionDetail");
	allowed = boundary ? iam_child_text(boundary, "AllowedByPermissionsBoundary") : NULL;
	r->boundary_denied = allowed && strcmp(allowed, "false") == 0;
	return 0;
}

int irsa_iam_simulate_principal_policy(struct irsa_aws *aws, const char *source_arn,
				       const struct irsa_strlist *actions, const char *resource,
				       struct irsa_simulation_result **ret, size_t *ret_n,
				       struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	struct simulation_array a = { NULL, 0 };

	irsa_params_add(&p, "PolicySourceArn", source_arn);
	iam_params_strlist(&p, "ActionNames", actions);
	if (resource)
		irsa_params_add(&p, "ResourceArns.member.1", resource);
	if (iam_list(aws, "SimulatePrincipalPolicy", &p, "EvaluationResults", collect_result, &a,
		     err) < 0) {
		irsa_simulation_results_free(a.items, a.n);
		return -1;
	}
	*ret = a.items;
	*ret_n = a.n;
	return 0;
}

void irsa_simulation_results_free(struct irsa_simulation_result *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].action);
		free(r[i].resource);
		free(r[i].decision);
		irsa_strlist_release(&r[i].matched_policies);
	}
	free(r);
}
