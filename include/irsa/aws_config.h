#pragma once
/* The AWS shared config and credentials files (INI), as the SDKs read them:
 * AWS_CONFIG_FILE (default ~/.aws/config, sections "[default]" and
 * "[profile NAME]") and AWS_SHARED_CREDENTIALS_FILE (default
 * ~/.aws/credentials, sections "[NAME]"), and the config file's
 * "[sso-session NAME]" sections. A profile keeps each file's keys apart:
 * the merged view (irsa_profile_get) lets the credentials file win, as
 * botocore's full_config does; the credential chain also reads one file
 * alone (irsa_profile_get_in), as botocore's shared-credentials and
 * config-file providers do. Missing files are fine. */
#include <stdbool.h>
#include "irsa/error.h"
#include "irsa/strlist.h"

enum irsa_config_file {
	IRSA_CONFIG_FILE_CONFIG,
	IRSA_CONFIG_FILE_CREDENTIALS,
};

/* A profile, or an sso-session section (config-file items only). */
struct irsa_profile {
	char *name;
	struct irsa_kv *items[2]; /* per enum irsa_config_file; keys lower-cased */
	size_t n_items[2];
};

struct irsa_config;

/* Load both files. Paths NULL or "" = AWS_CONFIG_FILE /
 * AWS_SHARED_CREDENTIALS_FILE from the process environment, else the
 * defaults (a session with injected env ops passes its own values).
 * "~/" is expanded. Each file may be at most 1 MiB.
 * A syntax error names the file and line. Caller frees with
 * irsa_config_free(). */
int irsa_config_load(const char *config_path, const char *credentials_path,
		     struct irsa_config **ret, struct irsa_error *err);
struct irsa_config *irsa_config_free(struct irsa_config *c);
/* NULL when no such profile in either file. Borrowed from c. */
const struct irsa_profile *irsa_config_profile(const struct irsa_config *c, const char *name);
/* The "[sso-session NAME]" section, NULL when none. Borrowed from c. */
const struct irsa_profile *irsa_config_sso_session(const struct irsa_config *c,
						   const char *name);
/* Value of key (any case) in profile, the credentials file's first, NULL
 * when unset or empty (a nested sub-section such as "s3 =" reads as
 * unset). p may be NULL. Borrowed. */
const char *irsa_profile_get(const struct irsa_profile *p, const char *key);
/* The same, from one file only. */
const char *irsa_profile_get_in(const struct irsa_profile *p, enum irsa_config_file file,
				const char *key);
/* True when key is present in either file, even with an empty value
 * (botocore's `key in profile`). */
bool irsa_profile_has(const struct irsa_profile *p, const char *key);
/* The names of every profile, sorted, for error messages and completion.
 * *ret_names is a malloc'd array (free() it) of names borrowed from c. */
size_t irsa_config_profile_names(const struct irsa_config *c, const char ***ret_names);
/* 0 when profile `name` exists; otherwise -1 with IRSA_ERR_USAGE:
 * "profile 'x' not found in '~/.aws/config' or '~/.aws/credentials';
 * known profiles: a, b". For --profile and AWS_PROFILE. */
int irsa_config_require_profile(const struct irsa_config *c, const char *name,
				struct irsa_error *err);
/* The two files as the user named them ("~/.aws/config" by default). */
const char *irsa_config_path(const struct irsa_config *c);
const char *irsa_config_credentials_path(const struct irsa_config *c);
