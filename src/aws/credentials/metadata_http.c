/* HTTP for the credential endpoints (container agent, IMDS, SSO): the
 * caller's timeouts, one retry on a transport failure or a 5xx answer, no
 * signing. Headers given here may be secret (tokens): the request log
 * redacts them by name. */
#include "irsa/http.h"
#include "providers.h"

int irsa_cred_http(const struct irsa_cred_context *ctx, const struct irsa_cred_http_request *hr,
		   struct irsa_response *ret, struct irsa_error *err)
{
	const struct irsa_http_options *base = &ctx->client->http_options;
	struct irsa_http_options opts = { 0 };
	struct irsa_request req;
	int r = -1;

	if (base)
		opts = *base;
	opts.connect_timeout_ms = hr->connect_timeout_ms;
	opts.timeout_ms = hr->timeout_ms;
	opts.max_body = IRSA_METADATA_BODY_MAX;
	irsa_request_init(&req);
	if (irsa_request_set_url(&req, hr->method, hr->url, err) < 0)
		goto out;
	req.secret_query = hr->secret_query;
	for (size_t i = 0; i < hr->n_headers; i++)
		irsa_request_add_header(&req, hr->headers[i].name, hr->headers[i].value);
	if (hr->body)
		irsa_buf_puts(&req.body, hr->body);
	for (int attempt = 1; attempt <= 2; attempt++) {
		irsa_response_init(ret);
		r = irsa_http_send(ctx->client->http, &req, &opts, attempt, ret, err);
		if (r == 0 && ret->status < 500)
			break;
		if (attempt == 2)
			break;
		if (r == 0)
			irsa_response_release(ret);
		irsa_error_clear(err);
		irsa_cred_sleep_ms(ctx, 100);
	}
	if (r < 0)
		irsa_response_release(ret);
out:
	irsa_buf_release_secure(&req.body);
	irsa_request_release(&req);
	return r;
}
