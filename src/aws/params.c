/* An ordered list of key/value strings (see irsa/params.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/params.h"
#include "irsa/strutil.h"

static void params_take(struct irsa_params *p, char *key, char *value)
{
	p->items = irsa_realloc(p->items, (p->n + 1) * sizeof(*p->items));
	p->items[p->n].key = key;
	p->items[p->n].value = value;
	p->n++;
}

void irsa_params_add(struct irsa_params *p, const char *key, const char *value)
{
	params_take(p, irsa_strdup(key), irsa_strdup(value));
}

void irsa_params_addf(struct irsa_params *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *value;

	va_start(ap, fmt);
	value = irsa_vasprintf(fmt, ap);
	va_end(ap);
	params_take(p, irsa_strdup(key), value);
}

const char *irsa_params_get(const struct irsa_params *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].key, key) == 0)
			return p->items[i].value;
	return NULL;
}

/* Values may be secrets (a web identity token, a session token). */
void irsa_params_release(struct irsa_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].key);
		irsa_free_secret(p->items[i].value);
	}
	free(p->items);
	p->items = NULL;
	p->n = 0;
}
