/* Growable string lists and key/value lists (tags). */
#include <stdlib.h>
#include <string.h>

#include "irsa/strlist.h"
#include "irsa/strutil.h"

void irsa_strlist_add(struct irsa_strlist *l, const char *s)
{
	l->items = irsa_realloc(l->items, (l->n + 1) * sizeof(*l->items));
	l->items[l->n++] = irsa_strdup(s);
}

bool irsa_strlist_contains(const struct irsa_strlist *l, const char *s)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

void irsa_strlist_release(struct irsa_strlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void irsa_tags_add(struct irsa_tags *t, const char *key, const char *value)
{
	t->items = irsa_realloc(t->items, (t->n + 1) * sizeof(*t->items));
	t->items[t->n].key = irsa_strdup(key);
	t->items[t->n].value = irsa_strdup(value ? value : "");
	t->n++;
}

void irsa_tags_release(struct irsa_tags *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->items[i].key);
		free(t->items[i].value);
	}
	free(t->items);
	t->items = NULL;
	t->n = 0;
}
