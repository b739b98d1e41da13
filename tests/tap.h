#pragma once
/* A tiny TAP producer for the C unit tests: meson runs each test-*.c
 * executable with protocol 'tap' and counts every "ok"/"not ok" line.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_STR(a, b); }
 *   int main(void) { RUN(name); return tap_done(); }
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed, tap_case_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		tap_case_failed = 1; \
	} \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!g_ || !w_ || strcmp(g_, w_) != 0) { \
		printf("#   %s:%d: %s\n#     got:  '%s'\n#     want: '%s'\n", __FILE__, __LINE__, \
		       #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
		tap_case_failed = 1; \
	} \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ != w_) { \
		printf("#   %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
		tap_case_failed = 1; \
	} \
} while (0)

#define TEST(name) static void test_##name(void)

#define RUN(name) tap_run(#name, test_##name)

static inline void tap_run(const char *name, void (*fn)(void))
{
	tap_case_failed = 0;
	fn();
	tap_count++;
	if (tap_case_failed)
		tap_failed++;
	printf("%s %d - %s\n", tap_case_failed ? "not ok" : "ok", tap_count, name);
	fflush(stdout);
}

/* For data-driven tests: report one case by name with a verdict. */
static inline void tap_result(const char *name, int ok)
{
	tap_count++;
	if (!ok)
		tap_failed++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", tap_count, name);
	fflush(stdout);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
