/* The AWS shared config and credentials files, read as botocore reads
 * them (configparser rules plus the SDK conventions):
 *   - "[default]" and "[profile NAME]" in the config file, "[NAME]" in the
 *     credentials file, "[sso-session NAME]" in the config file; other
 *     config sections ("[services x]", ...) are parsed and ignored;
 *   - "key = value" (or "key: value"), keys case-insensitive, whitespace
 *     trimmed; "#" and ";" start a comment at the start of a line, or after
 *     whitespace inside a value;
 *   - an indented line continues the previous value, or, after a key with
 *     an empty value ("s3 =" then "  max_concurrent_requests = 10"), is
 *     an item of a nested sub-section, which is skipped;
 *   - each profile keeps the keys of each file apart (the SDKs' credential
 *     chain reads them separately); the merged view lets the credentials
 *     file win; later keys win in one file.
 * Messages never quote a line of the file: it may hold a secret. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "irsa/buf.h"
#include "irsa/aws_config.h"
#include "irsa/fileutil.h"
#include "irsa/strutil.h"

#define CONFIG_FILE_MAX (1024u * 1024u)

struct irsa_config {
	struct irsa_profile *profiles;
	size_t n_profiles;
	struct irsa_profile *sso_sessions;
	size_t n_sso_sessions;
	char *config_path;      /* as the user named it, for messages */
	char *credentials_path;
};

/* What an indented line means, given the line before it. */
enum continuation {
	CONT_NONE,   /* no key yet in this section */
	CONT_VALUE,  /* continues the value of the last key */
	CONT_NESTED, /* item of a nested sub-section: skipped */
	CONT_SKIP,   /* the section is ignored */
};

struct parser {
	struct irsa_config *config;
	const char *path;
	enum irsa_config_file file;
	unsigned line;
	bool in_section;
	struct irsa_profile *profile; /* NULL in an ignored section */
	struct irsa_kv *last;         /* for CONT_VALUE */
	enum continuation cont;
};

static void profile_release(struct irsa_profile *p)
{
	for (size_t f = 0; f < ARRAY_SIZE(p->items); f++) {
		for (size_t i = 0; i < p->n_items[f]; i++) {
			free(p->items[f][i].key);
			/* values may be secrets (aws_secret_access_key) */
			irsa_free_secret(p->items[f][i].value);
		}
		free(p->items[f]);
	}
	free(p->name);
}

static void sections_free(struct irsa_profile *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		profile_release(&list[i]);
	free(list);
}

struct irsa_config *irsa_config_free(struct irsa_config *c)
{
	if (!c)
		return NULL;
	sections_free(c->profiles, c->n_profiles);
	sections_free(c->sso_sessions, c->n_sso_sessions);
	free(c->config_path);
	free(c->credentials_path);
	free(c);
	return NULL;
}

static void configp_free(struct irsa_config **c)
{
	irsa_config_free(*c);
}

static struct irsa_profile *find_section(struct irsa_profile *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			return &list[i];
	return NULL;
}

static struct irsa_profile *get_section(struct irsa_profile **list, size_t *n, const char *name)
{
	struct irsa_profile *p = find_section(*list, *n, name);

	if (p)
		return p;
	*list = irsa_realloc(*list, (*n + 1) * sizeof(**list));
	p = &(*list)[(*n)++];
	memset(p, 0, sizeof(*p));
	p->name = irsa_strdup(name);
	return p;
}

static struct irsa_kv *find_item(const struct irsa_profile *p, enum irsa_config_file f,
				 const char *key)
{
	for (size_t i = 0; i < p->n_items[f]; i++)
		if (strcasecmp(p->items[f][i].key, key) == 0)
			return &p->items[f][i];
	return NULL;
}

/* Takes ownership of value. Returns the item, whose address is valid
 * until the next item is added to that profile. */
static struct irsa_kv *set_item(struct irsa_profile *p, enum irsa_config_file f, const char *key,
				char *value)
{
	struct irsa_kv *kv = find_item(p, f, key);

	if (kv) {
		irsa_free_secret(kv->value);
		kv->value = value;
		return kv;
	}
	p->items[f] = irsa_realloc(p->items[f], (p->n_items[f] + 1) * sizeof(*p->items[f]));
	kv = &p->items[f][p->n_items[f]++];
	kv->key = irsa_strdup(key);
	kv->value = value;
	return kv;
}

static int syntax_error(const struct parser *ps, struct irsa_error *err, const char *what)
{
	return irsa_error_set(err, IRSA_ERR_USAGE, "'%s' line %u: %s", ps->path, ps->line, what);
}

/* Cut an inline comment: '#' or ';' preceded by whitespace. */
static void strip_inline_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if ((*p == '#' || *p == ';') && p > s && isspace((unsigned char)p[-1])) {
			*p = '\0';
			break;
		}
	}
	irsa_str_trim(s);
}

/* The name after a "profile" or "sso-session" prefix of a config-file
 * section header, or NULL when the header has another prefix. Returns a
 * pointer into (modified) header. */
static char *section_name(char *header, const char *prefix)
{
	size_t plen = strlen(prefix);
	char *name;
	size_t len;

	if (strncmp(header, prefix, plen) != 0 || !isspace((unsigned char)header[plen]))
		return NULL;
	name = irsa_str_trim(header + plen);
	len = strlen(name);
	if (len >= 2 && name[0] == '"' && name[len - 1] == '"') {
		name[len - 1] = '\0';
		name++;
	}
	return *name ? name : NULL;
}

/* The section a header opens: a profile, an sso-session, or NULL (ignored). */
static struct irsa_profile *open_section(struct parser *ps, char *header)
{
	struct irsa_config *c = ps->config;
	char *name = header;

	if (ps->file == IRSA_CONFIG_FILE_CONFIG && strcmp(header, "default") != 0) {
		name = section_name(header, "sso-session");
		if (name)
			return get_section(&c->sso_sessions, &c->n_sso_sessions, name);
		name = section_name(header, "profile");
	}
	return name ? get_section(&c->profiles, &c->n_profiles, name) : NULL;
}

static int parse_section(struct parser *ps, char *line, struct irsa_error *err)
{
	char *close = strrchr(line, ']');
	char *header;

	/* configparser ignores whatever follows the closing bracket */
	if (!close)
		return syntax_error(ps, err, "section header has no closing ']'");
	*close = '\0';
	header = irsa_str_trim(line + 1);
	if (!*header)
		return syntax_error(ps, err, "empty section name");
	ps->in_section = true;
	ps->profile = open_section(ps, header);
	ps->last = NULL;
	ps->cont = ps->profile ? CONT_NONE : CONT_SKIP;
	return 0;
}

static int parse_key(struct parser *ps, char *line, struct irsa_error *err)
{
	size_t klen = strcspn(line, "=:");
	char *key, *value;

	if (!line[klen])
		return syntax_error(ps, err, "expected 'key = value' or '[section]'");
	if (!ps->in_section)
		return syntax_error(ps, err, "a key before the first [section]");
	line[klen] = '\0';
	key = irsa_str_trim(line);
	value = line + klen + 1;
	if (!*key)
		return syntax_error(ps, err, "a value without a key");
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	strip_inline_comment(value);
	if (!ps->profile) {
		ps->cont = CONT_SKIP;
		return 0;
	}
	ps->last = set_item(ps->profile, ps->file, key, irsa_strdup(value));
	ps->cont = *value ? CONT_VALUE : CONT_NESTED;
	return 0;
}

static void parse_continuation(struct parser *ps, char *line)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	if (ps->cont != CONT_VALUE)
		return; /* nested sub-section item or ignored section */
	strip_inline_comment(line);
	irsa_buf_printf(&b, "%s\n%s", ps->last->value, line);
	irsa_free_secret(ps->last->value);
	ps->last->value = irsa_buf_detach(&b);
}

static int parse_line(struct parser *ps, char *line, struct irsa_error *err)
{
	bool indented = *line == ' ' || *line == '\t';

	irsa_str_trim(line);
	if (!*line || *line == '#' || *line == ';')
		return 0;
	if (indented && ps->cont != CONT_NONE) {
		parse_continuation(ps, line);
		return 0;
	}
	if (*line == '[')
		return parse_section(ps, line, err);
	return parse_key(ps, line, err);
}

static int parse_text(struct irsa_config *c, const char *path, enum irsa_config_file file,
		      char *text, size_t len, struct irsa_error *err)
{
	struct parser ps = { .config = c, .path = path, .file = file };
	char *p = text, *end = text + len;

	if (memchr(text, '\0', len))
		return irsa_error_set(err, IRSA_ERR_USAGE, "'%s' is not a text file", path);
	/* a UTF-8 byte order mark, as some editors write */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl)
			*nl = '\0';
		ps.line++;
		if (parse_line(&ps, p, err) < 0)
			return -1;
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

static int load_file(struct irsa_config *c, const char *shown, enum irsa_config_file file,
		     struct irsa_error *err)
{
	_cleanup_free_ char *path = irsa_path_expand_home(shown);
	struct irsa_buf b = IRSA_BUF_INIT;
	struct stat st;
	int r;

	if (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	r = irsa_file_read(path, CONFIG_FILE_MAX,
			   file == IRSA_CONFIG_FILE_CONFIG ? "AWS config file" : "AWS credentials file",
			   &b, err);
	if (r < 0) {
		if (err)
			err->kind = IRSA_ERR_USAGE;
		irsa_buf_release_secure(&b);
		return -1;
	}
	r = parse_text(c, shown, file, b.data ? b.data : (char *)"", b.len, err);
	irsa_buf_release_secure(&b);
	return r;
}

static char *choose_path(const char *given, const char *env, const char *fallback)
{
	const char *v = given;

	if (irsa_str_empty(v))
		v = getenv(env);
	if (irsa_str_empty(v))
		v = fallback;
	return irsa_strdup(v);
}

int irsa_config_load(const char *config_path, const char *credentials_path,
		     struct irsa_config **ret, struct irsa_error *err)
{
	_cleanup_(configp_free) struct irsa_config *c = irsa_malloc0(sizeof(*c));

	c->config_path = choose_path(config_path, "AWS_CONFIG_FILE", "~/.aws/config");
	c->credentials_path = choose_path(credentials_path, "AWS_SHARED_CREDENTIALS_FILE",
					  "~/.aws/credentials");
	if (load_file(c, c->config_path, IRSA_CONFIG_FILE_CONFIG, err) < 0 ||
	    load_file(c, c->credentials_path, IRSA_CONFIG_FILE_CREDENTIALS, err) < 0)
		return -1;
	*ret = TAKE_PTR(c);
	return 0;
}

const struct irsa_profile *irsa_config_profile(const struct irsa_config *c, const char *name)
{
	if (!c || !name)
		return NULL;
	return find_section(c->profiles, c->n_profiles, name);
}

const struct irsa_profile *irsa_config_sso_session(const struct irsa_config *c,
						   const char *name)
{
	if (!c || !name)
		return NULL;
	return find_section(c->sso_sessions, c->n_sso_sessions, name);
}

const char *irsa_profile_get_in(const struct irsa_profile *p, enum irsa_config_file file,
				const char *key)
{
	const struct irsa_kv *kv;

	if (!p)
		return NULL;
	kv = find_item(p, file, key);
	return kv && *kv->value ? kv->value : NULL;
}

const char *irsa_profile_get(const struct irsa_profile *p, const char *key)
{
	const char *v = irsa_profile_get_in(p, IRSA_CONFIG_FILE_CREDENTIALS, key);

	return v ? v : irsa_profile_get_in(p, IRSA_CONFIG_FILE_CONFIG, key);
}

bool irsa_profile_has(const struct irsa_profile *p, const char *key)
{
	return p && (find_item(p, IRSA_CONFIG_FILE_CREDENTIALS, key) ||
		     find_item(p, IRSA_CONFIG_FILE_CONFIG, key));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t irsa_config_profile_names(const struct irsa_config *c, const char ***ret_names)
{
	const char **names = irsa_malloc0((c->n_profiles + 1) * sizeof(*names));

	for (size_t i = 0; i < c->n_profiles; i++)
		names[i] = c->profiles[i].name;
	qsort(names, c->n_profiles, sizeof(*names), cmp_names);
	*ret_names = names;
	return c->n_profiles;
}

int irsa_config_require_profile(const struct irsa_config *c, const char *name,
				struct irsa_error *err)
{
	_cleanup_free_ const char **names = NULL;
	struct irsa_buf known = IRSA_BUF_INIT;
	size_t n;

	if (irsa_config_profile(c, name))
		return 0;
	n = irsa_config_profile_names(c, &names);
	for (size_t i = 0; i < n; i++)
		irsa_buf_printf(&known, "%s%s", i ? ", " : "", names[i]);
	irsa_error_set(err, IRSA_ERR_USAGE, "profile '%s' not found in '%s' or '%s'; %s%s",
		       name, c->config_path, c->credentials_path,
		       n ? "known profiles: " : "no profiles are defined",
		       irsa_buf_str(&known));
	irsa_buf_release(&known);
	return -1;
}

const char *irsa_config_path(const struct irsa_config *c)
{
	return c->config_path;
}

const char *irsa_config_credentials_path(const struct irsa_config *c)
{
	return c->credentials_path;
}
