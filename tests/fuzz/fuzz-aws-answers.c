/* Whole AWS calls answered by the input, through the HTTP seam: the
 * session signs and sends, the fake transport answers with the input's
 * status, headers and body, and the real response path runs (retries,
 * XML and JSON error decoding, pagination, the service decoders).
 * Input: a selector byte (status, and which call: one of six or all of
 * them), header lines ("Name: value"), NUL, the body. Every request of
 * one input gets the same answer; after a few requests of a call the
 * transport fails, which ends retries and paginations. One call per
 * input, not all six every time, keeps the rate up. */
#include <string.h>

#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/http.h"
#include "irsa/iam.h"
#include "irsa/sts.h"
#include "irsa/strlist.h"
#include "fuzz.h"
#include "../aws-fake.h"

/* Requests one call may send before the transport fails: two attempts
 * (AWS_MAX_ATTEMPTS) of a page, or a truncated list's second page and
 * beyond; every answer is the same, so later pages add nothing. */
#define MAX_REQUESTS 4

struct answer {
	long status;
	char *headers;
	const char *body;
	size_t body_len;
	unsigned requests;
};

static const char *fake_getenv(const char *name)
{
	if (strcmp(name, "AWS_MAX_ATTEMPTS") == 0)
		return "2";
	return fake_aws_getenv(name);
}

static int answer(void *userdata, const struct irsa_request *req,
		  const struct irsa_http_options *opts, struct irsa_response *ret,
		  struct irsa_error *err)
{
	struct answer *a = userdata;

	if (++a->requests > MAX_REQUESTS)
		return irsa_error_set(err, IRSA_ERR_NETWORK, "fuzz: no more answers");
	irsa_response_init(ret);
	ret->status = a->status;
	fake_add_headers(ret, a->headers);
	irsa_buf_append(&ret->body, a->body, a->body_len);
	return 0;
}

static void call_sts(struct irsa_aws *aws, struct irsa_error *err)
{
	struct irsa_caller_identity id = { 0 };

	if (irsa_sts_get_caller_identity(aws, &id, err) == 0)
		irsa_caller_identity_release(&id);
}

static void call_eks(struct irsa_aws *aws, struct irsa_error *err)
{
	struct irsa_eks_cluster cluster = { 0 };

	if (irsa_eks_describe_cluster(aws, "demo", &cluster, err) == 0)
		irsa_eks_cluster_release(&cluster);
}

static void call_list_providers(struct irsa_aws *aws, struct irsa_error *err)
{
	struct irsa_strlist arns = { 0 };

	if (irsa_iam_list_oidc_providers(aws, &arns, err) == 0)
		irsa_strlist_release(&arns);
}

static void call_get_provider(struct irsa_aws *aws, struct irsa_error *err)
{
	struct irsa_oidc_provider provider = { 0 };

	if (irsa_iam_get_oidc_provider(aws, "arn:aws:iam::111122223333:oidc-provider/x", &provider,
				       err) == 0)
		irsa_oidc_provider_release(&provider);
}

static void call_get_role(struct irsa_aws *aws, struct irsa_error *err)
{
	struct irsa_role role = { 0 };

	if (irsa_iam_get_role(aws, "web", &role, err) == 0)
		irsa_role_release(&role);
}

static void call_list_roles(struct irsa_aws *aws, struct irsa_error *err)
{
	struct irsa_role *roles = NULL;
	size_t n_roles = 0;

	if (irsa_iam_list_roles(aws, "/", &roles, &n_roles, err) == 0)
		irsa_roles_free(roles, n_roles);
}

static void (*const calls[])(struct irsa_aws *aws, struct irsa_error *err) = {
	call_sts, call_eks, call_list_providers, call_get_provider, call_get_role, call_list_roles,
};
#define N_CALLS (sizeof(calls) / sizeof(calls[0]))

/* One call, or (selector N_CALLS) all of them in turn on one session, so
 * what a call leaves behind (retry quota, credentials) meets the next. */
static void run_calls(struct irsa_aws *aws, struct answer *a, unsigned selector)
{
	struct irsa_error err = { 0 };

	for (size_t i = 0; i < N_CALLS; i++) {
		if (selector != N_CALLS && selector != i)
			continue;
		a->requests = 0;
		calls[i](aws, &err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 200, 200, 200, 400, 403, 404, 409, 429, 500, 503, 302 };
	const size_t n_statuses = sizeof(statuses) / sizeof(statuses[0]);
	static const struct irsa_env_ops ops = { fake_getenv, fake_aws_now, NULL };
	struct fuzz_parts in;
	struct answer a = { 0 };
	struct irsa_http_transport t = { .send = answer, .sleep_ms = fake_no_sleep, .userdata = &a };
	struct irsa_aws *aws;

	if (!size)
		return 0;
	a.status = statuses[data[0] % n_statuses];
	fuzz_split(data + 1, size - 1, 2, &in);
	a.headers = in.part[0];
	a.body = in.part[1];
	a.body_len = in.len[1];
	aws = fake_aws_transport(&ops, "us-west-2", &t);
	run_calls(aws, &a, (unsigned)(data[0] / n_statuses % (N_CALLS + 1)));
	irsa_aws_free(aws);
	fuzz_parts_release(&in);
	return 0;
}
