/* Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1),
 * run as kubectl runs them: the command and its arguments without a
 * shell, the kubeconfig's env added to ours, KUBERNETES_EXEC_INFO set,
 * stdin closed (irsactl is never interactive), stderr passed through.
 * The output is bounded, the run too, and the output never appears in a
 * message or a log: it holds the credential. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "irsa/buf.h"
#include "irsa/fileutil.h"
#include "irsa/log.h"
#include "irsa/process.h"
#include "irsa/strutil.h"
#include "kube_internal.h"

#define EXEC_OUTPUT_MAX (1024u * 1024u)
#define EXEC_TIMEOUT_MS 60000LL

extern char **environ; /* the base of the plugin's environment */

static const char *const api_versions[] = {
	"client.authentication.k8s.io/v1",
	"client.authentication.k8s.io/v1beta1",
};

void kube_exec_result_release(struct kube_exec_result *r)
{
	irsa_free_secret(r->token);
	free(r->cert_pem);
	irsa_free_secret(r->key_pem);
	memset(r, 0, sizeof(*r));
}

/* One line: the hint may span several. */
static char *one_line(const char *s)
{
	char *r = irsa_strdup(s ? s : "");

	for (char *p = r; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	irsa_str_trim(r);
	return r;
}

static char *exec_info(const struct irsa_kubeconfig_exec *e,
		       const struct irsa_kubeconfig_selection *sel)
{
	json_t *spec = json_pack("{s:b}", "interactive", 0);
	json_t *info;
	char *s;

	if (e->provide_cluster_info) {
		const struct irsa_kubeconfig_cluster *c = sel->cluster;
		json_t *cluster = json_pack("{s:s}", "server", c->server);
		_cleanup_buf_ struct irsa_buf ca = IRSA_BUF_INIT;

		if (c->tls_server_name)
			json_object_set_new(cluster, "tls-server-name", json_string(c->tls_server_name));
		if (c->insecure_skip_tls_verify)
			json_object_set_new(cluster, "insecure-skip-tls-verify", json_true());
		if (c->certificate_authority_data)
			irsa_buf_puts(&ca, c->certificate_authority_data);
		else if (c->certificate_authority)
			irsa_file_read(c->certificate_authority, 1024 * 1024, "certificate-authority",
				       &ca, NULL);
		if (ca.len) {
			_cleanup_free_ char *b64 = irsa_base64_encode((const unsigned char *)ca.data, ca.len);

			json_object_set_new(cluster, "certificate-authority-data", json_string(b64));
		}
		if (c->proxy_url)
			json_object_set_new(cluster, "proxy-url", json_string(c->proxy_url));
		json_object_set_new(spec, "cluster", cluster);
	}
	info = json_pack("{s:s, s:s, s:o}", "kind", "ExecCredential", "apiVersion", e->api_version,
			 "spec", spec);
	s = json_dumps(info, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(info);
	return s;
}

/* environ, minus the names the plugin config sets, plus those. */
static char **build_env(const struct irsa_kubeconfig_exec *e, const char *info)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = irsa_malloc0((n + e->n_env + 2) * sizeof(*env));
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool overridden = len == strlen("KUBERNETES_EXEC_INFO") &&
				  strncmp(environ[i], "KUBERNETES_EXEC_INFO", len) == 0;

		for (size_t j = 0; j < e->n_env && !overridden; j++)
			overridden = strlen(e->env[j].name) == len &&
				     strncmp(environ[i], e->env[j].name, len) == 0;
		if (!overridden)
			env[k++] = irsa_strdup(environ[i]);
	}
	for (size_t j = 0; j < e->n_env; j++)
		env[k++] = irsa_asprintf("%s=%s", e->env[j].name, e->env[j].value);
	env[k++] = irsa_asprintf("KUBERNETES_EXEC_INFO=%s", info);
	return env;
}

static void free_env(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		irsa_free_secret(env[i]);
	free(env);
}

static int plugin_error(struct irsa_error *err, enum irsa_error_kind kind,
			const struct irsa_kubeconfig_exec *e,
			const struct irsa_kubeconfig_selection *sel, const char *fmt, ...) _printf_(5, 6);
static int plugin_error(struct irsa_error *err, enum irsa_error_kind kind,
			const struct irsa_kubeconfig_exec *e,
			const struct irsa_kubeconfig_selection *sel, const char *fmt, ...)
{
	char why[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return irsa_error_set(err, kind, "exec plugin '%s' of user '%s' (kubeconfig '%s') %s",
			      e->command, sel->user->name, sel->user->file ? sel->user->file : "", why);
}

/* Whether posix_spawnp() will find the command: checked first because
 * some environments report a missing command only as exit status 127. */
static bool command_exists(const char *command, const char *path_env)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (strchr(command, '/'))
		return access(command, X_OK) == 0;
	copy = irsa_strdup(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *full = irsa_asprintf("%s/%s", *dir ? dir : ".", command);

		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

static int not_found(const struct irsa_kubeconfig_exec *e,
		     const struct irsa_kubeconfig_selection *sel, struct irsa_error *err)
{
	_cleanup_free_ char *hint = one_line(e->install_hint);

	return plugin_error(err, IRSA_ERR_USAGE, e, sel, "was not found%s%s%s",
			    strchr(e->command, '/') ? "" : " in PATH",
			    *hint ? ": " : "; install it or fix the kubeconfig", hint);
}

/* Spawn and collect stdout. */
static int run(const struct irsa_kubeconfig_exec *e, const struct irsa_kubeconfig_selection *sel,
	       struct irsa_buf *out, struct irsa_error *err)
{
	_cleanup_free_ char *info = NULL;
	struct irsa_run_result res;
	char **env, **argv;
	int rc;

	if (!command_exists(e->command, getenv("PATH")))
		return not_found(e, sel, err);
	info = exec_info(e, sel);
	env = build_env(e, info);
	argv = irsa_malloc0((e->n_args + 2) * sizeof(*argv));
	argv[0] = e->command;
	for (size_t i = 0; i < e->n_args; i++)
		argv[i + 1] = e->args[i];
	rc = irsa_run_capture(&(struct irsa_run){
		.file = e->command,
		.argv = argv,
		.envp = env,
		.stdin_null = true,
		.timeout_ms = EXEC_TIMEOUT_MS,
		.max_output = EXEC_OUTPUT_MAX,
	}, out, &res);
	free(argv);
	free_env(env);
	if (rc == ENOENT)
		return not_found(e, sel, err);
	if (rc != 0)
		return plugin_error(err, IRSA_ERR_USAGE, e, sel, "cannot be run: %s", strerror(rc));
	switch (res.outcome) {
	case IRSA_RUN_TIMED_OUT:
		return plugin_error(err, IRSA_ERR_AUTH, e, sel, "did not finish within %lld s",
				    EXEC_TIMEOUT_MS / 1000);
	case IRSA_RUN_TOO_LARGE:
		return plugin_error(err, IRSA_ERR_AUTH, e, sel, "printed more than %u bytes",
				    EXEC_OUTPUT_MAX);
	case IRSA_RUN_READ_ERROR:
		return plugin_error(err, IRSA_ERR_INTERNAL, e, sel, "output could not be read");
	case IRSA_RUN_EXITED:
		break;
	}
	if (WIFSIGNALED(res.wait_status))
		return plugin_error(err, IRSA_ERR_AUTH, e, sel, "was killed by signal %d",
				    WTERMSIG(res.wait_status));
	if (!WIFEXITED(res.wait_status) || WEXITSTATUS(res.wait_status) != 0)
		return plugin_error(err, IRSA_ERR_AUTH, e, sel,
				    "failed with exit status %d (its messages are above)",
				    WIFEXITED(res.wait_status) ? WEXITSTATUS(res.wait_status) : -1);
	return 0;
}

/* Two decimal digits at s, or -1. */
static int two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* RFC 3339 "2026-01-02T03:04:05Z", fractions and "+hh:mm" offsets
 * accepted; 0 (no expiration known) for anything else, as an offset out
 * of range cannot be trusted either. */
time_t kube_exec_parse_time(const char *s)
{
	struct tm tm = { 0 };
	const char *rest;
	int hours, minutes;
	time_t t;

	if (!s)
		return 0;
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return 0;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	if (*rest == '.')
		for (rest++; *rest >= '0' && *rest <= '9'; rest++)
			;
	if ((*rest == 'Z' || *rest == 'z') && !rest[1])
		return t;
	if (*rest != '+' && *rest != '-')
		return 0;
	hours = two_digits(rest + 1);
	minutes = hours < 0 || rest[3] != ':' ? -1 : two_digits(rest + 4);
	if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || rest[6])
		return 0;
	/* local = UTC + offset */
	return *rest == '+' ? t - (hours * 3600 + minutes * 60) : t + (hours * 3600 + minutes * 60);
}

int kube_exec_decode(const struct irsa_kubeconfig_exec *e,
		     const struct irsa_kubeconfig_selection *sel, const char *out, size_t len,
		     struct kube_exec_result *ret, struct irsa_error *err)
{
	json_t *root = json_loadb(out, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *status;
	const char *kind, *api, *token, *cert, *key;
	int r = 0;

	if (!root || !json_is_object(root)) {
		r = plugin_error(err, IRSA_ERR_AUTH, e, sel,
				 "printed something that is not an ExecCredential JSON object");
		goto out;
	}
	kind = json_string_value(json_object_get(root, "kind"));
	api = json_string_value(json_object_get(root, "apiVersion"));
	status = json_object_get(root, "status");
	if (!kind || strcmp(kind, "ExecCredential") != 0) {
		r = plugin_error(err, IRSA_ERR_AUTH, e, sel,
				 "printed JSON whose kind is not ExecCredential");
		goto out;
	}
	if (!api || strcmp(api, e->api_version) != 0) {
		r = plugin_error(err, IRSA_ERR_AUTH, e, sel,
				 "answered with apiVersion '%s' but is configured for '%s'",
				 api ? api : "", e->api_version);
		goto out;
	}
	token = json_string_value(json_object_get(status, "token"));
	cert = json_string_value(json_object_get(status, "clientCertificateData"));
	key = json_string_value(json_object_get(status, "clientKeyData"));
	if (!json_is_object(status) || (irsa_str_empty(token) && (irsa_str_empty(cert) || irsa_str_empty(key)))) {
		r = plugin_error(err, IRSA_ERR_AUTH, e, sel,
				 "answered without status.token or status.clientCertificateData "
				 "and status.clientKeyData");
		goto out;
	}
	if (!irsa_str_empty(cert) != !irsa_str_empty(key)) {
		r = plugin_error(err, IRSA_ERR_AUTH, e, sel,
				 "answered with only one of clientCertificateData and clientKeyData");
		goto out;
	}
	if (!irsa_str_empty(token))
		ret->token = irsa_strdup(token);
	if (!irsa_str_empty(cert)) {
		ret->cert_pem = irsa_strdup(cert);
		ret->key_pem = irsa_strdup(key);
	}
	ret->expiration = kube_exec_parse_time(
		json_string_value(json_object_get(status, "expirationTimestamp")));
out:
	if (root) {
		/* Zero the credential strings inside the JSON tree before freeing. */
		json_t *st = json_object_get(root, "status");
		const char *k;
		json_t *v;

		json_object_foreach(st, k, v)
			if (json_is_string(v))
				irsa_secure_zero((char *)json_string_value(v), json_string_length(v));
		json_decref(root);
	}
	return r;
}

int kube_exec_run(const struct irsa_kubeconfig_exec *e,
		  const struct irsa_kubeconfig_selection *sel, struct kube_exec_result *ret,
		  struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	struct kube_exec_result res = { 0 };
	bool known = false;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(api_versions); i++)
		known |= e->api_version && strcmp(e->api_version, api_versions[i]) == 0;
	if (!known)
		return plugin_error(err, IRSA_ERR_USAGE, e, sel,
				    "has apiVersion '%s'; irsactl supports "
				    "client.authentication.k8s.io/v1 and v1beta1",
				    e->api_version ? e->api_version : "");
	if (e->interactive_mode && strcmp(e->interactive_mode, "Always") == 0)
		return plugin_error(err, IRSA_ERR_USAGE, e, sel,
				    "needs a terminal (interactiveMode: Always), and irsactl never "
				    "runs plugins interactively");
	irsa_log_debug("running exec plugin '%s' for user '%s'", e->command, sel->user->name);
	r = run(e, sel, &out, err);
	if (r == 0)
		r = kube_exec_decode(e, sel, irsa_buf_str(&out), out.len, &res, err);
	irsa_buf_release_secure(&out);
	if (r < 0) {
		kube_exec_result_release(&res);
		return -1;
	}
	*ret = res;
	return 0;
}
