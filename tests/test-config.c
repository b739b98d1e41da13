/* The shared config/credentials file parser (src/aws/credentials/config.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tmp-file.h"
#include "irsa/aws_config.h"
#include "irsa/strutil.h"

static char tmpdir[] = "/tmp/irsa-test-config-XXXXXX";

/* Load a config text and a credentials text (NULL = missing file). */
static int load(const char *config, const char *credentials, struct irsa_config **ret,
		struct irsa_error *err)
{
	char *cp = config ? tmp_file_write(tmpdir, "config", config)
			  : irsa_asprintf("%s/none-config", tmpdir);
	char *kp = credentials ? tmp_file_write(tmpdir, "credentials", credentials)
			       : irsa_asprintf("%s/none-credentials", tmpdir);
	int r;

	irsa_error_clear(err);
	r = irsa_config_load(cp, kp, ret, err);
	if (config)
		unlink(cp);
	if (credentials)
		unlink(kp);
	free(cp);
	free(kp);
	return r;
}

static const char *get(const struct irsa_config *c, const char *profile, const char *key)
{
	return irsa_profile_get(irsa_config_profile(c, profile), key);
}

/* A value of a profile after loading; key NULL: the profile does not
 * exist; want NULL: the key has no value. */
struct lookup {
	const char *profile, *key, *want;
};

/* A config text and a credentials text (NULL = missing file) that load,
 * and what their profiles then hold. */
struct parse_case {
	const char *name, *config, *credentials;
	struct lookup lookups[16];
};

static const struct parse_case parse_cases[] = {
	{ "sections_and_merge",
	  "[default]\n"
	  "region = us-west-2\n"
	  "aws_access_key_id = FROMCONFIG\n"
	  "[profile dev]\n"
	  "Region=eu-west-1\n"
	  "ROLE_ARN = arn:aws:iam::1:role/x\n"
	  "[sso-session corp]\n"
	  "sso_start_url = https://example.awsapps.com/start\n"
	  "[services local]\n"
	  "sts =\n"
	  "  endpoint_url = http://localhost:1\n"
	  "[plain]\n"
	  "region = ignored\n",
	  "[default]\n"
	  "aws_access_key_id = FROMCREDS\n"
	  "aws_secret_access_key = s3cr3t/+=\n"
	  "[other]\n"
	  "aws_access_key_id = OTHER\n",
	  {
		{ "default", "region", "us-west-2" },
		{ "default", "aws_access_key_id", "FROMCREDS" },
		{ "default", "aws_secret_access_key", "s3cr3t/+=" },
		{ "default", "AWS_SECRET_ACCESS_KEY", "s3cr3t/+=" },
		{ "dev", "region", "eu-west-1" },
		{ "dev", "role_arn", "arn:aws:iam::1:role/x" },
		{ "other", "aws_access_key_id", "OTHER" },
		{ "corp", NULL, NULL },
		{ "local", NULL, NULL },
		{ "plain", NULL, NULL },
		{ "sso-session corp", NULL, NULL },
		{ "dev", "sso_start_url", NULL },
	  } },
	{ "comments_whitespace_continuations",
	  "# a comment\n"
	  "; another\n"
	  "\n"
	  "[profile  spaced ]   # trailing comment\n"
	  "   region   =   ap-south-1   # inline\n"
	  "output = json ;inline too\n"
	  "hash = a#b\n"
	  "colon: value:with:colons\n"
	  "s3 =\n"
	  "  max_concurrent_requests = 10\n"
	  "  # nested comment\n"
	  "  max_queue_size = 1000\n"
	  "after = yes\n"
	  "multi = first\n"
	  "  second\n"
	  "\tthird # c\n"
	  "empty =\n"
	  "[profile \"quoted name\"]\n"
	  "region = us-east-2\r\n"
	  "credential_process = /bin/echo --x=1\n",
	  NULL,
	  {
		{ "spaced", "region", "ap-south-1" },
		{ "spaced", "output", "json" },
		{ "spaced", "hash", "a#b" },
		{ "spaced", "colon", "value:with:colons" },
		{ "spaced", "s3", NULL },
		{ "spaced", "max_concurrent_requests", NULL },
		{ "spaced", "max_queue_size", NULL },
		{ "spaced", "after", "yes" },
		{ "spaced", "multi", "first\nsecond\nthird" },
		{ "spaced", "empty", NULL },
		{ "quoted name", "region", "us-east-2" },
		{ "quoted name", "credential_process", "/bin/echo --x=1" },
	  } },
	{ "bom_crlf_and_repeats",
	  "\xef\xbb\xbf[default]\r\nregion = a\r\n[profile x]\r\nk = 1\r\n"
	  "[default]\r\nregion = b\r\nK = 2\r\n",
	  NULL,
	  {
		{ "default", "region", "b" },
		{ "default", "k", "2" },
		{ "x", "k", "1" },
	  } },
	{ "credentials_file_sections_are_literal",
	  "[profile ci]\nregion = r1\n",
	  "[ci]\naws_access_key_id = K\n[profile ci]\naws_access_key_id = P\n",
	  {
		{ "ci", "region", "r1" },
		{ "ci", "aws_access_key_id", "K" },
		{ "profile ci", "aws_access_key_id", "P" },
	  } },
};

static void check_lookup(const struct irsa_config *c, const struct lookup *l)
{
	const char *got = l->key ? get(c, l->profile, l->key) : NULL;

	if (l->want) {
		CHECK_STR(got, l->want);
		return;
	}
	CHECK(l->key ? got == NULL : irsa_config_profile(c, l->profile) == NULL);
	if (l->key ? got != NULL : irsa_config_profile(c, l->profile) != NULL) {
		tap_print_value("profile:", l->profile);
		tap_print_value("key:", l->key);
	}
}

static void check_parse(const struct parse_case *pc)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;

	CHECK_INT(load(pc->config, pc->credentials, &c, &err), 0);
	for (const struct lookup *l = pc->lookups; l->profile; l++)
		check_lookup(c, l);
	irsa_config_free(c);
}

TEST(files_apart_and_sso_sessions)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	const struct irsa_profile *p, *s;

	CHECK_INT(load("[default]\n"
		       "aws_access_key_id = FROMCONFIG\n"
		       "aws_secret_access_key = configSecret\n"
		       "region = us-west-2\n"
		       "empty =\n"
		       "[sso-session corp]\n"
		       "sso_start_url = https://example.awsapps.com/start\n"
		       "SSO_Region = eu-west-1\n"
		       "[sso-session  \"quoted\" ]\n"
		       "sso_region = us-east-1\n"
		       "[profile sso-session]\n"
		       "region = ap-south-1\n",
		       "[default]\n"
		       "aws_access_key_id = FROMCREDS\n"
		       "[sso-session corp]\n"
		       "region = literal\n",
		       &c, &err), 0);
	p = irsa_config_profile(c, "default");
	CHECK_STR(irsa_profile_get(p, "aws_access_key_id"), "FROMCREDS");
	CHECK_STR(irsa_profile_get_in(p, IRSA_CONFIG_FILE_CONFIG, "aws_access_key_id"),
		  "FROMCONFIG");
	CHECK_STR(irsa_profile_get_in(p, IRSA_CONFIG_FILE_CREDENTIALS, "aws_access_key_id"),
		  "FROMCREDS");
	CHECK_STR(irsa_profile_get(p, "aws_secret_access_key"), "configSecret");
	CHECK(irsa_profile_get_in(p, IRSA_CONFIG_FILE_CREDENTIALS, "aws_secret_access_key") ==
	      NULL);
	CHECK(irsa_profile_get_in(p, IRSA_CONFIG_FILE_CREDENTIALS, "region") == NULL);
	/* present though empty, as botocore's `key in profile` */
	CHECK(irsa_profile_get(p, "empty") == NULL);
	CHECK(irsa_profile_has(p, "empty"));
	CHECK(!irsa_profile_has(p, "absent"));
	CHECK(!irsa_profile_has(NULL, "empty"));

	s = irsa_config_sso_session(c, "corp");
	CHECK(s != NULL);
	CHECK_STR(irsa_profile_get(s, "sso_start_url"), "https://example.awsapps.com/start");
	CHECK_STR(irsa_profile_get(s, "sso_region"), "eu-west-1");
	CHECK_STR(irsa_profile_get(irsa_config_sso_session(c, "quoted"), "sso_region"),
		  "us-east-1");
	CHECK(irsa_config_sso_session(c, "default") == NULL);
	/* "[sso-session corp]" in the credentials file is a profile of that name */
	CHECK_STR(get(c, "sso-session corp", "region"), "literal");
	CHECK_STR(get(c, "sso-session", "region"), "ap-south-1");
	CHECK(irsa_profile_get(s, "region") == NULL);
	irsa_config_free(c);
}

TEST(missing_files)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	const char **names = NULL;

	CHECK_INT(load(NULL, NULL, &c, &err), 0);
	CHECK(irsa_config_profile(c, "default") == NULL);
	CHECK_INT(irsa_config_profile_names(c, &names), 0);
	free(names);
	irsa_config_free(c);
}

TEST(syntax_errors)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "[default\nregion = x\n", "line 1: section header has no closing ']'" },
		{ "[default]\nregion = x\nAKIASECRETLINE\n", "line 3: expected 'key = value' or '[section]'" },
		{ "region = x\n", "line 1: a key before the first [section]" },
		{ "\n\n[ ]\n", "line 3: empty section name" },
		{ "[default]\n = value\n", "line 2: a value without a key" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct irsa_config *c = NULL;
		struct irsa_error err;
		char *want;

		CHECK_INT(load(cases[i].text, NULL, &c, &err), -1);
		CHECK(c == NULL);
		CHECK_INT(err.kind, IRSA_ERR_USAGE);
		want = irsa_asprintf("'%s/config' %s", tmpdir, cases[i].message);
		CHECK_STR(err.message, want);
		CHECK(strstr(err.message, "AKIASECRET") == NULL);
		free(want);
	}
}

TEST(error_in_credentials_file_names_it)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	char *want;

	CHECK_INT(load("[default]\n", "[a]\nx = 1\n[b\n", &c, &err), -1);
	want = irsa_asprintf("'%s/credentials' line 3: section header has no closing ']'", tmpdir);
	CHECK_STR(err.message, want);
	free(want);
}

TEST(size_limit)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	size_t n = 1024 * 1024 + 10;
	char *big = malloc(n + 1);

	memset(big, '#', n);
	big[n] = '\0';
	CHECK_INT(load(big, NULL, &c, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "larger than") != NULL);
	free(big);
}

TEST(binary_file)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	char *path = irsa_asprintf("%s/config", tmpdir);
	char *none = irsa_asprintf("%s/none", tmpdir);
	FILE *f = fopen(path, "w");

	fwrite("[default]\n\0x", 1, 12, f);
	fclose(f);
	irsa_error_clear(&err);
	CHECK_INT(irsa_config_load(path, none, &c, &err), -1);
	CHECK(strstr(err.message, "is not a text file") != NULL);
	unlink(path);
	free(path);
	free(none);
}

TEST(unreadable_file)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	char *none = irsa_asprintf("%s/none", tmpdir);

	/* a directory where the file should be */
	irsa_error_clear(&err);
	CHECK_INT(irsa_config_load(tmpdir, none, &c, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, tmpdir) != NULL);
	free(none);
}

TEST(profile_names_and_require)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	const char **names = NULL;
	size_t n;

	CHECK_INT(load("[profile zeta]\n[default]\n[profile alpha]\n[sso-session s]\n",
		       "[beta]\nk = v\n[alpha]\nk = v\n", &c, &err), 0);
	n = irsa_config_profile_names(c, &names);
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_STR(names[0], "alpha");
		CHECK_STR(names[1], "beta");
		CHECK_STR(names[2], "default");
		CHECK_STR(names[3], "zeta");
	}
	free(names);
	CHECK_INT(irsa_config_require_profile(c, "beta", &err), 0);
	CHECK_INT(irsa_config_require_profile(c, "nope", &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	{
		char *want = irsa_asprintf("profile 'nope' not found in '%s/config' or "
					   "'%s/credentials'; known profiles: alpha, beta, "
					   "default, zeta", tmpdir, tmpdir);

		CHECK_STR(err.message, want);
		free(want);
	}
	irsa_config_free(c);
}

TEST(default_paths_from_environment)
{
	struct irsa_config *c = NULL;
	struct irsa_error err;
	char *cp = tmp_file_write(tmpdir, "env-config", "[profile fromenv]\nregion = x\n");

	setenv("AWS_CONFIG_FILE", cp, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/irsa/credentials", 1);
	irsa_error_clear(&err);
	CHECK_INT(irsa_config_load(NULL, "", &c, &err), 0);
	CHECK_STR(get(c, "fromenv", "region"), "x");
	CHECK_STR(irsa_config_path(c), cp);
	CHECK_STR(irsa_config_credentials_path(c), "/nonexistent/irsa/credentials");
	irsa_config_free(c);

	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	setenv("HOME", tmpdir, 1);
	CHECK_INT(irsa_config_load(NULL, NULL, &c, &err), 0);
	CHECK_STR(irsa_config_path(c), "~/.aws/config");
	CHECK_STR(irsa_config_credentials_path(c), "~/.aws/credentials");
	CHECK_INT(irsa_config_require_profile(c, "x", &err), -1);
	CHECK_STR(err.message, "profile 'x' not found in '~/.aws/config' or "
			       "'~/.aws/credentials'; no profiles are defined");
	irsa_config_free(c);
	unlink(cp);
	free(cp);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN_TABLE(parse_cases, check_parse);
	RUN(files_apart_and_sso_sessions);
	RUN(missing_files);
	RUN(syntax_errors);
	RUN(error_in_credentials_file_names_it);
	RUN(size_limit);
	RUN(binary_file);
	RUN(unreadable_file);
	RUN(profile_names_and_require);
	RUN(default_paths_from_environment);
	rmdir(tmpdir);
	return tap_done();
}
