/* libcurl, loaded on first use.
 *
 * libcurl4-openssl on Debian pulls in some thirty shared libraries (GnuTLS,
 * Kerberos, LDAP, SSH ...). Linking it normally costs ~4.5 ms of dynamic
 * loading on every start, including the many starts that never send a
 * request: --version, --help, offline commands, and the shell completion
 * that runs irsactl on each TAB. So the binary does not link libcurl;
 * these definitions of the libcurl functions irsactl uses dlopen() it the
 * first time one is called and forward to the real ones. Code elsewhere
 * uses the ordinary libcurl API. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* The type-checking wrapper macros would hide the definitions below. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "irsa/log.h"

#define CURL_SONAME "libcurl.so.4"

static struct {
	void *handle;
	bool failed;
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	void (*free)(void *);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;

#define LOAD(field, name) \
	do { \
		*(void **)(&api.field) = dlsym(api.handle, name); \
		if (!api.field) \
			goto fail; \
	} while (0)

static void load(void)
{
	api.handle = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!api.handle)
		goto fail;
	LOAD(global_init, "curl_global_init");
	LOAD(easy_init, "curl_easy_init");
	LOAD(easy_cleanup, "curl_easy_cleanup");
	LOAD(easy_reset, "curl_easy_reset");
	LOAD(easy_setopt, "curl_easy_setopt");
	LOAD(easy_perform, "curl_easy_perform");
	LOAD(easy_getinfo, "curl_easy_getinfo");
	LOAD(easy_strerror, "curl_easy_strerror");
	LOAD(slist_append, "curl_slist_append");
	LOAD(slist_free_all, "curl_slist_free_all");
	LOAD(free, "curl_free");
	LOAD(url, "curl_url");
	LOAD(url_cleanup, "curl_url_cleanup");
	LOAD(url_set, "curl_url_set");
	LOAD(url_get, "curl_url_get");
	return;
fail:
	fprintf(stderr, "irsactl: error: cannot load %s: %s; install the libcurl4 package\n",
		CURL_SONAME, dlerror());
	api.failed = true;
}

static bool ready(void)
{
	pthread_once(&once, load);
	return !api.failed;
}

CURLcode curl_global_init(long flags)
{
	return ready() ? api.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return ready() ? api.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *c)
{
	if (c && ready())
		api.easy_cleanup(c);
}

void curl_easy_reset(CURL *c)
{
	if (c && ready())
		api.easy_reset(c);
}

/* libcurl reads exactly one argument whose type follows from the option's
 * range; pass it on with the same type. */
CURLcode curl_easy_setopt(CURL *c, CURLoption option, ...)
{
	CURLcode rc = CURLE_FAILED_INIT;
	va_list ap;

	if (!ready())
		return rc;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = api.easy_setopt(c, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = api.easy_setopt(c, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_BLOB)
		rc = api.easy_setopt(c, option, va_arg(ap, curl_off_t));
	else
		rc = api.easy_setopt(c, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *c)
{
	return ready() ? api.easy_perform(c) : CURLE_FAILED_INIT;
}

CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	CURLcode rc = CURLE_FAILED_INIT;
	va_list ap;

	if (!ready())
		return rc;
	va_start(ap, info);
	rc = api.easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *curl_easy_strerror(CURLcode code)
{
	return ready() ? api.easy_strerror(code) : "libcurl is not available";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	return ready() ? api.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (list && ready())
		api.slist_free_all(list);
}

void curl_free(void *p)
{
	if (p && ready())
		api.free(p);
}

CURLU *curl_url(void)
{
	return ready() ? api.url() : NULL;
}

void curl_url_cleanup(CURLU *u)
{
	if (u && ready())
		api.url_cleanup(u);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart part, const char *content, unsigned int flags)
{
	return ready() ? api.url_set(u, part, content, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_get(CURLU *u, CURLUPart part, char **out, unsigned int flags)
{
	return ready() ? api.url_get(u, part, out, flags) : CURLUE_OUT_OF_MEMORY;
}
