/* The OIDC issuer's certificate thumbprint.
 *
 * libcurl makes the connection, so proxies (https_proxy, no_proxy ...),
 * AWS_CA_BUNDLE and the system trust store work exactly as for every
 * other request; CURLOPT_CONNECT_ONLY stops after the TLS handshake and
 * CURLOPT_CERTINFO hands back the chain the server sent, in the order it
 * sent it (the OpenSSL backend reads SSL_get_peer_cert_chain()). The
 * thumbprint is the SHA-1 of the DER of the last certificate of that
 * chain, as eksctl and the AWS documentation compute it. */
#include <ctype.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "irsa/log.h"
#include "irsa/strutil.h"
#include "irsa/thumbprint.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_TIMEOUT_MS 15000L

bool irsa_thumbprint_valid(const char *hex)
{
	size_t n = 0;

	if (!hex)
		return false;
	for (; hex[n]; n++)
		if (!isxdigit((unsigned char)hex[n]))
			return false;
	return n == IRSA_THUMBPRINT_LEN;
}

int irsa_thumbprint_normalize(const char *hex, char out[IRSA_THUMBPRINT_LEN + 1],
			      struct irsa_error *err)
{
	if (!irsa_thumbprint_valid(hex))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "thumbprint '%s' is not valid: it must be 40 hexadecimal digits "
				      "(the SHA-1 fingerprint of the certificate, without colons)",
				      hex ? hex : "");
	for (size_t i = 0; i <= IRSA_THUMBPRINT_LEN; i++)
		out[i] = (char)tolower((unsigned char)hex[i]);
	return 0;
}

int irsa_thumbprint_of_pem(const char *pem, char ret_hex[IRSA_THUMBPRINT_LEN + 1],
			   struct irsa_error *err)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ok;

	ok = x && X509_digest(x, EVP_sha1(), md, &len) == 1 && len == 20;
	X509_free(x);
	BIO_free(bio);
	if (!ok)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "cannot read the certificate the server sent (not a valid "
				      "X.509 certificate)");
	irsa_hex_encode(md, len, ret_hex);
	return 0;
}

/* The "Cert:" entry of one certificate in CURLINFO_CERTINFO. */
static const char *certinfo_pem(const struct curl_slist *l)
{
	for (; l; l = l->next)
		if (strncmp(l->data, "Cert:", 5) == 0)
			return l->data + 5;
	return NULL;
}

static void set_tls_options(CURL *c, const struct irsa_http_options *o)
{
	struct curl_blob blob;

	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (!o)
		return;
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->ca_pem) {
		blob.data = (void *)o->ca_pem;
		blob.len = strlen(o->ca_pem);
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (o->proxy)
		curl_easy_setopt(c, CURLOPT_PROXY, o->proxy);
}

static int connect_error(const char *url, CURLcode rc, const char *errbuf,
			 const struct irsa_http_options *o, struct irsa_error *err)
{
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	bool tls = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
		   rc == CURLE_SSL_CACERT_BADFILE;

	if (tls)
		return irsa_error_set(err, IRSA_ERR_NETWORK,
				      "cannot fetch the TLS certificate chain of '%s': %s; %s", url,
				      why,
				      o && o->ca_file ? "check that AWS_CA_BUNDLE trusts the issuer, "
							"or pass --thumbprint or --no-thumbprint" :
							"set AWS_CA_BUNDLE to a CA bundle that trusts "
							"the issuer, or pass --thumbprint or "
							"--no-thumbprint");
	return irsa_error_set(err, IRSA_ERR_NETWORK,
			      "cannot fetch the TLS certificate chain of '%s': %s; check the network "
			      "and proxy settings, or pass --thumbprint HEX (or --no-thumbprint for "
			      "an EKS issuer)", url, why);
}

int irsa_thumbprint_fetch(const char *issuer_url, const struct irsa_http_options *opts,
			  char ret_hex[IRSA_THUMBPRINT_LEN + 1], struct irsa_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_certinfo *ci = NULL;
	const char *pem = NULL;
	CURLcode rc;
	CURL *c;
	int r;

	if (!issuer_url || strncasecmp(issuer_url, "https://", 8) != 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' must start with https://",
				      issuer_url ? issuer_url : "");
	c = curl_easy_init();
	if (!c)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot initialise libcurl");
	curl_easy_setopt(c, CURLOPT_URL, issuer_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 opts && opts->connect_timeout_ms ? opts->connect_timeout_ms :
							    DEFAULT_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 opts && opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS);
	set_tls_options(c, opts);

	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		r = connect_error(issuer_url, rc, errbuf, opts, err);
		curl_easy_cleanup(c);
		return r;
	}
	if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci &&
	    ci->num_of_certs > 0)
		pem = certinfo_pem(ci->certinfo[ci->num_of_certs - 1]);
	if (!pem) {
		curl_easy_cleanup(c);
		return irsa_error_set(err, IRSA_ERR_NETWORK,
				      "the TLS server of '%s' sent no certificate chain that irsactl "
				      "can read; pass --thumbprint HEX", issuer_url);
	}
	irsa_log_debug("thumbprint: %d certificate(s) from %s, using the last", ci->num_of_certs,
		       issuer_url);
	r = irsa_thumbprint_of_pem(pem, ret_hex, err);
	curl_easy_cleanup(c);
	if (r == 0)
		irsa_log_debug("thumbprint of %s: %s", issuer_url, ret_hex);
	return r;
}
