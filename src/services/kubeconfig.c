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

#include <yaml.h>

#include "irsa/buf.h"
#include "irsa/fileutil.h"
#include "irsa/kubeconfig.h"
#include "irsa/strutil.h"

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

/* ---- YAML document helpers ----------------------------------------- */

static void yaml_document_deletep(yaml_document_t *d)
{
	yaml_document_delete(d);
}

static yaml_node_t *node_at(yaml_document_t *doc, int id)
{
	return id ? yaml_document_get_node(doc, id) : NULL;
}

static const char *scalar_value(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain "null", "~" or empty scalar: YAML's null. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = scalar_value(n);

	if (!n)
		return true;
	if (!v || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	       strcmp(v, "NULL") == 0;
}

static yaml_node_pair_t *map_pair(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar_value(node_at(doc, p->key));

		if (k && strcmp(k, key) == 0)
			return p;
	}
	return NULL;
}

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p = map_pair(doc, map, key);

	return p ? node_at(doc, p->value) : NULL;
}

static void yaml_problem(const yaml_parser_t *p, struct irsa_buf *out)
{
	irsa_buf_printf(out, "malformed YAML at line %zu, column %zu: %s",
			p->problem_mark.line + 1, p->problem_mark.column + 1,
			p->problem ? p->problem : "parse error");
	if (p->context)
		irsa_buf_printf(out, " (%s at line %zu)", p->context, p->context_mark.line + 1);
}

/* Load the first document of text. *ret_empty when the text holds no
 * document (an empty file, or only comments). */
static int load_document(const char *file, const char *text, size_t len, yaml_document_t *doc,
			 bool *ret_empty, struct irsa_error *err)
{
	yaml_parser_t parser;
	_cleanup_buf_ struct irsa_buf why = IRSA_BUF_INIT;

	memset(doc, 0, sizeof(*doc));
	if (!yaml_parser_initialize(&parser))
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "out of memory parsing YAML");
	yaml_parser_set_input_string(&parser, (const unsigned char *)(text ? text : ""), len);
	if (!yaml_parser_load(&parser, doc)) {
		yaml_problem(&parser, &why);
		yaml_parser_delete(&parser);
		memset(doc, 0, sizeof(*doc));
		return irsa_error_set(err, IRSA_ERR_USAGE, "kubeconfig '%s': %s", file,
				      irsa_buf_str(&why));
	}
	yaml_parser_delete(&parser);
	*ret_empty = yaml_document_get_root_node(doc) == NULL;
	return 0;
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
static int get_string(struct reader *r, yaml_node_t *map, const char *key, char **ret)
{
	yaml_node_t *n = map_get(r->doc, map, key);

	if (is_null(n))
		return 0;
	if (n->type != YAML_SCALAR_NODE)
		return bad(r, "'%s' is not a string", key);
	free(*ret);
	*ret = irsa_strdup((const char *)n->data.scalar.value);
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

static int get_bool(struct reader *r, yaml_node_t *map, const char *key, bool *ret)
{
	yaml_node_t *n = map_get(r->doc, map, key);

	if (is_null(n))
		return 0;
	if (n->type != YAML_SCALAR_NODE || parse_bool(scalar_value(n), ret) < 0)
		return bad(r, "'%s' is not true or false", key);
	return 0;
}

/* A path field, made absolute against the file's directory. */
static int get_path(struct reader *r, yaml_node_t *map, const char *key, char **ret)
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
static int get_data(struct reader *r, yaml_node_t *map, const char *key, char **ret)
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

static int check_mapping(struct reader *r, yaml_node_t *n, const char *key)
{
	if (n && n->type != YAML_MAPPING_NODE && !is_null(n))
		return bad(r, "'%s' is not a mapping", key);
	return 0;
}

static int read_exec(struct reader *r, yaml_node_t *map, struct irsa_kubeconfig_exec **ret)
{
	struct irsa_kubeconfig_exec *e = irsa_malloc0(sizeof(*e));
	yaml_node_t *args = map_get(r->doc, map, "args");
	yaml_node_t *env = map_get(r->doc, map, "env");

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
	if (!is_null(args)) {
		if (args->type != YAML_SEQUENCE_NODE) {
			bad(r, "exec 'args' is not a list");
			goto fail;
		}
		for (yaml_node_item_t *i = args->data.sequence.items.start; i < args->data.sequence.items.top; i++) {
			const char *v = scalar_value(node_at(r->doc, *i));

			if (!v) {
				bad(r, "exec 'args' has an entry that is not a string");
				goto fail;
			}
			e->args = irsa_realloc(e->args, (e->n_args + 1) * sizeof(*e->args));
			e->args[e->n_args++] = irsa_strdup(v);
		}
	}
	if (!is_null(env)) {
		if (env->type != YAML_SEQUENCE_NODE) {
			bad(r, "exec 'env' is not a list");
			goto fail;
		}
		for (yaml_node_item_t *i = env->data.sequence.items.start; i < env->data.sequence.items.top; i++) {
			yaml_node_t *item = node_at(r->doc, *i);
			const char *name = scalar_value(map_get(r->doc, item, "name"));
			const char *value = scalar_value(map_get(r->doc, item, "value"));

			if (!item || item->type != YAML_MAPPING_NODE || irsa_str_empty(name)) {
				bad(r, "exec 'env' has an entry without a 'name'");
				goto fail;
			}
			e->env = irsa_realloc(e->env, (e->n_env + 1) * sizeof(*e->env));
			e->env[e->n_env].name = irsa_strdup(name);
			e->env[e->n_env].value = irsa_strdup(value && !is_null(map_get(r->doc, item, "value")) ? value : "");
			e->n_env++;
		}
	}
	*ret = e;
	return 0;
fail:
	exec_free(e);
	return -1;
}

static int read_cluster(struct reader *r, yaml_node_t *map, struct irsa_kubeconfig_cluster *c)
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

static int read_user(struct reader *r, yaml_node_t *map, struct irsa_kubeconfig_user *u)
{
	yaml_node_t *exec = map_get(r->doc, map, "exec");
	yaml_node_t *ap = map_get(r->doc, map, "auth-provider");

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
	if (!is_null(exec)) {
		if (exec->type != YAML_MAPPING_NODE)
			return bad(r, "'exec' is not a mapping");
		if (read_exec(r, exec, &u->exec) < 0)
			return -1;
	}
	if (!is_null(ap)) {
		const char *name = scalar_value(map_get(r->doc, ap, "name"));

		u->auth_provider = irsa_strdup(name ? name : "unnamed");
	}
	return 0;
}

static int read_context(struct reader *r, yaml_node_t *map, struct irsa_kubeconfig_context *c)
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

static int read_section(struct reader *r, struct irsa_kubeconfig *kc, yaml_node_t *root,
			enum section s)
{
	yaml_node_t *list = map_get(r->doc, root, sections[s].list);
	char what[300];
	size_t idx = 0;

	if (is_null(list))
		return 0;
	if (list->type != YAML_SEQUENCE_NODE)
		return bad(r, "'%s' is not a list", sections[s].list);
	for (yaml_node_item_t *i = list->data.sequence.items.start; i < list->data.sequence.items.top; i++, idx++) {
		yaml_node_t *item = node_at(r->doc, *i);
		const char *name = scalar_value(map_get(r->doc, item, "name"));
		yaml_node_t *body = map_get(r->doc, item, sections[s].item);
		const char *prev;
		int rc = 0;

		r->what = NULL;
		if (!item || item->type != YAML_MAPPING_NODE)
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
	_cleanup_(yaml_document_deletep) yaml_document_t doc;
	_cleanup_free_ char *dir = dir_of(name);
	struct reader r = { .dir = dir, .doc = &doc, .err = err };
	yaml_node_t *root;
	bool empty;

	kc->files = irsa_realloc(kc->files, (kc->n_files + 1) * sizeof(*kc->files));
	kc->files[kc->n_files] = irsa_strdup(name);
	r.file = kc->files[kc->n_files++];
	if (load_document(r.file, data, len, &doc, &empty, err) < 0)
		return -1;
	if (empty)
		return 0;
	root = yaml_document_get_root_node(&doc);
	if (root->type != YAML_MAPPING_NODE)
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

/* A string that YAML would read as something else must be quoted. */
static bool needs_quotes(const char *s)
{
	static const char *const special[] = {
		"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
		"True", "False", "Yes", "No", "On", "Off", "Null", "NULL", "TRUE", "FALSE",
		"YES", "NO", "ON", "OFF", "Y", "N", "",
	};
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(special); i++)
		if (strcmp(s, special[i]) == 0)
			return true;
	(void)strtod(s, &end);
	return *end == '\0';
}

static int add_str(yaml_document_t *d, const char *s)
{
	return yaml_document_add_scalar(d, NULL, (yaml_char_t *)s, (int)strlen(s),
					needs_quotes(s) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
							: YAML_ANY_SCALAR_STYLE);
}

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
	yaml_document_append_mapping_pair(d, map, add_str(d, key), value);
}

static void put_str(yaml_document_t *d, int map, const char *key, const char *value)
{
	put(d, map, key, add_str(d, value));
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
		yaml_document_append_sequence_item(d, args, add_str(d, e->exec_args[i]));
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

/* Structural equality, ignoring scalar styles and mapping key order. */
static bool node_equal(yaml_document_t *d, int a_id, int b_id)
{
	yaml_node_t *a = node_at(d, a_id), *b = node_at(d, b_id);

	if (!a || !b || a->type != b->type)
		return false;
	switch (a->type) {
	case YAML_SCALAR_NODE:
		return a->data.scalar.length == b->data.scalar.length &&
		       memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
	case YAML_SEQUENCE_NODE: {
		ptrdiff_t n = a->data.sequence.items.top - a->data.sequence.items.start;

		if (n != b->data.sequence.items.top - b->data.sequence.items.start)
			return false;
		for (ptrdiff_t i = 0; i < n; i++)
			if (!node_equal(d, a->data.sequence.items.start[i], b->data.sequence.items.start[i]))
				return false;
		return true;
	}
	case YAML_MAPPING_NODE: {
		ptrdiff_t n = a->data.mapping.pairs.top - a->data.mapping.pairs.start;

		if (n != b->data.mapping.pairs.top - b->data.mapping.pairs.start)
			return false;
		for (ptrdiff_t i = 0; i < n; i++) {
			yaml_node_pair_t pa = a->data.mapping.pairs.start[i];
			const char *key = scalar_value(node_at(d, pa.key));
			yaml_node_pair_t *pb;

			if (!key)
				return false;
			/* b may move when nodes are added; look it up again. */
			pb = map_pair(d, node_at(d, b_id), key);
			if (!pb || !node_equal(d, pa.value, pb->value))
				return false;
		}
		return true;
	}
	default:
		return false;
	}
}

struct writer {
	const char *file;
	yaml_document_t *doc;
	int root;
	bool changed;
	struct irsa_error *err;
};

/* The list under key in the root, created when missing or null. */
static int root_list(struct writer *w, const char *key)
{
	yaml_node_pair_t *p = map_pair(w->doc, node_at(w->doc, w->root), key);
	int list;

	if (p && node_at(w->doc, p->value)->type == YAML_SEQUENCE_NODE)
		return p->value;
	if (p && !is_null(node_at(w->doc, p->value))) {
		irsa_error_set(w->err, IRSA_ERR_USAGE, "kubeconfig '%s': '%s' is not a list",
			       w->file, key);
		return 0;
	}
	list = add_seq(w->doc);
	p = map_pair(w->doc, node_at(w->doc, w->root), key);
	if (p)
		p->value = list;
	else
		put(w->doc, w->root, key, list);
	w->changed = true;
	return list;
}

/* Replace the item named `name` in the list, or append; *ret_found. */
static int upsert(struct writer *w, const char *key, const char *name, int item, bool *ret_found)
{
	int list = root_list(w, key);
	yaml_node_t *l;

	if (!list)
		return -1;
	l = node_at(w->doc, list);
	*ret_found = false;
	for (yaml_node_item_t *i = l->data.sequence.items.start; i < l->data.sequence.items.top; i++) {
		const char *n = scalar_value(map_get(w->doc, node_at(w->doc, *i), "name"));

		if (!n || strcmp(n, name) != 0)
			continue;
		*ret_found = true;
		if (!node_equal(w->doc, *i, item)) {
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

static int set_current(struct writer *w, const char *name)
{
	yaml_node_pair_t *p = map_pair(w->doc, node_at(w->doc, w->root), "current-context");
	const char *cur = p ? scalar_value(node_at(w->doc, p->value)) : NULL;
	int v;

	if (cur && strcmp(cur, name) == 0)
		return 0;
	v = add_str(w->doc, name);
	p = map_pair(w->doc, node_at(w->doc, w->root), "current-context");
	if (p)
		p->value = v;
	else
		put(w->doc, w->root, "current-context", v);
	w->changed = true;
	return 0;
}

static void new_skeleton(yaml_document_t *d)
{
	int root;

	yaml_document_initialize(d, NULL, NULL, NULL, 1, 1);
	root = add_map(d);
	put_str(d, root, "apiVersion", "v1");
	put(d, root, "clusters", add_seq(d));
	put(d, root, "contexts", add_seq(d));
	put(d, root, "current-context", yaml_document_add_scalar(d, NULL, (yaml_char_t *)"", 0,
								  YAML_DOUBLE_QUOTED_SCALAR_STYLE));
	put_str(d, root, "kind", "Config");
	put(d, root, "preferences", yaml_document_add_mapping(d, NULL, YAML_FLOW_MAPPING_STYLE));
	put(d, root, "users", add_seq(d));
}

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	irsa_buf_append(data, buffer, size);
	return 1;
}

/* Emits and deletes the document. */
static int emit(const char *file, yaml_document_t *doc, char **ret, struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	yaml_emitter_t em;
	int ok;

	if (!yaml_emitter_initialize(&em)) {
		yaml_document_delete(doc);
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "out of memory emitting YAML");
	}
	yaml_emitter_set_output(&em, write_handler, &out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	ok = yaml_emitter_open(&em) && yaml_emitter_dump(&em, doc) && yaml_emitter_close(&em) &&
	     yaml_emitter_flush(&em);
	if (!ok) {
		irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write kubeconfig '%s' as YAML: %s",
			       file, em.problem ? em.problem : "emitter error");
		yaml_emitter_delete(&em);
		irsa_buf_release(&out);
		return -1;
	}
	yaml_emitter_delete(&em);
	*ret = irsa_buf_detach(&out);
	return 0;
}

int irsa_kubeconfig_merge_entry(const char *file, const char *old, size_t old_len,
				const struct irsa_kubeconfig_entry *entry, char **ret_content,
				enum irsa_kubeconfig_change *ret_change, struct irsa_error *err)
{
	yaml_document_t doc;
	struct writer w = { .file = file, .doc = &doc, .err = err };
	bool empty = true, found_cluster, found_user, found_context;
	int r;

	if (old && old_len && load_document(file, old, old_len, &doc, &empty, err) < 0)
		return -1;
	if (empty) {
		if (old && old_len)
			yaml_document_delete(&doc);
		new_skeleton(&doc);
		w.changed = true;
	}
	w.root = 1;
	if (node_at(&doc, w.root)->type != YAML_MAPPING_NODE) {
		yaml_document_delete(&doc);
		return irsa_error_set(err, IRSA_ERR_USAGE, "kubeconfig '%s': the top level is not a mapping",
				      file);
	}
	r = upsert(&w, "clusters", entry->cluster_name, build_cluster(&doc, entry), &found_cluster);
	if (r == 0)
		r = upsert(&w, "users", entry->user_name, build_user(&doc, entry), &found_user);
	if (r == 0)
		r = upsert(&w, "contexts", entry->context_name, build_context(&doc, entry), &found_context);
	if (r == 0 && entry->set_current)
		r = set_current(&w, entry->context_name);
	if (r < 0) {
		yaml_document_delete(&doc);
		return -1;
	}
	if (!w.changed) {
		yaml_document_delete(&doc);
		*ret_content = irsa_strndup(old, old_len);
		*ret_change = IRSA_KUBECONFIG_UNCHANGED;
		return 0;
	}
	if (emit(file, &doc, ret_content, err) < 0)
		return -1;
	*ret_change = found_context ? IRSA_KUBECONFIG_UPDATED : IRSA_KUBECONFIG_ADDED;
	return 0;
}
