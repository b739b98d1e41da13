/* Reading apply files (irsa/apply.h): the examples of both formats, the
 * strict checks with FILE:LINE:COLUMN and "did you mean", several files,
 * folders, and the checks across files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "irsa/apply.h"
#include "irsa/strutil.h"

static const char *tag(const struct irsa_tags *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->items[i].key, key) == 0)
			return t->items[i].value;
	return NULL;
}

static const struct irsa_apply_sa *sa(const struct irsa_apply_request *r, const char *ns,
				      const char *name)
{
	for (size_t i = 0; i < r->n_sas; i++)
		if (strcmp(r->sas[i].namespace_, ns) == 0 && strcmp(r->sas[i].name, name) == 0)
			return &r->sas[i];
	return NULL;
}

static int read_text(const char *text, struct irsa_apply_request *r, struct irsa_error *err)
{
	return irsa_apply_read_buffer("x.yaml", NULL, text, strlen(text), r, err);
}

TEST(irsactl_example)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };
	const struct irsa_apply_sa *api, *worker, *rec, *exp, *notifier;

	CHECK_INT(irsa_apply_read_path("../examples/irsactl.yaml", &r, &err), 0);
	if (err.kind)
		printf("# %s\n", err.message);
	CHECK_INT(irsa_apply_request_check(&r, &err), 0);
	CHECK_INT(r.n_clusters, 2);
	CHECK_INT(r.n_sas, 5);
	CHECK_INT(r.scopes.n, 1);
	if (r.n_clusters < 2 || r.n_sas < 5 || r.scopes.n < 1)
		goto out;
	CHECK_STR(r.scopes.items[0], "payments-prod");
	CHECK_STR(r.clusters[0].name, "prod");
	CHECK_STR(r.clusters[0].region, "eu-west-1");
	CHECK_STR(r.clusters[0].context, "prod-admin");
	CHECK(r.clusters[0].create_provider);
	CHECK_STR(r.clusters[1].issuer_url, "https://oidc.dc1.example.com");
	CHECK_STR(r.clusters[0].where, "../examples/irsactl.yaml:14:5");

	api = sa(&r, "payments", "api");
	CHECK(api != NULL);
	if (!api)
		goto out;
	CHECK_INT(api->policies.n, 3);
	CHECK_STR(api->policies.items[0], "s3-read:bucket=payments-reports,prefix=daily/");
	CHECK_STR(api->policies.items[1], "dynamodb-read:tables=orders;customers");
	CHECK_STR(api->policies.items[2], "secretsmanager-read:secrets=payments/db");
	CHECK_STR(api->managed_policy_arns.items[0], "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess");
	/* defaults merged, the service account's own values added */
	CHECK_STR(tag(&api->tags, "team"), "payments");
	CHECK_STR(tag(&api->tags, "cost-center"), "4711");
	CHECK_STR(tag(&api->tags, "component"), "api");
	CHECK_STR(tag(&api->labels, "app"), "api");
	CHECK_STR(tag(&api->labels, "app.kubernetes.io/part-of"), "payments");
	CHECK_STR(api->path, "/irsa/");
	CHECK_STR(api->permissions_boundary, "arn:aws:iam::111122223333:policy/team-boundary");
	CHECK_INT(api->max_session_duration, 3600);
	CHECK_INT(api->sts_regional_endpoints, 1);
	CHECK_INT(api->token_expiration, 3600);
	CHECK_INT(api->clusters.n, 1);
	CHECK_STR(api->clusters.items[0], "prod");
	CHECK_INT(api->target, IRSA_APPLY_TARGET_CLUSTER);

	worker = sa(&r, "payments", "worker");
	rec = sa(&r, "payments", "reconciler");
	CHECK(worker && rec);
	if (!worker || !rec)
		goto out;
	CHECK_STR(worker->role_name, "payments-batch");
	CHECK_STR(rec->role_name, "payments-batch");
	CHECK_INT(worker->clusters.n, 2);
	CHECK_STR(worker->policy_files.items[0], "../examples/policies/ledger.json");
	CHECK_INT(worker->inline_policies.n, 1);
	CHECK_STR(worker->inline_policies.items[0].key, "kms");
	CHECK(strstr(worker->inline_policies.items[0].value, "\"Action\":[\"kms:Decrypt\"]") != NULL);
	CHECK_INT(worker->sts_regional_endpoints, 0);
	CHECK_INT(worker->token_expiration, 86400);

	exp = sa(&r, "jobs", "export-*");
	CHECK(exp != NULL);
	if (exp) {
		CHECK_INT(exp->target, IRSA_APPLY_TARGET_NONE);
		CHECK_STR(exp->trust_role_arns.items[0], "arn:aws:iam::111122223333:role/ci-deployer");
		CHECK_STR(exp->policies.items[0], "s3-readwrite:bucket=payments-exports");
	}
	notifier = sa(&r, "payments", "notifier");
	CHECK(notifier != NULL);
	if (notifier) {
		CHECK_INT(notifier->target, IRSA_APPLY_TARGET_MANIFEST);
		CHECK_STR(notifier->manifest, "../examples/out/notifier-sa.yaml");
		CHECK(!notifier->create_namespace);
		CHECK_STR(notifier->permissions_boundary,
			  "arn:aws:iam::111122223333:policy/notifier-boundary");
	}
out:
	irsa_apply_request_release(&r);
}

TEST(eksctl_example)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };
	const struct irsa_apply_sa *s;

	CHECK_INT(irsa_apply_read_path("../examples/eksctl-cluster.yaml", &r, &err), 0);
	if (err.kind)
		printf("# %s\n", err.message);
	CHECK_INT(r.n_clusters, 1);
	CHECK_INT(r.n_sas, 11);
	if (r.n_clusters != 1 || r.n_sas != 11)
		goto out;
	CHECK_STR(r.clusters[0].name, "prod");
	CHECK_STR(r.clusters[0].region, "eu-west-1");
	CHECK(r.clusters[0].create_provider);
	CHECK_INT(r.notes.n, 1);
	CHECK(r.notes.n && strstr(r.notes.items[0], "vpc, managedNodeGroups, addons") != NULL);

	s = sa(&r, "backend", "s3-reader");
	CHECK_STR(s->managed_policy_arns.items[0], "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess");
	CHECK_STR(s->permissions_boundary, "arn:aws:iam::111122223333:policy/team-boundary");
	CHECK_STR(tag(&s->labels, "aws-usage"), "application");
	CHECK_STR(tag(&s->annotations, "example.com/owner"), "backend-team");
	CHECK_STR(tag(&s->tags, "team"), "backend");
	CHECK_STR(s->clusters.items[0], "prod");
	s = sa(&r, "backend", "cache-writer");
	CHECK_STR(s->role_name, "backend-cache-writer");
	CHECK_STR(s->permissions_boundary, "arn:aws:iam::111122223333:policy/cache-boundary");
	CHECK_INT(s->inline_policies.n, 1);
	CHECK(strstr(s->inline_policies.items[0].value, "elasticache:Describe*") != NULL);
	s = sa(&r, "backend", "preexisting");
	CHECK_STR(s->role_arn, "arn:aws:iam::111122223333:role/preexisting-role");
	s = sa(&r, "kube-system", "cluster-autoscaler");
	CHECK_STR(s->policies.items[0], "cluster-autoscaler");
	CHECK_INT(s->target, IRSA_APPLY_TARGET_NONE);
	CHECK_STR(sa(&r, "kube-system", "aws-load-balancer-controller")->policies.items[0],
		  "aws-load-balancer-controller");
	CHECK_STR(sa(&r, "kube-system", "external-dns")->policies.items[0], "external-dns");
	CHECK_STR(sa(&r, "cert-manager", "cert-manager")->policies.items[0], "cert-manager");
	CHECK_STR(sa(&r, "kube-system", "ebs-csi-controller-sa")->managed_policy_arns.items[0],
		  "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
	CHECK_STR(sa(&r, "kube-system", "efs-csi-controller-sa")->policies.items[0], "efs-csi");
	CHECK_STR(sa(&r, "ci", "image-builder")->managed_policy_arns.items[0],
		  "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess");
	s = sa(&r, "batch", "jobs");
	CHECK_STR(s->subject_pattern, "system:serviceaccount:batch:job-*");
	CHECK_INT(s->target, IRSA_APPLY_TARGET_CLUSTER);
	CHECK(s->create_namespace);
out:
	irsa_apply_request_release(&r);
}

static void expect_error(const char *text, const char *want)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(read_text(text, &r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK_STR(err.message, want);
	irsa_apply_request_release(&r);
}

#define HEAD "apiVersion: irsactl.io/v1alpha1\nkind: ServiceAccountSet\n"

TEST(strict_reading)
{
	expect_error(HEAD "serviceAccounts:\n  - namespace: a\n    name: b\n"
		     "    attachPolicyArns: [x]\n",
		     "x.yaml:6:5: unknown field 'attachPolicyArns' in a service account; did you "
		     "mean 'attachPolicyARNs'?");
	expect_error(HEAD "defualts: {}\nserviceAccounts: []\n",
		     "x.yaml:3:1: unknown field 'defualts' in the file; did you mean 'defaults'?");
	expect_error(HEAD "serviceAccounts:\n  - namespace: a\n    name: b\n    zzzzzz: 1\n",
		     "x.yaml:6:5: unknown field 'zzzzzz' in a service account");
	expect_error(HEAD "serviceAccounts:\n  - namespace: a\n    name: [b]\n",
		     "x.yaml:5:11: 'name' must be a string");
	expect_error(HEAD "serviceAccounts:\n  - namespace: a\n    name: b\n    maxSessionDuration: 60\n",
		     "x.yaml:6:25: 'maxSessionDuration' must be a number from 3600 to 43200");
	expect_error(HEAD "serviceAccounts:\n  - namespace: a\n",
		     "x.yaml:4:5: a service account needs 'namespace' and 'name'");
	expect_error(HEAD "clusters:\n  - name: a\n    issuerURL: https://x\nserviceAccounts: []\n",
		     "x.yaml:4:5: a cluster needs exactly one of 'name' and 'issuerURL'");
	expect_error("apiVersion: v1\nkind: ConfigMap\n",
		     "x.yaml:1:1: apiVersion 'v1' kind 'ConfigMap' is neither irsactl's format "
		     "(irsactl.io/v1alpha1 ServiceAccountSet) nor an eksctl ClusterConfig "
		     "(eksctl.io/v1alpha5 ClusterConfig)");
	expect_error("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c}\n"
		     "iam:\n  serviceAccounts:\n  - metadata: {name: a}\n    attachPolicyARN: [x]\n",
		     "x.yaml:7:5: unknown field 'attachPolicyARN' in iam.serviceAccounts[]; did you "
		     "mean 'attachPolicyARNs'?");
	expect_error("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c}\n"
		     "iam:\n  serviceAccounts:\n  - metadata: {name: a}\n"
		     "    wellKnownPolicies: {autoscaler: true}\n",
		     "x.yaml:7:25: unknown field 'autoscaler' in wellKnownPolicies; did you mean "
		     "'autoScaler'?");
}

TEST(pod_identity_own_format)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };
	const struct irsa_apply_sa *s;

	CHECK_INT(read_text(HEAD "defaults: {mechanism: pod-identity}\nserviceAccounts:\n"
			    "  - {namespace: a, name: inherits}\n"
			    "  - {namespace: a, name: classic, mechanism: irsa}\n"
			    "  - namespace: a\n    name: both\n    mechanism: both\n"
			    "    targetRoleARN: arn:aws:iam::444455556666:role/t\n"
			    "    disableSessionTags: true\n", &r, &err), 0);
	CHECK_INT(r.n_sas, 3);
	if (r.n_sas == 3) {
		CHECK_INT(sa(&r, "a", "inherits")->mechanism, IRSA_APPLY_POD_IDENTITY);
		CHECK_INT(sa(&r, "a", "classic")->mechanism, IRSA_APPLY_IRSA);
		s = sa(&r, "a", "both");
		CHECK_INT(s->mechanism, IRSA_APPLY_BOTH);
		CHECK_STR(s->target_role_arn, "arn:aws:iam::444455556666:role/t");
		CHECK(s->disable_session_tags);
		CHECK(!sa(&r, "a", "inherits")->disable_session_tags);
		CHECK_STR(irsa_apply_mechanism_name(s->mechanism), "both");
	}
	irsa_apply_request_release(&r);

	expect_error(HEAD "serviceAccounts:\n  - {namespace: a, name: b, mechanism: podidentity}\n",
		     "x.yaml:4:40: mechanism 'podidentity' is not one of irsa, pod-identity, both; "
		     "did you mean 'pod-identity'?");
	expect_error(HEAD "serviceAccounts:\n  - {namespace: a, name: b, mechanism: oidc}\n",
		     "x.yaml:4:40: mechanism must be one of irsa, pod-identity, both");
	expect_error(HEAD "serviceAccounts:\n  - {namespace: a, name: b, disableSessionTags: true}\n",
		     "x.yaml:4:49: 'disableSessionTags' is a Pod Identity field; set 'mechanism: "
		     "pod-identity' (or 'both') on this service account");
	expect_error(HEAD "serviceAccounts:\n  - {namespace: a, name: 'b-*', mechanism: both}\n",
		     "x.yaml:4:5: service account 'b-*' is a pattern; a Pod Identity association "
		     "names one service account (mechanism 'both')");
	expect_error(HEAD "serviceAccounts:\n  - {namespace: a, name: b, mechanism: both, "
		     "targetRoleARN: t}\n",
		     "x.yaml:4:61: targetRoleARN: 't' is not a role ARN: expected "
		     "'arn:PARTITION:iam::ACCOUNT:role/NAME'");
	expect_error(HEAD "serviceAccounts:\n  - {namespace: a, name: b, mechansim: both}\n",
		     "x.yaml:4:29: unknown field 'mechansim' in a service account; did you mean "
		     "'mechanism'?");
}

#define EKSCTL "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: c}\n"

TEST(pod_identity_eksctl)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };
	const struct irsa_apply_sa *s;

	CHECK_INT(irsa_apply_read_path("../examples/eksctl-pod-identity.yaml", &r, &err), 0);
	if (err.kind)
		printf("# %s\n", err.message);
	CHECK_INT(irsa_apply_request_check(&r, &err), 0);
	CHECK_INT(r.n_clusters, 1);
	CHECK_INT(r.n_sas, 4);
	if (r.n_clusters != 1 || r.n_sas != 4)
		goto out;
	CHECK_STR(r.clusters[0].name, "shop");
	CHECK(!r.clusters[0].create_provider);
	s = sa(&r, "checkout", "payments");
	CHECK_INT(s->mechanism, IRSA_APPLY_POD_IDENTITY);
	CHECK_STR(s->role_name, "shop-checkout-payments");
	CHECK_INT(s->target, IRSA_APPLY_TARGET_CLUSTER);
	CHECK_STR(s->managed_policy_arns.items[0], "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess");
	CHECK_INT(s->inline_policies.n, 1);
	CHECK(s->inline_policies.n && strstr(s->inline_policies.items[0].value, "dynamodb:PutItem"));
	CHECK_STR(s->permissions_boundary, "arn:aws:iam::111122223333:policy/shop-boundary");
	CHECK_STR(tag(&s->tags, "team"), "checkout");
	CHECK_STR(s->clusters.items[0], "shop");
	s = sa(&r, "kube-system", "external-dns");
	CHECK_INT(s->target, IRSA_APPLY_TARGET_NONE);
	CHECK(s->role_name == NULL);
	CHECK_STR(s->policies.items[0], "external-dns");
	s = sa(&r, "reporting", "exporter");
	CHECK_STR(s->role_arn, "arn:aws:iam::111122223333:role/reporting-exporter");
	CHECK(s->disable_session_tags);
	s = sa(&r, "analytics", "reader");
	CHECK_STR(s->target_role_arn, "arn:aws:iam::444455556666:role/analytics-data-reader");
	CHECK(!s->disable_session_tags);
out:
	irsa_apply_request_release(&r);

	expect_error(EKSCTL "iam:\n  podIdentityAssociations:\n  - {namespace: a, "
		     "serviceAccount: b}\n",
		     "x.yaml:6:20: unknown field 'serviceAccount' in iam.podIdentityAssociations[]; "
		     "did you mean 'serviceAccountName'?");
	expect_error(EKSCTL "iam:\n  podIdentityAssociations:\n  - {namespace: a}\n",
		     "x.yaml:6:5: a Pod Identity association needs 'namespace' and "
		     "'serviceAccountName'");
	expect_error(EKSCTL "iam:\n  podIdentityAssociations:\n  - {namespace: a, serviceAccountName: b, "
		     "roleARN: 'arn:aws:iam::111122223333:role/r', permissionPolicyARNs: [x]}\n",
		     "x.yaml:6:110: 'permissionPolicyARNs' cannot go with 'roleARN': that role is "
		     "used as it is");
	expect_error(EKSCTL "iam:\n  podIdentityAssociations: {namespace: a}\n",
		     "x.yaml:5:28: iam.podIdentityAssociations must be a list");
	expect_error(EKSCTL "iam:\n  podIdentityAssociations:\n  - {namespace: a, serviceAccountName: b, "
		     "disableSessionTags: maybe}\n",
		     "x.yaml:6:63: 'disableSessionTags' must be true or false");
}

/* iam.serviceRolePermissionsBoundary bounds every role irsactl makes, the
 * Pod Identity ones as the IRSA ones; an association's own
 * permissionsBoundaryARN wins; a roleARN is used as it is. */
TEST(pod_identity_eksctl_service_role_boundary)
{
	static const char text[] =
		EKSCTL "iam:\n"
		"  serviceRolePermissionsBoundary: arn:aws:iam::111122223333:policy/cluster-b\n"
		"  podIdentityAssociations:\n"
		"  - {namespace: a, serviceAccountName: plain}\n"
		"  - {namespace: a, serviceAccountName: own, "
		"permissionsBoundaryARN: 'arn:aws:iam::111122223333:policy/own-b'}\n"
		"  - {namespace: a, serviceAccountName: given, "
		"roleARN: 'arn:aws:iam::111122223333:role/given'}\n"
		"  serviceAccounts:\n"
		"  - metadata: {namespace: a, name: irsa}\n";
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(read_text(text, &r, &err), 0);
	if (err.kind)
		printf("# %s\n", err.message);
	CHECK_INT(r.n_sas, 4);
	if (r.n_sas == 4) {
		CHECK_STR(sa(&r, "a", "plain")->permissions_boundary,
			  "arn:aws:iam::111122223333:policy/cluster-b");
		CHECK_STR(sa(&r, "a", "own")->permissions_boundary,
			  "arn:aws:iam::111122223333:policy/own-b");
		CHECK(sa(&r, "a", "given")->permissions_boundary == NULL);
		CHECK_STR(sa(&r, "a", "irsa")->permissions_boundary,
			  "arn:aws:iam::111122223333:policy/cluster-b");
	}
	irsa_apply_request_release(&r);
}

TEST(checks_across_files)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(read_text(HEAD "serviceAccounts:\n  - {namespace: a, name: b, roleName: r, "
			    "description: one}\n", &r, &err), 0);
	CHECK_INT(read_text(HEAD "serviceAccounts:\n  - {namespace: a, name: c, roleName: r, "
			    "description: two}\n", &r, &err), 0);
	CHECK_INT(irsa_apply_request_check(&r, &err), -1);
	CHECK_STR(err.message, "x.yaml:4:5: role 'r' is shared with the service account at "
		  "x.yaml:4:5, which gives it another 'description'; give both the same value or "
		  "use two roles");
	irsa_apply_request_release(&r);

	CHECK_INT(read_text(HEAD "serviceAccounts:\n  - {namespace: a, name: b}\n"
			    "  - {namespace: a, name: b}\n", &r, &err), 0);
	CHECK_INT(irsa_apply_request_check(&r, &err), -1);
	CHECK_STR(err.message, "x.yaml:5:5: service account 'a/b' is already listed at x.yaml:4:5");
	irsa_apply_request_release(&r);
}

TEST(folders_and_several_documents)
{
	char dir[] = "/tmp/irsactl-apply-XXXXXX";
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };
	char path[128];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	f = fopen(path, "w");
	fputs(HEAD "serviceAccounts:\n  - {namespace: n, name: second}\n---\n"
	      HEAD "serviceAccounts:\n  - {namespace: n, name: third}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/a.yml", dir);
	f = fopen(path, "w");
	fputs(HEAD "serviceAccounts:\n  - {namespace: n, name: first, policyFiles: [p.json]}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	fputs("not read\n", f);
	fclose(f);
	CHECK_INT(irsa_apply_read_path(dir, &r, &err), 0);
	CHECK_INT(r.n_sas, 3);
	if (r.n_sas == 3) {
		char want[128];

		CHECK_STR(r.sas[0].name, "first");
		CHECK_STR(r.sas[1].name, "second");
		CHECK_STR(r.sas[2].name, "third");
		snprintf(want, sizeof(want), "%s/p.json", dir);
		CHECK_STR(r.sas[0].policy_files.items[0], want);
		snprintf(want, sizeof(want), "%s/b.yaml:9:5", dir);
		CHECK_STR(r.sas[2].where, want);
	}
	irsa_apply_request_release(&r);
	snprintf(path, sizeof(path), "rm -r '%s'", dir);
	CHECK_INT(system(path), 0);
}

TEST(standard_input)
{
	char path[] = "/tmp/irsactl-apply-stdin-XXXXXX";
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };
	int fd = mkstemp(path);
	const char *text = HEAD "serviceAccounts:\n  - {namespace: n, name: piped}\n";

	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	CHECK(freopen(path, "r", stdin) != NULL);
	CHECK_INT(irsa_apply_read_path("-", &r, &err), 0);
	CHECK_INT(r.n_sas, 1);
	if (r.n_sas == 1) {
		CHECK_STR(r.sas[0].name, "piped");
		CHECK_STR(r.sas[0].where, "<stdin>:4:5");
	}
	irsa_apply_request_release(&r);
	unlink(path);
}

TEST(suggestions)
{
	static const char *const words[] = { "namespace", "name", "roleName", "attachPolicyARNs" };

	CHECK_STR(irsa_apply_suggest("namepsace", words, 4), "namespace");
	CHECK_STR(irsa_apply_suggest("rolename", words, 4), "roleName");
	CHECK(irsa_apply_suggest("kubernetes", words, 4) == NULL);
}

int main(void)
{
	RUN(irsactl_example);
	RUN(eksctl_example);
	RUN(strict_reading);
	RUN(pod_identity_own_format);
	RUN(pod_identity_eksctl);
	RUN(pod_identity_eksctl_service_role_boundary);
	RUN(checks_across_files);
	RUN(folders_and_several_documents);
	RUN(standard_input);
	RUN(suggestions);
	return tap_done();
}
