/* AWS IAM: changes to many roles sent at once (irsa_aws_query_many), for
 * apply's execution in waves. */
#include <stdlib.h>
#include <string.h>

#include "irsa/iam.h"
#include "irsa/strutil.h"
#include "iam_internal.h"

static const char *const op_actions[] = {
	[IRSA_IAM_CREATE_ROLE] = "CreateRole",
	[IRSA_IAM_UPDATE_TRUST] = "UpdateAssumeRolePolicy",
	[IRSA_IAM_UPDATE_ROLE] = "UpdateRole",
	[IRSA_IAM_PUT_BOUNDARY] = "PutRolePermissionsBoundary",
	[IRSA_IAM_TAG_ROLE] = "TagRole",
	[IRSA_IAM_ATTACH_POLICY] = "AttachRolePolicy",
	[IRSA_IAM_DETACH_POLICY] = "DetachRolePolicy",
	[IRSA_IAM_PUT_ROLE_POLICY] = "PutRolePolicy",
	[IRSA_IAM_DELETE_ROLE_POLICY] = "DeleteRolePolicy",
	[IRSA_IAM_DELETE_ROLE] = "DeleteRole",
};

/* The parameters of c, as the single-call functions send them. */
static void change_params(const struct irsa_iam_role_change *c, struct irsa_params *p)
{
	if (c->op == IRSA_IAM_CREATE_ROLE) {
		iam_params_create_role(p, &c->create);
		return;
	}
	irsa_params_add(p, "RoleName", c->role_name);
	switch (c->op) {
	case IRSA_IAM_UPDATE_TRUST:
		irsa_params_add(p, "PolicyDocument", c->document);
		break;
	case IRSA_IAM_UPDATE_ROLE:
		if (c->description)
			irsa_params_add(p, "Description", c->description);
		if (c->max_session_duration > 0)
			irsa_params_addf(p, "MaxSessionDuration", "%d", c->max_session_duration);
		break;
	case IRSA_IAM_PUT_BOUNDARY:
		irsa_params_add(p, "PermissionsBoundary", c->target);
		break;
	case IRSA_IAM_TAG_ROLE:
		iam_params_tags(p, "Tags", c->tags);
		break;
	case IRSA_IAM_ATTACH_POLICY:
	case IRSA_IAM_DETACH_POLICY:
		irsa_params_add(p, "PolicyArn", c->target);
		break;
	case IRSA_IAM_PUT_ROLE_POLICY:
		irsa_params_add(p, "PolicyName", c->target);
		irsa_params_add(p, "PolicyDocument", c->document);
		break;
	case IRSA_IAM_DELETE_ROLE_POLICY:
		irsa_params_add(p, "PolicyName", c->target);
		break;
	case IRSA_IAM_CREATE_ROLE:
	case IRSA_IAM_DELETE_ROLE:
		break;
	}
}

/* CreateRole's answer: the new role's ARN. */
static void created_arn(struct irsa_iam_role_change *c, const struct irsa_aws_query_call *call)
{
	xmlNode *result = iam_child(xmlDocGetRootElement(call->doc), "CreateRoleResult");

	c->created_arn = iam_child_text(iam_child(result, "Role"), "Arn");
	if (!c->created_arn) {
		c->rc = -1;
		irsa_error_set(&c->err, IRSA_ERR_REMOTE,
			       "iam CreateRole: the answer for role '%s' has no Arn", c->create.name);
	}
}

/* Each answer is read and freed as it comes, not after the whole batch. */
static void change_done(struct irsa_aws_query_call *call)
{
	struct irsa_iam_role_change *c = call->userdata;

	c->rc = call->rc;
	c->err = call->err;
	c->created_arn = NULL;
	if (call->rc == 0 && c->op == IRSA_IAM_CREATE_ROLE)
		created_arn(c, call);
	if (call->doc)
		xmlFreeDoc(call->doc);
	call->doc = NULL;
}

void irsa_iam_change_roles(struct irsa_aws *aws, struct irsa_iam_role_change *c, size_t n)
{
	struct irsa_aws_query_call *calls = irsa_malloc0((n + 1) * sizeof(*calls));
	struct irsa_params *params = irsa_malloc0((n + 1) * sizeof(*params));

	for (size_t i = 0; i < n; i++) {
		params[i] = (struct irsa_params)IRSA_PARAMS_INIT;
		change_params(&c[i], &params[i]);
		calls[i] = (struct irsa_aws_query_call){ "iam", IAM_VERSION, op_actions[c[i].op],
							 &params[i], &c[i], change_done };
	}
	irsa_aws_query_many(aws, calls, n, NULL);
	for (size_t i = 0; i < n; i++)
		irsa_params_release(&params[i]);
	free(calls);
	free(params);
}
