#pragma once
/* Shared by the libFuzzer harnesses: the entry point's prototype and a
 * way to cut one input into several NUL-terminated parts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_MAX_PARTS 8

/* The input cut at each NUL byte into at most `max` parts (the last one
 * takes the rest, NULs and all). Each part is a malloc'd NUL-terminated
 * copy, so a parser reading past its end is caught by ASan. */
struct fuzz_parts {
	char *part[FUZZ_MAX_PARTS];
	size_t len[FUZZ_MAX_PARTS];
	size_t n;
};

static inline void fuzz_split(const uint8_t *data, size_t size, size_t max, struct fuzz_parts *ret)
{
	size_t start = 0;

	memset(ret, 0, sizeof(*ret));
	if (max > FUZZ_MAX_PARTS)
		max = FUZZ_MAX_PARTS;
	for (size_t i = 0; i <= size && ret->n < max; i++) {
		if (i < size && (data[i] != 0 || ret->n + 1 == max))
			continue;
		ret->len[ret->n] = i - start;
		ret->part[ret->n] = malloc(i - start + 1);
		if (i > start)
			memcpy(ret->part[ret->n], data + start, i - start);
		ret->part[ret->n][i - start] = 0;
		ret->n++;
		start = i + 1;
	}
	/* Missing parts read as "". */
	for (size_t i = ret->n; i < max; i++) {
		ret->part[i] = calloc(1, 1);
		ret->len[i] = 0;
	}
	ret->n = max;
}

static inline void fuzz_parts_release(struct fuzz_parts *p)
{
	for (size_t i = 0; i < FUZZ_MAX_PARTS; i++)
		free(p->part[i]);
	memset(p, 0, sizeof(*p));
}

/* A NUL-terminated copy of the whole input. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (size)
		memcpy(s, data, size);
	s[size] = 0;
	return s;
}
