#pragma once
/* A tiny TAP producer for the C unit tests: meson runs each test-*.c
 * executable with protocol 'tap' and counts every "ok"/"not ok" line.
 *
 *   TEST(name) { CHECK(x == 1); CHECK_STR(a, b); }
 *   int main(void) { RUN(name); return tap_done(); }
 *
 * RUN_TABLE(cases, check) runs check(&cases[i]) as one case per row.
 *
 * REQUIRE(cond) is CHECK(cond) that also ends the case when it fails: use
 * it before dereferencing a result, so that a missing one fails this case
 * instead of crashing the executable (which hides every later case).
 * Values in messages are escaped: every line the test prints is either a
 * TAP result or a "#" comment. */
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

#define REQUIRE(cond) do { \
	if (!(cond)) { \
		printf("#   %s:%d: REQUIRE(%s) failed; rest of the case skipped\n", \
		       __FILE__, __LINE__, #cond); \
		tap_case_failed = 1; \
		return; \
	} \
} while (0)

/* One value of a failed check, quoted, on one comment line: newlines,
 * tabs, quotes, backslashes and other control bytes escaped C-style. */
static inline void tap_print_value(const char *label, const char *v)
{
	printf("#     %s ", label);
	if (!v) {
		printf("(null)\n");
		return;
	}
	putchar('\'');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\'': fputs("\\'", stdout); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\x%02x", *p);
			else
				putchar(*p);
		}
	}
	fputs("'\n", stdout);
}

#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!g_ || !w_ || strcmp(g_, w_) != 0) { \
		printf("#   %s:%d: %s\n", __FILE__, __LINE__, #got); \
		tap_print_value("got: ", g_); \
		tap_print_value("want:", w_); \
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

/* "ok N - NAME" with the name on one line (control bytes as '?') and
 * no '#' that TAP would read as a directive. */
static inline void tap_print_result(int ok, const char *name)
{
	printf("%s %d - ", ok ? "ok" : "not ok", tap_count);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		putchar(*p < 0x20 || *p == 0x7f || *p == '#' ? '?' : *p);
	putchar('\n');
	fflush(stdout);
}

static inline void tap_run(const char *name, void (*fn)(void))
{
	tap_case_failed = 0;
	fn();
	tap_count++;
	if (tap_case_failed)
		tap_failed++;
	tap_print_result(!tap_case_failed, name);
}

/* For data-driven tests: report one case by name with a verdict. */
static inline void tap_result(const char *name, int ok)
{
	tap_count++;
	if (!ok)
		tap_failed++;
	tap_print_result(ok, name);
}

/* For tables of cases: check(&cases[i]) for each case, reported as one
 * TAP result named by the case's .name. */
#define RUN_TABLE(cases, check) do { \
	for (size_t i_ = 0; i_ < sizeof(cases) / sizeof((cases)[0]); i_++) { \
		tap_case_failed = 0; \
		check(&(cases)[i_]); \
		tap_result((cases)[i_].name, !tap_case_failed); \
	} \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
