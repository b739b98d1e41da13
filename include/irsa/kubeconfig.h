#pragma once
/* kubeconfig files, read and merged the way kubectl does it, and the one
 * edit irsactl makes to them (update-kubeconfig).
 *
 * Loading rules (client-go's):
 *   - an explicit path (--kubeconfig): that one file, which must exist;
 *   - else $KUBECONFIG, a ':'-separated list of files, merged: for the
 *     clusters, users and contexts maps the first file that defines a name
 *     wins; current-context comes from the first file that sets it; files
 *     in the list that do not exist are skipped;
 *   - else ~/.kube/config.
 * Relative paths inside a file (certificate-authority, client-certificate,
 * client-key, tokenFile, and an exec command that contains a '/') are
 * resolved against the directory of the file that defined the entry.
 * The *-data fields are base64-decoded on load.
 *
 * Everything returned is owned by the struct irsa_kubeconfig. */
#include <stdbool.h>
#include <stddef.h>
#include "irsa/error.h"

struct irsa_kubeconfig_env {
	char *name;
	char *value;
};

struct irsa_kubeconfig_exec {
	char *api_version;      /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;          /* resolved when it contains a '/' */
	char **args;
	size_t n_args;
	struct irsa_kubeconfig_env *env;
	size_t n_env;
	char *install_hint;     /* NULL if none */
	char *interactive_mode; /* "Never", "IfAvailable", "Always"; NULL if unset */
	bool provide_cluster_info;
};

struct irsa_kubeconfig_cluster {
	char *name;
	const char *file;                 /* the file that defined it (borrowed) */
	char *server;
	char *certificate_authority;      /* absolute path, or NULL */
	char *certificate_authority_data; /* decoded PEM, or NULL */
	char *tls_server_name;
	bool insecure_skip_tls_verify;
	char *proxy_url;
};

struct irsa_kubeconfig_user {
	char *name;
	const char *file;
	char *token;                   /* secret */
	char *token_file;              /* absolute path */
	char *client_certificate;      /* absolute path */
	char *client_certificate_data; /* decoded PEM */
	char *client_key;              /* absolute path */
	char *client_key_data;         /* decoded PEM, secret */
	char *username;
	char *password;                /* secret */
	struct irsa_kubeconfig_exec *exec; /* NULL if none */
	char *auth_provider;           /* name of a (unsupported) auth-provider */
};

struct irsa_kubeconfig_context {
	char *name;
	const char *file;
	char *cluster;
	char *user;
	char *namespace; /* NULL if none */
};

struct irsa_kubeconfig {
	char **files;    /* the files that were read, in order */
	size_t n_files;
	struct irsa_kubeconfig_cluster *clusters;
	size_t n_clusters;
	struct irsa_kubeconfig_user *users;
	size_t n_users;
	struct irsa_kubeconfig_context *contexts;
	size_t n_contexts;
	char *current_context; /* NULL if no file sets it */
	const char *current_context_file;
};

/* Load by the rules above. path: --kubeconfig or NULL; env_list: the value
 * of KUBECONFIG or NULL. Errors (IRSA_ERR_USAGE) name the file and entry:
 * a missing explicit file, an unreadable or malformed file, a duplicate
 * name, invalid base64, no file at all. */
int irsa_kubeconfig_load(const char *path, const char *env_list, struct irsa_kubeconfig **ret,
			 struct irsa_error *err);
/* Parse one file's content (for tests). name is used in messages and as
 * the base directory for relative paths. */
int irsa_kubeconfig_parse(const char *name, const char *data, size_t len,
			  struct irsa_kubeconfig **ret, struct irsa_error *err);
struct irsa_kubeconfig *irsa_kubeconfig_free(struct irsa_kubeconfig *kc);
static inline void irsa_kubeconfig_freep(struct irsa_kubeconfig **kc) { irsa_kubeconfig_free(*kc); }

/* The entries of one context, borrowed from kc. */
struct irsa_kubeconfig_selection {
	const struct irsa_kubeconfig_context *context;
	const struct irsa_kubeconfig_cluster *cluster;
	const struct irsa_kubeconfig_user *user; /* an empty user for "user: ''" */
};

/* Pick the context (context_name, else current-context) and its cluster
 * and user. An unknown context is IRSA_ERR_USAGE listing the known ones;
 * a context naming a missing cluster or user, or a cluster without a
 * server, is IRSA_ERR_USAGE naming the file and entry. */
int irsa_kubeconfig_select(const struct irsa_kubeconfig *kc, const char *context_name,
			   struct irsa_kubeconfig_selection *ret, struct irsa_error *err);

/* The file update-kubeconfig writes to: path, else the first entry of
 * env_list, else ~/.kube/config. malloc'd. */
char *irsa_kubeconfig_target_path(const char *path, const char *env_list);

/* One cluster + user + context entry, as `aws eks update-kubeconfig`
 * writes it. */
struct irsa_kubeconfig_entry {
	const char *cluster_name;
	const char *server;
	const char *ca_data;       /* base64, as in certificate-authority-data */
	const char *user_name;
	const char *context_name;
	const char *exec_api_version;
	const char *exec_command;
	const char *const *exec_args;
	size_t n_exec_args;
	const struct irsa_kubeconfig_env *exec_env; /* borrowed; may be NULL */
	size_t n_exec_env;
	bool set_current;
};

enum irsa_kubeconfig_change {
	IRSA_KUBECONFIG_UNCHANGED = 0,
	IRSA_KUBECONFIG_ADDED,    /* new context (the file may be new too) */
	IRSA_KUBECONFIG_UPDATED,  /* existing entries replaced */
};

/* Merge entry into the kubeconfig text `old` (NULL or empty: a new file):
 * the cluster, user and context of the same names are replaced whole (as
 * the aws CLI does), others appended; current-context set when asked;
 * every other entry and field is kept, and so are further YAML documents
 * (re-emitted after the first). Entries are compared as YAML readers see
 * them (irsa_yaml_equal(): a repeated key counts once, its last value).
 * Parses and emits with irsa/yaml.h, so comments in the file are not kept
 * when it changes; values read back the same (nulls stay null, strings
 * that look like numbers are quoted). *ret_content is the
 * new text (malloc'd; equal to old when unchanged). `file` names the file
 * in messages. */
int irsa_kubeconfig_merge_entry(const char *file, const char *old, size_t old_len,
				const struct irsa_kubeconfig_entry *entry, char **ret_content,
				enum irsa_kubeconfig_change *ret_change, struct irsa_error *err);
