/* irsactl verify: the checks (see verify.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "irsa/eks.h"
#include "irsa/endpoints.h"
#include "irsa/iam.h"
#include "irsa/oidc.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"
#include "irsa/sts.h"
#include "irsa/thumbprint.h"
#include "irsa/trust.h"
#include "irsa/trust_eval.h"
#include "irsa/round.h"
#include "irsa/verify.h"
#include "verify_internal.h"

#define LIVE_TOKEN_SECONDS 600
#define LIVE_SESSION_NAME "irsactl-verify"
#define WEBHOOK_VOLUME "aws-iam-token"

static const char *const check_names[IRSA_CHECK_COUNT] = {
	[IRSA_CHECK_IDENTITY] = "identity",
	[IRSA_CHECK_CLUSTER] = "cluster",
	[IRSA_CHECK_OIDC_PROVIDER] = "oidc-provider",
	[IRSA_CHECK_SERVICE_ACCOUNT] = "service-account",
	[IRSA_CHECK_ROLE] = "role",
	[IRSA_CHECK_TRUST] = "trust",
	[IRSA_CHECK_PERMISSIONS] = "permissions",
	[IRSA_CHECK_PODS] = "pods",
	[IRSA_CHECK_LIVE] = "live",
	[IRSA_CHECK_POD_IDENTITY_ASSOCIATION] = "pod-identity-association",
	[IRSA_CHECK_POD_IDENTITY_ROLE] = "pod-identity-role",
	[IRSA_CHECK_POD_IDENTITY_TRUST] = "pod-identity-trust",
	[IRSA_CHECK_POD_IDENTITY_TARGET_ROLE] = "pod-identity-target-role",
	[IRSA_CHECK_POD_IDENTITY_AGENT] = "pod-identity-agent",
};

const char *irsa_check_name(enum irsa_check_id id)
{
	return (unsigned)id < IRSA_CHECK_COUNT ? check_names[id] : "?";
}

const char *irsa_check_status_name(enum irsa_check_status s)
{
	switch (s) {
	case IRSA_CHECK_OK:
		return "ok";
	case IRSA_CHECK_WARN:
		return "warn";
	case IRSA_CHECK_FAIL:
		return "fail";
	case IRSA_CHECK_SKIP:
		break;
	}
	return "skip";
}

/* The buffer's string (never NULL), malloc'd. */
static char *buf_take(struct irsa_buf *b)
{
	char *s = irsa_buf_detach(b);

	return s ? s : irsa_strdup("");
}

static void verify_release(struct verify *v)
{
	free(v->account);
	free(v->issuer);
	free(v->cluster_arn);
	free(v->provider_arn);
	json_decref(v->sa);
	free(v->audience);
	free(v->role_arn);
	irsa_role_release(&v->role);
	free(v->selector);
	verify_pod_identity_release(v);
}

void verify_check_set(struct verify *v, enum irsa_check_id id, enum irsa_check_status status,
		      const char *fix, const char *fmt, ...)
{
	struct irsa_check *c = &v->rep->checks[id];
	va_list ap;

	free(c->message);
	free(c->fix);
	c->status = status;
	va_start(ap, fmt);
	c->message = irsa_vasprintf(fmt, ap);
	va_end(ap);
	c->fix = fix ? irsa_strdup(fix) : NULL;
}

static const char *sa_ns(const struct verify *v)
{
	return v->req->namespace_name;
}

static const char *sa_name(const struct verify *v)
{
	return v->req->service_account;
}

static char *join(const struct irsa_strlist *l, const char *sep)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		irsa_buf_printf(&b, "%s%s", i ? sep : "", l->items[i]);
	return buf_take(&b);
}

/* ---- identity --------------------------------------------------------- */

static void check_identity(struct verify *v, const struct irsa_caller_identity *id,
			   const struct irsa_error *e)
{
	if (e->kind) {
		verify_check_set(v, IRSA_CHECK_IDENTITY, IRSA_CHECK_FAIL,
			  "aws configure   # or set AWS_PROFILE, then: irsactl whoami", "%s", e->message);
		return;
	}
	v->account = irsa_strdup(id->account);
	verify_check_set(v, IRSA_CHECK_IDENTITY, IRSA_CHECK_OK, NULL, "account %s (partition %s) as '%s'",
		  id->account, v->partition, id->arn);
}

/* ---- cluster ---------------------------------------------------------- */

static void check_cluster(struct verify *v, const struct irsa_eks_cluster *cl,
			  const struct irsa_error *read_error)
{
	const char *region = irsa_aws_region(v->env->aws);
	const struct irsa_eks_cluster c = *cl;
	struct irsa_error e = *read_error;
	_cleanup_free_ char *fix = NULL;

	if (!v->req->cluster) {
		verify_check_set(v, IRSA_CHECK_CLUSTER, IRSA_CHECK_OK, NULL,
			  "issuer '%s' (given with --issuer-url; no EKS cluster to check)", v->issuer);
		return;
	}
	if (e.kind) {
		fix = irsa_asprintf("aws eks list-clusters --region %s   # then: --cluster NAME", region);
		verify_check_set(v, IRSA_CHECK_CLUSTER, IRSA_CHECK_FAIL,
			  e.kind == IRSA_ERR_NOT_FOUND ? fix : NULL, "%s", e.message);
		return;
	}
	if (irsa_str_empty(c.oidc_issuer) ||
	    irsa_oidc_issuer_normalize(c.oidc_issuer, &v->issuer, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_CLUSTER, IRSA_CHECK_FAIL, NULL,
			  "cluster '%s' has no usable OIDC issuer%s%s", v->req->cluster,
			  c.oidc_issuer ? ": " : "", c.oidc_issuer ? e.message : "");
	} else if (!c.status || strcmp(c.status, "ACTIVE") != 0) {
		verify_check_set(v, IRSA_CHECK_CLUSTER, IRSA_CHECK_FAIL, NULL,
			  "cluster '%s' is %s, not ACTIVE (issuer '%s')", v->req->cluster,
			  c.status ? c.status : "in no known state", v->issuer);
	} else {
		verify_check_set(v, IRSA_CHECK_CLUSTER, IRSA_CHECK_OK, NULL,
			  "cluster '%s' in %s is ACTIVE, issuer '%s'", v->req->cluster, region, v->issuer);
	}
	if (c.arn)
		v->cluster_arn = irsa_strdup(c.arn);
}

/* ---- the ServiceAccount (read early: the audience comes from it) ------ */

static const char *annotation(const struct verify *v, const char *key)
{
	json_t *ann = json_object_get(json_object_get(v->sa, "metadata"), "annotations");

	return json_string_value(json_object_get(ann, key));
}

static void read_service_account(struct verify *v, struct irsa_error *e)
{
	json_t *sa = NULL;

	if (!v->env->kube) {
		irsa_error_set(e, IRSA_ERR_USAGE, "%s", v->env->kube_error ? v->env->kube_error
								      : "no Kubernetes connection");
		return;
	}
	if (irsa_kube_get_service_account(v->env->kube, sa_ns(v), sa_name(v), &sa, e) == 0)
		v->sa = sa;
}

/* ---- oidc-provider ---------------------------------------------------- */

static char *provider_list_text(struct verify *v)
{
	struct irsa_strlist arns = { 0 };
	struct irsa_buf b = IRSA_BUF_INIT;

	if (irsa_iam_list_oidc_providers(v->env->aws, &arns, NULL) < 0 || arns.n == 0) {
		irsa_strlist_release(&arns);
		return irsa_strdup("the account has no OIDC provider");
	}
	irsa_buf_puts(&b, "the account has providers for: ");
	for (size_t i = 0; i < arns.n; i++) {
		const char *slash = strstr(arns.items[i], ":oidc-provider/");

		irsa_buf_printf(&b, "%s'%s'", i ? ", " : "",
				slash ? slash + strlen(":oidc-provider/") : arns.items[i]);
	}
	irsa_strlist_release(&arns);
	return buf_take(&b);
}

static void compare_thumbprint(struct verify *v, const struct irsa_oidc_provider *p,
			       const char *ok_message)
{
	char current[IRSA_THUMBPRINT_LEN + 1];
	struct irsa_error e = { 0 };
	_cleanup_free_ char *fix = NULL;

	if (v->req->no_thumbprint || p->thumbprints.n == 0) {
		verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_OK, NULL, "%s", ok_message);
		return;
	}
	if (irsa_thumbprint_fetch(v->issuer, irsa_aws_http_options(v->env->aws), current, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_OK, NULL,
			  "%s; thumbprint not compared: %s", ok_message, e.message);
		return;
	}
	for (size_t i = 0; i < p->thumbprints.n; i++)
		if (strcasecmp(p->thumbprints.items[i], current) == 0) {
			verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_OK, NULL,
				  "%s; thumbprint matches the issuer's chain", ok_message);
			return;
		}
	fix = irsa_asprintf("aws iam update-open-id-connect-provider-thumbprint "
			    "--open-id-connect-provider-arn %s --thumbprint-list %s",
			    v->provider_arn, current);
	verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_WARN, fix,
		  "%s; its thumbprints do not include the issuer's current one '%s' (IAM no longer "
		  "needs it for most issuers)", ok_message, current);
}

static void check_oidc_provider(struct verify *v, const struct irsa_oidc_provider *read,
				const struct irsa_error *read_error)
{
	const struct irsa_oidc_provider p = *read;
	const struct irsa_error e = *read_error;
	_cleanup_free_ char *fix = NULL, *ok = NULL;

	if (!v->account || !v->issuer) {
		verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_SKIP, NULL,
			  "skipped: needs the caller's account and the issuer (see above)");
		return;
	}
	if (e.kind) {
		if (e.kind == IRSA_ERR_NOT_FOUND) {
			_cleanup_free_ char *others = provider_list_text(v);

			fix = irsa_asprintf("irsactl associate-oidc %s", v->selector);
			verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_FAIL, fix,
				  "no IAM OIDC provider for issuer '%s' in account %s (%s)",
				  irsa_oidc_issuer_key(v->issuer), v->account, others);
		} else {
			verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_FAIL, NULL, "%s", e.message);
		}
		return;
	}
	if (!irsa_strlist_contains(&p.client_ids, v->audience)) {
		const char *sts_aud = irsa_aws_partition(v->env->aws)->sts_audience;

		fix = strcmp(v->audience, sts_aud) == 0
			? irsa_asprintf("irsactl associate-oidc %s", v->selector)
			: irsa_asprintf("aws iam add-client-id-to-open-id-connect-provider "
					"--open-id-connect-provider-arn %s --client-id %s",
					v->provider_arn, v->audience);
		_cleanup_free_ char *listed = join(&p.client_ids, "', '");

		verify_check_set(v, IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_FAIL, fix,
			  "provider '%s' does not list the audience '%s' in its client IDs (%s%s%s)",
			  v->provider_arn, v->audience, p.client_ids.n ? "it lists '" : "it lists none",
			  listed, p.client_ids.n ? "'" : "");
		return;
	}
	ok = irsa_asprintf("provider '%s' exists with client ID '%s'", v->provider_arn, v->audience);
	compare_thumbprint(v, &p, ok);
}

/* ---- service-account -------------------------------------------------- */

static char *annotate_fix(const struct verify *v)
{
	return irsa_asprintf("irsactl annotate-sa -n %s -s %s --role-arn %s --apply", sa_ns(v),
			     sa_name(v), v->req->role_arn ? v->req->role_arn : "ROLE_ARN");
}

/* The optional annotations; false (and the check set) when one is invalid. */
static bool check_other_annotations(struct verify *v)
{
	const char *regional = annotation(v, IRSA_SA_ANNOTATION_STS_REGIONAL);
	const char *expiration = annotation(v, IRSA_SA_ANNOTATION_TOKEN_EXPIRATION);
	const char *audience = annotation(v, IRSA_SA_ANNOTATION_AUDIENCE);
	json_t *ann = json_object_get(json_object_get(v->sa, "metadata"), "annotations");
	_cleanup_free_ char *fix = NULL;
	char *end = NULL;
	long seconds;

	if (json_object_get(ann, IRSA_SA_ANNOTATION_AUDIENCE) && irsa_str_empty(audience)) {
		fix = irsa_asprintf("irsactl annotate-sa -n %s -s %s --audience sts.amazonaws.com --apply",
				    sa_ns(v), sa_name(v));
		verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
			  "annotation '%s' is empty", IRSA_SA_ANNOTATION_AUDIENCE);
		return false;
	}
	if (regional && strcmp(regional, "true") != 0 && strcmp(regional, "false") != 0) {
		fix = irsa_asprintf("irsactl annotate-sa -n %s -s %s --sts-regional-endpoints true --apply",
				    sa_ns(v), sa_name(v));
		verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
			  "annotation '%s' is '%s', not 'true' or 'false'",
			  IRSA_SA_ANNOTATION_STS_REGIONAL, regional);
		return false;
	}
	if (expiration) {
		seconds = strtol(expiration, &end, 10);
		if (end == expiration || *end || seconds < IRSA_SA_TOKEN_EXPIRATION_MIN ||
		    seconds > IRSA_SA_TOKEN_EXPIRATION_MAX) {
			fix = irsa_asprintf("irsactl annotate-sa -n %s -s %s --token-expiration 86400 "
					    "--apply", sa_ns(v), sa_name(v));
			verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
				  "annotation '%s' is '%s', not a number of seconds from %d to %d",
				  IRSA_SA_ANNOTATION_TOKEN_EXPIRATION, expiration,
				  IRSA_SA_TOKEN_EXPIRATION_MIN, IRSA_SA_TOKEN_EXPIRATION_MAX);
			return false;
		}
	}
	return true;
}

static void check_service_account(struct verify *v, const struct irsa_error *read_error)
{
	const char *arn;
	struct irsa_error e = { 0 };
	_cleanup_free_ char *fix = NULL;

	if (!v->sa) {
		if (read_error->kind == IRSA_ERR_NOT_FOUND) {
			_cleanup_free_ char *annotate = annotate_fix(v);

			fix = irsa_asprintf("kubectl create serviceaccount %s -n %s && %s", sa_name(v),
					    sa_ns(v), annotate);
			verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
				  "service account '%s/%s' does not exist", sa_ns(v), sa_name(v));
		} else {
			verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, NULL, "%s",
				  read_error->message);
		}
		return;
	}
	arn = annotation(v, IRSA_SA_ANNOTATION_ROLE_ARN);
	if (irsa_str_empty(arn) && v->have_assoc) {
		verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_OK, NULL,
			  "service account '%s/%s' exists; it has no '%s' annotation: its pods get "
			  "credentials through EKS Pod Identity", sa_ns(v), sa_name(v),
			  IRSA_SA_ANNOTATION_ROLE_ARN);
		return;
	}
	if (irsa_str_empty(arn)) {
		fix = annotate_fix(v);
		verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
			  "service account '%s/%s' has no '%s' annotation%s", sa_ns(v), sa_name(v),
			  IRSA_SA_ANNOTATION_ROLE_ARN,
			  v->req->cluster ? " and no EKS Pod Identity association" : "");
		return;
	}
	if (irsa_role_arn_parse(arn, &v->role_parts, &e) < 0) {
		fix = annotate_fix(v);
		verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
			  "annotation '%s' is not a role ARN: %s", IRSA_SA_ANNOTATION_ROLE_ARN, e.message);
		return;
	}
	free(v->role_arn);
	v->role_arn = irsa_strdup(arn);
	v->role_arn_valid = true;
	if (strcmp(v->role_parts.partition, v->partition) != 0) {
		fix = annotate_fix(v);
		verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
			  "the annotated role '%s' is in partition '%s', the cluster's account in '%s'",
			  arn, v->role_parts.partition, v->partition);
		v->role_arn_valid = false;
		return;
	}
	if (v->req->role_arn && strcmp(v->req->role_arn, arn) != 0) {
		fix = irsa_asprintf("irsactl annotate-sa -n %s -s %s --role-arn %s --overwrite --apply",
				    sa_ns(v), sa_name(v), v->req->role_arn);
		verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_FAIL, fix,
			  "the annotation names role '%s', not '%s'", arn, v->req->role_arn);
		return;
	}
	if (!check_other_annotations(v))
		return;
	verify_check_set(v, IRSA_CHECK_SERVICE_ACCOUNT, IRSA_CHECK_OK, NULL,
		  "service account '%s/%s' is annotated with role '%s' (audience '%s')", sa_ns(v),
		  sa_name(v), arn, v->audience);
}

/* ---- role ------------------------------------------------------------- */

static char *create_role_fix(const struct verify *v)
{
	return irsa_asprintf("irsactl create-role %s -n %s -s %s --role-name %s", v->selector,
			     sa_ns(v), sa_name(v), v->role_parts.name);
}

/* GetRole is sent (with the provider's read) only when check_role() will
 * look at its answer. */
static bool role_to_read(const struct verify *v)
{
	return v->role_arn_valid && !(v->account && strcmp(v->role_parts.account, v->account) != 0);
}

static void check_role(struct verify *v, const struct irsa_error *read_error)
{
	const struct irsa_error e = *read_error;
	_cleanup_free_ char *fix = NULL;

	if (!v->role_arn_valid) {
		verify_check_set(v, IRSA_CHECK_ROLE, IRSA_CHECK_SKIP, NULL,
			  "skipped: no valid role ARN to check (see service-account)");
		return;
	}
	if (v->account && strcmp(v->role_parts.account, v->account) != 0) {
		verify_check_set(v, IRSA_CHECK_ROLE, IRSA_CHECK_WARN, NULL,
			  "role '%s' is in account %s, not the caller's account %s: it cannot be read "
			  "from here", v->role_arn, v->role_parts.account, v->account);
		return;
	}
	if (e.kind) {
		if (e.kind == IRSA_ERR_NOT_FOUND)
			fix = create_role_fix(v);
		verify_check_set(v, IRSA_CHECK_ROLE, IRSA_CHECK_FAIL, fix, "%s", e.message);
		return;
	}
	v->have_role = true;
	if (strcmp(v->role.arn, v->role_arn) != 0) {
		fix = irsa_asprintf("irsactl annotate-sa -n %s -s %s --role-arn %s --overwrite --apply",
				    sa_ns(v), sa_name(v), v->role.arn);
		verify_check_set(v, IRSA_CHECK_ROLE, IRSA_CHECK_FAIL, fix,
			  "role '%s' exists as '%s' (another path), not as '%s'", v->role_parts.name,
			  v->role.arn, v->role_arn);
		return;
	}
	verify_check_set(v, IRSA_CHECK_ROLE, IRSA_CHECK_OK, NULL, "role '%s' exists", v->role.arn);
}

/* ---- trust ------------------------------------------------------------ */

static void check_trust(struct verify *v)
{
	struct irsa_web_identity wi;
	struct irsa_trust_result res;
	struct irsa_error e = { 0 };
	json_t *doc = NULL;
	_cleanup_free_ char *fix = NULL;

	if (!v->have_role || !v->provider_arn) {
		verify_check_set(v, IRSA_CHECK_TRUST, IRSA_CHECK_SKIP, NULL,
			  "skipped: needs the role and the provider (see above)");
		return;
	}
	wi = (struct irsa_web_identity){ v->provider_arn, v->issuer, sa_ns(v), sa_name(v),
					 v->audience };
	if (irsa_policy_parse(v->role.trust_policy ? v->role.trust_policy : "", "the trust policy",
			      &doc, &e) < 0 ||
	    irsa_trust_evaluate_web_identity(doc, &wi, &res, &e) < 0) {
		fix = create_role_fix(v);
		verify_check_set(v, IRSA_CHECK_TRUST, IRSA_CHECK_FAIL, fix, "role '%s': %s", v->role_parts.name,
			  e.message);
		json_decref(doc);
		return;
	}
	json_decref(doc);
	if (res.decision == IRSA_TRUST_ALLOWED) {
		verify_check_set(v, IRSA_CHECK_TRUST, IRSA_CHECK_OK, NULL,
			  "the trust policy lets 'system:serviceaccount:%s:%s' in: %s", sa_ns(v),
			  sa_name(v), res.reason);
		return;
	}
	if (res.decision == IRSA_TRUST_EXPLICIT_DENY)
		fix = irsa_asprintf("aws iam update-assume-role-policy --role-name %s --policy-document "
				    "file://trust.json   # without the Deny of statement %d",
				    v->role_parts.name, res.statement);
	else
		fix = create_role_fix(v);
	verify_check_set(v, IRSA_CHECK_TRUST, IRSA_CHECK_FAIL, fix,
		  "the trust policy of role '%s' does not let 'system:serviceaccount:%s:%s' in: %s",
		  v->role_parts.name, sa_ns(v), sa_name(v), res.reason);
}

/* ---- permissions ------------------------------------------------------ */

static void describe_simulation(struct irsa_buf *b, const struct irsa_simulation_result *r)
{
	const char *d = r->decision ? r->decision : "?";

	irsa_buf_printf(b, "%s%s ", b->len ? "; " : "", r->action ? r->action : "?");
	if (strcmp(d, "allowed") == 0)
		irsa_buf_puts(b, "allowed");
	else if (strcmp(d, "explicitDeny") == 0)
		irsa_buf_puts(b, "explicitly denied");
	else if (r->boundary_denied)
		irsa_buf_puts(b, "implicitly denied by the permissions boundary");
	else
		irsa_buf_puts(b, "implicitly denied (no policy allows it)");
	for (size_t i = 0; i < r->matched_policies.n; i++)
		irsa_buf_printf(b, "%s'%s'", i ? ", " : " by ", r->matched_policies.items[i]);
}

static void check_permissions(struct verify *v)
{
	struct irsa_simulation_result *res = NULL;
	size_t n = 0;
	struct irsa_error e = { 0 };
	struct irsa_buf b = IRSA_BUF_INIT;
	bool denied = false, explicit_deny = false;
	_cleanup_free_ char *fix = NULL, *text = NULL;
	/* the IRSA role, else (Pod Identity only) the association's */
	const struct irsa_role *role = v->have_role ? &v->role : v->have_pi_role ? &v->pi_role : NULL;

	if (!v->req->actions || v->req->actions->n == 0) {
		verify_check_set(v, IRSA_CHECK_PERMISSIONS, IRSA_CHECK_SKIP, NULL, "skipped: no --action given");
		return;
	}
	if (!role) {
		verify_check_set(v, IRSA_CHECK_PERMISSIONS, IRSA_CHECK_SKIP, NULL,
			  "skipped: needs the role (see above)");
		return;
	}
	if (irsa_iam_simulate_principal_policy(v->env->aws, role->arn, v->req->actions,
					       v->req->resource, &res, &n, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_PERMISSIONS, IRSA_CHECK_FAIL, NULL, "%s", e.message);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		describe_simulation(&b, &res[i]);
		if (!res[i].decision || strcmp(res[i].decision, "allowed") != 0)
			denied = true;
		if (res[i].decision && strcmp(res[i].decision, "explicitDeny") == 0)
			explicit_deny = true;
	}
	irsa_simulation_results_free(res, n);
	text = buf_take(&b);
	if (!denied) {
		verify_check_set(v, IRSA_CHECK_PERMISSIONS, IRSA_CHECK_OK, NULL, "on '%s': %s",
			  v->req->resource ? v->req->resource : "*", text);
		return;
	}
	if (!explicit_deny)
		fix = irsa_asprintf("irsactl create-role %s -n %s -s %s --role-name %s "
				    "--attach-policy-arn POLICY_ARN   # or --policy TEMPLATE",
				    v->selector, sa_ns(v), sa_name(v), role->name);
	verify_check_set(v, IRSA_CHECK_PERMISSIONS, IRSA_CHECK_FAIL, fix, "on '%s': %s%s",
		  v->req->resource ? v->req->resource : "*", text,
		  explicit_deny ? " (remove or narrow the Deny statement named)" : "");
}

/* ---- pods ------------------------------------------------------------- */

static const char *container_env(const json_t *container, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(container, "env"), i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));

		if (n && strcmp(n, name) == 0)
			return json_string_value(json_object_get(e, "value"));
	}
	return NULL;
}

static bool pod_has_volume(const json_t *pod)
{
	size_t i;
	json_t *vol;

	json_array_foreach(json_object_get(json_object_get(pod, "spec"), "volumes"), i, vol) {
		const char *n = json_string_value(json_object_get(vol, "name"));

		if (n && strcmp(n, WEBHOOK_VOLUME) == 0)
			return true;
	}
	return false;
}

/* The pod's AWS_ROLE_ARN when it carries the whole injection, else NULL. */
static const char *pod_injected_role(const json_t *pod)
{
	json_t *containers = json_object_get(json_object_get(pod, "spec"), "containers");
	const json_t *c = json_array_get(containers, 0);
	const char *role = container_env(c, "AWS_ROLE_ARN");

	if (!role || !container_env(c, "AWS_WEB_IDENTITY_TOKEN_FILE") || !pod_has_volume(pod))
		return NULL;
	return role;
}

/* "kubectl rollout restart deployment/NAME -n NS" for the pod's owner
 * (a ReplicaSet "NAME-HASH" belongs to deployment NAME), else deleting the pod. */
static char *restart_command(const struct verify *v, const json_t *pod)
{
	const json_t *md = json_object_get(pod, "metadata");
	const json_t *owner = json_array_get(json_object_get(md, "ownerReferences"), 0);
	const char *kind = json_string_value(json_object_get(owner, "kind"));
	const char *name = json_string_value(json_object_get(owner, "name"));

	if (kind && name && strcmp(kind, "ReplicaSet") == 0 && strrchr(name, '-'))
		return irsa_asprintf("kubectl rollout restart deployment/%.*s -n %s",
				     (int)(strrchr(name, '-') - name), name, sa_ns(v));
	if (kind && name && (strcmp(kind, "StatefulSet") == 0 || strcmp(kind, "DaemonSet") == 0))
		return irsa_asprintf("kubectl rollout restart %s/%s -n %s",
				     strcmp(kind, "StatefulSet") == 0 ? "statefulset" : "daemonset", name,
				     sa_ns(v));
	return irsa_asprintf("kubectl delete pod %s -n %s   # and create it again",
			     json_string_value(json_object_get(md, "name")), sa_ns(v));
}

static void add_fix(struct irsa_strlist *fixes, char *cmd)
{
	if (!irsa_strlist_contains(fixes, cmd))
		irsa_strlist_add(fixes, cmd);
	free(cmd);
}


static void check_pods(struct verify *v)
{
	struct irsa_strlist stale = { 0 }, wrong = { 0 }, fixes = { 0 };
	struct irsa_error e = { 0 };
	json_t *pods = NULL, *pod;
	size_t i;
	_cleanup_free_ char *fix = NULL, *stale_text = NULL, *wrong_text = NULL;

	if (!v->sa || !v->role_arn) {
		verify_check_set(v, IRSA_CHECK_PODS, IRSA_CHECK_SKIP, NULL,
			  "skipped: needs the annotated service account (see service-account)");
		return;
	}
	if (irsa_kube_list_pods(v->env->kube, sa_ns(v), sa_name(v), &pods, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_PODS, IRSA_CHECK_FAIL, NULL, "%s", e.message);
		return;
	}
	json_array_foreach(pods, i, pod) {
		const char *name = json_string_value(json_object_get(json_object_get(pod, "metadata"), "name"));
		const char *role = pod_injected_role(pod);

		if (!name)
			continue;
		if (!role)
			irsa_strlist_add(&stale, name);
		else if (strcmp(role, v->role_arn) != 0)
			irsa_strlist_add(&wrong, name);
		else
			continue;
		add_fix(&fixes, restart_command(v, pod));
	}
	if (json_array_size(pods) == 0) {
		verify_check_set(v, IRSA_CHECK_PODS, IRSA_CHECK_SKIP, NULL,
			  "no pod in namespace '%s' runs as '%s'", sa_ns(v), sa_name(v));
	} else if (stale.n || wrong.n) {
		fix = join(&fixes, " && ");
		stale_text = join(&stale, ", ");
		wrong_text = join(&wrong, ", ");
		verify_check_set(v, IRSA_CHECK_PODS, IRSA_CHECK_FAIL, fix, "%s%s%s%s%s",
			  stale.n ? "pods without the webhook's injection (created before the annotation "
				    "or without the webhook): " : "",
			  stale_text, stale.n && wrong.n ? "; " : "",
			  wrong.n ? "pods with another role: " : "", wrong_text);
	} else {
		verify_check_set(v, IRSA_CHECK_PODS, IRSA_CHECK_OK, NULL,
			  "%zu pod%s carry the injection (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, "
			  "volume '%s') for role '%s'", json_array_size(pods),
			  json_array_size(pods) == 1 ? "" : "s", WEBHOOK_VOLUME, v->role_arn);
	}
	irsa_strlist_release(&stale);
	irsa_strlist_release(&wrong);
	irsa_strlist_release(&fixes);
	json_decref(pods);
}

/* ---- live ------------------------------------------------------------- */

/* The token's iss claim (the payload is read, not verified: STS verifies). */
static char *token_issuer(const char *token)
{
	const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	_cleanup_free_ char *b64 = NULL;
	unsigned char *raw = NULL;
	size_t len = 0;
	json_t *claims;
	char *iss = NULL;

	if (!dot2)
		return NULL;
	b64 = irsa_strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	for (char *p = b64; *p; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	b64 = irsa_realloc(b64, strlen(b64) + 4);
	while (strlen(b64) % 4)
		strcat(b64, "=");
	if (irsa_base64_decode(b64, &raw, &len) < 0)
		return NULL;
	claims = json_loadb((const char *)raw, len, 0, NULL);
	free(raw);
	if (json_is_string(json_object_get(claims, "iss")))
		iss = irsa_strdup(json_string_value(json_object_get(claims, "iss")));
	json_decref(claims);
	return iss;
}

static void check_live(struct verify *v)
{
	struct irsa_web_identity_session s = { 0 };
	struct irsa_caller_identity who = { 0 };
	struct irsa_error e = { 0 };
	char *token = NULL;
	_cleanup_free_ char *iss = NULL;
	int r;

	if (!v->req->live) {
		verify_check_set(v, IRSA_CHECK_LIVE, IRSA_CHECK_SKIP, NULL, "skipped: not asked (--live)");
		return;
	}
	if (!v->sa || !v->role_arn_valid) {
		verify_check_set(v, IRSA_CHECK_LIVE, IRSA_CHECK_SKIP, NULL,
			  "skipped: needs the annotated service account (see service-account)");
		return;
	}
	if (irsa_kube_request_token(v->env->kube, sa_ns(v), sa_name(v), v->audience,
				    LIVE_TOKEN_SECONDS, &token, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_LIVE, IRSA_CHECK_FAIL, NULL, "%s", e.message);
		return;
	}
	iss = token_issuer(token);
	if (v->issuer && (!iss || strcmp(iss, v->issuer) != 0)) {
		irsa_free_secret(token);
		verify_check_set(v, IRSA_CHECK_LIVE, IRSA_CHECK_FAIL, NULL,
			  "the service account token's issuer '%s' differs from the cluster's issuer "
			  "'%s': STS looks for a provider of the token's issuer (check the API server's "
			  "--service-account-issuer)", iss ? iss : "(none)", v->issuer);
		return;
	}
	r = irsa_sts_assume_role_with_web_identity(v->env->aws, v->role_arn, LIVE_SESSION_NAME, token,
						   &s, &e);
	irsa_free_secret(token);
	if (r < 0) {
		verify_check_set(v, IRSA_CHECK_LIVE, IRSA_CHECK_FAIL, NULL, "%s", e.message);
		return;
	}
	if (irsa_sts_get_caller_identity_as(v->env->aws, s.credentials, &who, &e) < 0) {
		verify_check_set(v, IRSA_CHECK_LIVE, IRSA_CHECK_FAIL, NULL,
			  "the role was assumed, but GetCallerIdentity with its credentials failed: %s",
			  e.message);
	} else {
		verify_check_set(v, IRSA_CHECK_LIVE, IRSA_CHECK_OK, NULL,
			  "a token for '%s/%s' was exchanged for credentials of '%s'", sa_ns(v),
			  sa_name(v), who.arn);
	}
	irsa_caller_identity_release(&who);
	irsa_web_identity_session_release(&s);
}

/* ---- the run ---------------------------------------------------------- */

static int check_request(const struct irsa_verify_request *req, struct irsa_error *err)
{
	if (!!req->cluster == !!req->issuer_url)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give exactly one of --cluster NAME and --issuer-url URL");
	if (irsa_str_empty(req->namespace_name) || irsa_str_empty(req->service_account))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give the namespace (-n) and the service account (-s) to verify");
	return 0;
}

const struct irsa_verify_cluster *verify_cluster_read(const struct verify *v)
{
	const struct irsa_verify_cluster *shared = v->req->cluster_read;

	if (!shared || !v->req->cluster || !shared->name ||
	    strcmp(shared->name, v->req->cluster) != 0)
		return NULL;
	return shared;
}

/* GetCallerIdentity and DescribeCluster (unless the caller read it for
 * every run) at once, then their checks. */
static void read_first(struct verify *v)
{
	_cleanup_(irsa_round_freep) struct irsa_round *round = irsa_round_new(v->env->aws);
	const struct irsa_verify_cluster *shared = verify_cluster_read(v);
	struct irsa_caller_identity id;
	struct irsa_eks_cluster c = { 0 };
	struct irsa_error id_err, c_err = { 0 };

	irsa_round_get_caller_identity(round, &id, &id_err);
	if (v->req->cluster && !shared)
		irsa_round_describe_cluster(round, v->req->cluster, &c, &c_err);
	irsa_round_run(round);
	check_identity(v, &id, &id_err);
	check_cluster(v, shared ? &shared->cluster : &c, shared ? &shared->cluster_err : &c_err);
	irsa_caller_identity_release(&id);
	irsa_eks_cluster_release(&c);
}

/* GetOpenIDConnectProvider and GetRole at once, then their checks. */
static void read_provider_and_role(struct verify *v)
{
	_cleanup_(irsa_round_freep) struct irsa_round *round = irsa_round_new(v->env->aws);
	struct irsa_oidc_provider p = { 0 };
	struct irsa_error p_err = { 0 }, role_err = { 0 };

	if (v->account && v->issuer) {
		v->provider_arn = irsa_oidc_provider_arn(v->partition, v->account, v->issuer);
		irsa_round_get_oidc_provider(round, v->provider_arn, &p, &p_err);
	}
	if (role_to_read(v))
		irsa_round_get_role(round, v->role_parts.name, &v->role, &role_err);
	irsa_round_run(round);
	check_oidc_provider(v, &p, &p_err);
	check_role(v, &role_err);
	irsa_oidc_provider_release(&p);
}

int irsa_verify_run(const struct irsa_verify_env *env, const struct irsa_verify_request *req,
		    struct irsa_verify_report *ret, struct irsa_error *err)
{
	struct verify v = { env, req, ret, irsa_aws_partition(env->aws)->id };
	struct irsa_error sa_error = { 0 };
	const char *aud;
	bool irsa;

	memset(ret, 0, sizeof(*ret));
	if (check_request(req, err) < 0)
		return -1;
	if (req->issuer_url && irsa_oidc_issuer_normalize(req->issuer_url, &v.issuer, err) < 0)
		return -1;
	ret->namespace_name = irsa_strdup(req->namespace_name);
	ret->service_account = irsa_strdup(req->service_account);
	v.selector = req->cluster ? irsa_asprintf("--cluster %s", req->cluster)
				  : irsa_asprintf("--issuer-url %s", v.issuer);
	if (req->role_arn && irsa_role_arn_parse(req->role_arn, &v.role_parts, err) < 0) {
		verify_release(&v);
		irsa_verify_report_release(ret);
		return -1;
	}
	/* the caller and the cluster in one round */
	read_first(&v);
	read_service_account(&v, &sa_error);
	aud = annotation(&v, IRSA_SA_ANNOTATION_AUDIENCE);
	v.audience = irsa_strdup(!irsa_str_empty(aud) ? aud
						       : irsa_aws_partition(env->aws)->sts_audience);
	v.annotated = !irsa_str_empty(annotation(&v, IRSA_SA_ANNOTATION_ROLE_ARN));
	if (req->cluster)
		verify_find_pod_identity(&v);
	/* IRSA when annotated, Pod Identity when associated; with neither, both
	 * say what is missing */
	irsa = v.annotated || !v.have_assoc;
	check_service_account(&v, &sa_error);
	if (irsa) {
		/* the service account names the role: its provider and role in one round */
		read_provider_and_role(&v);
		check_trust(&v);
	}
	verify_check_pod_identity(&v, req->cluster && (v.have_assoc || !v.annotated));
	check_permissions(&v);
	if (irsa) {
		check_pods(&v);
		check_live(&v);
	} else {
		static const enum irsa_check_id irsa_only[] = {
			IRSA_CHECK_OIDC_PROVIDER, IRSA_CHECK_ROLE, IRSA_CHECK_TRUST, IRSA_CHECK_PODS,
			IRSA_CHECK_LIVE,
		};

		for (size_t i = 0; i < ARRAY_SIZE(irsa_only); i++)
			ret->checks[irsa_only[i]].hidden = true;
	}
	if (v.annotated && v.have_assoc)
		irsa_strlist_add(&ret->notes,
				 "the service account has both the IRSA annotation and an EKS Pod "
				 "Identity association: EKS Pod Identity takes precedence, its pods get "
				 "the association's role");
	verify_release(&v);
	return 0;
}

void irsa_verify_report_release(struct irsa_verify_report *r)
{
	free(r->namespace_name);
	free(r->service_account);
	for (int i = 0; i < IRSA_CHECK_COUNT; i++) {
		free(r->checks[i].message);
		free(r->checks[i].fix);
	}
	irsa_strlist_release(&r->notes);
	memset(r, 0, sizeof(*r));
}

enum irsa_check_id irsa_verify_first_failure(const struct irsa_verify_report *r)
{
	for (int i = 0; i < IRSA_CHECK_COUNT; i++)
		if (r->checks[i].status == IRSA_CHECK_FAIL && !r->checks[i].hidden)
			return (enum irsa_check_id)i;
	return IRSA_CHECK_COUNT;
}

bool irsa_verify_ok(const struct irsa_verify_report *r)
{
	return irsa_verify_first_failure(r) == IRSA_CHECK_COUNT;
}

json_t *irsa_verify_report_to_json(const struct irsa_verify_report *r)
{
	json_t *checks = json_array(), *out;

	for (int i = 0; i < IRSA_CHECK_COUNT; i++) {
		const struct irsa_check *c = &r->checks[i];

		if (c->hidden)
			continue;
		json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:o}", "check",
							irsa_check_name((enum irsa_check_id)i),
							"status", irsa_check_status_name(c->status),
							"message", c->message ? c->message : "",
							"fix", c->fix ? json_string(c->fix) : json_null()));
	}
	out = json_pack("{s:b, s:o}", "ok", irsa_verify_ok(r), "checks", checks);
	if (r->notes.n) {
		json_t *notes = json_array();

		for (size_t i = 0; i < r->notes.n; i++)
			json_array_append_new(notes, json_string(r->notes.items[i]));
		json_object_set_new(out, "notes", notes);
	}
	return out;
}

int irsa_verify_annotated_service_accounts(struct irsa_kube *kube, const char *ns,
					   struct irsa_strlist *ret, struct irsa_error *err)
{
	json_t *items = NULL, *sa;
	size_t i;

	if (irsa_kube_list_service_accounts(kube, ns, &items, err) < 0)
		return -1;
	json_array_foreach(items, i, sa) {
		json_t *md = json_object_get(sa, "metadata");
		const char *role = json_string_value(json_object_get(json_object_get(md, "annotations"),
								     IRSA_SA_ANNOTATION_ROLE_ARN));
		const char *n = json_string_value(json_object_get(md, "namespace"));
		const char *name = json_string_value(json_object_get(md, "name"));

		if (role && n && name) {
			char *key = irsa_asprintf("%s/%s", n, name);

			irsa_strlist_add(ret, key);
			free(key);
		}
	}
	json_decref(items);
	return 0;
}

/* ---- many service accounts, in parallel ---------------------------------- */

void irsa_verify_read_cluster(struct irsa_aws *aws, const char *cluster, bool agent,
			      struct irsa_verify_cluster *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->name = irsa_strdup(cluster);
	irsa_eks_describe_cluster(aws, cluster, &ret->cluster, &ret->cluster_err);
	if (!agent)
		return;
	ret->agent_read = true;
	ret->agent_found = irsa_eks_describe_addon(aws, cluster, IRSA_EKS_POD_IDENTITY_AGENT,
						   &ret->agent, &ret->agent_err) == 0;
}

void irsa_verify_cluster_release(struct irsa_verify_cluster *c)
{
	if (!c)
		return;
	free(c->name);
	irsa_eks_cluster_release(&c->cluster);
	irsa_eks_addon_release(&c->agent);
	memset(c, 0, sizeof(*c));
}

struct batch {
	const struct irsa_verify_sessions *sessions;
	const struct irsa_verify_request *req;
	const struct irsa_strlist *sas;
	struct irsa_verify_report *reports;
	pthread_mutex_t lock;
	size_t next;
	bool failed;
	struct irsa_error err;
};

static bool batch_take(struct batch *b, size_t *ret)
{
	bool more;

	pthread_mutex_lock(&b->lock);
	more = !b->failed && b->next < b->sas->n;
	if (more)
		*ret = b->next++;
	pthread_mutex_unlock(&b->lock);
	return more;
}

static void batch_fail(struct batch *b, const struct irsa_error *e)
{
	pthread_mutex_lock(&b->lock);
	if (!b->failed)
		b->err = *e;
	b->failed = true;
	pthread_mutex_unlock(&b->lock);
}

static void verify_one_of(struct batch *b, const struct irsa_verify_env *env, size_t i)
{
	struct irsa_verify_request req = *b->req;
	_cleanup_free_ char *ns = irsa_strdup(b->sas->items[i]);
	char *slash = strchr(ns, '/');
	struct irsa_error e = { 0 };

	if (!slash) {
		irsa_error_set(&e, IRSA_ERR_USAGE, "'%s' is not NAMESPACE/NAME", ns);
		batch_fail(b, &e);
		return;
	}
	*slash = '\0';
	req.namespace_name = ns;
	req.service_account = slash + 1;
	if (irsa_verify_run(env, &req, &b->reports[i], &e) < 0)
		batch_fail(b, &e);
}

static void *batch_worker(void *arg)
{
	struct batch *b = arg;
	struct irsa_kube_options ko = *b->sessions->kube;
	struct irsa_verify_env env = { 0 };
	struct irsa_aws *aws = NULL;
	struct irsa_kube *kube = NULL;
	struct irsa_error e = { 0 }, kube_err = { 0 };
	size_t i;

	if (irsa_aws_new(b->sessions->aws, &aws, &e) < 0) {
		batch_fail(b, &e);
		return NULL;
	}
	ko.aws = aws;
	if (irsa_kube_open(&ko, &kube, &kube_err) < 0)
		env.kube_error = kube_err.message;
	env.aws = aws;
	env.kube = kube;
	while (batch_take(b, &i))
		verify_one_of(b, &env, i);
	irsa_kube_free(kube);
	irsa_aws_free(aws);
	return NULL;
}

int irsa_verify_run_many(const struct irsa_verify_sessions *sessions,
			 const struct irsa_verify_request *req, const struct irsa_strlist *sas,
			 unsigned parallel, struct irsa_verify_report *reports,
			 struct irsa_error *err)
{
	struct batch b = { sessions, req, sas, reports, PTHREAD_MUTEX_INITIALIZER, 0, false, { 0 } };
	pthread_t threads[16];
	size_t n_threads = parallel < 1 ? 1 : parallel > 16 ? 16 : parallel, started = 0;

	memset(reports, 0, sas->n * sizeof(*reports));
	if (n_threads > sas->n)
		n_threads = sas->n;
	/* libxml2 and libcurl must be initialised once before threads use them */
	xmlInitParser();
	irsa_aws_global_init(NULL);
	for (; started < n_threads; started++)
		if (pthread_create(&threads[started], NULL, batch_worker, &b) != 0)
			break;
	if (started == 0 && sas->n > 0)
		batch_worker(&b);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	pthread_mutex_destroy(&b.lock);
	if (b.failed) {
		for (size_t i = 0; i < sas->n; i++)
			irsa_verify_report_release(&reports[i]);
		if (err)
			*err = b.err;
		return -1;
	}
	return 0;
}
