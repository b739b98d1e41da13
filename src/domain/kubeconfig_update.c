/* update-kubeconfig: an EKS cluster's entry in a kubeconfig, the way
 * `aws eks update-kubeconfig` writes it, with the exec plugin
 * `irsactl token`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "irsa/buf.h"
#include "irsa/eks.h"
#include "irsa/fileutil.h"
#include "irsa/kubeconfig.h"
#include "irsa/kubeconfig_update.h"
#include "irsa/strutil.h"

const char *irsa_kubeconfig_change_name(enum irsa_kubeconfig_change change)
{
	static const char *const names[] = { "unchanged", "added", "updated" };

	return (size_t)change < ARRAY_SIZE(names) ? names[change] : "unchanged";
}

void irsa_kubeconfig_update_release(struct irsa_kubeconfig_update *u)
{
	if (!u)
		return;
	free(u->path);
	free(u->content);
	free(u->context);
	free(u->cluster_arn);
	free(u->server);
	free(u->cluster);
	free(u->alias);
	free(u->old);
	irsa_plan_release(&u->plan);
	*u = (struct irsa_kubeconfig_update){ 0 };
}

int irsa_kubeconfig_update_read(const struct irsa_kubeconfig_update_options *opts,
				struct irsa_kubeconfig_update *ret, struct irsa_error *err)
{
	_cleanup_buf_ struct irsa_buf old = IRSA_BUF_INIT;
	struct irsa_error e = { 0 };

	*ret = (struct irsa_kubeconfig_update){ 0 };
	if (irsa_str_empty(opts->cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE, "no EKS cluster name given");
	if (opts->alias && !*opts->alias)
		return irsa_error_set(err, IRSA_ERR_USAGE, "--alias must not be empty");
	ret->cluster = irsa_strdup(opts->cluster);
	ret->alias = opts->alias ? irsa_strdup(opts->alias) : NULL;
	ret->path = irsa_kubeconfig_target_path(opts->path, opts->env_list);
	/* a FIFO or a device is never replaced: say so before any AWS call */
	if (irsa_file_is_stream(ret->path))
		return irsa_error_set(err, IRSA_ERR_USAGE, "kubeconfig '%s' is not a regular file; "
				      "irsactl writes regular files only", ret->path);
	/* Read the file first: a broken file fails before any AWS call. */
	if (irsa_file_read(ret->path, IRSA_KUBECONFIG_UPDATE_MAX, "kubeconfig", &old, &e) < 0 &&
	    e.kind != IRSA_ERR_NOT_FOUND) {
		if (err)
			*err = e;
		return -1;
	}
	if (old.len) {
		struct irsa_kubeconfig *kc = NULL;

		if (irsa_kubeconfig_parse(ret->path, old.data, old.len, &kc, err) < 0)
			return -1;
		irsa_kubeconfig_free(kc);
	}
	ret->old_len = old.len;
	ret->old = TAKE_PTR(old.data);
	return 0;
}

static int run_write(struct irsa_plan *plan, struct irsa_plan_action *a, struct irsa_error *err)
{
	return irsa_kubeconfig_update_write(plan->data, err);
}

static void build_plan(struct irsa_kubeconfig_update *u)
{
	struct irsa_plan *p = &u->plan;

	irsa_plan_release(p);
	irsa_plan_init(p);
	p->run = run_write;
	p->data = u;
	p->status = u->change == IRSA_KUBECONFIG_ADDED     ? IRSA_PLAN_CREATE
		    : u->change == IRSA_KUBECONFIG_UPDATED ? IRSA_PLAN_UPDATE
							   : IRSA_PLAN_UNCHANGED;
	json_object_set_new(p->subject, "kubeconfig", json_string(u->path));
	json_object_set_new(p->subject, "context", json_string(u->context));
	json_object_set_new(p->subject, "cluster", json_string(u->cluster_arn));
	json_object_set_new(p->subject, "server", json_string(u->server));
	p->label = irsa_asprintf("context '%s' in '%s'", u->context, u->path);
	if (u->change != IRSA_KUBECONFIG_UNCHANGED) {
		struct irsa_plan_action *a = irsa_plan_add(p, 0, "write-kubeconfig", NULL, u->path,
							   NULL, NULL);

		a->text_before = u->old ? irsa_strndup(u->old, u->old_len) : NULL;
		a->text_after = irsa_strdup(u->content);
	}
}

int irsa_kubeconfig_update_plan(struct irsa_aws *aws, struct irsa_kubeconfig_update *u,
				struct irsa_error *err)
{
	struct irsa_eks_cluster c = { 0 };
	struct irsa_kubeconfig_env env = { 0 };
	struct irsa_kubeconfig_entry entry = { 0 };
	const char *name = u->cluster;
	const char *exec_args[5];
	int r = -1;

	if (!name)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "irsa_kubeconfig_update_plan() before irsa_kubeconfig_update_read()");
	if (irsa_eks_describe_cluster(aws, name, &c, err) < 0)
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
	entry.context_name = u->alias ? u->alias : c.arn;
	entry.exec_api_version = IRSA_KUBECONFIG_EXEC_API_VERSION;
	entry.exec_command = "irsactl";
	entry.exec_args = exec_args;
	entry.n_exec_args = ARRAY_SIZE(exec_args);
	if (irsa_aws_profile_explicit(aws)) {
		env.name = (char *)"AWS_PROFILE";
		env.value = (char *)irsa_aws_profile_name(aws);
		entry.exec_env = &env;
		entry.n_exec_env = 1;
	}
	entry.set_current = true;
	free(u->content);
	u->content = NULL;
	if (irsa_kubeconfig_merge_entry(u->path, u->old, u->old_len, &entry, &u->content, &u->change,
					err) < 0)
		goto out;
	free(u->context);
	free(u->cluster_arn);
	free(u->server);
	u->context = irsa_strdup(entry.context_name);
	u->cluster_arn = irsa_strdup(c.arn);
	u->server = irsa_strdup(c.endpoint);
	build_plan(u);
	r = 0;
out:
	irsa_eks_cluster_release(&c);
	return r;
}

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

int irsa_kubeconfig_update_write(const struct irsa_kubeconfig_update *u, struct irsa_error *err)
{
	if (!u->path || !u->content)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "irsa_kubeconfig_update_write() before irsa_kubeconfig_update_plan()");
	if (u->change == IRSA_KUBECONFIG_UNCHANGED)
		return 0;
	if (make_parent(u->path, err) < 0 ||
	    irsa_file_write_atomic(u->path, u->content, strlen(u->content), 0600, err) < 0)
		return -1;
	return 0;
}
