#pragma once
/* The outside world the AWS layer reads (environment, clock, sleeping),
 * injectable for tests. NULL members = the real one. */
#include <time.h>

struct irsa_env_ops {
	const char *(*getenv)(const char *name);
	time_t (*now)(void);
	void (*sleep_ms)(long ms); /* NULL = irsa_http_sleep_ms() of the session */
};
