#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "irsa/alloc.h"
#include "irsa/buf.h"
#include "irsa/strutil.h"

bool irsa_str_has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool irsa_str_has_suffix(const char *s, const char *suffix)
{
	size_t ls, lx;

	if (!s)
		return false;
	ls = strlen(s);
	lx = strlen(suffix);
	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

bool irsa_str_empty(const char *s)
{
	return !s || !*s;
}

char *irsa_str_trim(char *s)
{
	size_t len;
	char *start = s;

	while (*start && isspace((unsigned char)*start))
		start++;
	len = strlen(start);
	while (len && isspace((unsigned char)start[len - 1]))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

void irsa_hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* ASCII only: isalnum() depends on the locale (in Latin-1, 0xE9 is a
 * letter), and the RFC 3986 unreserved set does not. */
static bool is_ascii_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_unreserved(unsigned char c)
{
	return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

void irsa_uri_encode(struct irsa_buf *out, const char *s, size_t len, bool keep_slash)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/'))
			irsa_buf_putc(out, (char)c);
		else
			irsa_buf_printf(out, "%%%02X", c);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *irsa_uri_decode(const char *s, size_t len)
{
	char *out = irsa_malloc0(len + 1);
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

void irsa_form_encode(struct irsa_buf *out, const char *s)
{
	irsa_uri_encode(out, s, strlen(s), false);
}

char *irsa_base64_encode(const unsigned char *in, size_t len)
{
	size_t outlen = 4 * ((len + 2) / 3);
	char *out = irsa_malloc0(outlen + 1);

	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

char *irsa_base64url_encode(const unsigned char *in, size_t len)
{
	char *s = irsa_base64_encode(in, len);
	size_t n = strlen(s);

	while (n && s[n - 1] == '=')
		s[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+')
			s[i] = '-';
		else if (s[i] == '/')
			s[i] = '_';
	}
	return s;
}

int irsa_base64_decode(const char *in, unsigned char **ret_out, size_t *ret_len)
{
	size_t len = strlen(in), pad = 0;
	unsigned char *out;
	int n;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		/* '=' only as padding: "xx==" or "xxx=", never inside. */
		if (c == '=') {
			if (i + 2 < len || (i + 2 == len && in[len - 1] != '='))
				return -1;
			continue;
		}
		if (!(is_ascii_alnum(c) || c == '+' || c == '/'))
			return -1;
	}
	if (len && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	out = irsa_malloc0(len / 4 * 3 + 1);
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0) {
		free(out);
		return -1;
	}
	*ret_len = (size_t)n - pad;
	*ret_out = out;
	return 0;
}

/* Levenshtein distance, for "did you mean", or limit + 1 once a whole row
 * of the table is past limit (the distance can only grow from there). */
static size_t edit_distance_within(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t small[2][64];
	size_t *prev = lb < 64 ? small[0] : irsa_malloc0((lb + 1) * sizeof(size_t));
	size_t *cur = lb < 64 ? small[1] : irsa_malloc0((lb + 1) * sizeof(size_t));
	size_t d = limit + 1;

	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t row_min = cur[0] = i;

		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (cur[j] < row_min)
				row_min = cur[j];
		}
		if (row_min > limit)
			goto out;
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	d = prev[lb];
out:
	if (lb >= 64) {
		free(prev);
		free(cur);
	}
	return d;
}

const char *irsa_str_closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, len = strlen(word);
	/* Close enough: a third of the word, at least 2 edits. */
	size_t limit = len / 3 > 2 ? len / 3 : 2;

	for (size_t i = 0; i < n; i++) {
		size_t name_len = strlen(names[i]), d;

		/* The distance is at least the difference in length: a name
		 * that far off cannot be close enough, skip the quadratic part. */
		if ((len > name_len ? len - name_len : name_len - len) > limit)
			continue;
		d = edit_distance_within(word, names[i], limit);
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best && best_d <= limit ? best : NULL;
}
