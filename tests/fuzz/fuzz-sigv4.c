/* SigV4 canonicalisation of arbitrary requests: method, URL, header lines
 * ("Name: value") and body, separated by NUL bytes, signed in header or
 * query (presigned) mode with the flags the last byte picks (bits 0-3
 * the flags, bit 4 the mode: one signature per input, twice the rate). */
#include <stdbool.h>
#include <string.h>

#include "irsa/credentials.h"
#include "irsa/http.h"
#include "irsa/sigv4.h"
#include "fuzz.h"

static void add_headers(struct irsa_request *req, char *lines)
{
	char *save = NULL;

	for (char *line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = 0;
		irsa_request_add_header(req, line, colon + 1);
	}
}

static void sign(const struct fuzz_parts *in, enum irsa_sigv4_mode mode, unsigned flags,
		 const struct irsa_credentials *creds)
{
	const struct irsa_sigv4_config cfg = {
		.region = "us-east-1",
		.service = "iam",
		.time = 1440938160,
		.mode = mode,
		.expires = 60,
		.flags = flags,
		.creds = creds,
	};
	struct irsa_request req;
	struct irsa_error err = { 0 };
	char *lines = strdup(in->part[2]);

	irsa_request_init(&req);
	if (irsa_request_set_url(&req, *in->part[0] ? in->part[0] : "GET", in->part[1], &err) < 0)
		goto out;
	add_headers(&req, lines);
	irsa_buf_append(&req.body, in->part[3], in->len[3]);
	if (irsa_sigv4_sign(&cfg, &req, &err) == 0) {
		char *url = irsa_request_url(&req);

		if (!url)
			abort();
		if (mode == IRSA_SIGV4_HEADER && !irsa_request_get_header(&req, "Authorization"))
			abort();
		free(url);
	}
out:
	irsa_request_release(&req);
	free(lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts in;
	struct irsa_credentials *creds = irsa_credentials_new(
		"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token", 0, NULL);
	unsigned flags = size ? data[size - 1] & 0x0f : 0;
	bool query = size && data[size - 1] & 0x10;

	fuzz_split(data, size, 4, &in);
	sign(&in, query ? IRSA_SIGV4_QUERY : IRSA_SIGV4_HEADER, flags, creds);
	fuzz_parts_release(&in);
	irsa_credentials_free(creds);
	return 0;
}
