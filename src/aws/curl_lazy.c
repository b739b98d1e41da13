/* libcurl, loaded on first use.
 *
 * Why: libcurl4-openssl on Debian pulls in some thirty shared libraries
 * (GnuTLS, Kerberos, LDAP, SSH ...). Linking it costs ~4.5 ms of dynamic
 * loading on every start, including the many starts that send no request:
 * --version, --help, offline commands, and the shell completion that runs
 * irsactl on each TAB. So by default (meson option curl_loading=lazy) the
 * binary does not link libcurl; http.c calls it through the table below,
 * filled by dlopen() the first time a request is sent.
 *
 * The dependency stays visible: meson finds libcurl with pkg-config like
 * any other dependency, the soname dlopen() asks for is read from that
 * library at configure time (IRSA_CURL_SONAME, scripts/elf-soname.py),
 * and the binary carries an ELF .note.dlopen note naming it (the
 * freedesktop.org "dlopen metadata" convention that packaging tools read
 * to generate the package dependency). With curl_loading=linked the
 * table points at the linked functions instead. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "curl_api.h"

static struct irsa_curl_api api;
static bool loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#ifdef IRSA_CURL_LINKED

static void load(void)
{
	api = (struct irsa_curl_api){
		curl_global_init, curl_easy_init, curl_easy_cleanup, curl_easy_reset,
		curl_easy_setopt, curl_easy_perform, curl_easy_getinfo, curl_easy_strerror,
		curl_slist_append, curl_slist_free_all, curl_free, curl_url, curl_url_cleanup,
		curl_url_set, curl_url_get, curl_multi_init, curl_multi_cleanup, curl_multi_setopt,
		curl_multi_add_handle, curl_multi_remove_handle, curl_multi_perform, curl_multi_poll,
		curl_multi_info_read, curl_multi_strerror,
	};
	loaded = api.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	if (!loaded)
		snprintf(load_error, sizeof(load_error), "curl_global_init failed");
}

#else

/* The .note.dlopen note (https://systemd.io/ELF_DLOPEN_METADATA/): an ELF
 * note of type 0x407c0c0a, owner "FDO", whose payload is a JSON array. */
#define DLOPEN_NOTE_JSON \
	"[{\"feature\":\"http\",\"description\":\"HTTP and TLS for every AWS and " \
	"Kubernetes request\",\"priority\":\"required\",\"soname\":[\"" IRSA_CURL_SONAME "\"]}]"

struct dlopen_note {
	unsigned namesz, descsz, type;
	char name[4];
	char desc[(sizeof(DLOPEN_NOTE_JSON) + 3) & ~3u];
};

__attribute__((used, section(".note.dlopen"), aligned(4)))
static const struct dlopen_note dlopen_note = {
	4, sizeof(DLOPEN_NOTE_JSON), 0x407c0c0a, "FDO", DLOPEN_NOTE_JSON,
};

#define LOAD(handle, field, name) \
	do { \
		*(void **)(&api.field) = dlsym(handle, name); \
		if (!api.field) \
			goto fail; \
	} while (0)

/* libcurl's dependencies librtmp and libldap link GnuTLS, which
 * initialises itself when loaded (a library constructor that builds its
 * ASN.1 trees and loads p11-kit's modules): about 0.8 MB of memory on
 * every run, for a library that only protocols irsactl never asks for
 * would use (TLS is OpenSSL's; CURLOPT_PROTOCOLS_STR allows http and
 * https). GNUTLS_NO_IMPLICIT_INIT=1, GnuTLS's documented switch, skips
 * that. It is set for the dlopen() only and only when the user has not set
 * it. setenv() is not safe beside threads that read the environment:
 * programs that send requests from several threads load libcurl first
 * (irsa_aws_global_init()). */
static void *open_curl(void)
{
	static const char var[] = "GNUTLS_NO_IMPLICIT_INIT";
	bool set_here = getenv(var) == NULL && setenv(var, "1", 0) == 0;
	void *h = dlopen(IRSA_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (set_here)
		unsetenv(var);
	return h;
}

static void load(void)
{
	void *h = open_curl();

	if (!h)
		goto fail;
	LOAD(h, global_init, "curl_global_init");
	LOAD(h, easy_init, "curl_easy_init");
	LOAD(h, easy_cleanup, "curl_easy_cleanup");
	LOAD(h, easy_reset, "curl_easy_reset");
	LOAD(h, easy_setopt, "curl_easy_setopt");
	LOAD(h, easy_perform, "curl_easy_perform");
	LOAD(h, easy_getinfo, "curl_easy_getinfo");
	LOAD(h, easy_strerror, "curl_easy_strerror");
	LOAD(h, slist_append, "curl_slist_append");
	LOAD(h, slist_free_all, "curl_slist_free_all");
	LOAD(h, free, "curl_free");
	LOAD(h, url, "curl_url");
	LOAD(h, url_cleanup, "curl_url_cleanup");
	LOAD(h, url_set, "curl_url_set");
	LOAD(h, url_get, "curl_url_get");
	LOAD(h, multi_init, "curl_multi_init");
	LOAD(h, multi_cleanup, "curl_multi_cleanup");
	LOAD(h, multi_setopt, "curl_multi_setopt");
	LOAD(h, multi_add_handle, "curl_multi_add_handle");
	LOAD(h, multi_remove_handle, "curl_multi_remove_handle");
	LOAD(h, multi_perform, "curl_multi_perform");
	LOAD(h, multi_poll, "curl_multi_poll");
	LOAD(h, multi_info_read, "curl_multi_info_read");
	LOAD(h, multi_strerror, "curl_multi_strerror");
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(load_error, sizeof(load_error), "curl_global_init failed");
		return;
	}
	loaded = true;
	return;
fail:
	snprintf(load_error, sizeof(load_error), "%s", dlerror());
}

#endif

const struct irsa_curl_api *irsa_curl_api(struct irsa_error *err)
{
	pthread_once(&once, load);
	if (loaded)
		return &api;
	irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot load libcurl (%s): %s; install the "
		       "libcurl4 package", IRSA_CURL_SONAME, load_error);
	return NULL;
}
