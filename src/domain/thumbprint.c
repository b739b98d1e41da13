/* The OIDC issuer's certificate thumbprint.
 *
 * irsa_http_peer_chain() makes the connection, so proxies (https_proxy,
 * no_proxy ...), AWS_CA_BUNDLE and the system trust store work exactly as
 * for every other request, and hands back the chain the server sent, in
 * the order it sent it. The thumbprint is the SHA-1 of the DER of the last
 * certificate of that chain, as eksctl and the AWS documentation compute
 * it. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

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

/* A failure of irsa_http_peer_chain(), with what to do next. */
static int fetch_error(const struct irsa_error *ferr, bool tls, const char *ca_file,
		       struct irsa_error *err)
{
	if (ferr->kind != IRSA_ERR_NETWORK) {
		if (err)
			*err = *ferr;
		return -1;
	}
	if (tls)
		return irsa_error_set(err, IRSA_ERR_NETWORK, "%s; %s", ferr->message,
				      ca_file ? "check that AWS_CA_BUNDLE trusts the issuer, "
						"or pass --thumbprint or --no-thumbprint" :
						"set AWS_CA_BUNDLE to a CA bundle that trusts "
						"the issuer, or pass --thumbprint or "
						"--no-thumbprint");
	return irsa_error_set(err, IRSA_ERR_NETWORK,
			      "%s; check the network and proxy settings, or pass --thumbprint HEX "
			      "(or --no-thumbprint for an EKS issuer)", ferr->message);
}

int irsa_thumbprint_fetch(const char *issuer_url, const struct irsa_http_options *opts,
			  char ret_hex[IRSA_THUMBPRINT_LEN + 1], struct irsa_error *err)
{
	struct irsa_http_options o = opts ? *opts : (struct irsa_http_options){ 0 };
	struct irsa_peer_chain chain;
	struct irsa_error ferr = { 0 };
	struct irsa_http *h;
	const char *pem;
	int r;

	if (!issuer_url || strncasecmp(issuer_url, "https://", 8) != 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "issuer URL '%s' must start with https://",
				      issuer_url ? issuer_url : "");
	/* The thumbprint is only worth what the verification of the chain is. */
	o.insecure_skip_verify = false;
	if (!o.connect_timeout_ms)
		o.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (!o.timeout_ms)
		o.timeout_ms = DEFAULT_TIMEOUT_MS;
	h = irsa_http_new();
	r = irsa_http_peer_chain(h, issuer_url, &o, &chain, &ferr);
	irsa_http_free(h);
	if (r < 0) {
		r = fetch_error(&ferr, chain.tls_failed, o.ca_file, err);
		goto out;
	}
	pem = chain.n > 0 ? chain.pem[chain.n - 1] : NULL;
	if (!pem) {
		r = irsa_error_set(err, IRSA_ERR_NETWORK,
				   "the TLS server of '%s' sent no certificate chain that irsactl "
				   "can read; pass --thumbprint HEX", issuer_url);
		goto out;
	}
	irsa_log_debug("thumbprint: %zu certificate(s) from %s, using the last", chain.n,
		       issuer_url);
	r = irsa_thumbprint_of_pem(pem, ret_hex, err);
	if (r == 0)
		irsa_log_debug("thumbprint of %s: %s", issuer_url, ret_hex);
out:
	irsa_peer_chain_release(&chain);
	return r;
}
