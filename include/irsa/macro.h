#pragma once
/* Small helpers shared by every layer: cleanup attributes and friends.
 * They need GCC or Clang (see meson.build). */
#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void irsa_freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ _cleanup_(irsa_freep)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
