#pragma once
/* An ordered list of key/value strings: AWS Query parameters. */
#include <stddef.h>
#include "irsa/macro.h"

struct irsa_params {
	struct irsa_param {
		char *key;
		char *value;
	} *items;
	size_t n;
};

#define IRSA_PARAMS_INIT { NULL, 0 }

void irsa_params_add(struct irsa_params *p, const char *key, const char *value);
void irsa_params_addf(struct irsa_params *p, const char *key, const char *fmt, ...) _printf_(3, 4);
const char *irsa_params_get(const struct irsa_params *p, const char *key);
void irsa_params_release(struct irsa_params *p);
static inline void irsa_params_releasep(struct irsa_params *p) { irsa_params_release(p); }
#define _cleanup_params_ _cleanup_(irsa_params_releasep)
