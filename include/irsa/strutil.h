#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "irsa/alloc.h" /* most users of strutil.h want both */
#include "irsa/buf.h"

bool irsa_str_has_prefix(const char *s, const char *prefix);
bool irsa_str_has_suffix(const char *s, const char *suffix);
bool irsa_str_empty(const char *s);
/* Trim ASCII whitespace in place; returns s. */
char *irsa_str_trim(char *s);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void irsa_hex_encode(const unsigned char *in, size_t len, char *out);
/* RFC 3986 percent-encoding: unreserved A-Z a-z 0-9 - . _ ~ kept,
 * everything else %XX upper-case; keep '/' when keep_slash. */
void irsa_uri_encode(struct irsa_buf *out, const char *s, size_t len, bool keep_slash);
/* Percent-decoding ('+' is kept as '+'); returns a malloc'd string. */
char *irsa_uri_decode(const char *s, size_t len);
/* Form (x-www-form-urlencoded) value encoding, as the AWS SDKs do it:
 * same as irsa_uri_encode without keeping '/'. */
void irsa_form_encode(struct irsa_buf *out, const char *s);
/* Base64 (standard alphabet, padded) and base64url (no padding). */
char *irsa_base64_encode(const unsigned char *in, size_t len);
char *irsa_base64url_encode(const unsigned char *in, size_t len);
/* Decodes standard base64; returns -1 on invalid input. */
int irsa_base64_decode(const char *in, unsigned char **ret_out, size_t *ret_len);

/* The name closest to word by edit distance, for "did you mean"; NULL
 * when none is close (more than a third of the word, or 2 edits, off). */
const char *irsa_str_closest(const char *word, const char *const *names, size_t n);
