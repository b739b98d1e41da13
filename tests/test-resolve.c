/* Requests (irsa/request.h), the parts that need no network: the account
 * helper's cache, validating trust flags (everything missing named at
 * once) and create-role's values, templates and policy files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "irsa/request.h"
#include "irsa/strutil.h"

TEST(account_helper)
{
	struct irsa_account a;
	struct irsa_error err = { 0 };
	const char *id = NULL;

	irsa_account_init(&a, NULL);
	irsa_account_learn(&a, "not an arn");
	CHECK(a.id == NULL);
	irsa_account_learn(&a, "arn:aws:iam::aws:policy/ReadOnlyAccess"); /* no account */
	CHECK(a.id == NULL);
	irsa_account_learn(&a, "arn:aws:iam::111122223333:oidc-provider/example.com");
	CHECK_STR(a.id, "111122223333");
	/* known: no GetCallerIdentity (there is no session to make one) */
	CHECK_INT(irsa_account_get(&a, &id, &err), 0);
	CHECK_STR(id, "111122223333");
	CHECK_INT(a.lookups, 0);
	/* what the user gave wins over what is learnt later */
	irsa_account_set(&a, "444455556666");
	irsa_account_learn(&a, "arn:aws:iam::111122223333:role/x");
	CHECK_STR(a.id, "444455556666");
	irsa_account_release(&a);
}

TEST(trust_missing_named_at_once)
{
	struct irsa_trust_request req = { 0 };
	struct irsa_trust_input in;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_trust_input_parse(&req, IRSA_NEED_SUBJECTS | IRSA_NEED_TARGET, &in, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "which service account and which cluster?"));
	CHECK(strstr(err.message, "--cluster NAME"));
	irsa_trust_input_release(&in);
	CHECK_INT(irsa_trust_input_parse(&req, IRSA_NEED_TARGET, &in, &err), -1);
	CHECK(strstr(err.message, "which cluster?") == err.message);
	irsa_trust_input_release(&in);
	CHECK_INT(irsa_trust_input_parse(&req, 0, &in, &err), 0);
	irsa_trust_input_release(&in);
}

TEST(trust_subjects_and_values)
{
	const char *ns[] = { "apps" }, *sas[] = { "web", "api", "web" }, *pairs[] = { "apps:api" };
	const char *urls[] = { "https://Example.com/id/", "https://example.com/id" };
	struct irsa_trust_request req = {
		.namespaces = ns, .n_namespaces = 1,
		.service_accounts = sas, .n_service_accounts = 3,
		.subjects = pairs, .n_subjects = 1,
		.issuer_urls = urls, .n_issuer_urls = 2,
	};
	struct irsa_trust_input in;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_trust_input_parse(&req, IRSA_NEED_SUBJECTS | IRSA_NEED_TARGET, &in, &err), 0);
	CHECK_INT(in.n_subjects, 2); /* duplicates dropped */
	CHECK_STR(in.subjects[1].sa, "api");
	CHECK_INT(in.n_issuers, 1);  /* the same issuer once normalised */
	CHECK_STR(in.issuers[0], "https://example.com/id");
	irsa_trust_input_release(&in);

	req.audience = "has space";
	CHECK_INT(irsa_trust_input_parse(&req, 0, &in, &err), -1);
	CHECK(strstr(err.message, "audience 'has space' is not valid"));
	irsa_trust_input_release(&in);
	req.audience = NULL;
	req.n_namespaces = 0;
	CHECK_INT(irsa_trust_input_parse(&req, 0, &in, &err), -1);
	CHECK(strstr(err.message, "--service-account needs --namespace"));
	irsa_trust_input_release(&in);
}

TEST(create_role_values)
{
	const char *clusters[] = { "demo" }, *pairs[] = { "default:app" };
	const char *twice[] = { "s3-read:bucket=abc", "s3-read:bucket=def" };
	struct irsa_create_role_request req = {
		.trust = { .clusters = clusters, .n_clusters = 1, .subjects = pairs, .n_subjects = 1 },
	};
	struct irsa_create_role_input in;
	struct irsa_error err = { 0 };
	char path[] = "/tmp/irsactl-test-resolve-XXXXXX";
	const char *files[1];
	const char *policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			     "\"Action\":\"s3:ListAllMyBuckets\",\"Resource\":\"*\"}]}";
	int fd;

	CHECK_INT(irsa_create_role_parse(&req, &in, &err), 0);
	CHECK_STR(in.role_name, "irsa-demo-default-app");
	irsa_create_role_input_release(&in);

	req.max_session_duration = "60";
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), -1);
	CHECK(strstr(err.message, "--max-session-duration '60' is not a number from 3600 to 43200"));
	irsa_create_role_input_release(&in);
	req.max_session_duration = "7200";

	req.policies = twice;
	req.n_policies = 2;
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), -1);
	CHECK(strstr(err.message, "template 's3-read' is given twice"));
	irsa_create_role_input_release(&in);
	req.n_policies = 1;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, policy, strlen(policy)) == (ssize_t)strlen(policy));
	close(fd);
	files[0] = path;
	req.policy_files = files;
	req.n_policy_files = 1;
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), 0);
	CHECK_INT(in.role.max_session_duration, 7200);
	CHECK_INT(in.n_refs, 1);
	CHECK_INT(in.n_policies, 2);
	CHECK(in.policy_names[0] == NULL); /* the template is rendered by resolve */
	CHECK(in.policy_names[1] && strncmp(in.policy_names[1], "irsactl-file-", 13) == 0);
	CHECK(json_is_object(in.policy_docs[1]));
	irsa_create_role_input_release(&in);
	unlink(path);

	files[0] = "/nonexistent/policy.json";
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	irsa_create_role_input_release(&in);
}

/* --trust-role-arn alone is a trust of its own (a cross-account target);
 * --external-id goes with it and follows STS's rule. */
TEST(trust_role_alone)
{
	const char *roles[] = { "arn:aws:iam::111122223333:role/source" };
	const char *clusters[] = { "demo" };
	struct irsa_trust_request req = { .trust_role_arns = roles, .n_trust_role_arns = 1 };
	unsigned need = IRSA_NEED_SUBJECTS | IRSA_NEED_TARGET | IRSA_NEED_OR_ROLE;
	struct irsa_trust_input in;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_trust_input_parse(&req, need, &in, &err), 0);
	CHECK_INT(in.n_trust_role_arns, 1);
	irsa_trust_input_release(&in);
	/* without IRSA_NEED_OR_ROLE it is not enough */
	CHECK_INT(irsa_trust_input_parse(&req, IRSA_NEED_SUBJECTS | IRSA_NEED_TARGET, &in, &err), -1);
	irsa_trust_input_release(&in);
	/* half an IRSA trust is still incomplete */
	req.clusters = clusters;
	req.n_clusters = 1;
	CHECK_INT(irsa_trust_input_parse(&req, need, &in, &err), -1);
	CHECK(strstr(err.message, "which service account?") == err.message);
	irsa_trust_input_release(&in);
	req.n_clusters = 0;
	req.external_id = "team-a:build";
	CHECK_INT(irsa_trust_input_parse(&req, need, &in, &err), 0);
	CHECK_STR(in.external_id, "team-a:build");
	irsa_trust_input_release(&in);
	req.external_id = "x";
	CHECK_INT(irsa_trust_input_parse(&req, need, &in, &err), -1);
	CHECK(strstr(err.message, "--external-id: the external ID has 1 characters"));
	irsa_trust_input_release(&in);
	req.n_trust_role_arns = 0;
	req.external_id = "team-a:build";
	CHECK_INT(irsa_trust_input_parse(&req, 0, &in, &err), -1);
	CHECK(strstr(err.message, "give the role with --trust-role-arn"));
	irsa_trust_input_release(&in);
	/* no service account: no default role name */
	{
		struct irsa_create_role_request cr = {
			.trust = { .trust_role_arns = roles, .n_trust_role_arns = 1 },
		};
		struct irsa_create_role_input ci;

		CHECK_INT(irsa_create_role_parse(&cr, &ci, &err), -1);
		CHECK(strstr(err.message, "a role trusted only by --trust-role-arn"));
		irsa_create_role_input_release(&ci);
		cr.role_name = "target";
		CHECK_INT(irsa_create_role_parse(&cr, &ci, &err), 0);
		irsa_create_role_input_release(&ci);
	}
}

static char *temp_file(const char *dir, const char *name, const char *text)
{
	char *path = irsa_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

TEST(create_role_managed_policies)
{
	const char *clusters[] = { "demo" }, *pairs[] = { "default:app" };
	const char *templates[] = { "s3-read:bucket=abc", "efs-csi", "s3-read:bucket=abc" };
	const char *arns[9];
	const char *files[2];
	struct irsa_create_role_request req = {
		.trust = { .clusters = clusters, .n_clusters = 1, .subjects = pairs, .n_subjects = 1 },
		.managed_policies = templates, .n_managed_policies = 2,
	};
	struct irsa_create_role_input in;
	struct irsa_error err = { 0 };
	char dir[] = "/tmp/irsactl-test-managed-XXXXXX";
	const char *policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			     "\"Action\":\"s3:ListAllMyBuckets\",\"Resource\":\"*\"}]}";
	char *team, *other, *trust;

	CHECK(mkdtemp(dir) != NULL);
	team = temp_file(dir, "team.json", policy);
	trust = temp_file(dir, "trust.json",
			  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			  "\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}");
	other = irsa_asprintf("%s/sub", dir);
	CHECK_INT(mkdir(other, 0700), 0);
	free(other);
	other = temp_file(dir, "sub/team.json", policy);
	files[0] = team;
	req.managed_policy_files = files;
	req.n_managed_policy_files = 1;

	CHECK_INT(irsa_create_role_parse(&req, &in, &err), 0);
	CHECK_INT(in.n_managed, 3);
	CHECK(strncmp(in.managed_names[0], "irsactl-s3-read-", 16) == 0 &&
	      strlen(in.managed_names[0]) == 16 + 8);
	CHECK_STR(in.managed_names[1], "irsactl-efs-csi");
	CHECK_STR(in.managed_names[2], "irsactl-file-team");
	CHECK(strstr(in.managed_descriptions[0], "template 's3-read:bucket=abc'"));
	CHECK(in.managed_docs[0] == NULL);      /* templates: rendered by resolve */
	CHECK(json_is_object(in.managed_docs[2])); /* files: read now */
	irsa_create_role_input_release(&in);

	/* the same template and parameters twice; two files of one name */
	req.n_managed_policies = 3;
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), -1);
	CHECK(strstr(err.message, "two managed policies would be named 'irsactl-s3-read-"));
	irsa_create_role_input_release(&in);
	req.n_managed_policies = 2;
	files[1] = other;
	req.n_managed_policy_files = 2;
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), -1);
	CHECK(strstr(err.message, "'irsactl-file-team'"));
	irsa_create_role_input_release(&in);

	/* a trust policy is no permissions policy */
	files[0] = trust;
	req.n_managed_policy_files = 1;
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "managed policy file"));
	irsa_create_role_input_release(&in);

	/* 9 ARNs (one given twice) + 2 managed = 10: fine; one more is not */
	files[0] = team;
	for (int i = 0; i < 9; i++)
		arns[i] = i == 8 ? arns[0] : irsa_asprintf("arn:aws:iam::aws:policy/P%d", i);
	req.managed_arns = arns;
	req.n_managed_arns = 9;
	req.n_managed_policy_files = 0;
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), 0);
	irsa_create_role_input_release(&in);
	req.n_managed_policy_files = 1;
	CHECK_INT(irsa_create_role_parse(&req, &in, &err), -1);
	CHECK(strstr(err.message, "11 managed policies asked for"));
	irsa_create_role_input_release(&in);
	for (int i = 0; i < 8; i++)
		free((char *)arns[i]);

	unlink(team);
	unlink(other);
	unlink(trust);
	free(team);
	free(trust);
	other[strlen(other) - strlen("/team.json")] = '\0';
	rmdir(other);
	free(other);
	rmdir(dir);
}

/* --trust-policy-limit, as create-role and migrate-to-pod-identity take it */
TEST(trust_limit_parse)
{
	struct irsa_error err = { 0 };
	size_t limit = 7;

	CHECK_INT(irsa_trust_limit_parse(NULL, &limit, &err), 0);
	CHECK_INT(limit, 0);
	CHECK_INT(irsa_trust_limit_parse("4096", &limit, &err), 0);
	CHECK_INT(limit, 4096);
	CHECK_INT(irsa_trust_limit_parse("4097", &limit, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "--trust-policy-limit 4097 is above IAM's maximum"));
	CHECK_INT(limit, 0);
	CHECK_INT(irsa_trust_limit_parse("0", &limit, &err), -1);
	CHECK(strstr(err.message, "--trust-policy-limit '0' is not a number from 1"));
	CHECK_INT(irsa_trust_limit_parse("2k", &limit, &err), -1);
	CHECK_INT(irsa_trust_limit_parse("", &limit, &err), -1);
}

/* Only an OIDC provider's ARN needs the account (render-trust-policy
 * renders --trust-role-arn alone with no request). */
TEST(trust_names_account)
{
	const char *roles[] = { "arn:aws:iam::111122223333:role/source" };
	const char *clusters[] = { "demo" }, *urls[] = { "https://oidc.example.com" };
	const char *pairs[] = { "apps:web" };
	struct irsa_trust_request req = { .trust_role_arns = roles, .n_trust_role_arns = 1 };
	struct irsa_trust_input in;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_trust_input_parse(&req, IRSA_NEED_ROLE_TRUST, &in, &err), 0);
	CHECK(!irsa_trust_input_names_account(&in));
	irsa_trust_input_release(&in);
	req.subjects = pairs;
	req.n_subjects = 1;
	req.clusters = clusters;
	req.n_clusters = 1;
	CHECK_INT(irsa_trust_input_parse(&req, IRSA_NEED_ROLE_TRUST, &in, &err), 0);
	CHECK(irsa_trust_input_names_account(&in));
	irsa_trust_input_release(&in);
	req.n_clusters = 0;
	req.issuer_urls = urls;
	req.n_issuer_urls = 1;
	CHECK_INT(irsa_trust_input_parse(&req, IRSA_NEED_ROLE_TRUST, &in, &err), 0);
	CHECK(irsa_trust_input_names_account(&in));
	irsa_trust_input_release(&in);
}

int main(void)
{
	RUN(account_helper);
	RUN(trust_missing_named_at_once);
	RUN(trust_subjects_and_values);
	RUN(create_role_values);
	RUN(trust_role_alone);
	RUN(create_role_managed_policies);
	RUN(trust_limit_parse);
	RUN(trust_names_account);
	return tap_done();
}
