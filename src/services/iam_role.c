/* AWS IAM: roles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/iam.h"
#include "irsa/strutil.h"
#include "iam_internal.h"

void irsa_role_release(struct irsa_role *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->arn);
	free(r->path);
	free(r->role_id);
	free(r->description);
	free(r->trust_policy);
	free(r->permissions_boundary);
	irsa_tags_release(&r->tags);
	memset(r, 0, sizeof(*r));
}

/* A <Role> element (GetRole, CreateRole, a ListRoles member) into r. */
void iam_parse_role(xmlNode *node, struct irsa_role *r)
{
	memset(r, 0, sizeof(*r));
	r->name = iam_child_text(node, "RoleName");
	r->arn = iam_child_text(node, "Arn");
	r->path = iam_child_text(node, "Path");
	r->role_id = iam_child_text(node, "RoleId");
	r->description = iam_child_text(node, "Description");
	r->trust_policy = iam_child_document(node, "AssumeRolePolicyDocument");
	r->permissions_boundary = iam_child_text(iam_child(node, "PermissionsBoundary"),
						 "PermissionsBoundaryArn");
	r->max_session_duration = iam_child_int(node, "MaxSessionDuration", 0);
	iam_parse_tags(iam_child(node, "Tags"), &r->tags);
}

int iam_role_result(xmlDoc *doc, xmlNode *result, const char *action, const char *name,
		    struct irsa_role *ret, struct irsa_error *err)
{
	xmlNode *node = iam_child(result, "Role");

	if (!node) {
		xmlFreeDoc(doc);
		return irsa_error_set(err, IRSA_ERR_REMOTE, "iam %s: the answer for role '%s' has no Role",
				      action, name);
	}
	iam_parse_role(node, ret);
	xmlFreeDoc(doc);
	if (!ret->name || !ret->arn) {
		irsa_role_release(ret);
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "iam %s: the answer for role '%s' has no RoleName or Arn", action,
				      name);
	}
	return 0;
}

int irsa_iam_get_role(struct irsa_aws *aws, const char *name, struct irsa_role *ret,
		      struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	xmlDoc *doc = NULL;
	xmlNode *result;

	irsa_params_add(&p, "RoleName", name);
	if (iam_call(aws, "GetRole", &p, &doc, &result, err) < 0)
		return -1;
	return iam_role_result(doc, result, "GetRole", name, ret, err);
}

void iam_params_create_role(struct irsa_params *p, const struct irsa_role_spec *spec)
{
	irsa_params_add(p, "RoleName", spec->name);
	if (spec->path)
		irsa_params_add(p, "Path", spec->path);
	irsa_params_add(p, "AssumeRolePolicyDocument", spec->trust_policy);
	if (spec->description)
		irsa_params_add(p, "Description", spec->description);
	if (spec->max_session_duration > 0)
		irsa_params_addf(p, "MaxSessionDuration", "%d", spec->max_session_duration);
	if (spec->permissions_boundary)
		irsa_params_add(p, "PermissionsBoundary", spec->permissions_boundary);
	iam_params_tags(p, "Tags", spec->tags);
}

int irsa_iam_create_role(struct irsa_aws *aws, const struct irsa_role_spec *spec,
			 struct irsa_role *ret, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	xmlDoc *doc = NULL;
	xmlNode *result;

	iam_params_create_role(&p, spec);
	if (iam_call(aws, "CreateRole", &p, &doc, &result, err) < 0)
		return -1;
	if (!ret) {
		xmlFreeDoc(doc);
		return 0;
	}
	return iam_role_result(doc, result, "CreateRole", spec->name, ret, err);
}

int irsa_iam_update_trust_policy(struct irsa_aws *aws, const char *role_name,
				 const char *trust_policy, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	irsa_params_add(&p, "PolicyDocument", trust_policy);
	return iam_call_void(aws, "UpdateAssumeRolePolicy", &p, err);
}

int irsa_iam_update_role(struct irsa_aws *aws, const char *role_name, const char *description,
			 int max_session_duration, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	if (description)
		irsa_params_add(&p, "Description", description);
	if (max_session_duration > 0)
		irsa_params_addf(&p, "MaxSessionDuration", "%d", max_session_duration);
	return iam_call_void(aws, "UpdateRole", &p, err);
}

int irsa_iam_tag_role(struct irsa_aws *aws, const char *role_name, const struct irsa_tags *tags,
		      struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	iam_params_tags(&p, "Tags", tags);
	return iam_call_void(aws, "TagRole", &p, err);
}

int irsa_iam_put_permissions_boundary(struct irsa_aws *aws, const char *role_name,
				      const char *boundary_arn, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	irsa_params_add(&p, "PermissionsBoundary", boundary_arn);
	return iam_call_void(aws, "PutRolePermissionsBoundary", &p, err);
}

int irsa_iam_delete_role(struct irsa_aws *aws, const char *role_name, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	return iam_call_void(aws, "DeleteRole", &p, err);
}

struct role_array {
	struct irsa_role *items;
	size_t n;
};

static int collect_role(xmlNode *member, void *userdata, struct irsa_error *err)
{
	struct role_array *a = userdata;

	a->items = irsa_realloc(a->items, (a->n + 1) * sizeof(*a->items));
	iam_parse_role(member, &a->items[a->n]);
	a->n++;
	return 0;
}

int irsa_iam_list_roles(struct irsa_aws *aws, const char *path_prefix,
			struct irsa_role **ret_roles, size_t *ret_n, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	struct role_array a = { NULL, 0 };

	if (path_prefix)
		irsa_params_add(&p, "PathPrefix", path_prefix);
	if (iam_list(aws, "ListRoles", &p, "Roles", collect_role, &a, err) < 0) {
		irsa_roles_free(a.items, a.n);
		return -1;
	}
	*ret_roles = a.items;
	*ret_n = a.n;
	return 0;
}

void irsa_roles_free(struct irsa_role *roles, size_t n)
{
	for (size_t i = 0; roles && i < n; i++)
		irsa_role_release(&roles[i]);
	free(roles);
}
