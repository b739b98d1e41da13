/* src/base: buffers, string helpers (URI and base64 encodings), errors,
 * log redaction, file helpers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irsa/buf.h"
#include "irsa/error.h"
#include "irsa/fileutil.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "tap.h"

/* ---- buf ------------------------------------------------------------ */

TEST(buf_printf)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	irsa_buf_printf(&b, "%s-%d", "a", 1);
	CHECK_STR(irsa_buf_str(&b), "a-1");
	irsa_buf_release(&b);
}

TEST(buf_grows_and_stays_terminated)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	char big[5000];

	CHECK_STR(irsa_buf_str(&b), "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 100; i++)
		irsa_buf_putc(&b, (char)('a' + i % 26));
	CHECK_INT(b.len, 100);
	CHECK_INT(strlen(b.data), 100);
	irsa_buf_printf(&b, "[%s]", big);
	CHECK_INT(b.len, 100 + 2 + sizeof(big) - 1);
	CHECK_INT(strlen(b.data), b.len);
	CHECK(b.data[100] == '[' && b.data[b.len - 1] == ']');
	irsa_buf_append(&b, "", 0);
	CHECK_INT(b.len, 100 + 2 + sizeof(big) - 1);
	irsa_buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(irsa_buf_str(&b), "");
	irsa_buf_puts(&b, "again");
	CHECK_STR(irsa_buf_str(&b), "again");
	irsa_buf_release(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
}

TEST(buf_printf_exact_fits)
{
	/* Lengths around the buffer's capacity steps (64, 128, ...). */
	for (size_t n = 55; n < 140; n++) {
		struct irsa_buf b = IRSA_BUF_INIT;
		char *s = irsa_malloc0(n + 1);

		memset(s, 'y', n);
		irsa_buf_puts(&b, "12345");
		irsa_buf_printf(&b, "%s", s);
		CHECK_INT(b.len, n + 5);
		CHECK(strncmp(b.data, "12345", 5) == 0 && strcmp(b.data + 5, s) == 0);
		free(s);
		irsa_buf_release(&b);
	}
}

TEST(buf_detach_and_secure_release)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	char *s = irsa_buf_detach(&b);

	CHECK_STR(s, "");
	free(s);
	irsa_buf_puts(&b, "hello");
	s = irsa_buf_detach(&b);
	CHECK_STR(s, "hello");
	CHECK(b.data == NULL && b.len == 0);
	free(s);

	irsa_buf_puts(&b, "secret");
	irsa_buf_release_secure(&b);
	CHECK(b.data == NULL && b.len == 0);
	irsa_buf_release_secure(&b);
}

/* ---- strutil -------------------------------------------------------- */

TEST(string_helpers)
{
	char s1[] = "  \t padded \n", s2[] = "   ", s3[] = "x";
	_cleanup_free_ char *d = irsa_strdup(NULL), *n = irsa_strndup("abcdef", 3);
	_cleanup_free_ char *f = irsa_asprintf("%s=%d", "k", 42);

	CHECK_STR(d, "");
	CHECK_STR(n, "abc");
	CHECK_STR(f, "k=42");
	CHECK_STR(irsa_str_trim(s1), "padded");
	CHECK_STR(irsa_str_trim(s2), "");
	CHECK_STR(irsa_str_trim(s3), "x");
	CHECK(irsa_str_has_prefix("arn:aws:iam", "arn:"));
	CHECK(!irsa_str_has_prefix("ar", "arn:"));
	CHECK(!irsa_str_has_prefix(NULL, "a"));
	CHECK(irsa_str_has_suffix("file.json", ".json"));
	CHECK(!irsa_str_has_suffix("json", ".json"));
	CHECK(!irsa_str_has_suffix(NULL, "x"));
	CHECK(irsa_str_empty(NULL) && irsa_str_empty("") && !irsa_str_empty(" "));
}

TEST(hex_encode)
{
	const unsigned char in[] = { 0x00, 0x01, 0xab, 0xff };
	char out[9];

	irsa_hex_encode(in, sizeof(in), out);
	CHECK_STR(out, "0001abff");
	irsa_hex_encode(in, 0, out);
	CHECK_STR(out, "");
}

static char *uri_encode(const char *s, bool keep_slash)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	irsa_uri_encode(&b, s, strlen(s), keep_slash);
	return irsa_buf_detach(&b);
}

#define CHECK_OWNED_STR(expr, want) do { \
	char *s_ = (expr); \
	CHECK_STR(s_, want); \
	free(s_); \
} while (0)

TEST(uri_encode)
{
	CHECK_OWNED_STR(uri_encode("AZaz09-._~", false), "AZaz09-._~");
	CHECK_OWNED_STR(uri_encode("a b/c+d=e&f%g", false), "a%20b%2Fc%2Bd%3De%26f%25g");
	CHECK_OWNED_STR(uri_encode("/a b/c", true), "/a%20b/c");
	CHECK_OWNED_STR(uri_encode("\xc3\xa9\xe1\x88\xb4", false), "%C3%A9%E1%88%B4");
	CHECK_OWNED_STR(uri_encode("!*'();:@$,?#[]", false),
			"%21%2A%27%28%29%3B%3A%40%24%2C%3F%23%5B%5D");
	CHECK_OWNED_STR(uri_encode("", false), "");
	{
		struct irsa_buf b = IRSA_BUF_INIT;

		irsa_form_encode(&b, "a/b c");
		CHECK_STR(irsa_buf_str(&b), "a%2Fb%20c");
		irsa_buf_release(&b);
	}
	/* Embedded NUL with an explicit length. */
	{
		struct irsa_buf b = IRSA_BUF_INIT;

		irsa_uri_encode(&b, "a\0b", 3, false);
		CHECK_STR(irsa_buf_str(&b), "a%00b");
		irsa_buf_release(&b);
	}
}

static char *uri_decode(const char *s)
{
	return irsa_uri_decode(s, strlen(s));
}

TEST(uri_decode)
{
	CHECK_OWNED_STR(uri_decode("a%20b%2Fc"), "a b/c");
	CHECK_OWNED_STR(uri_decode("%2f%2F%e1%88%b4"), "//\xe1\x88\xb4");
	CHECK_OWNED_STR(uri_decode("a+b"), "a+b");
	CHECK_OWNED_STR(uri_decode("100%"), "100%");
	CHECK_OWNED_STR(uri_decode("%4"), "%4");
	CHECK_OWNED_STR(uri_decode("%41"), "A");
	CHECK_OWNED_STR(uri_decode("x%41"), "xA");
	CHECK_OWNED_STR(uri_decode("%zz%4g"), "%zz%4g");
	CHECK_OWNED_STR(uri_decode(""), "");
	/* Only len bytes are read. */
	CHECK_OWNED_STR(irsa_uri_decode("%41%42", 3), "A");
	CHECK_OWNED_STR(irsa_uri_decode("%41%42", 5), "A%4");
}

static char *b64(const char *s)
{
	return irsa_base64_encode((const unsigned char *)s, strlen(s));
}

static char *b64url(const char *s)
{
	return irsa_base64url_encode((const unsigned char *)s, strlen(s));
}

TEST(base64_rfc4648_vectors)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		unsigned char *out = NULL;
		size_t len = 99;

		CHECK_OWNED_STR(b64(v[i][0]), v[i][1]);
		CHECK_INT(irsa_base64_decode(v[i][1], &out, &len), 0);
		CHECK_INT(len, strlen(v[i][0]));
		CHECK(out && memcmp(out, v[i][0], len) == 0);
		free(out);
	}
}

TEST(base64url_has_no_padding)
{
	const unsigned char bin[] = { 0xfb, 0xff, 0xbf };

	CHECK_OWNED_STR(b64url("f"), "Zg");
	CHECK_OWNED_STR(b64url("fo"), "Zm8");
	CHECK_OWNED_STR(b64url("foo"), "Zm9v");
	CHECK_OWNED_STR(irsa_base64_encode(bin, sizeof(bin)), "+/+/");
	CHECK_OWNED_STR(irsa_base64url_encode(bin, sizeof(bin)), "-_-_");
	CHECK_OWNED_STR(irsa_base64url_encode(bin, 2), "-_8");
	CHECK_OWNED_STR(b64url(""), "");
}

TEST(base64_decode_rejects_garbage)
{
	static const char *const bad[] = {
		"Zg=", "Zm9v!", "Zm9", "Zm-v", "Zm_v", "Z===", "====", "Zm=v", "Zg==Zg==", "Zm9v\n",
	};
	unsigned char *out = NULL;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = irsa_base64_decode(bad[i], &out, &len);

		if (r == 0) {
			printf("#   '%s' decoded\n", bad[i]);
			free(out);
			out = NULL;
		}
		CHECK_INT(r, -1);
	}
	/* Binary with NULs inside. */
	CHECK_INT(irsa_base64_decode("AAEA", &out, &len), 0);
	CHECK_INT(len, 3);
	CHECK(out && out[0] == 0 && out[1] == 1 && out[2] == 0);
	free(out);
}

TEST(secure_zero_and_free_secret)
{
	unsigned char key[16];

	memset(key, 0xaa, sizeof(key));
	irsa_secure_zero(key, sizeof(key));
	for (size_t i = 0; i < sizeof(key); i++)
		CHECK(key[i] == 0);
	irsa_secure_zero(NULL, 4);
	irsa_free_secret(irsa_strdup("token"));
	irsa_free_secret(NULL);
}

/* ---- error ---------------------------------------------------------- */

TEST(errors)
{
	struct irsa_error err;

	irsa_error_clear(&err);
	CHECK_INT(err.kind, IRSA_ERR_NONE);
	CHECK_INT(irsa_error_set(&err, IRSA_ERR_NOT_FOUND, "role '%s' not found", "r"), -1);
	CHECK_INT(err.kind, IRSA_ERR_NOT_FOUND);
	CHECK_STR(err.message, "role 'r' not found");
	CHECK_INT(irsa_error_prefix(&err, "cannot update '%s'", "sa"), -1);
	CHECK_STR(err.message, "cannot update 'sa': role 'r' not found");
	CHECK_INT(err.kind, IRSA_ERR_NOT_FOUND);
	CHECK_INT(irsa_error_set(NULL, IRSA_ERR_USAGE, "x"), -1);
	CHECK_INT(irsa_error_prefix(NULL, "x"), -1);

	CHECK_INT(irsa_error_exit_code(IRSA_ERR_NONE), 0);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_INTERNAL), 1);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_USAGE), 2);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_AUTH), 3);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_NOT_FOUND), 4);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_CONFLICT), 5);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_THROTTLED), 6);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_NETWORK), 7);
	CHECK_INT(irsa_error_exit_code(IRSA_ERR_REMOTE), 8);
	CHECK_INT(irsa_error_exit_code((enum irsa_error_kind)99), 1);
	CHECK_STR(irsa_error_kind_name(IRSA_ERR_THROTTLED), "throttled");
	CHECK_STR(irsa_error_kind_name((enum irsa_error_kind)99), "internal");

	/* Long messages are cut, never overflow. */
	{
		char big[3000];

		memset(big, 'm', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		irsa_error_set(&err, IRSA_ERR_REMOTE, "%s", big);
		CHECK_INT(strlen(err.message), sizeof(err.message) - 1);
		irsa_error_prefix(&err, "%s", big);
		CHECK_INT(strlen(err.message), sizeof(err.message) - 1);
	}
}

/* ---- log redaction -------------------------------------------------- */

TEST(secret_headers)
{
	static const char *const secret[] = {
		"Authorization", "authorization", "X-Amz-Security-Token", "x-amz-security-token",
		"X-aws-ec2-metadata-token", "Cookie", "Set-Cookie", "Proxy-Authorization",
	};
	static const char *const plain[] = {
		"Host", "X-Amz-Date", "Content-Type", "x-amz-content-sha256", "User-Agent",
		"X-aws-ec2-metadata-token-ttl-seconds", "",
	};

	for (size_t i = 0; i < ARRAY_SIZE(secret); i++)
		CHECK(irsa_log_header_is_secret(secret[i]));
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		CHECK(!irsa_log_header_is_secret(plain[i]));
}

static char *redact(const char *url, size_t outlen)
{
	char *out = irsa_malloc0(outlen ? outlen : 1);

	irsa_log_redact_url(url, out, outlen);
	return out;
}

TEST(redact_url)
{
	CHECK_OWNED_STR(redact("https://sts.amazonaws.com/", 256), "https://sts.amazonaws.com/");
	CHECK_OWNED_STR(redact("https://h/?Action=GetCallerIdentity&Version=2011-06-15", 256),
			"https://h/?Action=GetCallerIdentity&Version=2011-06-15");
	CHECK_OWNED_STR(redact("https://h/?Action=X&X-Amz-Credential=AKID%2F2015&X-Amz-Date=1"
			       "&X-Amz-Security-Token=tok&X-Amz-Signature=abc", 256),
			"https://h/?Action=X&X-Amz-Credential=REDACTED&X-Amz-Date=1"
			"&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED");
	CHECK_OWNED_STR(redact("https://h/?x-amz-signature=abc&WebIdentityToken=eyJ&k", 256),
			"https://h/?x-amz-signature=REDACTED&WebIdentityToken=REDACTED&k");
	CHECK_OWNED_STR(redact("https://h/?SecretAccessKey=s&X-Amz-Signature=", 256),
			"https://h/?SecretAccessKey=REDACTED&X-Amz-Signature=REDACTED");
	CHECK_OWNED_STR(redact("https://h/?X-Amz-SignatureX=keep", 256),
			"https://h/?X-Amz-SignatureX=keep");
	/* Truncation never overflows and never leaks the cut-off secret. */
	CHECK_OWNED_STR(redact("https://h/?X-Amz-Signature=abcdef", 20), "https://h/?X-Amz-Si");
	CHECK_OWNED_STR(redact("https://h/?X-Amz-Signature=abcdef", 31),
			"https://h/?X-Amz-Signature=RED");
	CHECK_OWNED_STR(redact("https://h/", 1), "");
	{
		char untouched[1] = { 'z' };

		irsa_log_redact_url("https://h/", untouched, 0);
		CHECK(untouched[0] == 'z');
	}
}

/* ---- fileutil ------------------------------------------------------- */

struct tmpdir {
	char path[64];
};

static void tmpdir_make(struct tmpdir *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/irsa-test-base-XXXXXX");
	if (!mkdtemp(t->path))
		t->path[0] = '\0';
}

static void tmpdir_remove(struct tmpdir *t, const char *const *names)
{
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *p = irsa_asprintf("%s/%s", t->path, names[i]);

		unlink(p);
	}
	rmdir(t->path);
}

TEST(file_write_atomic_and_read)
{
	static const char *const names[] = { "config", NULL };
	struct tmpdir t;
	_cleanup_free_ char *path = NULL;
	struct irsa_buf b = IRSA_BUF_INIT;
	struct irsa_error err = { 0 };
	struct stat st;

	tmpdir_make(&t);
	CHECK(t.path[0] != '\0');
	path = irsa_asprintf("%s/config", t.path);

	CHECK_INT(irsa_file_write_atomic(path, "first version\n", 14, 0600, &err), 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	CHECK_INT(irsa_file_read(path, 1024, "config file", &b, &err), 0);
	CHECK_STR(irsa_buf_str(&b), "first version\n");
	irsa_buf_reset(&b);

	/* Replacing: new contents and the new mode, no temp file left. */
	CHECK_INT(irsa_file_write_atomic(path, "v2", 2, 0644, &err), 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK_INT(irsa_file_read(path, 1024, "config file", &b, &err), 0);
	CHECK_STR(irsa_buf_str(&b), "v2");
	{
		struct dirent **list = NULL;
		int n = scandir(t.path, &list, NULL, alphasort);

		CHECK_INT(n, 3); /* ".", "..", "config" */
		for (int i = 0; i < n; i++)
			free(list[i]);
		free(list);
	}
	CHECK(irsa_file_exists(path));
	irsa_buf_release(&b);
	tmpdir_remove(&t, names);
	CHECK(!irsa_file_exists(path));
}

TEST(file_write_atomic_failure)
{
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_file_write_atomic("/nonexistent-dir/x/config", "x", 1, 0600, &err), -1);
	CHECK(strstr(err.message, "/nonexistent-dir/x/config") != NULL);
	CHECK(err.kind != IRSA_ERR_NONE);
}

TEST(file_read_limits_and_errors)
{
	static const char *const names[] = { "big", NULL };
	struct tmpdir t;
	_cleanup_free_ char *path = NULL;
	struct irsa_buf b = IRSA_BUF_INIT;
	struct irsa_error err = { 0 };
	char data[10000];

	tmpdir_make(&t);
	path = irsa_asprintf("%s/big", t.path);
	memset(data, 'd', sizeof(data));
	CHECK_INT(irsa_file_write_atomic(path, data, sizeof(data), 0600, &err), 0);

	CHECK_INT(irsa_file_read(path, sizeof(data), "token file", &b, &err), 0);
	CHECK_INT(b.len, sizeof(data));
	irsa_buf_release(&b);

	CHECK_INT(irsa_file_read(path, sizeof(data) - 1, "token file", &b, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "token file") != NULL);
	CHECK(strstr(err.message, "larger than 9999 bytes") != NULL);
	irsa_buf_release(&b);

	irsa_error_clear(&err);
	CHECK_INT(irsa_file_read("/nonexistent/token", 100, "token file", &b, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_NOT_FOUND);
	CHECK(strstr(err.message, "'/nonexistent/token'") != NULL);

	CHECK_INT(irsa_file_read(t.path, 100, "kubeconfig", &b, &err), -1);
	CHECK(strstr(err.message, "directory") != NULL);
	irsa_buf_release(&b);
	tmpdir_remove(&t, names);
}

TEST(path_expand_home)
{
	_cleanup_free_ char *old = getenv("HOME") ? irsa_strdup(getenv("HOME")) : NULL;

	setenv("HOME", "/home/u", 1);
	CHECK_OWNED_STR(irsa_path_expand_home("~/.aws/config"), "/home/u/.aws/config");
	CHECK_OWNED_STR(irsa_path_expand_home("~"), "/home/u");
	CHECK_OWNED_STR(irsa_path_expand_home("~other/x"), "~other/x");
	CHECK_OWNED_STR(irsa_path_expand_home("/abs"), "/abs");
	CHECK(irsa_path_expand_home(NULL) == NULL);
	if (old)
		setenv("HOME", old, 1);
	else
		unsetenv("HOME");
}

TEST(str_closest)
{
	const char *const names[] = { "s3-read", "s3-readwrite", "dynamodb-read", "whoami" };
	char long_word[1001];

	CHECK_STR(irsa_str_closest("s3-reed", names, 4), "s3-read");
	CHECK_STR(irsa_str_closest("whoamii", names, 4), "whoami");
	CHECK_STR(irsa_str_closest("dynamo-read", names, 4), "dynamodb-read");
	CHECK(irsa_str_closest("foo", names, 4) == NULL);
	CHECK(irsa_str_closest("x", names, 0) == NULL);
	/* 17 characters allow 5 edits: a name exactly 5 shorter is still
	 * close enough, a word far longer than every name is not */
	CHECK_STR(irsa_str_closest("s3-readwritexxxxx", names, 4), "s3-readwrite");
	memset(long_word, 'a', sizeof(long_word) - 1);
	long_word[sizeof(long_word) - 1] = 0;
	CHECK(irsa_str_closest(long_word, names, 4) == NULL);
	/* the nearest wins, though a farther one is within the limit too */
	CHECK_STR(irsa_str_closest("s3-readwrit", names, 4), "s3-readwrite");
	/* a name of 64 characters or more (the table no longer fits the stack
	 * buffer), exactly at the limit and one past it */
	{
		char name[81], word[81];
		const char *const long_names[] = { "short", name };

		memset(name, 'b', 80);
		name[80] = 0;
		memcpy(word, name, sizeof(word));
		memset(word, 'c', 26); /* 80 / 3 = 26 edits allowed */
		CHECK_STR(irsa_str_closest(word, long_names, 2), name);
		word[26] = 'c';
		CHECK(irsa_str_closest(word, long_names, 2) == NULL);
	}
}

int main(void)
{
	RUN(str_closest);
	RUN(buf_printf);
	RUN(buf_grows_and_stays_terminated);
	RUN(buf_printf_exact_fits);
	RUN(buf_detach_and_secure_release);
	RUN(string_helpers);
	RUN(hex_encode);
	RUN(uri_encode);
	RUN(uri_decode);
	RUN(base64_rfc4648_vectors);
	RUN(base64url_has_no_padding);
	RUN(base64_decode_rejects_garbage);
	RUN(secure_zero_and_free_secret);
	RUN(errors);
	RUN(secret_headers);
	RUN(redact_url);
	RUN(file_write_atomic_and_read);
	RUN(file_write_atomic_failure);
	RUN(file_read_limits_and_errors);
	RUN(path_expand_home);
	return tap_done();
}
