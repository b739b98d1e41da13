#pragma once
/* Growable lists of strings and of key/value pairs (tags, config items).
 * The lists own their strings; *_release() frees them and leaves an empty
 * list that may be reused. */
#include <stdbool.h>
#include <stddef.h>

struct irsa_strlist {
	char **items;
	size_t n;
};
void irsa_strlist_add(struct irsa_strlist *l, const char *s);
bool irsa_strlist_contains(const struct irsa_strlist *l, const char *s);
void irsa_strlist_release(struct irsa_strlist *l);

struct irsa_kv {
	char *key;
	char *value;
};

struct irsa_tags {
	struct irsa_kv *items; /* key, value */
	size_t n;
};
void irsa_tags_add(struct irsa_tags *t, const char *key, const char *value);
void irsa_tags_release(struct irsa_tags *t);
