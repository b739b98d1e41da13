/* AWS IAM: managed policies, their versions and attachments, and inline
 * role policies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/iam.h"
#include "irsa/strutil.h"
#include "iam_internal.h"

/* ---- attachments ---- */

struct attached_array {
	struct irsa_attached_policy *items;
	size_t n;
};

static int collect_attached(xmlNode *member, void *userdata, struct irsa_error *err)
{
	struct attached_array *a = userdata;
	_cleanup_free_ char *name = iam_child_text(member, "PolicyName");
	_cleanup_free_ char *arn = iam_child_text(member, "PolicyArn");

	if (!arn)
		return 0;
	a->items = irsa_realloc(a->items, (a->n + 1) * sizeof(*a->items));
	a->items[a->n].name = name ? TAKE_PTR(name) : irsa_strdup("");
	a->items[a->n].arn = TAKE_PTR(arn);
	a->n++;
	return 0;
}

int irsa_iam_list_attached_role_policies(struct irsa_aws *aws, const char *role_name,
					 struct irsa_attached_policy **ret, size_t *ret_n,
					 struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	struct attached_array a = { NULL, 0 };

	irsa_params_add(&p, "RoleName", role_name);
	if (iam_list(aws, "ListAttachedRolePolicies", &p, "AttachedPolicies", collect_attached, &a,
		     err) < 0) {
		irsa_attached_policies_free(a.items, a.n);
		return -1;
	}
	*ret = a.items;
	*ret_n = a.n;
	return 0;
}

void irsa_attached_policies_free(struct irsa_attached_policy *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].name);
		free(p[i].arn);
	}
	free(p);
}

static int role_policy_arn_call(struct irsa_aws *aws, const char *action, const char *role_name,
				const char *policy_arn, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	irsa_params_add(&p, "PolicyArn", policy_arn);
	return iam_call_void(aws, action, &p, err);
}

int irsa_iam_attach_role_policy(struct irsa_aws *aws, const char *role_name,
				const char *policy_arn, struct irsa_error *err)
{
	return role_policy_arn_call(aws, "AttachRolePolicy", role_name, policy_arn, err);
}

int irsa_iam_detach_role_policy(struct irsa_aws *aws, const char *role_name,
				const char *policy_arn, struct irsa_error *err)
{
	return role_policy_arn_call(aws, "DetachRolePolicy", role_name, policy_arn, err);
}

/* ---- managed policies ---- */

void irsa_policy_release(struct irsa_policy *p)
{
	if (!p)
		return;
	free(p->arn);
	free(p->name);
	free(p->path);
	free(p->default_version_id);
	irsa_tags_release(&p->tags);
	memset(p, 0, sizeof(*p));
}

static int policy_result(xmlDoc *doc, xmlNode *result, const char *action, const char *what,
			 struct irsa_policy *ret, struct irsa_error *err)
{
	xmlNode *node = iam_child(result, "Policy");
	struct irsa_policy pol = { 0 };

	if (node) {
		pol.arn = iam_child_text(node, "Arn");
		pol.name = iam_child_text(node, "PolicyName");
		pol.path = iam_child_text(node, "Path");
		pol.default_version_id = iam_child_text(node, "DefaultVersionId");
		pol.attachment_count = iam_child_int(node, "AttachmentCount", 0);
		pol.boundary_usage_count = iam_child_int(node, "PermissionsBoundaryUsageCount", 0);
		iam_parse_tags(iam_child(node, "Tags"), &pol.tags);
	}
	xmlFreeDoc(doc);
	if (!pol.arn) {
		irsa_policy_release(&pol);
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "iam %s: the answer for policy '%s' has no Policy/Arn", action,
				      what);
	}
	*ret = pol;
	return 0;
}

int irsa_iam_get_policy(struct irsa_aws *aws, const char *arn, struct irsa_policy *ret,
			struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	xmlDoc *doc = NULL;
	xmlNode *result;

	irsa_params_add(&p, "PolicyArn", arn);
	if (iam_call(aws, "GetPolicy", &p, &doc, &result, err) < 0)
		return -1;
	return policy_result(doc, result, "GetPolicy", arn, ret, err);
}

int irsa_iam_create_policy(struct irsa_aws *aws, const char *name, const char *path,
			   const char *document, const char *description,
			   const struct irsa_tags *tags, struct irsa_policy *ret,
			   struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	xmlDoc *doc = NULL;
	xmlNode *result;

	irsa_params_add(&p, "PolicyName", name);
	if (path)
		irsa_params_add(&p, "Path", path);
	irsa_params_add(&p, "PolicyDocument", document);
	if (description)
		irsa_params_add(&p, "Description", description);
	iam_params_tags(&p, "Tags", tags);
	if (iam_call(aws, "CreatePolicy", &p, &doc, &result, err) < 0)
		return -1;
	if (!ret) {
		xmlFreeDoc(doc);
		return 0;
	}
	return policy_result(doc, result, "CreatePolicy", name, ret, err);
}

int irsa_iam_get_policy_version(struct irsa_aws *aws, const char *arn, const char *version_id,
				char **ret_document, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "PolicyArn", arn);
	irsa_params_add(&p, "VersionId", version_id);
	return iam_call_field(aws, "GetPolicyVersion", &p, "PolicyVersion", "Document", true,
			      ret_document, err, "'%s' version '%s'", arn, version_id);
}

struct version_array {
	struct irsa_policy_version *items;
	size_t n;
};

static int collect_version(xmlNode *member, void *userdata, struct irsa_error *err)
{
	struct version_array *a = userdata;
	struct irsa_policy_version *v;

	a->items = irsa_realloc(a->items, (a->n + 1) * sizeof(*a->items));
	v = &a->items[a->n++];
	v->version_id = iam_child_text(member, "VersionId");
	v->is_default = iam_child_bool(member, "IsDefaultVersion");
	v->create_date = iam_child_text(member, "CreateDate");
	if (!v->version_id)
		v->version_id = irsa_strdup("");
	if (!v->create_date)
		v->create_date = irsa_strdup("");
	return 0;
}

int irsa_iam_list_policy_versions(struct irsa_aws *aws, const char *arn,
				  struct irsa_policy_version **ret, size_t *ret_n,
				  struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	struct version_array a = { NULL, 0 };

	irsa_params_add(&p, "PolicyArn", arn);
	if (iam_list(aws, "ListPolicyVersions", &p, "Versions", collect_version, &a, err) < 0) {
		irsa_policy_versions_free(a.items, a.n);
		return -1;
	}
	*ret = a.items;
	*ret_n = a.n;
	return 0;
}

void irsa_policy_versions_free(struct irsa_policy_version *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].version_id);
		free(v[i].create_date);
	}
	free(v);
}

int irsa_iam_create_policy_version(struct irsa_aws *aws, const char *arn, const char *document,
				   bool set_default, char **ret_version_id,
				   struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "PolicyArn", arn);
	irsa_params_add(&p, "PolicyDocument", document);
	irsa_params_add(&p, "SetAsDefault", set_default ? "true" : "false");
	return iam_call_field(aws, "CreatePolicyVersion", &p, "PolicyVersion", "VersionId", false,
			      ret_version_id, err, "'%s'", arn);
}

int irsa_iam_delete_policy_version(struct irsa_aws *aws, const char *arn,
				   const char *version_id, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "PolicyArn", arn);
	irsa_params_add(&p, "VersionId", version_id);
	return iam_call_void(aws, "DeletePolicyVersion", &p, err);
}

int irsa_iam_delete_policy(struct irsa_aws *aws, const char *arn, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "PolicyArn", arn);
	return iam_call_void(aws, "DeletePolicy", &p, err);
}

/* ---- inline policies ---- */

static int collect_name(xmlNode *member, void *userdata, struct irsa_error *err)
{
	xmlChar *content = xmlNodeGetContent(member);

	irsa_strlist_add(userdata, content ? (const char *)content : "");
	xmlFree(content);
	return 0;
}

int irsa_iam_list_role_policies(struct irsa_aws *aws, const char *role_name,
				struct irsa_strlist *ret_names, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	struct irsa_strlist names = { 0 };

	irsa_params_add(&p, "RoleName", role_name);
	if (iam_list(aws, "ListRolePolicies", &p, "PolicyNames", collect_name, &names, err) < 0) {
		irsa_strlist_release(&names);
		return -1;
	}
	*ret_names = names;
	return 0;
}

int irsa_iam_get_role_policy(struct irsa_aws *aws, const char *role_name, const char *name,
			     char **ret_document, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	irsa_params_add(&p, "PolicyName", name);
	return iam_call_field(aws, "GetRolePolicy", &p, NULL, "PolicyDocument", true, ret_document,
			      err, "'%s' of role '%s'", name, role_name);
}

static int role_policy_call(struct irsa_aws *aws, const char *action, const char *role_name,
			    const char *name, const char *document, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "RoleName", role_name);
	irsa_params_add(&p, "PolicyName", name);
	if (document)
		irsa_params_add(&p, "PolicyDocument", document);
	return iam_call_void(aws, action, &p, err);
}

int irsa_iam_put_role_policy(struct irsa_aws *aws, const char *role_name, const char *name,
			     const char *document, struct irsa_error *err)
{
	return role_policy_call(aws, "PutRolePolicy", role_name, name, document, err);
}

int irsa_iam_delete_role_policy(struct irsa_aws *aws, const char *role_name, const char *name,
				struct irsa_error *err)
{
	return role_policy_call(aws, "DeleteRolePolicy", role_name, name, NULL, err);
}

/* ---- who uses a policy ---- */

static int collect_role_name(xmlNode *member, void *userdata, struct irsa_error *err)
{
	_cleanup_free_ char *name = iam_child_text(member, "RoleName");

	if (name)
		irsa_strlist_add(userdata, name);
	return 0;
}

/* usage: "PermissionsPolicy" (attached) or "PermissionsBoundary" */
static int list_roles_using(struct irsa_aws *aws, const char *arn, const char *usage,
			    struct irsa_strlist *ret_names, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "PolicyArn", arn);
	irsa_params_add(&p, "EntityFilter", "Role");
	irsa_params_add(&p, "PolicyUsageFilter", usage);
	return iam_list(aws, "ListEntitiesForPolicy", &p, "PolicyRoles", collect_role_name,
			ret_names, err);
}

int irsa_iam_list_policy_roles(struct irsa_aws *aws, const char *arn,
			       struct irsa_strlist *ret_names, struct irsa_error *err)
{
	return list_roles_using(aws, arn, "PermissionsPolicy", ret_names, err);
}

int irsa_iam_list_policy_boundary_roles(struct irsa_aws *aws, const char *arn,
					struct irsa_strlist *ret_names, struct irsa_error *err)
{
	return list_roles_using(aws, arn, "PermissionsBoundary", ret_names, err);
}
