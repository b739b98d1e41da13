/* Kubernetes credentials from the kubeconfig user: token, token file,
 * client certificate, basic auth, exec plugins, and native EKS tokens.
 *
 * Native EKS tokens: when the exec plugin is one of
 *   aws [--region R] [--profile P] eks get-token --cluster-name N|--cluster-id ID ...
 *   aws-iam-authenticator token -i N [--region R]
 *   irsactl [--region R] [--profile P] token --cluster N ...
 * and an AWS session was given, irsactl signs the same token itself
 * (a presigned STS URL: no network, no 0.5 s process). The profile comes
 * from the arguments, the plugin's env (AWS_PROFILE), or ours, as the
 * plugin would see it; the region likewise. Anything the plugin would do
 * differently (--role-arn, other AWS_* variables, unknown arguments, no
 * usable credentials) runs the plugin instead. irsa_kube_auth_method()
 * says which path was taken. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irsa/eks.h"
#include "irsa/fileutil.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "kube_internal.h"

#define TOKEN_FILE_MAX (64u * 1024u)

void kube_auth_release(struct irsa_kube *k)
{
	irsa_free_secret(k->bearer);
	irsa_free_secret(k->basic);
	free(k->cert_pem);
	irsa_free_secret(k->key_pem);
	k->bearer = k->basic = k->cert_pem = k->key_pem = NULL;
	k->http_opts.client_cert_pem = k->http_opts.client_key_pem = NULL;
}

static int user_error(const struct irsa_kube *k, struct irsa_error *err, const char *fmt, ...)
	_printf_(3, 4);
static int user_error(const struct irsa_kube *k, struct irsa_error *err, const char *fmt, ...)
{
	char why[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return irsa_error_set(err, IRSA_ERR_USAGE, "kubeconfig '%s': user '%s': %s",
			      k->sel.user->file ? k->sel.user->file : "", k->sel.user->name, why);
}

static int check_readable(const struct irsa_kube *k, const char *field, const char *path,
			  struct irsa_error *err)
{
	if (access(path, R_OK) < 0)
		return user_error(k, err, "cannot read %s '%s': %m", field, path);
	return 0;
}

/* ---- native EKS tokens ----------------------------------------------- */

struct native {
	const char *tool;  /* "aws eks get-token", ... */
	const char *cluster;
	const char *region;
	const char *profile;
	const char *why_not; /* set when the plugin must run */
};

/* --name=value or --name value; returns the value or NULL. *i advances. */
static const char *opt_value(const struct irsa_kubeconfig_exec *e, size_t *i, const char *name)
{
	const char *a = e->args[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == '\0' && *i + 1 < e->n_args)
		return e->args[++*i];
	return NULL;
}

static bool is_opt(const char *a, const char *name)
{
	size_t n = strlen(name);

	return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* Parse the argument list of a known plugin. words: the sub-command
 * words it must have, in order ("eks", "get-token"). */
static void parse_args(const struct irsa_kubeconfig_exec *e, const char *const *words,
		       size_t n_words, const char *const *cluster_opts, const char *const *ignored,
		       const char *const *flags, struct native *n)
{
	size_t w = 0;

	for (size_t i = 0; i < e->n_args && !n->why_not; i++) {
		const char *a = e->args[i], *v;
		bool done = false;

		if (a[0] != '-') {
			if (w < n_words && strcmp(a, words[w]) == 0)
				w++;
			else
				n->why_not = "unexpected argument";
			continue;
		}
		for (size_t j = 0; cluster_opts[j] && !done; j++) {
			if (!is_opt(a, cluster_opts[j]))
				continue;
			done = true;
			v = opt_value(e, &i, cluster_opts[j]);
			/* --cluster-id (EKS local clusters) beats --cluster-name. */
			if (v && (!n->cluster || strcmp(cluster_opts[j], "--cluster-id") == 0 ||
				  strcmp(cluster_opts[j], "-i") == 0))
				n->cluster = v;
		}
		if (!done && is_opt(a, "--region")) {
			done = true;
			n->region = opt_value(e, &i, "--region");
		}
		if (!done && is_opt(a, "--profile")) {
			done = true;
			n->profile = opt_value(e, &i, "--profile");
		}
		for (size_t j = 0; ignored && ignored[j] && !done; j++)
			if (is_opt(a, ignored[j])) {
				done = true;
				if (!strchr(a, '='))
					i++;
			}
		for (size_t j = 0; flags && flags[j] && !done; j++)
			done = strcmp(a, flags[j]) == 0;
		if (!done)
			n->why_not = is_opt(a, "--role-arn") || is_opt(a, "-r") || is_opt(a, "--role") ?
				     "it assumes a role" : "an argument irsactl does not know";
	}
	if (!n->why_not && w != n_words)
		n->why_not = "unexpected arguments";
	if (!n->why_not && irsa_str_empty(n->cluster))
		n->why_not = "no cluster name";
}

static bool match_native(const struct irsa_kubeconfig_exec *e, struct native *n)
{
	static const char *const aws_words[] = { "eks", "get-token" };
	static const char *const aws_cluster[] = { "--cluster-name", "--cluster-id", NULL };
	static const char *const aws_ignored[] = { "--output", NULL };
	static const char *const iam_words[] = { "token" };
	static const char *const iam_cluster[] = { "--cluster-id", "-i", NULL };
	static const char *const irsa_words[] = { "token" };
	static const char *const irsa_cluster[] = { "--cluster", NULL };
	static const char *const irsa_ignored[] = { "--api-version", "--output", NULL };
	static const char *const irsa_flags[] = { "--debug", "--quiet", "-q", "--no-color", NULL };
	_cleanup_free_ char *copy = irsa_strdup(e->command);
	const char *base = basename(copy);
	const char *env_region = NULL, *env_default_region = NULL, *env_profile = NULL;

	memset(n, 0, sizeof(*n));
	if (strcmp(base, "aws") == 0) {
		n->tool = "aws eks get-token";
		parse_args(e, aws_words, 2, aws_cluster, aws_ignored, NULL, n);
	} else if (strcmp(base, "aws-iam-authenticator") == 0) {
		n->tool = "aws-iam-authenticator token";
		parse_args(e, iam_words, 1, iam_cluster, NULL, NULL, n);
	} else if (strcmp(base, "irsactl") == 0) {
		n->tool = "irsactl token";
		parse_args(e, irsa_words, 1, irsa_cluster, irsa_ignored, irsa_flags, n);
	} else {
		return false;
	}
	for (size_t i = 0; i < e->n_env && !n->why_not; i++) {
		const char *name = e->env[i].name;

		if (strcmp(name, "AWS_PROFILE") == 0)
			env_profile = e->env[i].value;
		else if (strcmp(name, "AWS_REGION") == 0)
			env_region = e->env[i].value;
		else if (strcmp(name, "AWS_DEFAULT_REGION") == 0)
			env_default_region = e->env[i].value;
		else if (strncmp(name, "AWS_", 4) == 0 && strcmp(name, "AWS_STS_REGIONAL_ENDPOINTS") != 0)
			n->why_not = "its env sets other AWS_* variables";
	}
	if (!n->profile && !irsa_str_empty(env_profile))
		n->profile = env_profile;
	if (!n->region)
		n->region = !irsa_str_empty(env_region) ? env_region :
			    !irsa_str_empty(env_default_region) ? env_default_region : NULL;
	return true;
}

/* The session to sign with: ours, or one for the plugin's profile. */
static struct irsa_aws *native_session(struct irsa_kube *k, const struct native *n,
				       const char **ret_why)
{
	const char *profile = n->profile;
	struct irsa_aws_options opts = { 0 };
	struct irsa_error e = { 0 };

	if (!profile) {
		/* The plugin inherits our environment. */
		const char *env = getenv("AWS_PROFILE");

		profile = !irsa_str_empty(env) ? env : "default";
	}
	if (strcmp(profile, irsa_aws_profile_name(k->aws)) == 0)
		return k->aws;
	if (!k->own_aws) {
		opts.profile = profile;
		opts.region = n->region;
		if (irsa_aws_new(&opts, &k->own_aws, &e) < 0) {
			irsa_log_debug("native EKS token: %s", e.message);
			*ret_why = "its AWS profile cannot be loaded";
			return NULL;
		}
	}
	return k->own_aws;
}

/* 1: made natively; 0: run the plugin (*ret_why says why); -1: error. */
static int try_native(struct irsa_kube *k, const struct native *n, const char **ret_why,
		      struct irsa_error *err)
{
	struct irsa_aws *aws;
	struct irsa_error e = { 0 };
	char *token = NULL;
	time_t exp;

	if (n->why_not) {
		*ret_why = n->why_not;
		return 0;
	}
	if (!k->aws) {
		*ret_why = "no AWS session";
		return 0;
	}
	aws = native_session(k, n, ret_why);
	if (!aws)
		return 0;
	if (irsa_eks_token_in_region(aws, n->cluster, n->region, 0, &token, &exp, &e) < 0) {
		/* The plugin may know credentials we do not (SSO, ...). */
		irsa_log_debug("native EKS token: %s; running the plugin", e.message);
		*ret_why = "irsactl found no usable AWS credentials";
		return 0;
	}
	irsa_free_secret(k->bearer);
	k->bearer = token;
	return 1;
}

/* ---- exec ------------------------------------------------------------ */

static int run_plugin(struct irsa_kube *k, struct irsa_error *err)
{
	struct kube_exec_result res = { 0 };

	if (kube_exec_run(k->sel.user->exec, &k->sel, &res, err) < 0)
		return -1;
	irsa_free_secret(k->bearer);
	free(k->cert_pem);
	irsa_free_secret(k->key_pem);
	k->bearer = TAKE_PTR(res.token);
	k->cert_pem = TAKE_PTR(res.cert_pem);
	k->key_pem = TAKE_PTR(res.key_pem);
	k->http_opts.client_cert_pem = k->cert_pem;
	k->http_opts.client_key_pem = k->key_pem;
	if (k->cert_pem) {
		k->http_opts.client_cert_file = NULL;
		k->http_opts.client_key_file = NULL;
	}
	kube_exec_result_release(&res);
	return 0;
}

static int setup_exec(struct irsa_kube *k, struct irsa_error *err)
{
	const struct irsa_kubeconfig_exec *e = k->sel.user->exec;
	_cleanup_free_ char *copy = irsa_strdup(e->command);
	struct native n;
	const char *why = NULL;
	int r;

	k->refreshable = true;
	if (match_native(e, &n)) {
		r = try_native(k, &n, &why, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			k->auth_method = irsa_asprintf("exec (%s, native EKS token)", n.tool);
			irsa_log_debug("kubernetes auth: native EKS token for cluster '%s' instead of "
				       "running '%s'", n.cluster, e->command);
			return 0;
		}
		k->auth_method = irsa_asprintf("exec (%s, plugin run: %s)", n.tool, why);
		irsa_log_debug("kubernetes auth: running '%s' (%s)", e->command, why);
	} else {
		k->auth_method = irsa_asprintf("exec (%s)", basename(copy));
	}
	return run_plugin(k, err);
}

int kube_auth_refresh(struct irsa_kube *k, struct irsa_error *err)
{
	struct native n;
	const char *why = NULL;

	if (!k->refreshable)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "credentials cannot be refreshed");
	k->refreshable = false; /* once */
	irsa_log_debug("kubernetes auth: the server said 401; getting new credentials");
	if (strstr(k->auth_method, "native EKS token") && match_native(k->sel.user->exec, &n) &&
	    try_native(k, &n, &why, err) > 0)
		return 0;
	return run_plugin(k, err);
}

/* ---- setup ----------------------------------------------------------- */

static int read_token_file(struct irsa_kube *k, const char *path, struct irsa_error *err)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	struct irsa_error e = { 0 };

	if (irsa_file_read(path, TOKEN_FILE_MAX, "tokenFile", &b, &e) < 0) {
		irsa_buf_release_secure(&b);
		return user_error(k, err, "%s", e.message);
	}
	k->bearer = irsa_strdup(irsa_str_trim(b.data ? b.data : (char *)""));
	irsa_buf_release_secure(&b);
	if (!*k->bearer)
		return user_error(k, err, "tokenFile '%s' is empty", path);
	return 0;
}

int kube_auth_setup(struct irsa_kube *k, struct irsa_error *err)
{
	const struct irsa_kubeconfig_user *u = k->sel.user;
	bool has_token = !irsa_str_empty(u->token) || !irsa_str_empty(u->token_file);
	bool has_basic = !irsa_str_empty(u->username) || !irsa_str_empty(u->password);
	bool has_cert = u->client_certificate || u->client_certificate_data;
	bool has_key = u->client_key || u->client_key_data;

	if (has_cert != has_key)
		return user_error(k, err, "%s is set without %s",
				  has_cert ? "client-certificate" : "client-key",
				  has_cert ? "client-key" : "client-certificate");
	if (has_token && has_basic)
		return user_error(k, err, "both a token and username/password are set; kubectl "
				  "allows only one");
	if (u->auth_provider && !u->exec && !has_token && !has_basic && !has_cert)
		return user_error(k, err, "auth-provider '%s' is not supported (kubectl dropped it "
				  "too); use an exec plugin such as 'kubelogin' or "
				  "'gke-gcloud-auth-plugin'", u->auth_provider);
	if (has_cert) {
		if (u->client_certificate_data) {
			k->http_opts.client_cert_pem = u->client_certificate_data;
		} else {
			if (check_readable(k, "client-certificate", u->client_certificate, err) < 0)
				return -1;
			k->http_opts.client_cert_file = u->client_certificate;
		}
		if (u->client_key_data) {
			k->http_opts.client_key_pem = u->client_key_data;
		} else {
			if (check_readable(k, "client-key", u->client_key, err) < 0)
				return -1;
			k->http_opts.client_key_file = u->client_key;
		}
	}
	if (!irsa_str_empty(u->token_file)) {
		if (read_token_file(k, u->token_file, err) < 0)
			return -1;
		k->auth_method = irsa_strdup(has_cert ? "token file and client certificate" : "token file");
	} else if (!irsa_str_empty(u->token)) {
		k->bearer = irsa_strdup(u->token);
		k->auth_method = irsa_strdup(has_cert ? "token and client certificate" : "token");
	} else if (u->exec) {
		return setup_exec(k, err);
	} else if (has_basic) {
		k->basic = irsa_asprintf("%s:%s", u->username ? u->username : "",
					 u->password ? u->password : "");
		k->auth_method = irsa_strdup("basic");
	} else {
		k->auth_method = irsa_strdup(has_cert ? "client certificate" : "none");
	}
	return 0;
}
