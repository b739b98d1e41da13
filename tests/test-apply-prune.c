/* apply's scopes, one-shot requests and --prune's checks (irsa/apply.h):
 * each service account carries its file's scope (an eksctl file's is its
 * cluster), a role cannot be shared across scopes, the one-shot request is
 * checked completely before anything is added, and --prune refuses what
 * would make it guess. No network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "irsa/apply.h"

#define HEAD "apiVersion: irsactl.io/v1alpha1\nkind: ServiceAccountSet\n"

static int read_text(const char *name, const char *text, struct irsa_apply_request *r,
		     struct irsa_error *err)
{
	return irsa_apply_read_buffer(name, NULL, text, strlen(text), r, err);
}

TEST(scope_per_service_account)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(read_text("a.yaml", HEAD "scope: team-a\nserviceAccounts:\n"
			    "  - {namespace: n, name: one}\n  - {namespace: n, name: two}\n",
			    &r, &err), 0);
	CHECK_INT(read_text("b.yaml", HEAD "scope: team-b\nserviceAccounts:\n"
			    "  - {namespace: n, name: three}\n", &r, &err), 0);
	CHECK_INT(read_text("c.yaml", HEAD "serviceAccounts:\n  - {namespace: n, name: four}\n",
			    &r, &err), 0);
	CHECK_INT(read_text("d.yaml", HEAD "scope: team-a\nserviceAccounts:\n"
			    "  - {namespace: n, name: five}\n", &r, &err), 0);
	REQUIRE(r.n_sas == 5);
	CHECK_STR(r.sas[0].scope, "team-a");
	CHECK_STR(r.sas[1].scope, "team-a");
	CHECK_STR(r.sas[2].scope, "team-b");
	CHECK(r.sas[3].scope == NULL);
	CHECK_STR(r.sas[4].scope, "team-a");
	/* each scope once */
	REQUIRE(r.scopes.n == 2);
	CHECK_STR(r.scopes.items[0], "team-a");
	CHECK_STR(r.scopes.items[1], "team-b");
	CHECK_INT(irsa_apply_request_check(&r, &err), 0);
	irsa_apply_request_release(&r);
}

TEST(scope_must_be_a_tag_value)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(read_text("a.yaml", HEAD "scope: 'team#a'\nserviceAccounts: []\n", &r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strncmp(err.message, "a.yaml:3:8: 'scope'", 19) == 0);
	memset(&err, 0, sizeof(err));
	CHECK_INT(read_text("a.yaml", HEAD "scope: ''\nserviceAccounts: []\n", &r, &err), -1);
	CHECK(strstr(err.message, "'scope' is empty") != NULL);
	CHECK_INT(r.scopes.n, 0);
	irsa_apply_request_release(&r);
}

TEST(eksctl_scope_is_the_cluster)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(read_text("c.yaml", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
			    "metadata: {name: prod, region: eu-west-1}\niam:\n  serviceAccounts:\n"
			    "    - metadata: {name: s3, namespace: apps}\n", &r, &err), 0);
	/* a ClusterConfig without service accounts still has a scope: --prune empties it */
	CHECK_INT(read_text("d.yaml", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
			    "metadata: {name: staging}\n", &r, &err), 0);
	REQUIRE(r.n_sas == 1);
	CHECK_STR(r.sas[0].scope, "prod");
	REQUIRE(r.scopes.n == 2);
	CHECK_STR(r.scopes.items[0], "prod");
	CHECK_STR(r.scopes.items[1], "staging");
	irsa_apply_request_release(&r);
}

TEST(role_shared_across_scopes)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(read_text("a.yaml", HEAD "scope: team-a\nserviceAccounts:\n"
			    "  - {namespace: n, name: one, roleName: shared}\n", &r, &err), 0);
	CHECK_INT(read_text("b.yaml", HEAD "scope: team-b\nserviceAccounts:\n"
			    "  - {namespace: n, name: two, roleName: shared}\n", &r, &err), 0);
	CHECK_INT(irsa_apply_request_check(&r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "'scope'") != NULL);
	CHECK(strstr(err.message, "a.yaml:") != NULL && strstr(err.message, "b.yaml:") != NULL);
	irsa_apply_request_release(&r);
}

TEST(prune_check)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_apply_options o = { 0 };
	struct irsa_error err = { 0 };
	const char *include[] = { "apps/*" };

	CHECK_INT(read_text("a.yaml", HEAD "serviceAccounts:\n  - {namespace: n, name: one}\n",
			    &r, &err), 0);
	CHECK_INT(irsa_apply_prune_check(&r, &o, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "scope") != NULL);
	irsa_apply_request_release(&r);

	memset(&err, 0, sizeof(err));
	CHECK_INT(read_text("a.yaml", HEAD "scope: s\nserviceAccounts:\n  - {namespace: n, name: one}\n",
			    &r, &err), 0);
	CHECK_INT(irsa_apply_prune_check(&r, &o, &err), 0);
	o.include = include;
	o.n_include = 1;
	CHECK_INT(irsa_apply_prune_check(&r, &o, &err), -1);
	CHECK(strstr(err.message, "--include") != NULL);
	irsa_apply_request_release(&r);
}

TEST(one_shot_request)
{
	struct irsa_apply_request r = { 0 };
	struct irsa_error err = { 0 };
	const char *policies[] = { "s3-read:bucket=reports" };
	const char *arns[] = { "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess" };
	const char *tags[] = { "team=payments", "cost=4711" };
	struct irsa_apply_one one = {
		.cluster = "prod", .context = "prod-admin", .namespace_ = "payments", .name = "api",
		.description = "the API", .max_session_duration = "7200",
		.policies = policies, .n_policies = 1, .managed_arns = arns, .n_managed_arns = 1,
		.tags = tags, .n_tags = 2,
	};
	const struct irsa_apply_sa *s;

	CHECK_INT(irsa_apply_request_add_one(&one, &r, &err), 0);
	if (err.kind)
		printf("# %s\n", err.message);
	REQUIRE(r.n_clusters == 1 && r.n_sas == 1);
	CHECK_STR(r.clusters[0].name, "prod");
	CHECK(r.clusters[0].issuer_url == NULL);
	CHECK_STR(r.clusters[0].context, "prod-admin");
	CHECK(r.clusters[0].create_provider);
	s = &r.sas[0];
	CHECK_STR(s->namespace_, "payments");
	CHECK_STR(s->name, "api");
	CHECK_STR(s->clusters.items[0], "prod");
	CHECK(s->role_name == NULL);
	CHECK_STR(s->description, "the API");
	CHECK_INT(s->max_session_duration, 7200);
	CHECK_STR(s->policies.items[0], "s3-read:bucket=reports");
	CHECK_STR(s->managed_policy_arns.items[0], arns[0]);
	REQUIRE(s->tags.n == 2);
	CHECK_STR(s->tags.items[1].key, "cost");
	CHECK_STR(s->tags.items[1].value, "4711");
	CHECK_INT(s->target, IRSA_APPLY_TARGET_CLUSTER);
	CHECK(s->create_namespace);
	CHECK(s->scope == NULL);
	CHECK_INT(irsa_apply_request_check(&r, &err), 0);
	irsa_apply_request_release(&r);
}

/* Each bad one-shot request fails with a usage error naming the problem
 * and adds nothing. */
TEST(one_shot_bad_input)
{
	const char *bad_policy[] = { "no-such-template" };
	const char *bad_tag[] = { "=value" };
	const char *missing_file[] = { "/nonexistent/policy.json" };
	const struct {
		struct irsa_apply_one one;
		const char *word;
	} cases[] = {
		{ { .namespace_ = "n", .name = "s" }, "--cluster" },
		{ { .cluster = "c", .issuer_url = "https://oidc.example.com", .namespace_ = "n",
		    .name = "s" }, "one of them" },
		{ { .cluster = "c", .name = "s" }, "--namespace" },
		{ { .cluster = "c", .namespace_ = "n", .name = "web-*" }, "--role-only" },
		{ { .cluster = "c", .namespace_ = "Bad_NS", .name = "s" }, "Bad_NS" },
		{ { .cluster = "c", .namespace_ = "n", .name = "s", .policies = bad_policy,
		    .n_policies = 1 }, "no-such-template" },
		{ { .cluster = "c", .namespace_ = "n", .name = "s", .tags = bad_tag, .n_tags = 1 },
		  "tag" },
		{ { .cluster = "c", .namespace_ = "n", .name = "s", .policy_files = missing_file,
		    .n_policy_files = 1 }, "/nonexistent/policy.json" },
		{ { .cluster = "c", .namespace_ = "n", .name = "s", .max_session_duration = "60" },
		  "max-session-duration" },
		{ { .cluster = "c", .namespace_ = "n", .name = "s", .audience = "a b" }, "audience" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct irsa_apply_request r = { 0 };
		struct irsa_error err = { 0 };

		CHECK_INT(irsa_apply_request_add_one(&cases[i].one, &r, &err), -1);
		CHECK_INT(err.kind, IRSA_ERR_USAGE);
		if (!strstr(err.message, cases[i].word))
			printf("# case %zu: '%s' not in: %s\n", i, cases[i].word, err.message);
		CHECK(strstr(err.message, cases[i].word) != NULL);
		CHECK_INT(r.n_sas, 0);
		CHECK_INT(r.n_clusters, 0);
		irsa_apply_request_release(&r);
	}
}

int main(void)
{
	RUN(scope_per_service_account);
	RUN(scope_must_be_a_tag_value);
	RUN(eksctl_scope_is_the_cluster);
	RUN(role_shared_across_scopes);
	RUN(prune_check);
	RUN(one_shot_request);
	RUN(one_shot_bad_input);
	return tap_done();
}
