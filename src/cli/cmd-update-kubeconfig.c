/* irsactl update-kubeconfig: add or refresh an EKS cluster's entry in a
 * kubeconfig, the way `aws eks update-kubeconfig` does, with the exec
 * plugin `irsactl token`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "irsa/eks.h"
#include "irsa/fileutil.h"
#include "irsa/kubeconfig.h"
#include "irsa/strutil.h"

#define KUBECONFIG_MAX (4u * 1024u * 1024u)
#define EXEC_API_VERSION "client.authentication.k8s.io/v1beta1"

static const struct cli_option update_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster to add (DescribeCluster gives its endpoint and CA)", 0, NULL },
	{ "kubeconfig", 0, "PATH", "file to update (default: the first file in $KUBECONFIG, else ~/.kube/config)", 0, "file" },
	{ "alias", 0, "NAME", "context name (default: the cluster ARN)", 0, NULL },
	{ "dry-run", 'n', NULL, "print the resulting kubeconfig instead of writing it", 0, NULL },
	{ NULL },
};

/* mkdir -p for the file's directory (0700, like ~/.kube). */
static int make_parent(const char *path, struct irsa_error *err)
{
	_cleanup_free_ char *dir = irsa_strdup(path);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return irsa_error_set(err, IRSA_ERR_USAGE, "cannot create directory '%s': %s",
					      dir, strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot create directory '%s': %s", dir,
				      strerror(errno));
	return 0;
}

static void print_text(const struct cli_ctx *ctx, const json_t *r, FILE *out)
{
	const char *change = json_string_value(json_object_get(r, "change"));
	const char *context = json_string_value(json_object_get(r, "context"));
	const char *file = json_string_value(json_object_get(r, "kubeconfig"));

	if (strcmp(change, "added") == 0)
		fprintf(out, "added context '%s' to '%s'\n", context, file);
	else if (strcmp(change, "updated") == 0)
		fprintf(out, "updated context '%s' in '%s'\n", context, file);
	else
		fprintf(out, "context '%s' in '%s' is up to date\n", context, file);
}

static int update_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	const char *name = cli_arg(args, "cluster");
	const char *alias = cli_arg(args, "alias");
	bool dry_run = cli_flag(args, "dry-run");
	_cleanup_free_ char *path = NULL, *content = NULL;
	_cleanup_buf_ struct irsa_buf old = IRSA_BUF_INIT;
	struct irsa_eks_cluster c = { 0 };
	struct irsa_kubeconfig_env env = { 0 };
	struct irsa_kubeconfig_entry entry = { 0 };
	enum irsa_kubeconfig_change change;
	struct irsa_error e = { 0 };
	struct irsa_aws *aws;
	const char *exec_args[5];
	static const char *const change_names[] = { "unchanged", "added", "updated" };
	int r = -1;

	if (irsa_str_empty(name))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'update-kubeconfig' needs --cluster NAME (the EKS cluster name)");
	if (alias && !*alias)
		return irsa_error_set(err, IRSA_ERR_USAGE, "--alias must not be empty");
	path = irsa_kubeconfig_target_path(cli_arg(args, "kubeconfig"), getenv("KUBECONFIG"));
	/* Read the file first: a broken file fails before any AWS call. */
	if (irsa_file_read(path, KUBECONFIG_MAX, "kubeconfig", &old, &e) < 0 &&
	    e.kind != IRSA_ERR_NOT_FOUND) {
		if (err)
			*err = e;
		return -1;
	}
	if (old.len) {
		struct irsa_kubeconfig *kc = NULL;

		if (irsa_kubeconfig_parse(path, old.data, old.len, &kc, err) < 0)
			return -1;
		irsa_kubeconfig_free(kc);
	}

	aws = cli_aws(ctx, err);
	if (!aws || irsa_eks_describe_cluster(aws, name, &c, err) < 0)
		goto out;
	if (!c.status || (strcmp(c.status, "ACTIVE") != 0 && strcmp(c.status, "UPDATING") != 0)) {
		irsa_error_set(err, IRSA_ERR_CONFLICT, "cluster '%s' is %s, not ACTIVE; try again when "
			       "it is", name, c.status ? c.status : "in an unknown state");
		goto out;
	}
	if (irsa_str_empty(c.endpoint) || irsa_str_empty(c.ca_data) || irsa_str_empty(c.arn)) {
		irsa_error_set(err, IRSA_ERR_REMOTE, "cluster '%s' has no endpoint, certificate "
			       "authority or ARN in the DescribeCluster answer", name);
		goto out;
	}
	exec_args[0] = "token";
	exec_args[1] = "--cluster";
	exec_args[2] = c.name ? c.name : name;
	exec_args[3] = "--region";
	exec_args[4] = irsa_aws_region(aws);
	entry.cluster_name = c.arn;
	entry.server = c.endpoint;
	entry.ca_data = c.ca_data;
	entry.user_name = c.arn;
	entry.context_name = alias ? alias : c.arn;
	entry.exec_api_version = EXEC_API_VERSION;
	entry.exec_command = "irsactl";
	entry.exec_args = exec_args;
	entry.n_exec_args = 5;
	if (irsa_aws_profile_explicit(aws)) {
		env.name = (char *)"AWS_PROFILE";
		env.value = (char *)irsa_aws_profile_name(aws);
		entry.exec_env = &env;
		entry.n_exec_env = 1;
	}
	entry.set_current = true;
	if (irsa_kubeconfig_merge_entry(path, old.data, old.len, &entry, &content, &change, err) < 0)
		goto out;
	if (dry_run) {
		fputs(content, stdout);
		cli_status(ctx, "dry run: '%s' not written (%s)", path,
			   change == IRSA_KUBECONFIG_UNCHANGED ? "it is up to date" : "it would change");
		r = 0;
		goto out;
	}
	if (change != IRSA_KUBECONFIG_UNCHANGED &&
	    (make_parent(path, err) < 0 ||
	     irsa_file_write_atomic(path, content, strlen(content), 0600, err) < 0))
		goto out;
	r = cli_print_result(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s}",
					    "kubeconfig", path,
					    "context", entry.context_name,
					    "cluster", c.arn,
					    "server", c.endpoint,
					    "change", change_names[change]),
			     print_text);
out:
	irsa_eks_cluster_release(&c);
	return r;
}

const struct cli_command cli_cmd_update_kubeconfig = {
	.name = "update-kubeconfig",
	.summary = "Add an EKS cluster to a kubeconfig, authenticated by 'irsactl token'",
	.usage = "--cluster NAME [--kubeconfig PATH] [--alias NAME] [--dry-run]",
	.description =
		"Calls EKS DescribeCluster and writes the cluster (endpoint and certificate\n"
		"authority), a user whose exec plugin is 'irsactl token --cluster NAME --region\n"
		"REGION' (with AWS_PROFILE when a profile was chosen), and a context named after\n"
		"the cluster ARN (or --alias) into the kubeconfig, and makes it the current\n"
		"context, as 'aws eks update-kubeconfig' does. Entries of the same names are\n"
		"replaced; everything else in the file is kept (comments are not, when the file\n"
		"changes). The file is written atomically with mode 0600, and not at all when\n"
		"nothing changes.",
	.options = update_options,
	.min_args = 0,
	.max_args = 0,
	.run = update_run,
	.examples = "  irsactl update-kubeconfig --cluster demo\n"
		    "  irsactl update-kubeconfig --cluster demo --alias demo --kubeconfig ./kubeconfig\n"
		    "  irsactl update-kubeconfig --cluster demo --dry-run",
};
