/* Requests (irsa/request.h), the parts that need no network: the account
 * helper's cache, validating trust flags (everything missing named at
 * once) and create-role's values, templates and policy files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "irsa/request.h"

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

int main(void)
{
	RUN(account_helper);
	RUN(trust_missing_named_at_once);
	RUN(trust_subjects_and_values);
	RUN(create_role_values);
	return tap_done();
}
