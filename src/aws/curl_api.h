#pragma once
/* libcurl's entry points as http.c and http_multi.c use them, loaded on first use (see
 * curl_lazy.c for why). Only those two call libcurl; nothing defines or
 * overrides a curl_* symbol. */
#include <curl/curl.h>

#include "irsa/error.h"

struct irsa_curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
	void (*free)(void *p);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *u);
	CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *content, unsigned int flags);
	CURLUcode (*url_get)(CURLU *u, CURLUPart part, char **out, unsigned int flags);
	/* The multi interface, for requests in parallel (irsa_http_exchange). */
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption option, ...);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd *extra, unsigned int n_extra,
				int timeout_ms, int *numfds);
	CURLMsg *(*multi_info_read)(CURLM *m, int *msgs_in_queue);
	const char *(*multi_strerror)(CURLMcode code);
};

/* The table, libcurl loaded and curl_global_init() done on the first
 * call (thread-safe). NULL with err set (IRSA_ERR_INTERNAL, naming the
 * library and the package) when libcurl cannot be loaded. */
const struct irsa_curl_api *irsa_curl_api(struct irsa_error *err);
