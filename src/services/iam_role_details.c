/* AWS IAM: roles with everything attached to them, for many roles at
 * once: the bulk read (GetAccountAuthorizationDetails) or per-role reads
 * in parallel rounds (round.h, which follows the lists' Markers). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/iam.h"
#include "irsa/log.h"
#include "irsa/round.h"
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

/* The outcome of each read of one role (the round's answers land in the
 * role's details; the inline policies' names here first). */
struct role_reads {
	struct irsa_error role_err, attached_err, names_err;
	struct irsa_strlist inline_names;
	struct irsa_error *doc_errs;
};

/* A failed read: remembered on its role (the first failure wins). */
static bool failed(struct irsa_role_details *d, const struct irsa_error *e)
{
	if (!e->kind)
		return false;
	if (!d->err.kind)
		d->err = *e;
	return true;
}

/* After GetRole: true when the role exists and its lists are to be read. */
static bool take_role(struct irsa_role_details *d, const struct role_reads *rr)
{
	if (rr->role_err.kind == IRSA_ERR_NOT_FOUND) {
		irsa_role_release(&d->role);
		return false; /* absent: nothing more to read */
	}
	if (failed(d, &rr->role_err))
		return false;
	d->found = true;
	d->role_fields = true;
	return true;
}

/* After the lists: GetRolePolicy of each inline policy added to round. */
static void add_documents(struct irsa_round *round, const char *name,
			  struct irsa_role_details *d, struct role_reads *rr)
{
	size_t n = rr->inline_names.n;

	if (failed(d, &rr->attached_err) || failed(d, &rr->names_err) || n == 0)
		return;
	d->inline_policies = irsa_malloc0(n * sizeof(*d->inline_policies));
	rr->doc_errs = irsa_malloc0(n * sizeof(*rr->doc_errs));
	d->n_inline = n;
	for (size_t k = 0; k < n; k++) {
		d->inline_policies[k].name = irsa_strdup(rr->inline_names.items[k]);
		irsa_round_get_role_policy(round, name, rr->inline_names.items[k],
					   &d->inline_policies[k].document, &rr->doc_errs[k]);
	}
}

/* GetRole of each, then ListAttachedRolePolicies and ListRolePolicies of
 * those that exist (every page, irsa_round_run() follows the Markers),
 * then GetRolePolicy of each inline policy: three rounds (more when a
 * list has several pages) whatever the number of roles. */
static void read_roles(struct irsa_aws *aws, const char *const *names, size_t n,
		       struct irsa_role_details *ret)
{
	_cleanup_(irsa_round_freep) struct irsa_round *round = irsa_round_new(aws);
	struct role_reads *rr = irsa_malloc0((n + 1) * sizeof(*rr));

	for (size_t i = 0; i < n; i++)
		irsa_round_get_role(round, names[i], &ret[i].role, &rr[i].role_err);
	irsa_round_run(round);
	for (size_t i = 0; i < n; i++) {
		if (!take_role(&ret[i], &rr[i]))
			continue;
		irsa_round_list_attached_role_policies(round, names[i], &ret[i].attached,
						       &ret[i].n_attached, &rr[i].attached_err);
		irsa_round_list_role_policies(round, names[i], &rr[i].inline_names,
					      &rr[i].names_err);
	}
	irsa_round_run(round);
	for (size_t i = 0; i < n; i++)
		if (ret[i].found) /* its lists were read */
			add_documents(round, names[i], &ret[i], &rr[i]);
	irsa_round_run(round);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; rr[i].doc_errs && k < ret[i].n_inline; k++)
			failed(&ret[i], &rr[i].doc_errs[k]);
		irsa_strlist_release(&rr[i].inline_names);
		free(rr[i].doc_errs);
	}
	free(rr);
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
	_cleanup_(irsa_round_freep) struct irsa_round *round = irsa_round_new(aws);
	struct irsa_role *roles = irsa_malloc0((n + 1) * sizeof(*roles));
	struct irsa_error *errs = irsa_malloc0((n + 1) * sizeof(*errs));
	bool *asked = irsa_malloc0((n + 1) * sizeof(*asked));

	for (size_t i = 0; i < n; i++) {
		asked[i] = d[i].found && !d[i].role_fields && !d[i].err.kind && (!want || want[i]);
		if (asked[i])
			irsa_round_get_role(round, d[i].role.name, &roles[i], &errs[i]);
	}
	irsa_round_run(round);
	for (size_t i = 0; i < n; i++) {
		if (!asked[i] || failed(&d[i], &errs[i]))
			continue;
		free(d[i].role.description);
		d[i].role.description = roles[i].description;
		roles[i].description = NULL;
		d[i].role.max_session_duration = roles[i].max_session_duration;
		d[i].role_fields = true;
		irsa_role_release(&roles[i]);
	}
	free(asked);
	free(errs);
	free(roles);
}
