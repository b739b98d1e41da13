/* irsactl verify: the EKS Pod Identity checks (see verify.h): the
 * association, its role, the role's trust for pods.eks.amazonaws.com, the
 * target role, the agent add-on. */
#include <stdlib.h>
#include <string.h>

#include "irsa/buf.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"
#include "irsa/trust_eval.h"
#include "verify_internal.h"

#define ACTION_ASSUME "sts:AssumeRole"
#define ACTION_TAG "sts:TagSession"

static const char *ns_of(const struct verify *v)
{
	return v->req->namespace_name;
}

static const char *sa_of(const struct verify *v)
{
	return v->req->service_account;
}

void verify_pod_identity_release(struct verify *v)
{
	irsa_pod_identity_association_release(&v->assoc);
	irsa_role_release(&v->pi_role);
}

/* ---- finding the association ------------------------------------------ */

static const struct irsa_pod_identity_association *listed(const struct verify *v)
{
	for (size_t i = 0; i < v->req->n_associations; i++) {
		const struct irsa_pod_identity_association *a = &v->req->associations[i];

		if (a->namespace_ && a->service_account && strcmp(a->namespace_, ns_of(v)) == 0 &&
		    strcmp(a->service_account, sa_of(v)) == 0)
			return a;
	}
	return NULL;
}

void verify_find_pod_identity(struct verify *v)
{
	const struct irsa_pod_identity_association *summary;

	if (!v->req->associations_listed) {
		if (irsa_eks_find_pod_identity_association(v->env->aws, v->req->cluster, ns_of(v),
							   sa_of(v), &v->assoc, &v->have_assoc,
							   &v->assoc_error) < 0)
			v->have_assoc = false;
		return;
	}
	summary = listed(v);
	if (!summary)
		return;
	if (irsa_eks_describe_pod_identity_association(v->env->aws, v->req->cluster,
						       summary->association_id, &v->assoc,
						       &v->assoc_error) == 0)
		v->have_assoc = true;
}

/* ---- pod-identity-association ----------------------------------------- */

static char *create_fix(const struct verify *v, const char *role)
{
	if (role && strncmp(role, "arn:", 4) == 0)
		return irsa_asprintf("irsactl pod-identity create --cluster %s -n %s -s %s "
				     "--role-arn %s", v->req->cluster, ns_of(v), sa_of(v), role);
	return irsa_asprintf("irsactl pod-identity create --cluster %s -n %s -s %s --role-name %s",
			     v->req->cluster, ns_of(v), sa_of(v), role ? role : "ROLE");
}

static void check_association(struct verify *v)
{
	const struct irsa_pod_identity_association *a = &v->assoc;
	_cleanup_free_ char *fix = NULL;

	if (v->assoc_error.kind) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ASSOCIATION, IRSA_CHECK_FAIL, NULL,
				 "cannot read the Pod Identity associations of cluster '%s': %s",
				 v->req->cluster, v->assoc_error.message);
		return;
	}
	if (!v->have_assoc) {
		fix = create_fix(v, v->req->role_arn);
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ASSOCIATION, IRSA_CHECK_FAIL, fix,
				 "no EKS Pod Identity association for '%s/%s' in cluster '%s'",
				 ns_of(v), sa_of(v), v->req->cluster);
		return;
	}
	if (v->req->role_arn && (!a->role_arn || strcmp(a->role_arn, v->req->role_arn) != 0)) {
		fix = create_fix(v, v->req->role_arn);
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ASSOCIATION, IRSA_CHECK_FAIL, fix,
				 "association '%s' names role '%s', not '%s'", a->association_id,
				 a->role_arn ? a->role_arn : "(none)", v->req->role_arn);
		return;
	}
	verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ASSOCIATION, IRSA_CHECK_OK, NULL,
			 "association '%s' gives '%s/%s' role '%s'%s%s%s%s", a->association_id,
			 ns_of(v), sa_of(v), a->role_arn ? a->role_arn : "(none)",
			 a->target_role_arn ? ", then target role '" : "",
			 a->target_role_arn ? a->target_role_arn : "",
			 a->target_role_arn ? "'" : "",
			 a->disable_session_tags ? " (session tags disabled)" : "");
}

/* ---- pod-identity-role ------------------------------------------------ */

static void check_role(struct verify *v)
{
	struct irsa_error e = { 0 };
	_cleanup_free_ char *fix = NULL;

	if (!v->have_assoc || !v->assoc.role_arn) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ROLE, IRSA_CHECK_SKIP, NULL,
				 "skipped: needs the association (see pod-identity-association)");
		return;
	}
	if (irsa_role_arn_parse(v->assoc.role_arn, &v->pi_role_parts, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ROLE, IRSA_CHECK_FAIL, NULL,
				 "the association's role: %s", e.message);
		return;
	}
	if (v->account && strcmp(v->pi_role_parts.account, v->account) != 0) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ROLE, IRSA_CHECK_WARN, NULL,
				 "role '%s' is in account %s, not the caller's account %s: it cannot "
				 "be read from here", v->assoc.role_arn, v->pi_role_parts.account,
				 v->account);
		return;
	}
	if (irsa_iam_get_role(v->env->aws, v->pi_role_parts.name, &v->pi_role, &e) < 0) {
		if (e.kind == IRSA_ERR_NOT_FOUND)
			fix = create_fix(v, v->pi_role_parts.name);
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ROLE, IRSA_CHECK_FAIL, fix, "%s",
				 e.message);
		return;
	}
	v->have_pi_role = true;
	verify_check_set(v, IRSA_CHECK_POD_IDENTITY_ROLE, IRSA_CHECK_OK, NULL, "role '%s' exists",
			 v->pi_role.arn);
}

/* ---- trust: one request per action ------------------------------------ */

/* What EKS Pod Identity sends with its AssumeRole / TagSession: the
 * cluster as source, and the session tags it sets (unless disabled). */
struct pod_request {
	const char *source_account[1], *source_arn[1];
	const char *cluster_arn[1], *cluster_name[1], *ns[1], *sa[1];
	const char *tag_keys[4];
	struct irsa_trust_key keys[8]; /* room for sts:ExternalId (target role) */
	size_t n_keys;
};

static void pod_request_init(struct pod_request *p, const struct verify *v, const char *account,
			     bool session_tags)
{
	static const char *const tag_names[] = {
		"eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace",
		"kubernetes-service-account",
	};

	memset(p, 0, sizeof(*p));
	p->source_account[0] = account;
	p->source_arn[0] = v->cluster_arn;
	p->keys[p->n_keys++] = (struct irsa_trust_key){ "aws:SourceAccount", p->source_account, 1 };
	if (v->cluster_arn)
		p->keys[p->n_keys++] = (struct irsa_trust_key){ "aws:SourceArn", p->source_arn, 1 };
	if (!session_tags)
		return;
	p->cluster_arn[0] = v->cluster_arn;
	p->cluster_name[0] = v->req->cluster;
	p->ns[0] = ns_of(v);
	p->sa[0] = sa_of(v);
	for (size_t i = 0; i < ARRAY_SIZE(tag_names); i++)
		p->tag_keys[i] = tag_names[i];
	p->keys[p->n_keys++] = (struct irsa_trust_key){ "aws:TagKeys", p->tag_keys, 4 };
	if (v->cluster_arn)
		p->keys[p->n_keys++] = (struct irsa_trust_key){ "aws:RequestTag/eks-cluster-arn",
								p->cluster_arn, 1 };
	p->keys[p->n_keys++] = (struct irsa_trust_key){ "aws:RequestTag/eks-cluster-name",
							p->cluster_name, 1 };
	p->keys[p->n_keys++] = (struct irsa_trust_key){ "aws:RequestTag/kubernetes-namespace",
							p->ns, 1 };
	p->keys[p->n_keys++] = (struct irsa_trust_key){
		"aws:RequestTag/kubernetes-service-account", p->sa, 1 };
}

/* Evaluate doc for principal (type, value) and each of the actions; the
 * first denied one is reported in *ret (else the last allowed one). */
static int evaluate_actions(const json_t *doc, const char *type, const char *principal,
			    const struct pod_request *p, const char *const *actions,
			    size_t n_actions, const char **ret_action, struct irsa_trust_result *ret,
			    struct irsa_error *err)
{
	for (size_t i = 0; i < n_actions; i++) {
		struct irsa_trust_request tr = { type, principal, actions[i], p->keys, p->n_keys };

		if (irsa_trust_evaluate(doc, &tr, ret, err) < 0)
			return -1;
		*ret_action = actions[i];
		if (ret->decision != IRSA_TRUST_ALLOWED)
			return 0;
	}
	return 0;
}

static size_t wanted_actions(const struct verify *v, const char **actions)
{
	actions[0] = ACTION_ASSUME;
	if (v->assoc.disable_session_tags)
		return 1;
	actions[1] = ACTION_TAG;
	return 2;
}

static char *deny_fix(const char *role_name, int statement)
{
	return irsa_asprintf("aws iam update-assume-role-policy --role-name %s --policy-document "
			     "file://trust.json   # without the Deny of statement %d",
			     role_name, statement);
}

static void check_trust(struct verify *v)
{
	struct irsa_trust_result res;
	struct irsa_error e = { 0 };
	struct pod_request p;
	const char *actions[2], *action = ACTION_ASSUME;
	size_t n = wanted_actions(v, actions);
	json_t *doc = NULL;
	_cleanup_free_ char *fix = NULL;
	int r;

	if (!v->have_pi_role) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TRUST, IRSA_CHECK_SKIP, NULL,
				 "skipped: needs the role (see pod-identity-role)");
		return;
	}
	pod_request_init(&p, v, v->account ? v->account : v->pi_role_parts.account,
			 !v->assoc.disable_session_tags);
	r = irsa_policy_parse(v->pi_role.trust_policy ? v->pi_role.trust_policy : "",
			      "the trust policy", &doc, &e);
	if (r == 0)
		r = evaluate_actions(doc, "Service", IRSA_POD_IDENTITY_SERVICE, &p, actions, n,
				     &action, &res, &e);
	json_decref(doc);
	if (r < 0) {
		fix = create_fix(v, v->pi_role.name);
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TRUST, IRSA_CHECK_FAIL, fix,
				 "role '%s': %s", v->pi_role.name, e.message);
		return;
	}
	if (res.decision == IRSA_TRUST_ALLOWED) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TRUST, IRSA_CHECK_OK, NULL,
				 "the trust policy lets '%s' do %s%s: %s", IRSA_POD_IDENTITY_SERVICE,
				 ACTION_ASSUME, n > 1 ? " and " ACTION_TAG : "", res.reason);
		return;
	}
	fix = res.decision == IRSA_TRUST_EXPLICIT_DENY ? deny_fix(v->pi_role.name, res.statement)
						       : create_fix(v, v->pi_role.name);
	verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TRUST, IRSA_CHECK_FAIL, fix,
			 "the trust policy of role '%s' does not let '%s' do %s: %s",
			 v->pi_role.name, IRSA_POD_IDENTITY_SERVICE, action, res.reason);
}

/* ---- pod-identity-target-role ----------------------------------------- */

static void check_target_role(struct verify *v)
{
	const char *target = v->assoc.target_role_arn;
	struct irsa_role_arn parts;
	struct irsa_role role = { 0 };
	struct irsa_trust_result res;
	struct irsa_error e = { 0 };
	struct pod_request p;
	const char *actions[2], *action = ACTION_ASSUME;
	const char *external_id[1] = { v->assoc.external_id };
	size_t n = wanted_actions(v, actions);
	json_t *doc = NULL;
	_cleanup_free_ char *fix = NULL;
	int r;

	if (!v->have_assoc) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TARGET_ROLE, IRSA_CHECK_SKIP, NULL,
				 "skipped: needs the association (see pod-identity-association)");
		return;
	}
	if (!target) {
		v->rep->checks[IRSA_CHECK_POD_IDENTITY_TARGET_ROLE].hidden = true;
		return;
	}
	if (irsa_role_arn_parse(target, &parts, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TARGET_ROLE, IRSA_CHECK_FAIL, NULL,
				 "the association's target role: %s", e.message);
		return;
	}
	if (!v->account || strcmp(parts.account, v->account) != 0) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TARGET_ROLE, IRSA_CHECK_WARN, NULL,
				 "target role '%s' is in account %s: irsactl cannot read it from "
				 "here; its trust must let '%s' do %s%s with the association's "
				 "external ID", target, parts.account,
				 v->assoc.role_arn ? v->assoc.role_arn : "the role", ACTION_ASSUME,
				 n > 1 ? " and " ACTION_TAG : "");
		return;
	}
	if (irsa_iam_get_role(v->env->aws, parts.name, &role, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TARGET_ROLE, IRSA_CHECK_FAIL, NULL, "%s",
				 e.message);
		return;
	}
	pod_request_init(&p, v, v->account, !v->assoc.disable_session_tags);
	if (external_id[0])
		p.keys[p.n_keys++] = (struct irsa_trust_key){ "sts:ExternalId", external_id, 1 };
	r = irsa_policy_parse(role.trust_policy ? role.trust_policy : "", "the trust policy", &doc,
			      &e);
	if (r == 0)
		r = evaluate_actions(doc, "AWS", v->assoc.role_arn ? v->assoc.role_arn : "", &p,
				     actions, n, &action, &res, &e);
	json_decref(doc);
	if (r < 0) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TARGET_ROLE, IRSA_CHECK_FAIL, NULL,
				 "target role '%s': %s", role.name, e.message);
	} else if (res.decision == IRSA_TRUST_ALLOWED) {
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TARGET_ROLE, IRSA_CHECK_OK, NULL,
				 "target role '%s' trusts '%s': %s", target, v->assoc.role_arn,
				 res.reason);
	} else {
		fix = res.decision == IRSA_TRUST_EXPLICIT_DENY
			? deny_fix(role.name, res.statement)
			: irsa_asprintf("aws iam update-assume-role-policy --role-name %s "
					"--policy-document file://trust.json   # allow '%s' %s%s",
					role.name, v->assoc.role_arn, ACTION_ASSUME,
					n > 1 ? " and " ACTION_TAG : "");
		verify_check_set(v, IRSA_CHECK_POD_IDENTITY_TARGET_ROLE, IRSA_CHECK_FAIL, fix,
				 "the trust policy of target role '%s' does not let '%s' do %s: %s",
				 role.name, v->assoc.role_arn, action, res.reason);
	}
	irsa_role_release(&role);
}

void verify_check_pod_identity(struct verify *v, bool wanted)
{
	if (!wanted) {
		for (int i = IRSA_CHECK_POD_IDENTITY_ASSOCIATION; i <= IRSA_CHECK_POD_IDENTITY_AGENT; i++)
			v->rep->checks[i].hidden = true;
		return;
	}
	check_association(v);
	check_role(v);
	check_trust(v);
	check_target_role(v);
	verify_check_pod_identity_agent(v);
}

/* ---- many service accounts ------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int irsa_verify_pod_identity_service_accounts(struct irsa_aws *aws, const char *cluster,
					      const char *ns,
					      struct irsa_pod_identity_association **ret,
					      size_t *ret_n, struct irsa_strlist *sas,
					      struct irsa_error *err)
{
	size_t before;

	if (irsa_eks_list_pod_identity_associations(aws, cluster, ns, NULL, ret, ret_n, err) < 0)
		return -1;
	before = sas->n;
	for (size_t i = 0; i < *ret_n; i++) {
		_cleanup_free_ char *key = NULL;

		if (!(*ret)[i].namespace_ || !(*ret)[i].service_account)
			continue;
		key = irsa_asprintf("%s/%s", (*ret)[i].namespace_, (*ret)[i].service_account);
		if (!irsa_strlist_contains(sas, key))
			irsa_strlist_add(sas, key);
	}
	if (sas->n != before)
		qsort(sas->items, sas->n, sizeof(*sas->items), compare_strings);
	return 0;
}
