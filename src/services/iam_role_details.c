/* AWS IAM: roles with everything attached to them, for many roles at
 * once: the bulk read (GetAccountAuthorizationDetails) or per-role reads
 * in parallel rounds (irsa_aws_query_many). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/iam.h"
#include "irsa/log.h"
#include "irsa/strlist.h"
#include "irsa/strutil.h"
#include "iam_internal.h"

void irsa_role_details_release(struct irsa_role_details *d)
{
	if (!d)
		return;
	irsa_role_release(&d->role);
	irsa_attached_policies_free(d->attached, d->n_attached);
	for (size_t i = 0; i < d->n_inline; i++) {
		free(d->inline_policies[i].name);
		free(d->inline_policies[i].document);
	}
	free(d->inline_policies);
	memset(d, 0, sizeof(*d));
}

void irsa_role_details_free(struct irsa_role_details *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		irsa_role_details_release(&d[i]);
	free(d);
}

static bool is_member(const xmlNode *m)
{
	return m->type == XML_ELEMENT_NODE && strcmp((const char *)m->name, "member") == 0;
}

static void add_attached(struct irsa_role_details *d, xmlNode *member)
{
	char *arn = iam_child_text(member, "PolicyArn");
	char *name = iam_child_text(member, "PolicyName");

	if (!arn) {
		free(name);
		return;
	}
	d->attached = irsa_realloc(d->attached, (d->n_attached + 1) * sizeof(*d->attached));
	d->attached[d->n_attached].arn = arn;
	d->attached[d->n_attached].name = name ? name : irsa_strdup("");
	d->n_attached++;
}

static void add_inline(struct irsa_role_details *d, char *name, char *document)
{
	d->inline_policies = irsa_realloc(d->inline_policies,
					  (d->n_inline + 1) * sizeof(*d->inline_policies));
	d->inline_policies[d->n_inline].name = name;
	d->inline_policies[d->n_inline].document = document;
	d->n_inline++;
}

/* ---- the bulk read ---- */

struct detail_array {
	struct irsa_role_details *items;
	size_t n;
};

static int collect_detail(xmlNode *member, void *userdata, struct irsa_error *err)
{
	struct detail_array *a = userdata;
	struct irsa_role_details *d;
	xmlNode *l;

	a->items = irsa_realloc(a->items, (a->n + 1) * sizeof(*a->items));
	d = &a->items[a->n++];
	memset(d, 0, sizeof(*d));
	d->found = true;
	iam_parse_role(member, &d->role);
	l = iam_child(member, "AttachedManagedPolicies");
	for (xmlNode *m = l ? l->children : NULL; m; m = m->next)
		if (is_member(m))
			add_attached(d, m);
	l = iam_child(member, "RolePolicyList");
	for (xmlNode *m = l ? l->children : NULL; m; m = m->next) {
		char *name;

		if (!is_member(m) || !(name = iam_child_text(m, "PolicyName")))
			continue;
		add_inline(d, name, iam_child_document(m, "PolicyDocument"));
	}
	if (!d->role.name)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "iam GetAccountAuthorizationDetails: a role without RoleName");
	return 0;
}

int irsa_iam_account_roles(struct irsa_aws *aws, struct irsa_role_details **ret, size_t *ret_n,
			   struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	struct detail_array a = { 0 };

	irsa_params_add(&p, "Filter.member.1", "Role");
	irsa_params_add(&p, "MaxItems", "1000");
	if (iam_list(aws, "GetAccountAuthorizationDetails", &p, "RoleDetailList", collect_detail,
		     &a, err) < 0) {
		irsa_role_details_free(a.items, a.n);
		return -1;
	}
	*ret = a.items;
	*ret_n = a.n;
	return 0;
}

/* Move the account's roles that are named into ret; the others stay
 * not found. */
static void pick_roles(struct irsa_role_details *all, size_t n_all, const char *const *names,
		       size_t n, struct irsa_role_details *ret)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < n_all; k++) {
			if (all[k].found && strcasecmp(all[k].role.name, names[i]) == 0) {
				ret[i] = all[k];
				memset(&all[k], 0, sizeof(all[k]));
				break;
			}
		}
	}
}

/* ---- per-role reads in rounds ---- */

struct round {
	struct irsa_aws_query_call *calls;
	struct irsa_params *params;
	size_t *owner; /* the role index of each call */
	size_t n, cap;
};

static struct irsa_params *round_add(struct round *r, size_t owner, const char *action)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->calls = irsa_realloc(r->calls, r->cap * sizeof(*r->calls));
		r->params = irsa_realloc(r->params, r->cap * sizeof(*r->params));
		r->owner = irsa_realloc(r->owner, r->cap * sizeof(*r->owner));
	}
	r->params[r->n] = (struct irsa_params)IRSA_PARAMS_INIT;
	r->calls[r->n] = (struct irsa_aws_query_call){ "iam", IAM_VERSION, action, NULL };
	r->owner[r->n] = owner;
	return &r->params[r->n++];
}

static void round_run(struct irsa_aws *aws, struct round *r)
{
	for (size_t i = 0; i < r->n; i++)
		r->calls[i].params = &r->params[i];
	irsa_aws_query_many(aws, r->calls, r->n, NULL);
}

static void round_release(struct round *r)
{
	for (size_t i = 0; i < r->n; i++) {
		irsa_params_release(&r->params[i]);
		if (r->calls[i].doc)
			xmlFreeDoc(r->calls[i].doc);
	}
	free(r->calls);
	free(r->params);
	free(r->owner);
	memset(r, 0, sizeof(*r));
}

static xmlNode *result_of(const struct irsa_aws_query_call *c)
{
	char name[128];

	snprintf(name, sizeof(name), "%sResult", c->action);
	return iam_child(xmlDocGetRootElement(c->doc), name);
}

/* A failed call: remembered on its role (the first failure wins). */
static bool failed(const struct irsa_aws_query_call *c, struct irsa_role_details *d)
{
	if (c->rc == 0)
		return false;
	if (!d->err.kind)
		d->err = c->err;
	return true;
}

static void read_roles(struct irsa_aws *aws, const char *const *names, size_t n,
		       struct irsa_role_details *ret)
{
	struct round r1 = { 0 }, r2 = { 0 }, r3 = { 0 };

	for (size_t i = 0; i < n; i++)
		irsa_params_add(round_add(&r1, i, "GetRole"), "RoleName", names[i]);
	round_run(aws, &r1);
	for (size_t i = 0; i < r1.n; i++) {
		struct irsa_role_details *d = &ret[r1.owner[i]];
		xmlNode *role;

		if (r1.calls[i].rc < 0 && r1.calls[i].err.kind == IRSA_ERR_NOT_FOUND)
			continue; /* absent: nothing more to read */
		if (failed(&r1.calls[i], d))
			continue;
		role = iam_child(result_of(&r1.calls[i]), "Role");
		if (!role) {
			irsa_error_set(&d->err, IRSA_ERR_REMOTE,
				       "iam GetRole: the answer for role '%s' has no Role", names[i]);
			continue;
		}
		d->found = true;
		d->role_fields = true;
		iam_parse_role(role, &d->role);
		for (int k = 0; k < 2; k++) {
			struct irsa_params *p = round_add(&r2, r1.owner[i], k ? "ListRolePolicies"
									      : "ListAttachedRolePolicies");

			irsa_params_add(p, "RoleName", names[r1.owner[i]]);
			irsa_params_add(p, "MaxItems", "1000");
		}
	}
	round_run(aws, &r2);
	for (size_t i = 0; i < r2.n; i++) {
		struct irsa_role_details *d = &ret[r2.owner[i]];
		xmlNode *res, *l;
		bool attached = strcmp(r2.calls[i].action, "ListAttachedRolePolicies") == 0;

		if (failed(&r2.calls[i], d))
			continue;
		res = result_of(&r2.calls[i]);
		if (iam_child_bool(res, "IsTruncated")) {
			irsa_error_set(&d->err, IRSA_ERR_REMOTE, "iam %s: more than 1000 policies on "
				       "role '%s'", r2.calls[i].action, names[r2.owner[i]]);
			continue;
		}
		l = iam_child(res, attached ? "AttachedPolicies" : "PolicyNames");
		for (xmlNode *m = l ? l->children : NULL; m; m = m->next) {
			_cleanup_free_ char *name = NULL;
			struct irsa_params *p;

			if (!is_member(m))
				continue;
			if (attached) {
				add_attached(d, m);
				continue;
			}
			name = irsa_xml_text(m);
			p = round_add(&r3, r2.owner[i], "GetRolePolicy");
			irsa_params_add(p, "RoleName", names[r2.owner[i]]);
			irsa_params_add(p, "PolicyName", name);
		}
	}
	round_run(aws, &r3);
	for (size_t i = 0; i < r3.n; i++) {
		struct irsa_role_details *d = &ret[r3.owner[i]];
		xmlNode *res;

		if (failed(&r3.calls[i], d))
			continue;
		res = result_of(&r3.calls[i]);
		add_inline(d, irsa_strdup(irsa_params_get(&r3.params[i], "PolicyName")),
			   iam_child_document(res, "PolicyDocument"));
	}
	round_release(&r1);
	round_release(&r2);
	round_release(&r3);
}

int irsa_iam_read_roles(struct irsa_aws *aws, const char *const *names, size_t n,
			struct irsa_role_details *ret, bool *ret_bulk, struct irsa_error *err)
{
	const struct irsa_credentials *creds;

	memset(ret, 0, n * sizeof(*ret));
	if (ret_bulk)
		*ret_bulk = false;
	if (irsa_aws_credentials(aws, &creds, err) < 0)
		return -1;
	if (n >= IRSA_IAM_BULK_MIN) {
		struct irsa_role_details *all = NULL;
		struct irsa_error e = { 0 };
		size_t n_all = 0;

		if (irsa_iam_account_roles(aws, &all, &n_all, &e) == 0) {
			pick_roles(all, n_all, names, n, ret);
			irsa_role_details_free(all, n_all);
			if (ret_bulk)
				*ret_bulk = true;
			return 0;
		}
		if (e.kind != IRSA_ERR_AUTH) {
			if (err)
				*err = e;
			return -1;
		}
		irsa_log_debug("GetAccountAuthorizationDetails denied, reading each role: %s",
			       e.message);
	}
	read_roles(aws, names, n, ret);
	return 0;
}

void irsa_iam_read_role_fields(struct irsa_aws *aws, struct irsa_role_details *d, size_t n,
			       const bool *want)
{
	struct round r = { 0 };

	for (size_t i = 0; i < n; i++)
		if (d[i].found && !d[i].role_fields && !d[i].err.kind && (!want || want[i]))
			irsa_params_add(round_add(&r, i, "GetRole"), "RoleName", d[i].role.name);
	round_run(aws, &r);
	for (size_t i = 0; i < r.n; i++) {
		struct irsa_role_details *one = &d[r.owner[i]];
		xmlNode *role;

		if (failed(&r.calls[i], one))
			continue;
		role = iam_child(result_of(&r.calls[i]), "Role");
		if (!role) {
			irsa_error_set(&one->err, IRSA_ERR_REMOTE, "iam GetRole: the answer for role "
				       "'%s' has no Role", one->role.name);
			continue;
		}
		free(one->role.description);
		one->role.description = iam_child_text(role, "Description");
		one->role.max_session_duration = iam_child_int(role, "MaxSessionDuration", 0);
		one->role_fields = true;
	}
	round_release(&r);
}
