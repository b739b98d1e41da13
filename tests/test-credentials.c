/* The credential providers and the chain (src/aws/credentials/).
 *
 * The session gets an injected getenv and clock; STS, the container
 * endpoint and IMDS are a small HTTP server on loopback in a thread that
 * answers canned responses and records every request, so tests can check
 * what was sent and that nothing was sent when nothing was needed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <libxml/parser.h>

#include "tap.h"
#include "tmp-file.h"
#include "irsa/aws.h"
#include "irsa/buf.h"
#include "irsa/credentials.h"
#include "irsa/fileutil.h"
#include "irsa/strutil.h"
#include "src/aws/credentials/providers.h"

#define NOW 1700000000

static char tmpdir[] = "/tmp/irsa-test-credentials-XXXXXX";

/* --- a fake HTTP server --- */

struct route {
	const char *method;
	const char *path;   /* exact path, query ignored */
	int status;
	const char *body;
};

static struct fake {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t lock;
	const struct route *routes;
	size_t n_routes;
	struct irsa_buf log; /* every request, separated by "\n----\n" */
	int requests;
	int stop;
} fake = { .fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static void fake_answer(int c, const char *req, size_t len)
{
	char method[16] = "", path[1024] = "";
	const struct route *route = NULL;
	char head[256];
	const char *body = "not found";
	int status = 404;

	sscanf(req, "%15s %1023s", method, path);
	path[strcspn(path, "?")] = '\0';
	pthread_mutex_lock(&fake.lock);
	irsa_buf_append(&fake.log, req, len);
	irsa_buf_puts(&fake.log, "\n----\n");
	fake.requests++;
	for (size_t i = 0; i < fake.n_routes && !route; i++)
		if (strcmp(fake.routes[i].method, method) == 0 &&
		    strcmp(fake.routes[i].path, path) == 0)
			route = &fake.routes[i];
	pthread_mutex_unlock(&fake.lock);
	if (route) {
		status = route->status;
		body = route->body;
	}
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\n"
		 "Connection: close\r\n\r\n", status, strlen(body));
	if (write(c, head, strlen(head)) < 0 || write(c, body, strlen(body)) < 0)
		return;
}

static void fake_serve(int c)
{
	struct irsa_buf req = IRSA_BUF_INIT;
	char chunk[4096];
	size_t want = 0;

	for (;;) {
		const char *end = strstr(irsa_buf_str(&req), "\r\n\r\n");
		ssize_t n;

		if (end && !want) {
			const char *cl = strcasestr(irsa_buf_str(&req), "\r\ncontent-length:");
			size_t head = (size_t)(end + 4 - req.data);

			want = head + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (want && req.len >= want)
			break;
		n = read(c, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		irsa_buf_append(&req, chunk, (size_t)n);
	}
	if (req.len)
		fake_answer(c, req.data, req.len);
	irsa_buf_release(&req);
	close(c);
}

static void *fake_main(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&fake.stop, __ATOMIC_SEQ_CST)) {
		struct pollfd p = { .fd = fake.fd, .events = POLLIN };
		int c;

		if (poll(&p, 1, 20) <= 0)
			continue;
		c = accept(fake.fd, NULL, NULL);
		if (c >= 0)
			fake_serve(c);
	}
	return NULL;
}

static void fake_start(const struct route *routes, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fake.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fake.fd < 0 || bind(fake.fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fake.fd, 16) < 0 || getsockname(fake.fd, (struct sockaddr *)&a, &alen) < 0) {
		perror("fake server");
		exit(1);
	}
	fake.port = ntohs(a.sin_port);
	fake.routes = routes;
	fake.n_routes = n;
	fake.requests = 0;
	fake.stop = 0;
	irsa_buf_reset(&fake.log);
	pthread_create(&fake.thread, NULL, fake_main, NULL);
}

static void fake_stop(void)
{
	__atomic_store_n(&fake.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(fake.thread, NULL);
	close(fake.fd);
	fake.fd = -1;
}

static char *fake_url(const char *path)
{
	return irsa_asprintf("http://127.0.0.1:%d%s", fake.port, path);
}

/* --- the injected environment --- */

static struct {
	char *name[48];
	char *value[48];
	size_t n;
} env;

static const char *fake_getenv(const char *name)
{
	for (size_t i = 0; i < env.n; i++)
		if (strcmp(env.name[i], name) == 0)
			return env.value[i];
	return NULL;
}

static time_t fake_now(void)
{
	return NOW;
}

static void fake_sleep(long ms)
{
	(void)ms;
}

static void env_set(const char *name, const char *value)
{
	for (size_t i = 0; i < env.n; i++) {
		if (strcmp(env.name[i], name) == 0) {
			free(env.value[i]);
			env.value[i] = irsa_strdup(value);
			return;
		}
	}
	env.name[env.n] = irsa_strdup(name);
	env.value[env.n++] = irsa_strdup(value);
}

static void env_clear(void)
{
	for (size_t i = 0; i < env.n; i++) {
		free(env.name[i]);
		free(env.value[i]);
	}
	env.n = 0;
}

static char *tmp_path(const char *name)
{
	return irsa_asprintf("%s/%s", tmpdir, name);
}

static void write_file(const char *name, const char *text)
{
	free(tmp_file_write(tmpdir, name, text));
}

/* A fresh world: the given config files, a fake server with routes
 * (STS, container and IMDS all on it), IMDS off unless a test turns it
 * on. The session reads the file paths from the process environment. */
static void setup(const char *config, const char *credentials, const struct route *routes,
		  size_t n_routes)
{
	char *cp = tmp_path("config"), *kp = tmp_path("credentials"), *url;

	env_clear();
	write_file("config", config ? config : "");
	write_file("credentials", credentials ? credentials : "");
	setenv("AWS_CONFIG_FILE", cp, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", kp, 1);
	env_set("AWS_CONFIG_FILE", cp);
	env_set("AWS_SHARED_CREDENTIALS_FILE", kp);
	env_set("HOME", tmpdir);
	env_set("AWS_EC2_METADATA_DISABLED", "true");
	env_set("AWS_MAX_ATTEMPTS", "1");
	env_set("IRSACTL_RETRY_BASE_DELAY_MS", "0");
	fake_start(routes, n_routes);
	url = fake_url("");
	env_set("AWS_ENDPOINT_URL", url);
	free(url);
	free(cp);
	free(kp);
}

static void teardown(void)
{
	fake_stop();
	env_clear();
}

static const struct irsa_env_ops ops = { fake_getenv, fake_now, fake_sleep };

/* Resolve with --profile = flag (may be NULL). */
static int resolve(const char *flag, struct irsa_credentials **ret, struct irsa_error *err)
{
	struct irsa_aws_options opts = { .profile = flag, .region = "us-east-1", .ops = &ops };
	struct irsa_aws *aws = NULL;
	const struct irsa_credentials *borrowed;
	int r;

	*ret = NULL;
	irsa_error_clear(err);
	if (irsa_aws_new(&opts, &aws, err) < 0)
		return -1;
	r = irsa_aws_credentials(aws, &borrowed, err);
	if (r == 0)
		*ret = irsa_credentials_dup(borrowed);
	irsa_aws_free(aws);
	return r;
}

/* Resolving with --profile flag succeeds, with credentials from this
 * provider with this key ID (NULL: not checked); they are returned for
 * the caller's further checks (free them). */
static struct irsa_credentials *resolves_to(const char *flag, const char *provider,
					    const char *access_key_id)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;

	CHECK_INT(resolve(flag, &c, &err), 0);
	if (!c) {
		tap_print_value("error:", err.message);
		return irsa_credentials_new("", "", NULL, 0, "(failed)");
	}
	if (provider)
		CHECK_STR(c->provider, provider);
	if (access_key_id)
		CHECK_STR(c->access_key_id, access_key_id);
	return c;
}

/* Resolving with --profile flag fails with this kind of error, in *err
 * for the caller's further checks. */
static void refused(const char *flag, enum irsa_error_kind kind, struct irsa_error *err)
{
	struct irsa_credentials *c = NULL;

	CHECK_INT(resolve(flag, &c, err), -1);
	CHECK_INT(err->kind, kind);
	irsa_credentials_free(c);
}

static bool logged(const char *s)
{
	return strstr(irsa_buf_str(&fake.log), s) != NULL;
}

#define STS_OK \
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">" \
	"<AssumeRoleResult><Credentials><AccessKeyId>ASIAROLEKEY</AccessKeyId>" \
	"<SecretAccessKey>roleSecretKey</SecretAccessKey><SessionToken>roleSessionToken" \
	"</SessionToken><Expiration>2030-01-02T03:04:05Z</Expiration></Credentials>" \
	"</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>" \
	"</AssumeRoleResponse>"

static const struct route sts_routes[] = {
	{ "POST", "/", 200, STS_OK },
};

/* --- pure pieces --- */

TEST(credentials_object)
{
	struct irsa_credentials *c = irsa_credentials_new("AK", "SK", NULL, 5, "environment");
	struct irsa_credentials *d = irsa_credentials_dup(c);

	CHECK_STR(d->access_key_id, "AK");
	CHECK_STR(d->secret_access_key, "SK");
	CHECK(d->session_token == NULL);
	CHECK_INT(d->expiration, 5);
	CHECK_STR(d->provider, "environment");
	CHECK(d->access_key_id != c->access_key_id);
	CHECK(irsa_credentials_free(c) == NULL);
	irsa_credentials_free(d);
	CHECK(irsa_credentials_free(NULL) == NULL);
	CHECK(irsa_credentials_dup(NULL) == NULL);
}

TEST(iso8601)
{
	static const struct {
		const char *s;
		long long t; /* -1 = invalid */
	} cases[] = {
		{ "2030-01-02T03:04:05Z", 1893553445 },
		{ "2030-01-02T03:04:05.123Z", 1893553445 },
		{ "2030-01-02T05:04:05+02:00", 1893553445 },
		{ "2030-01-02T01:34:05-0130", 1893553445 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2030-01-02T03:04:05", -1 },
		{ "2030-01-02 03:04", -1 },
		{ "2030-13-02T03:04:05Z", -1 },
		{ "2030-01-02T03:04:05Zjunk", -1 },
		{ "", -1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		time_t t = 0;
		int r = irsa_parse_iso8601(cases[i].s, &t);

		if (cases[i].t < 0) {
			CHECK_INT(r, -1);
		} else {
			CHECK_INT(r, 0);
			CHECK_INT(t, cases[i].t);
		}
	}
	CHECK_INT(irsa_parse_iso8601(NULL, NULL), -1);
}

TEST(process_output)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	static const struct {
		const char *json;
		const char *message; /* NULL = valid */
	} cases[] = {
		{ "{\"Version\": 1, \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": \"topSecretValue\"}",
		  NULL },
		{ "{\"Version\": 1, \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": \"topSecretValue\",",
		  "credential_process for profile 'p' printed malformed JSON (line 1, column 73)" },
		{ "topSecretValue", "credential_process for profile 'p' printed malformed JSON "
		  "(line 1, column 14)" },
		{ "", "credential_process for profile 'p' printed malformed JSON (line 1, column 0)" },
		{ "[\"topSecretValue\"]",
		  "credential_process for profile 'p' printed JSON that is not an object" },
		{ "{\"Version\": 2, \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": \"topSecretValue\"}",
		  "credential_process for profile 'p' printed no \"Version\": 1 (the only supported "
		  "version)" },
		{ "{\"Version\": \"1\", \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": \"x\"}",
		  "credential_process for profile 'p' printed no \"Version\": 1 (the only supported "
		  "version)" },
		{ "{\"Version\": 1, \"SecretAccessKey\": \"topSecretValue\"}",
		  "credential_process for profile 'p' returned no 'AccessKeyId'" },
		{ "{\"Version\": 1, \"AccessKeyId\": \"AKP\"}",
		  "credential_process for profile 'p' returned no 'SecretAccessKey'" },
		{ "{\"Version\": 1, \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": 7}",
		  "credential_process for profile 'p' returned a non-string AccessKeyId, "
		  "SecretAccessKey, SessionToken or Expiration" },
		{ "{\"Version\": 1, \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": \"s\", "
		  "\"Expiration\": \"tomorrow\"}",
		  "credential_process for profile 'p' returned an invalid 'Expiration' (want ISO "
		  "8601 such as '2030-01-02T03:04:05Z')" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r;

		irsa_error_clear(&err);
		r = irsa_cred_process_parse("p", cases[i].json, strlen(cases[i].json), &c, &err);
		if (!cases[i].message) {
			CHECK_INT(r, 0);
			if (r == 0) {
				CHECK_STR(c->access_key_id, "AKP");
				CHECK_STR(c->provider, "credential-process");
				CHECK(c->session_token == NULL);
				CHECK_INT(c->expiration, 0);
			}
			c = irsa_credentials_free(c);
			continue;
		}
		CHECK_INT(r, -1);
		CHECK_INT(err.kind, IRSA_ERR_AUTH);
		CHECK_STR(err.message, cases[i].message);
		CHECK(strstr(err.message, "topSecretValue") == NULL);
		/* nothing of the output is quoted, not even the bad Expiration */
		CHECK(strstr(err.message, "tomorrow") == NULL);
	}

	irsa_error_clear(&err);
	{
		const char *j = "{\"Version\": 1, \"AccessKeyId\": \"AKP\", \"SecretAccessKey\": "
				"\"s\", \"SessionToken\": \"tok\", \"Expiration\": "
				"\"2030-01-02T03:04:05Z\"}\n";

		CHECK_INT(irsa_cred_process_parse("p", j, strlen(j), &c, &err), 0);
		CHECK_STR(c->session_token, "tok");
		CHECK_INT(c->expiration, 1893553445);
		irsa_credentials_free(c);
	}
}

TEST(container_url_rules)
{
	static const struct {
		const char *url;
		bool ok;
	} cases[] = {
		{ "https://example.com/creds", true },
		{ "https://10.0.0.1:8443/creds", true },
		{ "http://127.0.0.1/creds", true },
		{ "http://127.0.0.1:8080/v2/credentials/x", true },
		{ "http://127.1.2.3/creds", true },
		{ "http://localhost:51679/creds", true },
		{ "http://LOCALHOST/creds", true },
		{ "http://[::1]:80/creds", true },
		{ "http://[0:0:0:0:0:0:0:1]/creds", true },
		{ "http://169.254.170.2/v2/credentials/x", true },
		{ "http://169.254.170.23/v1/credentials", true },
		{ "http://[fd00:ec2::23]/v1/credentials", true },
		{ "http://169.254.170.3/creds", false },
		{ "http://169.254.169.254/creds", false },
		{ "http://example.com/creds", false },
		{ "http://128.0.0.1/creds", false },
		{ "http://localhost.example.com/creds", false },
		{ "http://127.0.0.1.nip.io/creds", false },
		{ "http://[fd00:ec2::24]/creds", false },
		{ "http://[::2]/creds", false },
		{ "ftp://127.0.0.1/creds", false },
		{ "file:///etc/passwd", false },
		{ "127.0.0.1/creds", false },
		{ "", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bool got = irsa_cred_container_url_allowed(cases[i].url);

		if (got != cases[i].ok) {
			printf("#   %s: got %d, want %d\n", cases[i].url, got, cases[i].ok);
			tap_case_failed = 1;
		}
	}
}

TEST(sts_answer)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	xmlDoc *doc;
	const char *bad = "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			  "<AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult>"
			  "</AssumeRoleResponse>";

	doc = xmlReadMemory(STS_OK, (int)strlen(STS_OK), NULL, NULL, XML_PARSE_NONET);
	CHECK_INT(irsa_cred_sts_parse(doc, "x", "assume-role", &c, &err), 0);
	CHECK_STR(c->access_key_id, "ASIAROLEKEY");
	CHECK_STR(c->secret_access_key, "roleSecretKey");
	CHECK_STR(c->session_token, "roleSessionToken");
	CHECK_INT(c->expiration, 1893553445);
	CHECK_STR(c->provider, "assume-role");
	irsa_credentials_free(c);
	xmlFreeDoc(doc);

	doc = xmlReadMemory(bad, (int)strlen(bad), NULL, NULL, XML_PARSE_NONET);
	CHECK_INT(irsa_cred_sts_parse(doc, "profile 'a' cannot assume role 'r'", "assume-role",
				      &c, &err), -1);
	CHECK_STR(err.message, "profile 'a' cannot assume role 'r': the STS answer lacks "
			       "AccessKeyId, SecretAccessKey or SessionToken");
	xmlFreeDoc(doc);
	doc = xmlReadMemory("<X/>", 4, NULL, NULL, XML_PARSE_NONET);
	CHECK_INT(irsa_cred_sts_parse(doc, "w", "web-identity", &c, &err), -1);
	CHECK_STR(err.message, "w: the STS answer has no Credentials");
	xmlFreeDoc(doc);
}

/* --- the chain, provider by provider --- */

TEST(environment)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;

	setup("[default]\n", "[default]\naws_access_key_id = AKPROFILE\n"
			     "aws_secret_access_key = profileSecret\n"
			     "[dev]\naws_access_key_id = AKDEV\naws_secret_access_key = devSecret\n",
	      NULL, 0);
	env_set("AWS_ACCESS_KEY_ID", "AKENV");
	env_set("AWS_SECRET_ACCESS_KEY", "envSecret");
	env_set("AWS_SESSION_TOKEN", "envToken");
	c = resolves_to(NULL, "environment", "AKENV");
	CHECK_STR(c->secret_access_key, "envSecret");
	CHECK_STR(c->session_token, "envToken");
	c = irsa_credentials_free(c);
	/* botocore reads AWS_SECURITY_TOKEN first */
	env_set("AWS_SECURITY_TOKEN", "securityToken");
	CHECK_INT(resolve(NULL, &c, &err), 0);
	CHECK_STR(c->session_token, "securityToken");
	c = irsa_credentials_free(c);
	env_set("AWS_SECURITY_TOKEN", "");

	/* --profile wins over the environment keys */
	c = resolves_to("dev", "profile", "AKDEV");
	CHECK(c->session_token == NULL);
	c = irsa_credentials_free(c);

	/* half of a key pair is a mistake, not "no credentials" */
	env_set("AWS_SECRET_ACCESS_KEY", "");
	refused(NULL, IRSA_ERR_USAGE, &err);
	CHECK_STR(err.message, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set "
			       "both or neither");
	CHECK_INT(fake.requests, 0);
	teardown();
}

TEST(static_profile)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;

	/* each file's keys are read on their own, as botocore's
	 * shared-credentials and config-file providers read them: a secret
	 * in the credentials file does not complete the config file's key */
	setup("[profile cfg]\naws_access_key_id = AKCFG\naws_secret_access_key = cfgSecret\n"
	      "aws_session_token = cfgToken\n"
	      "[profile half]\naws_access_key_id = AKHALF\n"
	      "[profile both]\naws_access_key_id = AKCONFIG\naws_secret_access_key = configSecret\n",
	      "[cfg]\naws_secret_access_key = credsFileSecretAlone\n"
	      "[both]\naws_access_key_id = AKCREDSFILE\naws_secret_access_key = credsSecret\n"
	      "aws_session_token = sessionToken\naws_security_token = legacyToken\n", NULL, 0);
	c = resolves_to("cfg", "profile", "AKCFG");
	CHECK_STR(c->secret_access_key, "cfgSecret");
	CHECK_STR(c->session_token, "cfgToken");
	c = irsa_credentials_free(c);

	/* the credentials file wins; aws_security_token before aws_session_token */
	c = resolves_to("both", NULL, "AKCREDSFILE");
	CHECK_STR(c->secret_access_key, "credsSecret");
	CHECK_STR(c->session_token, "legacyToken");
	c = irsa_credentials_free(c);

	CHECK_INT(resolve("half", &c, &err), -1);
	CHECK_STR(err.message, "profile 'half' has aws_access_key_id but no aws_secret_access_key "
			       "in the config file");
	CHECK_INT(fake.requests, 0);
	teardown();
}

TEST(no_credentials)
{
	struct irsa_error err;
	char *want;

	setup("[default]\nregion = eu-west-1\n", NULL, NULL, 0);
	refused(NULL, IRSA_ERR_AUTH, &err);
	want = irsa_asprintf("no AWS credentials found (tried the environment, profile 'default' "
			     "in '%s/config' and '%s/credentials', web identity, SSO, container "
			     "and instance metadata); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
			     "or choose a profile with --profile", tmpdir, tmpdir);
	CHECK_STR(err.message, want);
	free(want);
	CHECK_INT(fake.requests, 0);
	teardown();
}

TEST(unknown_profile)
{
	struct irsa_error err;

	setup("[profile a]\n[profile b]\n", NULL, NULL, 0);
	refused("nope", IRSA_ERR_USAGE, &err);
	CHECK(strstr(err.message, "profile 'nope'") != NULL);
	CHECK(strstr(err.message, "not found") != NULL);
	CHECK(strstr(err.message, "a, b") != NULL);
	env_set("AWS_PROFILE", "alsonope");
	refused(NULL, IRSA_ERR_USAGE, &err);
	CHECK(strstr(err.message, "profile 'alsonope'") != NULL);
	CHECK_INT(fake.requests, 0);
	teardown();
}

TEST(profile_precedence)
{
	struct irsa_credentials *c = NULL;

	setup("[profile proc]\n"
	      "credential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKPROC\","
	      "\"SecretAccessKey\":\"procSecret\"}'\n"
	      "aws_access_key_id = AKSTATIC\naws_secret_access_key = staticSecret\n"
	      "[profile role]\n"
	      "role_arn = arn:aws:iam::111122223333:role/r\nsource_profile = proc\n"
	      "aws_access_key_id = AKIGNORED\naws_secret_access_key = ignoredSecret\n"
	      "credential_process = false\n",
	      NULL, sts_routes, ARRAY_SIZE(sts_routes));
	c = resolves_to("proc", "credential-process", "AKPROC");
	c = irsa_credentials_free(c);
	CHECK_INT(fake.requests, 0);

	/* role_arn first; the source profile's credential_process signs */
	c = resolves_to("role", "assume-role", "ASIAROLEKEY");
	CHECK_STR(c->session_token, "roleSessionToken");
	CHECK_INT(c->expiration, 1893553445);
	CHECK_INT(fake.requests, 1);
	CHECK(logged("Credential=AKPROC/"));
	CHECK(logged("Action=AssumeRole&"));
	CHECK(logged("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr"));
	CHECK(logged("RoleSessionName=irsactl-1700000000"));
	irsa_credentials_free(c);
	teardown();
}

TEST(credential_process_runs)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;

	setup("[profile ok]\n"
	      "credential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"AKOK\", "
	      "\"SecretAccessKey\": \"okSecret\", \"SessionToken\": \"okToken\", "
	      "\"Expiration\": \"2030-01-02T03:04:05Z\"}'; echo 'progress' >&2\n"
	      "[profile fails]\n"
	      "credential_process = echo '{\"Version\": 1}'; exit 3\n"
	      "[profile garbage]\n"
	      "credential_process = echo 'AKIA topSecretValue'\n"
	      "[profile huge]\n"
	      "credential_process = head -c 70000 /dev/zero | tr '\\\\0' x\n"
	      "[profile killed]\n"
	      "credential_process = kill -TERM $$\n"
	      "[profile missing]\n"
	      "credential_process = /nonexistent/irsa-helper\n"
	      "[profile slow]\n"
	      "credential_process = sleep 30\n",
	      NULL, NULL, 0);
	c = resolves_to("ok", "credential-process", "AKOK");
	CHECK_STR(c->session_token, "okToken");
	CHECK_INT(c->expiration, 1893553445);
	c = irsa_credentials_free(c);

	refused("fails", IRSA_ERR_AUTH, &err);
	CHECK_STR(err.message, "credential_process for profile 'fails' failed with exit status 3");
	CHECK_INT(resolve("garbage", &c, &err), -1);
	CHECK_STR(err.message, "credential_process for profile 'garbage' printed malformed JSON "
			       "(line 1, column 4)");
	CHECK_INT(resolve("huge", &c, &err), -1);
	CHECK_STR(err.message, "credential_process for profile 'huge' printed more than 65536 "
			       "bytes");
	CHECK_INT(resolve("killed", &c, &err), -1);
	CHECK_STR(err.message, "credential_process for profile 'killed' was killed by signal 15");
	CHECK_INT(resolve("missing", &c, &err), -1);
	CHECK_STR(err.message, "credential_process for profile 'missing' failed with exit "
			       "status 127");
	env_set("IRSACTL_CREDENTIAL_PROCESS_TIMEOUT_MS", "300");
	{
		time_t start = time(NULL);

		refused("slow", IRSA_ERR_AUTH, &err);
		CHECK_STR(err.message, "credential_process for profile 'slow' did not finish "
				       "within 0.3 seconds");
		CHECK(time(NULL) - start < 10);
	}
	CHECK_INT(fake.requests, 0);
	teardown();
}

TEST(source_profile_errors)
{
	static const struct {
		const char *profile;
		enum irsa_error_kind kind;
		const char *message;
	} cases[] = {
		{ "a", IRSA_ERR_USAGE, "profile 'a' has a source_profile loop: a -> b -> a" },
		{ "b", IRSA_ERR_USAGE, "profile 'b' has a source_profile loop: b -> a -> b" },
		{ "x", IRSA_ERR_USAGE, "profile 'x' has a source_profile loop: x -> y -> z -> y" },
		{ "me", IRSA_ERR_USAGE, "profile 'me' has a source_profile loop: me -> me" },
		{ "ci", IRSA_ERR_USAGE, "profile 'ci' assumes role 'arn:aws:iam::1:role/ci' from "
					"source_profile 'base', which has no credentials" },
		{ "deep", IRSA_ERR_USAGE, "profile 'ci' assumes role 'arn:aws:iam::1:role/ci' from "
					  "source_profile 'base', which has no credentials" },
		{ "lost", IRSA_ERR_USAGE, NULL },
		{ "both", IRSA_ERR_USAGE, "profile 'both' has both source_profile and "
					  "credential_source; keep one" },
		{ "neither", IRSA_ERR_USAGE, "profile 'neither' has role_arn but neither "
					     "source_profile nor credential_source" },
		{ "weird", IRSA_ERR_USAGE, "profile 'weird' has an unknown credential_source 'Moon'; "
					   "use Environment, Ec2InstanceMetadata or EcsContainer" },
		{ "mfa", IRSA_ERR_USAGE, "profile 'mfa' needs an MFA code (mfa_serial), which "
					 "irsactl cannot prompt for; use a profile with credentials "
					 "that need no MFA" },
		{ "dur", IRSA_ERR_USAGE, "profile 'dur' has duration_seconds '60'; use a number of "
					 "seconds from 900 to 43200" },
		{ "envsrc", IRSA_ERR_AUTH, "profile 'envsrc' assumes role 'arn:aws:iam::1:role/e' "
					   "with credential_source Environment, but "
					   "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set" },
		{ "ecssrc", IRSA_ERR_AUTH, "profile 'ecssrc' assumes role 'arn:aws:iam::1:role/e' "
					   "with credential_source EcsContainer, but "
					   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
					   "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set" },
		{ "imdssrc", IRSA_ERR_USAGE, "profile 'imdssrc' (credential_source "
					     "Ec2InstanceMetadata): instance metadata is disabled by "
					     "AWS_EC2_METADATA_DISABLED" },
		{ "webnorole", IRSA_ERR_USAGE, "profile 'webnorole' has web_identity_token_file but "
					       "no role_arn" },
		{ "sso", IRSA_ERR_USAGE, "profile 'sso' is configured for SSO but lacks "
					 "sso_role_name, sso_start_url, sso_region; run 'aws "
					 "configure sso --profile sso'" },
		{ "badsession", IRSA_ERR_USAGE, "profile 'badsession' has role_session_name "
						"'ci job/1', which STS refuses; use 2 to 64 letters, "
						"digits or any of _+=,.@-" },
		{ "longsession", IRSA_ERR_USAGE, "profile 'longsession' has role_session_name "
						 "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
						 "aaaaaaaaaaa', which STS refuses; use 2 to 64 "
						 "letters, digits or any of _+=,.@-" },
		{ "utf8session", IRSA_ERR_USAGE, "profile 'utf8session' has a role_session_name "
						 "that STS refuses; use 2 to 64 letters, digits or "
						 "any of _+=,.@-" },
	};

	setup("[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
	      "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n"
	      "[profile x]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = y\n"
	      "[profile y]\nrole_arn = arn:aws:iam::1:role/y\nsource_profile = z\n"
	      "[profile z]\nrole_arn = arn:aws:iam::1:role/z\nsource_profile = y\n"
	      "[profile me]\nrole_arn = arn:aws:iam::1:role/me\nsource_profile = me\n"
	      "[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\nsource_profile = base\n"
	      "[profile base]\nregion = us-east-1\n"
	      "[profile deep]\nrole_arn = arn:aws:iam::1:role/deep\nsource_profile = ci\n"
	      "[profile lost]\nrole_arn = arn:aws:iam::1:role/l\nsource_profile = ghost\n"
	      "[profile both]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = base\n"
	      "credential_source = Environment\n"
	      "[profile neither]\nrole_arn = arn:aws:iam::1:role/n\n"
	      "[profile weird]\nrole_arn = arn:aws:iam::1:role/w\ncredential_source = Moon\n"
	      "[profile mfa]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = base\n"
	      "mfa_serial = arn:aws:iam::1:mfa/me\n"
	      "[profile dur]\nrole_arn = arn:aws:iam::1:role/d\ncredential_source = Environment\n"
	      "duration_seconds = 60\n"
	      "[profile envsrc]\nrole_arn = arn:aws:iam::1:role/e\n"
	      "credential_source = Environment\n"
	      "[profile ecssrc]\nrole_arn = arn:aws:iam::1:role/e\n"
	      "credential_source = EcsContainer\n"
	      "[profile imdssrc]\nrole_arn = arn:aws:iam::1:role/e\n"
	      "credential_source = Ec2InstanceMetadata\n"
	      "[profile webnorole]\nweb_identity_token_file = /nonexistent\n"
	      "[profile sso]\nsso_account_id = 1\n"
	      "[profile badsession]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = base2\n"
	      "role_session_name = ci job/1\n"
	      "[profile longsession]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = base2\n"
	      "role_session_name = " "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	      "[profile utf8session]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = base2\n"
	      "role_session_name = caf\xc3\xa9\n"
	      "[profile base2]\naws_access_key_id = AKB\naws_secret_access_key = b2\n",
	      NULL, sts_routes, ARRAY_SIZE(sts_routes));
	env_set("AWS_ACCESS_KEY_ID", "AKENVIGNORED");
	env_set("AWS_SECRET_ACCESS_KEY", "envSecretIgnored");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct irsa_credentials *c = NULL;
		struct irsa_error err;

		if (strcmp(cases[i].profile, "envsrc") == 0) {
			env_set("AWS_ACCESS_KEY_ID", "");
			env_set("AWS_SECRET_ACCESS_KEY", "");
		}
		CHECK_INT(resolve(cases[i].profile, &c, &err), -1);
		CHECK(c == NULL);
		if (err.kind != cases[i].kind)
			printf("#   profile %s: kind %d\n", cases[i].profile, err.kind);
		CHECK_INT(err.kind, cases[i].kind);
		if (cases[i].message)
			CHECK_STR(err.message, cases[i].message);
		else
			CHECK(strstr(err.message, "profile 'lost' has source_profile 'ghost', which "
						  "is not in") != NULL);
	}
	CHECK_INT(fake.requests, 0);
	teardown();
}

TEST(assume_role_chain)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;

	setup("[profile top]\nrole_arn = arn:aws:iam::1:role/top\nsource_profile = mid\n"
	      "role_session_name = my-session\nduration_seconds = 3600\nexternal_id = ext-1\n"
	      "[profile mid]\nrole_arn = arn:aws:iam::1:role/mid\nsource_profile = base\n",
	      "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = baseSecret\n",
	      sts_routes, ARRAY_SIZE(sts_routes));
	c = resolves_to("top", "assume-role", NULL);
	CHECK_INT(fake.requests, 2);
	/* mid's role with base's keys first, then top's with mid's session */
	CHECK(logged("Credential=AKBASE/"));
	CHECK(logged("Credential=ASIAROLEKEY/"));
	CHECK(logged("role%2Fmid"));
	CHECK(logged("RoleSessionName=my-session"));
	CHECK(logged("DurationSeconds=3600"));
	CHECK(logged("ExternalId=ext-1"));
	CHECK(strstr(irsa_buf_str(&fake.log), "Credential=AKBASE/") <
	      strstr(irsa_buf_str(&fake.log), "Credential=ASIAROLEKEY/"));
	c = irsa_credentials_free(c);
	teardown();

	/* a profile may source its own static keys */
	setup("[profile self]\nrole_arn = arn:aws:iam::1:role/self\nsource_profile = self\n"
	      "[profile fromenv]\nrole_arn = arn:aws:iam::1:role/env\n"
	      "credential_source = Environment\n"
	      "[profile withkeys]\nrole_arn = arn:aws:iam::1:role/wk\nsource_profile = keyed\n"
	      "[profile keyed]\nrole_arn = arn:aws:iam::1:role/never\n",
	      "[self]\naws_access_key_id = AKSELF\naws_secret_access_key = selfSecret\n"
	      "[keyed]\naws_access_key_id = AKKEYED\naws_secret_access_key = keyedSecret\n",
	      sts_routes, ARRAY_SIZE(sts_routes));
	c = resolves_to("self", "assume-role", NULL);
	CHECK_INT(fake.requests, 1);
	CHECK(logged("Credential=AKSELF/"));
	c = irsa_credentials_free(c);

	/* a source profile with static keys uses them, even with a role_arn */
	CHECK_INT(resolve("withkeys", &c, &err), 0);
	CHECK_INT(fake.requests, 2);
	CHECK(logged("Credential=AKKEYED/"));
	CHECK(!logged("role%2Fnever"));
	c = irsa_credentials_free(c);

	env_set("AWS_ACCESS_KEY_ID", "AKFROMENV");
	env_set("AWS_SECRET_ACCESS_KEY", "fromEnvSecret");
	CHECK_INT(resolve("fromenv", &c, &err), 0);
	CHECK_INT(fake.requests, 3);
	CHECK(logged("Credential=AKFROMENV/"));
	irsa_credentials_free(c);
	teardown();
}

TEST(assume_role_denied)
{
	static const struct route denied[] = {
		{ "POST", "/", 403,
		  "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
		  "<Message>not allowed</Message></Error><RequestId>r-2</RequestId>"
		  "</ErrorResponse>" },
	};
	struct irsa_error err;

	setup("[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\nsource_profile = base\n",
	      "[base]\naws_access_key_id = AKBASE\naws_secret_access_key = baseSecret\n",
	      denied, ARRAY_SIZE(denied));
	refused("ci", IRSA_ERR_AUTH, &err);
	CHECK(irsa_str_has_prefix(err.message,
				  "profile 'ci' cannot assume role 'arn:aws:iam::1:role/ci': "));
	CHECK(strstr(err.message, "AccessDenied") != NULL);
	CHECK(strstr(err.message, "baseSecret") == NULL);
	teardown();
}

TEST(web_identity)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	char *token = tmp_path("token");
	char *config;

	config = irsa_asprintf("[profile web]\nrole_arn = arn:aws:iam::1:role/web\n"
			       "web_identity_token_file = %s\nrole_session_name = pod\n"
			       "[profile webbad]\nrole_arn = arn:aws:iam::1:role/web\n"
			       "web_identity_token_file = %s/missing-token\n", token, tmpdir);
	setup(config, NULL, sts_routes, ARRAY_SIZE(sts_routes));
	write_file("token", "eyJhbGciOiJSUzI1NiJ9.secretWebToken.sig\n");

	/* from the environment */
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token);
	env_set("AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa");
	c = resolves_to(NULL, "web-identity", "ASIAROLEKEY");
	CHECK_INT(fake.requests, 1);
	CHECK(logged("Action=AssumeRoleWithWebIdentity"));
	CHECK(logged("WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.secretWebToken.sig&") ||
	      logged("WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.secretWebToken.sig\n"));
	CHECK(logged("RoleSessionName=irsactl-1700000000"));
	CHECK(!logged("Authorization:"));
	CHECK(!logged("authorization:"));
	c = irsa_credentials_free(c);

	env_set("AWS_ROLE_SESSION_NAME", "ci-job");
	CHECK_INT(resolve(NULL, &c, &err), 0);
	CHECK(logged("RoleSessionName=ci-job"));
	c = irsa_credentials_free(c);

	env_set("AWS_ROLE_ARN", "");
	CHECK_INT(resolve(NULL, &c, &err), -1);
	CHECK_STR(err.message, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set "
			       "both for web identity");

	/* from a profile, which also wins over the environment */
	env_set("AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa");
	c = resolves_to("web", "web-identity", NULL);
	CHECK_INT(fake.requests, 3);
	CHECK(logged("RoleSessionName=pod"));
	CHECK(logged("role%2Fweb"));
	c = irsa_credentials_free(c);

	refused("webbad", IRSA_ERR_AUTH, &err);
	{
		char *want = irsa_asprintf("cannot read web identity token file '%s/missing-token': "
					   "No such file or directory", tmpdir);

		CHECK_STR(err.message, want);
		free(want);
	}
	CHECK_INT(fake.requests, 3);

	write_file("token", "\n");
	CHECK_INT(resolve(NULL, &c, &err), -1);
	CHECK(strstr(err.message, "is empty") != NULL);
	CHECK_INT(fake.requests, 3);
	teardown();
	free(config);
	free(token);
}

/* botocore's order, pair by pair (the CLI tests check the same pairs
 * against the aws CLI). */
TEST(chain_order)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	char *token = tmp_path("token");
	char *config;

	config = irsa_asprintf(
		"[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\n"
		"[profile keys]\naws_access_key_id = AKCONFIG\naws_secret_access_key = cs\n"
		"credential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKPROC\","
		"\"SecretAccessKey\":\"ps\"}'\n"
		"[profile proc]\naws_access_key_id = AKCONFIG\naws_secret_access_key = cs\n"
		"credential_process = printf '{\"Version\":1,\"AccessKeyId\":\"AKPROC\","
		"\"SecretAccessKey\":\"ps\"}'\n"
		"[profile pod]\nrole_arn = arn:aws:iam::1:role/profile-role\n"
		"web_identity_token_file = %s\nrole_session_name = from-profile\n", token);
	setup(config, "[keys]\naws_access_key_id = AKCREDS\naws_secret_access_key = ks\n",
	      sts_routes, ARRAY_SIZE(sts_routes));
	write_file("token", "eyJhbGciOiJSUzI1NiJ9.e30.sig");

	/* credentials file > credential_process > config file */
	c = resolves_to("keys", NULL, "AKCREDS");
	c = irsa_credentials_free(c);
	c = resolves_to("proc", NULL, "AKPROC");
	c = irsa_credentials_free(c);
	CHECK_INT(fake.requests, 0);

	/* the environment's keys > the profile's role, unless --profile */
	env_set("AWS_PROFILE", "role");
	env_set("AWS_ACCESS_KEY_ID", "AKENV");
	env_set("AWS_SECRET_ACCESS_KEY", "es");
	c = resolves_to(NULL, "environment", NULL);
	c = irsa_credentials_free(c);
	c = resolves_to("role", "assume-role", NULL);
	CHECK(logged("Credential=AKCREDS/"));
	c = irsa_credentials_free(c);
	env_set("AWS_ACCESS_KEY_ID", "");
	env_set("AWS_SECRET_ACCESS_KEY", "");

	/* the profile's role > web identity from the environment */
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", token);
	env_set("AWS_ROLE_ARN", "arn:aws:iam::1:role/env-role");
	c = resolves_to(NULL, "assume-role", NULL);
	c = irsa_credentials_free(c);
	CHECK_INT(fake.requests, 2);

	/* web identity from the environment > the profile's keys and process */
	env_set("AWS_PROFILE", "proc");
	c = resolves_to(NULL, "web-identity", NULL);
	CHECK(logged("role%2Fenv-role"));
	c = irsa_credentials_free(c);
	CHECK_INT(fake.requests, 3);
	/* ... unless --profile turns the environment off */
	c = resolves_to("proc", "credential-process", NULL);
	c = irsa_credentials_free(c);
	CHECK_INT(fake.requests, 3);

	/* the variables win over the profile's web identity settings key by key */
	env_set("AWS_PROFILE", "pod");
	env_set("AWS_WEB_IDENTITY_TOKEN_FILE", "");
	CHECK_INT(resolve(NULL, &c, &err), 0);
	CHECK(logged("role%2Fenv-role&RoleSessionName=from-profile"));
	c = irsa_credentials_free(c);
	CHECK_INT(resolve("pod", &c, &err), 0);
	CHECK(logged("role%2Fprofile-role&RoleSessionName=from-profile"));
	c = irsa_credentials_free(c);
	CHECK_INT(fake.requests, 5);
	teardown();
	free(config);
	free(token);
}

#define SSO_CONFIG \
	"[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n" \
	"sso_role_name = Admin\n" \
	"[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n" \
	"sso_region = eu-west-1\n" \
	"[profile old]\nsso_start_url = https://corp.awsapps.com/start\n" \
	"sso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n" \
	"[profile lacking]\nsso_account_id = 111122223333\n" \
	"[profile ghost]\nsso_session = nowhere\nsso_role_name = Admin\n" \
	"[profile clash]\nsso_session = corp\nsso_region = us-east-1\n" \
	"sso_account_id = 111122223333\nsso_role_name = Admin\n"
#define SSO_ROLE_OK \
	"{\"roleCredentials\":{\"accessKeyId\":\"ASIASSO\",\"secretAccessKey\":\"ssoSecret\"," \
	"\"sessionToken\":\"ssoSession\",\"expiration\":1893553445000}}"
#define SSO_SESSION_CACHE "ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
#define SSO_URL_CACHE "a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json"

static void write_sso_cache(const char *file, const char *json)
{
	char *dir = irsa_asprintf("%s/.aws/sso/cache", tmpdir);
	char *name = irsa_asprintf(".aws/sso/cache/%s", file);
	char *cmd = irsa_asprintf("mkdir -p '%s'", dir);

	CHECK_INT(system(cmd), 0);
	write_file(name, json);
	free(cmd);
	free(name);
	free(dir);
}

static void remove_sso_cache(void)
{
	char *cmd = irsa_asprintf("rm -rf '%s/.aws'", tmpdir);

	CHECK_INT(system(cmd), 0);
	free(cmd);
}

TEST(sso_cache_names)
{
	char *a = irsa_cred_sso_cache_name("corp");
	char *b = irsa_cred_sso_cache_name("https://corp.awsapps.com/start");

	CHECK_STR(a, SSO_SESSION_CACHE);
	CHECK_STR(b, SSO_URL_CACHE);
	free(a);
	free(b);
}

TEST(sso_endpoints)
{
	struct irsa_aws_client client;
	struct irsa_endpoint ep;
	struct irsa_error err;

	CHECK_INT(irsa_endpoint_resolve("sso", "eu-west-1", NULL, &ep, &err), 0);
	CHECK_STR(ep.url, "https://portal.sso.eu-west-1.amazonaws.com");
	CHECK_INT(irsa_endpoint_resolve("sso-oidc", "cn-north-1", NULL, &ep, &err), 0);
	CHECK_STR(ep.url, "https://oidc.cn-north-1.amazonaws.com.cn");

	env_clear();
	env_set("AWS_ENDPOINT_URL_SSO_OIDC", "http://127.0.0.1:8/oidc/");
	irsa_aws_client_init(&client, &ops);
	/* the SSO region, not the client's */
	CHECK_INT(irsa_aws_client_endpoint_in(&client, "sso", "ap-south-1", &ep, &err), 0);
	CHECK_STR(ep.url, "https://portal.sso.ap-south-1.amazonaws.com");
	CHECK_INT(irsa_aws_client_endpoint_in(&client, "sso-oidc", "ap-south-1", &ep, &err), 0);
	CHECK_STR(ep.url, "http://127.0.0.1:8/oidc");
	CHECK(ep.overridden);
	irsa_aws_client_release(&client);
	env_clear();
}

TEST(sso_config_errors)
{
	static const struct {
		const char *profile;
		const char *message;
	} cases[] = {
		{ "lacking", "profile 'lacking' is configured for SSO but lacks sso_role_name, "
			     "sso_start_url, sso_region; run 'aws configure sso --profile lacking'" },
		{ "clash", "profile 'clash' and its sso-session 'corp' disagree on 'sso_region'; "
			   "keep it in the sso-session only" },
		{ "dev", "profile 'dev' uses SSO, but no SSO token is cached for it; run 'aws sso "
			 "login --profile dev'" },
	};
	struct irsa_credentials *c = NULL;
	struct irsa_error err;

	setup(SSO_CONFIG, NULL, NULL, 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		CHECK_INT(resolve(cases[i].profile, &c, &err), -1);
		CHECK_STR(err.message, cases[i].message);
	}
	refused("ghost", IRSA_ERR_USAGE, &err);
	CHECK(irsa_str_has_prefix(err.message, "profile 'ghost' names sso_session 'nowhere', "
					       "which is not in '"));
	/* an expired legacy token cannot be refreshed */
	write_sso_cache(SSO_URL_CACHE, "{\"accessToken\": \"t\", \"expiresAt\": "
				       "\"2023-11-14T22:13:19Z\"}");
	refused("old", IRSA_ERR_AUTH, &err);
	CHECK_STR(err.message, "profile 'old' uses SSO, but its SSO token has expired; run 'aws "
			       "sso login --profile old'");
	write_sso_cache(SSO_URL_CACHE, "{\"accessToken\": \"t\"}");
	CHECK_INT(resolve("old", &c, &err), -1);
	CHECK_STR(err.message, "profile 'old' uses SSO, but its cached SSO token is unreadable; "
			       "run 'aws sso login --profile old'");
	CHECK_INT(fake.requests, 0);
	remove_sso_cache();
	teardown();
}

TEST(sso_fresh_token)
{
	static const struct route routes[] = {
		{ "GET", "/federation/credentials", 200, SSO_ROLE_OK },
	};
	struct irsa_credentials *c = NULL;
	struct irsa_error err;

	setup(SSO_CONFIG, NULL, routes, ARRAY_SIZE(routes));
	/* older CLIs wrote "UTC" for "Z" */
	write_sso_cache(SSO_URL_CACHE, "{\"accessToken\": \"legacyAccessToken\", \"expiresAt\": "
				       "\"2023-11-14T23:00:00UTC\"}");
	c = resolves_to("old", "sso", "ASIASSO");
	CHECK_STR(c->secret_access_key, "ssoSecret");
	CHECK_STR(c->session_token, "ssoSession");
	CHECK_INT(c->expiration, 1893553445);
	CHECK(logged("GET /federation/credentials?role_name=Admin&account_id=111122223333 "));
	CHECK(logged("x-amz-sso_bearer_token: legacyAccessToken\r\n"));
	c = irsa_credentials_free(c);

	/* within botocore's 15 minute window but nothing to refresh with: used */
	write_sso_cache(SSO_SESSION_CACHE, "{\"accessToken\": \"sessionAccessToken\", "
					   "\"expiresAt\": \"2023-11-14T22:20:00Z\"}");
	CHECK_INT(resolve("dev", &c, &err), 0);
	CHECK(logged("x-amz-sso_bearer_token: sessionAccessToken\r\n"));
	CHECK_INT(fake.requests, 2);
	irsa_credentials_free(c);
	remove_sso_cache();
	teardown();
}

#define SSO_EXPIRED_CACHE \
	"{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": \"eu-west-1\", " \
	"\"accessToken\": \"expiredAccessToken\", \"expiresAt\": \"2023-11-14T22:00:00Z\", " \
	"\"clientId\": \"client-1\", \"clientSecret\": \"clientSecret1\", " \
	"\"registrationExpiresAt\": \"2024-01-01T00:00:00Z\", \"refreshToken\": \"refresh-1\", " \
	"\"extra\": \"dropped as botocore drops it\"}"

TEST(sso_refresh)
{
	static const struct route routes[] = {
		{ "POST", "/token", 200, "{\"accessToken\":\"newAccessToken\",\"tokenType\":"
					 "\"Bearer\",\"expiresIn\":28800,\"refreshToken\":"
					 "\"refresh-2\"}" },
		{ "GET", "/federation/credentials", 200, SSO_ROLE_OK },
	};
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	struct irsa_buf cache = IRSA_BUF_INIT;
	char *path = irsa_asprintf("%s/.aws/sso/cache/" SSO_SESSION_CACHE, tmpdir);
	json_t *doc;
	struct stat st;

	setup(SSO_CONFIG, NULL, routes, ARRAY_SIZE(routes));
	write_sso_cache(SSO_SESSION_CACHE, SSO_EXPIRED_CACHE);
	chmod(path, 0644);
	c = resolves_to("dev", "sso", NULL);
	CHECK_INT(fake.requests, 2);
	CHECK(logged("POST /token "));
	CHECK(logged("{\"clientId\":\"client-1\",\"clientSecret\":\"clientSecret1\","
		     "\"grantType\":\"refresh_token\",\"refreshToken\":\"refresh-1\"}"));
	CHECK(logged("x-amz-sso_bearer_token: newAccessToken\r\n"));
	CHECK(strstr(irsa_buf_str(&fake.log), "POST /token ") <
	      strstr(irsa_buf_str(&fake.log), "GET /federation/credentials"));
	c = irsa_credentials_free(c);

	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(irsa_file_read(path, 65536, "cache", &cache, &err), 0);
	doc = json_loads(irsa_buf_str(&cache), 0, NULL);
	CHECK(doc != NULL);
	CHECK_STR(json_string_value(json_object_get(doc, "accessToken")), "newAccessToken");
	CHECK_STR(json_string_value(json_object_get(doc, "refreshToken")), "refresh-2");
	CHECK_STR(json_string_value(json_object_get(doc, "expiresAt")), "2023-11-15T06:13:20Z");
	CHECK_STR(json_string_value(json_object_get(doc, "clientSecret")), "clientSecret1");
	CHECK_STR(json_string_value(json_object_get(doc, "registrationExpiresAt")),
		  "2024-01-01T00:00:00Z");
	CHECK_STR(json_string_value(json_object_get(doc, "startUrl")),
		  "https://corp.awsapps.com/start");
	CHECK_STR(json_string_value(json_object_get(doc, "region")), "eu-west-1");
	CHECK(json_object_get(doc, "extra") == NULL);
	json_decref(doc);
	irsa_buf_release(&cache);

	/* the rewritten cache is fresh: no refresh the next time */
	CHECK_INT(resolve("dev", &c, &err), 0);
	CHECK_INT(fake.requests, 3);
	c = irsa_credentials_free(c);

	/* a token still valid for 7 minutes is refreshed (botocore's 15) */
	write_sso_cache(SSO_SESSION_CACHE, "{\"accessToken\": \"soonExpired\", \"expiresAt\": "
					   "\"2023-11-14T22:20:00Z\", \"clientId\": \"client-1\", "
					   "\"clientSecret\": \"clientSecret1\", "
					   "\"registrationExpiresAt\": \"2024-01-01T00:00:00Z\", "
					   "\"refreshToken\": \"refresh-1\"}");
	CHECK_INT(resolve("dev", &c, &err), 0);
	CHECK_INT(fake.requests, 5);
	CHECK(!logged("x-amz-sso_bearer_token: soonExpired"));
	c = irsa_credentials_free(c);

	/* an expired client registration cannot refresh */
	write_sso_cache(SSO_SESSION_CACHE, "{\"accessToken\": \"soonExpired\", \"expiresAt\": "
					   "\"2023-11-14T22:20:00Z\", \"clientId\": \"client-1\", "
					   "\"clientSecret\": \"clientSecret1\", "
					   "\"registrationExpiresAt\": \"2023-11-01T00:00:00Z\", "
					   "\"refreshToken\": \"refresh-1\"}");
	CHECK_INT(resolve("dev", &c, &err), 0);
	CHECK_INT(fake.requests, 6);
	CHECK(logged("x-amz-sso_bearer_token: soonExpired\r\n"));
	irsa_credentials_free(c);
	remove_sso_cache();
	teardown();
	free(path);
}

TEST(sso_refused)
{
	static const struct route routes[] = {
		{ "POST", "/token", 400, "{\"error\":\"invalid_grant\",\"error_description\":"
					 "\"Invalid refresh token provided\"}" },
		{ "GET", "/federation/credentials", 401, "{\"message\":\"Session token not found "
							 "or invalid\"}" },
	};
	struct irsa_error err;

	setup(SSO_CONFIG, NULL, routes, ARRAY_SIZE(routes));
	/* a refused refresh leaves the expired token: log in again */
	write_sso_cache(SSO_SESSION_CACHE, SSO_EXPIRED_CACHE);
	refused("dev", IRSA_ERR_AUTH, &err);
	CHECK_STR(err.message, "profile 'dev' uses SSO, but its SSO token has expired; run 'aws "
			       "sso login --profile dev'");
	CHECK_INT(fake.requests, 1);
	/* the portal refuses a token that is not expired */
	write_sso_cache(SSO_URL_CACHE, "{\"accessToken\": \"revoked\", \"expiresAt\": "
				       "\"2030-01-01T00:00:00Z\"}");
	refused("old", IRSA_ERR_AUTH, &err);
	CHECK_STR(err.message, "profile 'old' uses SSO, but the SSO portal no longer accepts its "
			       "token; run 'aws sso login --profile old'");
	CHECK(strstr(err.message, "revoked") == NULL);
	CHECK_INT(fake.requests, 2);
	remove_sso_cache();
	teardown();
}

TEST(container_url_redacted)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	static const struct {
		const char *url, *shown;
	} cases[] = {
		{ "http://127.0.0.1:1/creds?token=s3cret&x=1", "http://127.0.0.1:1/creds?REDACTED" },
		{ "https://user:pass@host/p?q#f", "https://REDACTED@host/p?REDACTED" },
		{ "http://host/p#frag", "http://host/p" },
		{ "http://host", "http://host" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *shown = irsa_cred_url_display(cases[i].url);

		CHECK_STR(shown, cases[i].shown);
		free(shown);
	}
	setup(NULL, NULL, NULL, 0);
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://u:hunter2@127.0.0.1:1/c?k=hunter3");
	refused(NULL, IRSA_ERR_USAGE, &err);
	CHECK(strstr(err.message, "hunter") == NULL);
	CHECK(strstr(err.message, "'http://REDACTED@127.0.0.1:1/c?REDACTED'") != NULL);
	/* nothing listens on port 1: the transport error is redacted too */
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/c?k=hunter3");
	CHECK_INT(resolve(NULL, &c, &err), -1);
	CHECK(strstr(err.message, "hunter") == NULL);
	CHECK(strstr(err.message, "?REDACTED") != NULL);
	CHECK_INT(fake.requests, 0);
	teardown();
}

#define CONTAINER_OK \
	"{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"containerSecret\"," \
	"\"Token\":\"containerToken\",\"Expiration\":\"2030-01-02T03:04:05Z\"," \
	"\"RoleArn\":\"arn:aws:iam::1:role/task\"}"

TEST(container)
{
	static const struct route routes[] = {
		{ "GET", "/v2/credentials/task", 200, CONTAINER_OK },
		{ "GET", "/denied", 403, "{\"code\":\"AccessDenied\",\"message\":\"no\"}" },
		{ "GET", "/broken", 200, "{\"AccessKeyId\":" },
	};
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	char *url, *token = tmp_path("auth-token");

	setup(NULL, NULL, routes, ARRAY_SIZE(routes));
	url = fake_url("/v2/credentials/task");
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	free(url);
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "envAuthToken");
	c = resolves_to(NULL, "container", "ASIACONTAINER");
	CHECK_STR(c->session_token, "containerToken");
	CHECK_INT(c->expiration, 1893553445);
	CHECK(logged("Authorization: envAuthToken\r\n"));
	c = irsa_credentials_free(c);

	/* the token file wins and is read every time */
	write_file("auth-token", "fileAuthToken1\n");
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token);
	CHECK_INT(resolve(NULL, &c, &err), 0);
	CHECK(logged("Authorization: fileAuthToken1\r\n"));
	c = irsa_credentials_free(c);
	write_file("auth-token", "fileAuthToken2");
	CHECK_INT(resolve(NULL, &c, &err), 0);
	CHECK(logged("Authorization: fileAuthToken2\r\n"));
	c = irsa_credentials_free(c);
	CHECK_INT(fake.requests, 3);

	write_file("auth-token", "bad\ntoken");
	CHECK_INT(resolve(NULL, &c, &err), -1);
	CHECK(strstr(err.message, "has a line break") != NULL);
	CHECK_INT(fake.requests, 3);
	env_set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "");

	url = fake_url("/denied");
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	refused(NULL, IRSA_ERR_AUTH, &err);
	{
		char *want = irsa_asprintf("container credentials endpoint '%s' answered HTTP 403: "
					   "AccessDenied", url);

		CHECK_STR(err.message, want);
		free(want);
	}
	free(url);

	url = fake_url("/broken");
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	CHECK_INT(resolve(NULL, &c, &err), -1);
	CHECK(strstr(err.message, "answered malformed JSON") != NULL);
	free(url);

	/* not allowed: no request at all */
	fake.requests = 0;
	env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/creds");
	refused(NULL, IRSA_ERR_USAGE, &err);
	CHECK_STR(err.message, "AWS_CONTAINER_CREDENTIALS_FULL_URI 'http://192.0.2.1/creds' is not "
			       "allowed: use https, or http to a loopback address or the ECS/EKS "
			       "agent (169.254.170.2, 169.254.170.23, fd00:ec2::23)");
	CHECK_INT(fake.requests, 0);
	teardown();
	free(token);
}

#define IMDS_OK \
	"{\"Code\":\"Success\",\"LastUpdated\":\"2024-01-01T00:00:00Z\",\"Type\":\"AWS-HMAC\"," \
	"\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"imdsSecret\"," \
	"\"Token\":\"imdsToken\",\"Expiration\":\"2030-01-02T03:04:05Z\"}"

TEST(imds)
{
	static const struct route routes[] = {
		{ "PUT", "/latest/api/token", 200, "imdsSessionToken" },
		{ "GET", "/latest/meta-data/iam/security-credentials/", 200, "my-role\n" },
		{ "GET", "/latest/meta-data/iam/security-credentials/my-role", 200, IMDS_OK },
	};
	static const struct route no_role[] = {
		{ "PUT", "/latest/api/token", 200, "imdsSessionToken" },
	};
	struct irsa_credentials *c = NULL;
	struct irsa_error err;
	char *url;

	setup(NULL, NULL, routes, ARRAY_SIZE(routes));
	url = fake_url("/");
	env_set("AWS_EC2_METADATA_DISABLED", "false");
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
	free(url);
	c = resolves_to(NULL, "imds", "ASIAIMDS");
	CHECK_STR(c->session_token, "imdsToken");
	CHECK_INT(c->expiration, 1893553445);
	CHECK_INT(fake.requests, 3);
	CHECK(logged("PUT /latest/api/token HTTP/1.1"));
	CHECK(logged("X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n"));
	CHECK(logged("X-aws-ec2-metadata-token: imdsSessionToken\r\n"));
	CHECK(strstr(irsa_buf_str(&fake.log), "PUT /latest/api/token") <
	      strstr(irsa_buf_str(&fake.log), "GET /latest/meta-data/"));
	c = irsa_credentials_free(c);

	/* AWS_EC2_METADATA_DISABLED skips it */
	env_set("AWS_EC2_METADATA_DISABLED", "TRUE");
	CHECK_INT(resolve(NULL, &c, &err), -1);
	CHECK(irsa_str_has_prefix(err.message, "no AWS credentials found"));
	CHECK_INT(fake.requests, 3);
	teardown();

	/* an endpoint the user configured that fails is an error */
	setup(NULL, NULL, no_role, ARRAY_SIZE(no_role));
	url = fake_url("");
	env_set("AWS_EC2_METADATA_DISABLED", "");
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
	CHECK_INT(resolve(NULL, &c, &err), -1);
	{
		char *want = irsa_asprintf("instance metadata at '%s': the instance has no IAM role "
					   "(instance profile)", url);

		CHECK_STR(err.message, want);
		free(want);
	}
	free(url);
	teardown();

	setup(NULL, NULL, NULL, 0);
	url = fake_url("");
	env_set("AWS_EC2_METADATA_DISABLED", "");
	env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
	CHECK_INT(resolve(NULL, &c, &err), -1);
	{
		char *want = irsa_asprintf("instance metadata at '%s': the token request (PUT "
					   "/latest/api/token) answered HTTP 404", url);

		CHECK_STR(err.message, want);
		free(want);
	}
	free(url);
	teardown();
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(credentials_object);
	RUN(iso8601);
	RUN(process_output);
	RUN(container_url_rules);
	RUN(sts_answer);
	RUN(environment);
	RUN(static_profile);
	RUN(no_credentials);
	RUN(unknown_profile);
	RUN(profile_precedence);
	RUN(credential_process_runs);
	RUN(source_profile_errors);
	RUN(assume_role_chain);
	RUN(assume_role_denied);
	RUN(web_identity);
	RUN(chain_order);
	RUN(sso_cache_names);
	RUN(sso_endpoints);
	RUN(sso_config_errors);
	RUN(sso_fresh_token);
	RUN(sso_refresh);
	RUN(sso_refused);
	RUN(container);
	RUN(container_url_redacted);
	RUN(imds);
	irsa_buf_release(&fake.log);
	{
		const char *files[] = { "config", "credentials", "token", "auth-token" };

		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			char *p = tmp_path(files[i]);

			unlink(p);
			free(p);
		}
	}
	rmdir(tmpdir);
	xmlCleanupParser();
	return tap_done();
}
