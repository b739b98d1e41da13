#pragma once
/* The thumbprint IAM wants for an OpenID Connect provider: the SHA-1 of
 * the DER encoding of the LAST certificate the issuer's TLS server sends
 * (what eksctl and the AWS documentation compute), as 40 lower-case hex
 * digits. */
#include <stdbool.h>
#include "irsa/error.h"
#include "irsa/http.h"

#define IRSA_THUMBPRINT_LEN 40

/* True for exactly 40 hex digits (either case). */
bool irsa_thumbprint_valid(const char *hex);
/* Lower-case copy of a valid thumbprint into out (41 bytes); -1 with
 * IRSA_ERR_USAGE when it is not valid. */
int irsa_thumbprint_normalize(const char *hex, char out[IRSA_THUMBPRINT_LEN + 1],
			      struct irsa_error *err);

/* Connect to the host and port of issuer_url (https only) with TLS
 * verified (opts->ca_file / ca_pem honoured, proxies as libcurl finds
 * them in the environment unless opts->proxy is set), and compute the
 * thumbprint of the last certificate of the chain the server sent.
 * opts may be NULL. Connection and TLS failures are IRSA_ERR_NETWORK. */
int irsa_thumbprint_fetch(const char *issuer_url, const struct irsa_http_options *opts,
			  char ret_hex[IRSA_THUMBPRINT_LEN + 1], struct irsa_error *err);

/* The thumbprint of one PEM certificate (the first in pem). */
int irsa_thumbprint_of_pem(const char *pem, char ret_hex[IRSA_THUMBPRINT_LEN + 1],
			   struct irsa_error *err);
