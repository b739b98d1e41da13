/* kubeconfig files: kubectl's loading and merge rules, context selection,
 * and the entry update-kubeconfig writes (see irsa/kubeconfig.h).
 * Parsed and emitted with libyaml's document API. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "irsa/buf.h"
#include "irsa/fileutil.h"
#include "irsa/kubeconfig.h"
#include "irsa/strutil.h"
#include "irsa/yaml.h"

#define KUBECONFIG_MAX (4u * 1024u * 1024u)

/* ---- freeing ------------------------------------------------------- */

static void exec_free(struct irsa_kubeconfig_exec *e)
{
	if (!e)
		return;
	free(e->api_version);
	free(e->command);
	for (size_t i = 0; i < e->n_args; i++)
		free(e->args[i]);
	free(e->args);
	for (size_t i = 0; i < e->n_env; i++) {
		free(e->env[i].name);
		irsa_free_secret(e->env[i].value);
	}
	free(e->env);
	free(e->install_hint);
	free(e->interactive_mode);
	free(e);
}

static void cluster_release(struct irsa_kubeconfig_cluster *c)
{
	free(c->name);
	free(c->server);
	free(c->certificate_authority);
	free(c->certificate_authority_data);
	free(c->tls_server_name);
	free(c->proxy_url);
	memset(c, 0, sizeof(*c));
}

static void user_release(struct irsa_kubeconfig_user *u)
{
	free(u->name);
	irsa_free_secret(u->token);
	free(u->token_file);
	free(u->client_certificate);
	free(u->client_certificate_data);
	free(u->client_key);
	irsa_free_secret(u->client_key_data);
	free(u->username);
	irsa_free_secret(u->password);
	exec_free(u->exec);
	free(u->auth_provider);
	memset(u, 0, sizeof(*u));
}

static void context_release(struct irsa_kubeconfig_context *c)
{
	free(c->name);
	free(c->cluster);
	free(c->user);
	free(c->namespace);
	memset(c, 0, sizeof(*c));
}

struct irsa_kubeconfig *irsa_kubeconfig_free(struct irsa_kubeconfig *kc)
{
	if (!kc)
		return NULL;
	for (size_t i = 0; i < kc->n_clusters; i++)
		cluster_release(&kc->clusters[i]);
	for (size_t i = 0; i < kc->n_users; i++)
		user_release(&kc->users[i]);
	for (size_t i = 0; i < kc->n_contexts; i++)
		context_release(&kc->contexts[i]);
	free(kc->clusters);
	free(kc->users);
	free(kc->contexts);
	free(kc->current_context);
	for (size_t i = 0; i < kc->n_files; i++)
		free(kc->files[i]);
	free(kc->files);
	free(kc);
	return NULL;
}

/* ---- YAML helpers ------------------------------------------------- */

/* kubectl treats a missing field and a null one alike. */
static bool absent(yaml_document_t *doc, int id)
{
	return !id || irsa_yaml_is_null(doc, id);
}

/* ---- reading entries ----------------------------------------------- */

struct reader {
	const char *file; /* for messages; owned by kc->files */
	char *dir;        /* for relative paths */
	yaml_document_t *doc;
	struct irsa_error *err;
	const char *what; /* "cluster 'x'" ... */
};

static int bad(struct reader *r, const char *fmt, ...) _printf_(2, 3);
static int bad(struct reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return irsa_error_set(r->err, IRSA_ERR_USAGE, "kubeconfig '%s': %s%s%s", r->file,
			      r->what ? r->what : "", r->what ? ": " : "", msg);
}

/* A string field: *ret stays NULL when absent or null. */
static int get_string(struct reader *r, int map, const char *key, char **ret)
{
	int n = irsa_yaml_map_get(r->doc, map, key, NULL);

	if (absent(r->doc, n))
		return 0;
	if (!irsa_yaml_scalar(r->doc, n))
		return bad(r, "'%s' is not a string", key);
	free(*ret);
	*ret = irsa_strdup(irsa_yaml_scalar(r->doc, n));
	return 0;
}

static int parse_bool(const char *v, bool *ret)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (strcmp(v, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (strcmp(v, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	return -1;
}

static int get_bool(struct reader *r, int map, const char *key, bool *ret)
{
	int n = irsa_yaml_map_get(r->doc, map, key, NULL);

	if (absent(r->doc, n))
		return 0;
	if (!irsa_yaml_scalar(r->doc, n) || parse_bool(irsa_yaml_scalar(r->doc, n), ret) < 0)
		return bad(r, "'%s' is not true or false", key);
	return 0;
}

/* A path field, made absolute against the file's directory. */
static int get_path(struct reader *r, int map, const char *key, char **ret)
{
	char *v = NULL;

	if (get_string(r, map, key, &v) < 0)
		return -1;
	if (!v || !*v) {
		free(v);
		return 0;
	}
	free(*ret);
	*ret = v[0] == '/' ? v : irsa_asprintf("%s/%s", r->dir, v);
	if (*ret != v)
		free(v);
	return 0;
}

/* A base64 field (Go's decoder skips newlines; so do we). */
static int get_data(struct reader *r, int map, const char *key, char **ret)
{
	_cleanup_free_ char *v = NULL;
	unsigned char *out = NULL;
	size_t out_len = 0, j = 0;

	if (get_string(r, map, key, &v) < 0)
		return -1;
	if (!v)
		return 0;
	for (size_t i = 0; v[i]; i++)
		if (v[i] != '\n' && v[i] != '\r' && v[i] != ' ' && v[i] != '\t')
			v[j++] = v[i];
	v[j] = '\0';
	if (!*v)
		return 0;
	if (irsa_base64_decode(v, &out, &out_len) < 0)
		return bad(r, "'%s' is not valid base64", key);
	if (memchr(out, '\0', out_len)) {
		irsa_secure_zero(out, out_len);
		free(out);
		return bad(r, "'%s' does not hold PEM text", key);
	}
	irsa_secure_zero(v, strlen(v));
	free(*ret);
	*ret = (char *)out; /* NUL-terminated by irsa_base64_decode's allocation */
	(*ret)[out_len] = '\0';
	return 0;
}

static int check_mapping(struct reader *r, int n, const char *key)
{
	if (!absent(r->doc, n) && !irsa_yaml_is_map(r->doc, n))
		return bad(r, "'%s' is not a mapping", key);
	return 0;
}

static int read_exec(struct reader *r, int map, struct irsa_kubeconfig_exec **ret)
{
	struct irsa_kubeconfig_exec *e = irsa_malloc0(sizeof(*e));
	int args = irsa_yaml_map_get(r->doc, map, "args", NULL);
	int env = irsa_yaml_map_get(r->doc, map, "env", NULL);

	if (get_string(r, map, "apiVersion", &e->api_version) < 0 ||
	    get_string(r, map, "command", &e->command) < 0 ||
	    get_string(r, map, "installHint", &e->install_hint) < 0 ||
	    get_string(r, map, "interactiveMode", &e->interactive_mode) < 0 ||
	    get_bool(r, map, "provideClusterInfo", &e->provide_cluster_info) < 0)
		goto fail;
	if (irsa_str_empty(e->command)) {
		bad(r, "exec has no 'command'");
		goto fail;
	}
	if (strchr(e->command, '/') && e->command[0] != '/') {
		char *abs = irsa_asprintf("%s/%s", r->dir, e->command);

		free(e->command);
		e->command = abs;
	}
	if (!absent(r->doc, args)) {
		if (!irsa_yaml_is_seq(r->doc, args)) {
			bad(r, "exec 'args' is not a list");
			goto fail;
		}
		for (size_t i = 0; i < irsa_yaml_seq_size(r->doc, args); i++) {
			const char *v = irsa_yaml_scalar(r->doc, irsa_yaml_node(r->doc, args)->data.sequence.items.start[i]);

			if (!v) {
				bad(r, "exec 'args' has an entry that is not a string");
				goto fail;
			}
			e->args = irsa_realloc(e->args, (e->n_args + 1) * sizeof(*e->args));
			e->args[e->n_args++] = irsa_strdup(v);
		}
	}
	if (!absent(r->doc, env)) {
		if (!irsa_yaml_is_seq(r->doc, env)) {
			bad(r, "exec 'env' is not a list");
			goto fail;
		}
		for (size_t i = 0; i < irsa_yaml_seq_size(r->doc, env); i++) {
			int item = irsa_yaml_node(r->doc, env)->data.sequence.items.start[i];
			int value_id = irsa_yaml_map_get(r->doc, item, "value", NULL);
			const char *name = irsa_yaml_scalar(r->doc, irsa_yaml_map_get(r->doc, item, "name", NULL));
			const char *value = irsa_yaml_scalar(r->doc, value_id);

			if (!irsa_yaml_is_map(r->doc, item) || irsa_str_empty(name)) {
				bad(r, "exec 'env' has an entry without a 'name'");
				goto fail;
			}
			e->env = irsa_realloc(e->env, (e->n_env + 1) * sizeof(*e->env));
			e->env[e->n_env].name = irsa_strdup(name);
			e->env[e->n_env].value = irsa_strdup(value && !absent(r->doc, value_id) ? value : "");
			e->n_env++;
		}
	}
	*ret = e;
	return 0;
fail:
	exec_free(e);
	return -1;
}

static int read_cluster(struct reader *r, int map, struct irsa_kubeconfig_cluster *c)
{
	if (check_mapping(r, map, "cluster") < 0)
		return -1;
	if (get_string(r, map, "server", &c->server) < 0 ||
	    get_path(r, map, "certificate-authority", &c->certificate_authority) < 0 ||
	    get_data(r, map, "certificate-authority-data", &c->certificate_authority_data) < 0 ||
	    get_string(r, map, "tls-server-name", &c->tls_server_name) < 0 ||
	    get_bool(r, map, "insecure-skip-tls-verify", &c->insecure_skip_tls_verify) < 0 ||
	    get_string(r, map, "proxy-url", &c->proxy_url) < 0)
		return -1;
	return 0;
}

static int read_user(struct reader *r, int map, struct irsa_kubeconfig_user *u)
{
	int exec = irsa_yaml_map_get(r->doc, map, "exec", NULL);
	int ap = irsa_yaml_map_get(r->doc, map, "auth-provider", NULL);

	if (check_mapping(r, map, "user") < 0)
		return -1;
	if (get_string(r, map, "token", &u->token) < 0 ||
	    get_path(r, map, "tokenFile", &u->token_file) < 0 ||
	    get_path(r, map, "client-certificate", &u->client_certificate) < 0 ||
	    get_data(r, map, "client-certificate-data", &u->client_certificate_data) < 0 ||
	    get_path(r, map, "client-key", &u->client_key) < 0 ||
	    get_data(r, map, "client-key-data", &u->client_key_data) < 0 ||
	    get_string(r, map, "username", &u->username) < 0 ||
	    get_string(r, map, "password", &u->password) < 0)
		return -1;
	if (!absent(r->doc, exec)) {
		if (!irsa_yaml_is_map(r->doc, exec))
			return bad(r, "'exec' is not a mapping");
		if (read_exec(r, exec, &u->exec) < 0)
			return -1;
	}
	if (!absent(r->doc, ap)) {
		const char *name = irsa_yaml_scalar(r->doc, irsa_yaml_map_get(r->doc, ap, "name", NULL));

		u->auth_provider = irsa_strdup(name ? name : "unnamed");
	}
	return 0;
}

static int read_context(struct reader *r, int map, struct irsa_kubeconfig_context *c)
{
	if (check_mapping(r, map, "context") < 0)
		return -1;
	if (get_string(r, map, "cluster", &c->cluster) < 0 ||
	    get_string(r, map, "user", &c->user) < 0 ||
	    get_string(r, map, "namespace", &c->namespace) < 0)
		return -1;
	return 0;
}

enum section { SEC_CLUSTERS, SEC_USERS, SEC_CONTEXTS };

static const struct {
	const char *list, *item, *what;
} sections[] = {
	[SEC_CLUSTERS] = { "clusters", "cluster", "cluster" },
	[SEC_USERS] = { "users", "user", "user" },
	[SEC_CONTEXTS] = { "contexts", "context", "context" },
};

/* Where an entry named `name` already is, or NULL. */
static const char *existing_file(const struct irsa_kubeconfig *kc, enum section s, const char *name)
{
	switch (s) {
	case SEC_CLUSTERS:
		for (size_t i = 0; i < kc->n_clusters; i++)
			if (strcmp(kc->clusters[i].name, name) == 0)
				return kc->clusters[i].file;
		break;
	case SEC_USERS:
		for (size_t i = 0; i < kc->n_users; i++)
			if (strcmp(kc->users[i].name, name) == 0)
				return kc->users[i].file;
		break;
	case SEC_CONTEXTS:
		for (size_t i = 0; i < kc->n_contexts; i++)
			if (strcmp(kc->contexts[i].name, name) == 0)
				return kc->contexts[i].file;
		break;
	}
	return NULL;
}

static int read_section(struct reader *r, struct irsa_kubeconfig *kc, int root, enum section s)
{
	int list = irsa_yaml_map_get(r->doc, root, sections[s].list, NULL);
	char what[300];
	size_t idx = 0;

	if (absent(r->doc, list))
		return 0;
	if (!irsa_yaml_is_seq(r->doc, list))
		return bad(r, "'%s' is not a list", sections[s].list);
	for (; idx < irsa_yaml_seq_size(r->doc, list); idx++) {
		int item = irsa_yaml_node(r->doc, list)->data.sequence.items.start[idx];
		const char *name = irsa_yaml_scalar(r->doc, irsa_yaml_map_get(r->doc, item, "name", NULL));
		int body = irsa_yaml_map_get(r->doc, item, sections[s].item, NULL);
		const char *prev;
		int rc = 0;

		r->what = NULL;
		if (!irsa_yaml_is_map(r->doc, item))
			return bad(r, "%s[%zu] is not a mapping", sections[s].list, idx);
		if (irsa_str_empty(name))
			return bad(r, "%s[%zu] has no 'name'", sections[s].list, idx);
		snprintf(what, sizeof(what), "%s '%s'", sections[s].what, name);
		prev = existing_file(kc, s, name);
		if (prev == r->file)
			return bad(r, "duplicate %s name '%s' in '%s'", sections[s].what, name,
				   sections[s].list);
		if (prev)
			continue; /* the first file to define a name wins */
		r->what = what;
		switch (s) {
		case SEC_CLUSTERS: {
			struct irsa_kubeconfig_cluster c = { .file = r->file };

			rc = read_cluster(r, body, &c);
			if (rc < 0) {
				cluster_release(&c);
				break;
			}
			c.name = irsa_strdup(name);
			kc->clusters = irsa_realloc(kc->clusters, (kc->n_clusters + 1) * sizeof(c));
			kc->clusters[kc->n_clusters++] = c;
			break;
		}
		case SEC_USERS: {
			struct irsa_kubeconfig_user u = { .file = r->file };

			rc = read_user(r, body, &u);
			if (rc < 0) {
				user_release(&u);
				break;
			}
			u.name = irsa_strdup(name);
			kc->users = irsa_realloc(kc->users, (kc->n_users + 1) * sizeof(u));
			kc->users[kc->n_users++] = u;
			break;
		}
		case SEC_CONTEXTS: {
			struct irsa_kubeconfig_context c = { .file = r->file };

			rc = read_context(r, body, &c);
			if (rc < 0) {
				context_release(&c);
				break;
			}
			c.name = irsa_strdup(name);
			kc->contexts = irsa_realloc(kc->contexts, (kc->n_contexts + 1) * sizeof(c));
			kc->contexts[kc->n_contexts++] = c;
			break;
		}
		}
		r->what = NULL;
		if (rc < 0)
			return -1;
	}
	return 0;
}

static char *dir_of(const char *file)
{
	const char *slash = strrchr(file, '/');
	char cwd[PATH_MAX];

	if (slash == file)
		return irsa_strdup("/");
	if (slash && file[0] == '/')
		return irsa_strndup(file, (size_t)(slash - file));
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	if (!slash)
		return irsa_strdup(cwd);
	return irsa_asprintf("%s/%.*s", cwd, (int)(slash - file), file);
}

/* Parse one file's text into kc (merging by the first-wins rule). */
static int add_file(struct irsa_kubeconfig *kc, const char *name, const char *data, size_t len,
		    struct irsa_error *err)
{
	_cleanup_(irsa_yaml_docs_release) struct irsa_yaml_docs docs = { 0 };
	_cleanup_free_ char *dir = dir_of(name);
	struct reader r = { .dir = dir, .err = err };
	int root;

	kc->files = irsa_realloc(kc->files, (kc->n_files + 1) * sizeof(*kc->files));
	kc->files[kc->n_files] = irsa_strdup(name);
	r.file = kc->files[kc->n_files++];
	if (irsa_yaml_load("kubeconfig", r.file, data, len, &docs, err) < 0)
		return -1;
	/* like client-go, only the first document counts */
	if (docs.n == 0 || !(root = irsa_yaml_root(&docs.doc[0])))
		return 0;
	r.doc = &docs.doc[0];
	if (!irsa_yaml_is_map(r.doc, root))
		return bad(&r, "the top level is not a mapping");
	if (read_section(&r, kc, root, SEC_CLUSTERS) < 0 ||
	    read_section(&r, kc, root, SEC_USERS) < 0 ||
	    read_section(&r, kc, root, SEC_CONTEXTS) < 0)
		return -1;
	if (!kc->current_context) {
		char *cur = NULL;

		if (get_string(&r, root, "current-context", &cur) < 0)
			return -1;
		if (cur && *cur) {
			kc->current_context = cur;
			kc->current_context_file = r.file;
		} else {
			free(cur);
		}
	}
	return 0;
}

int irsa_kubeconfig_parse(const char *name, const char *data, size_t len,
			  struct irsa_kubeconfig **ret, struct irsa_error *err)
{
	struct irsa_kubeconfig *kc = irsa_malloc0(sizeof(*kc));

	if (add_file(kc, name, data, len, err) < 0) {
		irsa_kubeconfig_free(kc);
		return -1;
	}
	*ret = kc;
	return 0;
}

static int read_one(struct irsa_kubeconfig *kc, const char *path, bool must_exist,
		    struct irsa_error *err)
{
	_cleanup_buf_ struct irsa_buf text = IRSA_BUF_INIT;
	struct irsa_error e = { 0 };

	if (irsa_file_read(path, KUBECONFIG_MAX, "kubeconfig", &text, &e) < 0) {
		if (e.kind == IRSA_ERR_NOT_FOUND && !must_exist)
			return 0;
		if (err) {
			*err = e;
			err->kind = IRSA_ERR_USAGE;
		}
		return -1;
	}
	return add_file(kc, path, irsa_buf_str(&text), text.len, err);
}

int irsa_kubeconfig_load(const char *path, const char *env_list, struct irsa_kubeconfig **ret,
			 struct irsa_error *err)
{
	struct irsa_kubeconfig *kc = irsa_malloc0(sizeof(*kc));
	_cleanup_free_ char *home_config = NULL;
	int r = 0;

	if (!irsa_str_empty(path)) {
		r = read_one(kc, path, true, err);
	} else if (!irsa_str_empty(env_list)) {
		_cleanup_free_ char *list = irsa_strdup(env_list);
		char *save = NULL;

		for (char *p = strtok_r(list, ":", &save); p && r == 0; p = strtok_r(NULL, ":", &save)) {
			bool seen = false;

			for (size_t i = 0; i < kc->n_files; i++)
				seen |= strcmp(kc->files[i], p) == 0;
			if (!seen)
				r = read_one(kc, p, false, err);
		}
		if (r == 0 && kc->n_files == 0)
			r = irsa_error_set(err, IRSA_ERR_USAGE,
					   "no kubeconfig: none of the files in KUBECONFIG ('%s') exists",
					   env_list);
	} else {
		home_config = irsa_path_expand_home("~/.kube/config");
		r = read_one(kc, home_config, false, err);
		if (r == 0 && kc->n_files == 0)
			r = irsa_error_set(err, IRSA_ERR_USAGE,
					   "no kubeconfig: '%s' does not exist; use --kubeconfig or KUBECONFIG",
					   home_config);
	}
	if (r < 0) {
		irsa_kubeconfig_free(kc);
		return -1;
	}
	*ret = kc;
	return 0;
}

/* ---- selection ----------------------------------------------------- */

int irsa_kubeconfig_select(const struct irsa_kubeconfig *kc, const char *context_name,
			   struct irsa_kubeconfig_selection *ret, struct irsa_error *err)
{
	static const struct irsa_kubeconfig_user anonymous = { .name = (char *)"" };
	const struct irsa_kubeconfig_context *ctx = NULL;
	const char *name = context_name;
	struct irsa_kubeconfig_selection sel = { 0 };

	if (irsa_str_empty(name))
		name = kc->current_context;
	if (irsa_str_empty(name))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "kubeconfig '%s' has no current-context; use --context",
				      kc->n_files ? kc->files[0] : "");
	for (size_t i = 0; i < kc->n_contexts; i++)
		if (strcmp(kc->contexts[i].name, name) == 0)
			ctx = &kc->contexts[i];
	if (!ctx) {
		_cleanup_buf_ struct irsa_buf known = IRSA_BUF_INIT;
		_cleanup_buf_ struct irsa_buf files = IRSA_BUF_INIT;

		for (size_t i = 0; i < kc->n_contexts; i++)
			irsa_buf_printf(&known, "%s'%s'", i ? ", " : "", kc->contexts[i].name);
		for (size_t i = 0; i < kc->n_files; i++)
			irsa_buf_printf(&files, "%s'%s'", i ? ", " : "", kc->files[i]);
		return irsa_error_set(err, IRSA_ERR_USAGE, "context '%s'%s not found in kubeconfig %s; %s%s",
				      name, irsa_str_empty(context_name) ? " (current-context)" : "",
				      irsa_buf_str(&files),
				      kc->n_contexts ? "known contexts: " : "it defines no contexts",
				      irsa_buf_str(&known));
	}
	sel.context = ctx;
	if (irsa_str_empty(ctx->cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE, "kubeconfig '%s': context '%s' names no cluster",
				      ctx->file, ctx->name);
	for (size_t i = 0; i < kc->n_clusters; i++)
		if (strcmp(kc->clusters[i].name, ctx->cluster) == 0)
			sel.cluster = &kc->clusters[i];
	if (!sel.cluster)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "kubeconfig '%s': context '%s' names cluster '%s', which is not defined",
				      ctx->file, ctx->name, ctx->cluster);
	if (irsa_str_empty(sel.cluster->server))
		return irsa_error_set(err, IRSA_ERR_USAGE, "kubeconfig '%s': cluster '%s' has no 'server'",
				      sel.cluster->file, sel.cluster->name);
	if (irsa_str_empty(ctx->user)) {
		sel.user = &anonymous;
	} else {
		for (size_t i = 0; i < kc->n_users; i++)
			if (strcmp(kc->users[i].name, ctx->user) == 0)
				sel.user = &kc->users[i];
		if (!sel.user)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "kubeconfig '%s': context '%s' names user '%s', which is not defined",
					      ctx->file, ctx->name, ctx->user);
	}
	*ret = sel;
	return 0;
}

char *irsa_kubeconfig_target_path(const char *path, const char *env_list)
{
	if (!irsa_str_empty(path))
		return irsa_strdup(path);
	if (!irsa_str_empty(env_list)) {
		size_t n = strcspn(env_list, ":");

		if (n)
			return irsa_strndup(env_list, n);
	}
	return irsa_path_expand_home("~/.kube/config");
}

/* ---- writing ------------------------------------------------------- */

static int add_map(yaml_document_t *d)
{
	return yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);
}

static int add_seq(yaml_document_t *d)
{
	return yaml_document_add_sequence(d, NULL, YAML_BLOCK_SEQUENCE_STYLE);
}

static void put(yaml_document_t *d, int map, const char *key, int value)
{
	yaml_document_append_mapping_pair(d, map, irsa_yaml_add_string(d, key), value);
}

static void put_str(yaml_document_t *d, int map, const char *key, const char *value)
{
	put(d, map, key, irsa_yaml_add_string(d, value));
}

static int build_cluster(yaml_document_t *d, const struct irsa_kubeconfig_entry *e)
{
	int item = add_map(d), body = add_map(d);

	put_str(d, body, "certificate-authority-data", e->ca_data);
	put_str(d, body, "server", e->server);
	put(d, item, "cluster", body);
	put_str(d, item, "name", e->cluster_name);
	return item;
}

static int build_context(yaml_document_t *d, const struct irsa_kubeconfig_entry *e)
{
	int item = add_map(d), body = add_map(d);

	put_str(d, body, "cluster", e->cluster_name);
	put_str(d, body, "user", e->user_name);
	put(d, item, "context", body);
	put_str(d, item, "name", e->context_name);
	return item;
}

static int build_user(yaml_document_t *d, const struct irsa_kubeconfig_entry *e)
{
	int item = add_map(d), body = add_map(d), exec = add_map(d), args = add_seq(d);

	put_str(d, item, "name", e->user_name);
	put_str(d, exec, "apiVersion", e->exec_api_version);
	for (size_t i = 0; i < e->n_exec_args; i++)
		yaml_document_append_sequence_item(d, args, irsa_yaml_add_string(d, e->exec_args[i]));
	put(d, exec, "args", args);
	put_str(d, exec, "command", e->exec_command);
	if (e->n_exec_env) {
		int env = add_seq(d);

		for (size_t i = 0; i < e->n_exec_env; i++) {
			int pair = add_map(d);

			put_str(d, pair, "name", e->exec_env[i].name);
			put_str(d, pair, "value", e->exec_env[i].value);
			yaml_document_append_sequence_item(d, env, pair);
		}
		put(d, exec, "env", env);
	}
	put(d, body, "exec", exec);
	put(d, item, "user", body);
	return item;
}

struct writer {
	const char *file;
	yaml_document_t *doc;
	int root;
	bool changed;
	struct irsa_error *err;
};

/* Set key in the root mapping: the pair readers use (the last one with
 * that key) gets the value, or a new pair is appended. */
static void set_root_value(struct writer *w, const char *key, int value)
{
	int k = 0;

	if (irsa_yaml_map_get(w->doc, w->root, key, &k)) {
		yaml_node_t *root = irsa_yaml_node(w->doc, w->root);

		for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
			if (p->key == k)
				p->value = value;
	} else {
		put(w->doc, w->root, key, value);
	}
	w->changed = true;
}

/* The list under key in the root, created when missing or null. */
static int root_list(struct writer *w, const char *key)
{
	int v = irsa_yaml_map_get(w->doc, w->root, key, NULL);
	int list;

	if (irsa_yaml_is_seq(w->doc, v))
		return v;
	if (!absent(w->doc, v)) {
		irsa_error_set(w->err, IRSA_ERR_USAGE, "kubeconfig '%s': '%s' is not a list",
			       w->file, key);
		return 0;
	}
	list = add_seq(w->doc);
	set_root_value(w, key, list);
	return list;
}

/* Replace the item named `name` in the list, or append; *ret_found. */
static int upsert(struct writer *w, const char *key, const char *name, int item, bool *ret_found)
{
	int list = root_list(w, key);
	yaml_node_t *l;

	if (!list)
		return -1;
	l = irsa_yaml_node(w->doc, list);
	*ret_found = false;
	for (yaml_node_item_t *i = l->data.sequence.items.start; i < l->data.sequence.items.top; i++) {
		const char *n = irsa_yaml_scalar(w->doc, irsa_yaml_map_get(w->doc, *i, "name", NULL));

		if (!n || strcmp(n, name) != 0)
			continue;
		*ret_found = true;
		/* the same data as a reader sees it (a repeated key counts
		 * once, with its last value) */
		if (!irsa_yaml_equal(w->doc, *i, w->doc, item)) {
			*i = item;
			/* A flow list would force our block entries into flow style. */
			l->data.sequence.style = YAML_BLOCK_SEQUENCE_STYLE;
			w->changed = true;
		}
		return 0;
	}
	l->data.sequence.style = YAML_BLOCK_SEQUENCE_STYLE;
	yaml_document_append_sequence_item(w->doc, list, item);
	w->changed = true;
	return 0;
}

static void set_current(struct writer *w, const char *name)
{
	int cur = irsa_yaml_map_get(w->doc, w->root, "current-context", NULL);

	if (irsa_yaml_is_string(w->doc, cur) && strcmp(irsa_yaml_scalar(w->doc, cur), name) == 0)
		return;
	set_root_value(w, "current-context", irsa_yaml_add_string(w->doc, name));
}

static int new_skeleton(yaml_document_t *d)
{
	int root;

	if (!yaml_document_initialize(d, NULL, NULL, NULL, 1, 1))
		return -1;
	root = add_map(d);
	put_str(d, root, "apiVersion", "v1");
	put(d, root, "clusters", add_seq(d));
	put(d, root, "contexts", add_seq(d));
	put_str(d, root, "current-context", "");
	put_str(d, root, "kind", "Config");
	put(d, root, "preferences", yaml_document_add_mapping(d, NULL, YAML_FLOW_MAPPING_STYLE));
	put(d, root, "users", add_seq(d));
	return 0;
}

/* Every document, the changed first one and the others as they were. */
static int emit_all(const char *file, struct irsa_yaml_docs *docs, char **ret,
		    struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;

	for (size_t i = 0; i < docs->n; i++) {
		int root = irsa_yaml_root(&docs->doc[i]);

		if (i)
			irsa_buf_puts(&out, "---\n");
		if (root && irsa_yaml_emit_node(&docs->doc[i], root, 2, &out) < 0) {
			irsa_buf_release(&out);
			return irsa_error_set(err, IRSA_ERR_INTERNAL,
					      "cannot write kubeconfig '%s' as YAML (out of memory?)", file);
		}
	}
	*ret = irsa_buf_detach(&out);
	return 0;
}

int irsa_kubeconfig_merge_entry(const char *file, const char *old, size_t old_len,
				const struct irsa_kubeconfig_entry *entry, char **ret_content,
				enum irsa_kubeconfig_change *ret_change, struct irsa_error *err)
{
	_cleanup_(irsa_yaml_docs_release) struct irsa_yaml_docs docs = { 0 };
	struct writer w = { .file = file, .err = err };
	bool found_cluster, found_user, found_context = false;
	int r;

	if (old && old_len && irsa_yaml_load("kubeconfig", file, old, old_len, &docs, err) < 0)
		return -1;
	if (docs.n == 0 || !irsa_yaml_root(&docs.doc[0])) {
		if (docs.n == 0)
			docs.doc = irsa_realloc(docs.doc, ++docs.n * sizeof(*docs.doc));
		else
			yaml_document_delete(&docs.doc[0]);
		memset(&docs.doc[0], 0, sizeof(docs.doc[0]));
		if (new_skeleton(&docs.doc[0]) < 0)
			return irsa_error_set(err, IRSA_ERR_INTERNAL, "out of memory");
		w.changed = true;
	}
	w.doc = &docs.doc[0];
	w.root = irsa_yaml_root(w.doc);
	if (!irsa_yaml_is_map(w.doc, w.root))
		return irsa_error_set(err, IRSA_ERR_USAGE, "kubeconfig '%s': the top level is not a mapping",
				      file);
	r = upsert(&w, "clusters", entry->cluster_name, build_cluster(w.doc, entry), &found_cluster);
	if (r == 0)
		r = upsert(&w, "users", entry->user_name, build_user(w.doc, entry), &found_user);
	if (r == 0)
		r = upsert(&w, "contexts", entry->context_name, build_context(w.doc, entry), &found_context);
	if (r < 0)
		return -1;
	if (entry->set_current)
		set_current(&w, entry->context_name);
	if (!w.changed) {
		*ret_content = irsa_strndup(old, old_len);
		*ret_change = IRSA_KUBECONFIG_UNCHANGED;
		return 0;
	}
	if (emit_all(file, &docs, ret_content, err) < 0)
		return -1;
	*ret_change = found_context ? IRSA_KUBECONFIG_UPDATED : IRSA_KUBECONFIG_ADDED;
	return 0;
}
