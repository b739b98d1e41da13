/* Unit tests: decoding an exec plugin's ExecCredential (no plugin run). */
#include "tap.h"
#include "irsa/kubeconfig.h"
#include "src/services/kube_internal.h"

static struct irsa_kubeconfig_user user = { .name = (char *)"dev", .file = "/k/config" };
static struct irsa_kubeconfig_cluster cluster = { .name = (char *)"c", .server = (char *)"https://k" };
static struct irsa_kubeconfig_context context = { .name = (char *)"ctx" };
static struct irsa_kubeconfig_exec exec = {
	.api_version = (char *)"client.authentication.k8s.io/v1",
	.command = (char *)"plugin",
};

static int decode(const char *json, struct kube_exec_result *res, struct irsa_error *err)
{
	struct irsa_kubeconfig_selection sel = { &context, &cluster, &user };

	memset(res, 0, sizeof(*res));
	return kube_exec_decode(&exec, &sel, json, strlen(json), res, err);
}

TEST(token_and_expiration)
{
	struct kube_exec_result res;
	struct irsa_error err = { 0 };

	CHECK_INT(decode("{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\","
			 "\"status\":{\"token\":\"secret-token\","
			 "\"expirationTimestamp\":\"2026-01-02T03:04:05Z\"}}", &res, &err), 0);
	CHECK_STR(res.token, "secret-token");
	CHECK_INT(res.expiration, 1767323045);
	kube_exec_result_release(&res);
}

TEST(wrong_api_version_not_echoed)
{
	struct kube_exec_result res;
	struct irsa_error err = { 0 };

	CHECK_INT(decode("{\"kind\":\"ExecCredential\",\"apiVersion\":\"v9\","
			 "\"status\":{\"token\":\"secret-token\"}}", &res, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_AUTH);
	CHECK(strstr(err.message, "'v9'") && !strstr(err.message, "secret-token"));
	CHECK(!res.token);
}

TEST(expiration_offsets)
{
	/* local time = UTC + offset */
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05+01:30"), 1767323045 - 5400);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05.999-02:00"), 1767323045 + 7200);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05.5z"), 1767323045);
	/* a huge offset once overflowed a long (undefined behaviour) */
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05+9999999999999999999:00"), 0);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05-99999999999999:99999999"), 0);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05+24:00"), 0);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05+01:60"), 0);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05+0100"), 0);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05+01:00x"), 0);
	CHECK_INT(kube_exec_parse_time("2026-01-02T03:04:05"), 0);
	CHECK_INT(kube_exec_parse_time("tomorrow"), 0);
	CHECK_INT(kube_exec_parse_time(NULL), 0);
}

int main(void)
{
	RUN(token_and_expiration);
	RUN(wrong_api_version_not_echoed);
	RUN(expiration_offsets);
	return tap_done();
}
