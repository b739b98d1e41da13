/* kubeconfig loading (kubectl's merge rules), selection, errors, and the
 * update-kubeconfig merge. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "tmp-file.h"
#include "irsa/buf.h"
#include "irsa/fileutil.h"
#include "irsa/kubeconfig.h"
#include "irsa/strutil.h"

static char tmpdir[] = "/tmp/irsa-test-kubeconfig-XXXXXX";

static const char file_a[] =
	"apiVersion: v1\n"
	"kind: Config\n"
	"clusters:\n"
	"- name: shared\n"
	"  cluster:\n"
	"    server: https://a.example:6443/\n"
	"    certificate-authority: certs/ca.crt\n"
	"    tls-server-name: api.internal\n"
	"    proxy-url: http://proxy:3128\n"
	"- name: only-a\n"
	"  cluster:\n"
	"    server: https://only-a.example\n"
	"    insecure-skip-tls-verify: true\n"
	"users:\n"
	"- name: alice\n"
	"  user:\n"
	"    token: secret-token\n"
	"    client-certificate: ../client.crt\n"
	"    client-key-data: aGVsbG8K\n"
	"- name: plugin\n"
	"  user:\n"
	"    exec:\n"
	"      apiVersion: client.authentication.k8s.io/v1\n"
	"      command: aws\n"
	"      args: [eks, get-token, --cluster-name, demo]\n"
	"      env:\n"
	"      - name: AWS_PROFILE\n"
	"        value: ci\n"
	"      installHint: install the aws CLI\n"
	"      interactiveMode: Never\n"
	"      provideClusterInfo: true\n"
	"contexts:\n"
	"- name: a\n"
	"  context: {cluster: shared, user: alice, namespace: apps}\n"
	"- name: p\n"
	"  context: {cluster: only-a, user: plugin}\n"
	"current-context: a\n";

static const char file_b[] =
	"clusters:\n"
	"- name: shared\n"
	"  cluster:\n"
	"    server: https://b.example\n"
	"- name: only-b\n"
	"  cluster:\n"
	"    server: https://only-b.example\n"
	"    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
	"users:\n"
	"- name: bob\n"
	"  user: {username: bob, password: pw}\n"
	"contexts:\n"
	"- name: a\n"
	"  context: {cluster: only-b, user: bob}\n"
	"- name: b\n"
	"  context: {cluster: only-b, user: bob}\n"
	"current-context: b\n";

static const struct irsa_kubeconfig_cluster *cluster(const struct irsa_kubeconfig *kc, const char *name)
{
	for (size_t i = 0; i < kc->n_clusters; i++)
		if (strcmp(kc->clusters[i].name, name) == 0)
			return &kc->clusters[i];
	return NULL;
}

TEST(single_file)
{
	_cleanup_free_ char *a = tmp_file_write(tmpdir, "a.yaml", file_a);
	_cleanup_free_ char *ca = irsa_asprintf("%s/certs/ca.crt", tmpdir);
	_cleanup_free_ char *client = irsa_asprintf("%s/../client.crt", tmpdir);
	struct irsa_kubeconfig *kc = NULL;
	struct irsa_kubeconfig_selection sel;
	struct irsa_error err = { 0 };
	const struct irsa_kubeconfig_cluster *c;

	CHECK_INT(irsa_kubeconfig_load(a, NULL, &kc, &err), 0);
	if (!kc) {
		printf("# %s\n", err.message);
		return;
	}
	c = cluster(kc, "shared");
	CHECK(c != NULL);
	CHECK_STR(c->server, "https://a.example:6443/");
	CHECK_STR(c->certificate_authority, ca);
	CHECK_STR(c->tls_server_name, "api.internal");
	CHECK_STR(c->proxy_url, "http://proxy:3128");
	CHECK(!c->insecure_skip_tls_verify);
	CHECK(cluster(kc, "only-a")->insecure_skip_tls_verify);
	CHECK_STR(kc->current_context, "a");

	CHECK_INT(irsa_kubeconfig_select(kc, NULL, &sel, &err), 0);
	CHECK_STR(sel.context->name, "a");
	CHECK_STR(sel.context->namespace, "apps");
	CHECK_STR(sel.user->token, "secret-token");
	CHECK_STR(sel.user->client_certificate, client);
	CHECK_STR(sel.user->client_key_data, "hello\n");

	CHECK_INT(irsa_kubeconfig_select(kc, "p", &sel, &err), 0);
	CHECK(sel.user->exec != NULL);
	if (sel.user->exec) {
		const struct irsa_kubeconfig_exec *e = sel.user->exec;

		CHECK_STR(e->api_version, "client.authentication.k8s.io/v1");
		CHECK_STR(e->command, "aws");
		CHECK_INT(e->n_args, 4);
		CHECK_STR(e->args[3], "demo");
		CHECK_INT(e->n_env, 1);
		CHECK_STR(e->env[0].name, "AWS_PROFILE");
		CHECK_STR(e->env[0].value, "ci");
		CHECK_STR(e->install_hint, "install the aws CLI");
		CHECK_STR(e->interactive_mode, "Never");
		CHECK(e->provide_cluster_info);
	}
	irsa_kubeconfig_free(kc);
}

TEST(merge_rules)
{
	_cleanup_free_ char *a = tmp_file_write(tmpdir, "a.yaml", file_a);
	_cleanup_free_ char *b = tmp_file_write(tmpdir, "b.yaml", file_b);
	_cleanup_free_ char *list = irsa_asprintf("%s/missing.yaml:%s:%s", tmpdir, b, a);
	_cleanup_free_ char *list2 = irsa_asprintf("%s:%s", a, b);
	struct irsa_kubeconfig *kc = NULL;
	struct irsa_kubeconfig_selection sel;
	struct irsa_error err = { 0 };

	/* b first: its 'shared' and 'a' and current-context win; missing skipped. */
	CHECK_INT(irsa_kubeconfig_load(NULL, list, &kc, &err), 0);
	if (!kc)
		return;
	CHECK_INT(kc->n_files, 2);
	CHECK_STR(cluster(kc, "shared")->server, "https://b.example");
	CHECK(cluster(kc, "only-a") != NULL);
	CHECK(cluster(kc, "only-b") != NULL);
	CHECK_STR(cluster(kc, "only-b")->certificate_authority_data, "-----BEGIN CERTIFICATE-----\n");
	CHECK_STR(kc->current_context, "b");
	CHECK_INT(irsa_kubeconfig_select(kc, "a", &sel, &err), 0);
	CHECK_STR(sel.cluster->name, "only-b");
	CHECK_STR(sel.user->username, "bob");
	CHECK(sel.context->namespace == NULL);
	irsa_kubeconfig_free(kc);

	/* a first. */
	kc = NULL;
	CHECK_INT(irsa_kubeconfig_load(NULL, list2, &kc, &err), 0);
	if (!kc)
		return;
	CHECK_STR(cluster(kc, "shared")->server, "https://a.example:6443/");
	CHECK_STR(kc->current_context, "a");
	/* --kubeconfig wins over KUBECONFIG */
	irsa_kubeconfig_free(kc);
	kc = NULL;
	CHECK_INT(irsa_kubeconfig_load(b, list2, &kc, &err), 0);
	if (kc)
		CHECK_INT(kc->n_files, 1);
	irsa_kubeconfig_free(kc);
}

TEST(errors)
{
	_cleanup_free_ char *a = tmp_file_write(tmpdir, "a.yaml", file_a);
	_cleanup_free_ char *bad = tmp_file_write(tmpdir, "bad.yaml",
		"clusters:\n- name: x\n  cluster: {server: [\n");
	_cleanup_free_ char *dup = tmp_file_write(tmpdir, "dup.yaml",
		"clusters:\n- name: x\n  cluster: {server: https://x}\n- name: x\n  cluster: {server: https://y}\n");
	_cleanup_free_ char *b64 = tmp_file_write(tmpdir, "b64.yaml",
		"users:\n- name: u\n  user: {client-key-data: '!!notbase64'}\n");
	_cleanup_free_ char *dangling = tmp_file_write(tmpdir, "dangling.yaml",
		"contexts:\n- name: c\n  context: {cluster: nope, user: u}\ncurrent-context: c\n");
	_cleanup_free_ char *missing = irsa_asprintf("%s/does-not-exist", tmpdir);
	_cleanup_free_ char *list = irsa_asprintf("%s:%s", a, bad);
	struct irsa_kubeconfig *kc = NULL;
	struct irsa_kubeconfig_selection sel;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_kubeconfig_load(missing, NULL, &kc, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, missing) != NULL);

	CHECK_INT(irsa_kubeconfig_load(NULL, missing, &kc, &err), -1);
	CHECK(strstr(err.message, "none of the files in KUBECONFIG") != NULL);

	CHECK_INT(irsa_kubeconfig_load(NULL, list, &kc, &err), -1);
	CHECK(strstr(err.message, bad) != NULL);
	CHECK(strstr(err.message, "is not valid YAML: line ") != NULL);
	CHECK(!strchr(err.message, '\n'));

	CHECK_INT(irsa_kubeconfig_load(dup, NULL, &kc, &err), -1);
	CHECK(strstr(err.message, "duplicate cluster name 'x'") != NULL);

	CHECK_INT(irsa_kubeconfig_load(b64, NULL, &kc, &err), -1);
	CHECK(strstr(err.message, "user 'u': 'client-key-data' is not valid base64") != NULL);

	CHECK_INT(irsa_kubeconfig_load(a, NULL, &kc, &err), 0);
	CHECK_INT(irsa_kubeconfig_select(kc, "nope", &sel, &err), -1);
	CHECK(strstr(err.message, "context 'nope' not found") != NULL);
	CHECK(strstr(err.message, "known contexts: 'a', 'p'") != NULL);
	kc = irsa_kubeconfig_free(kc);

	CHECK_INT(irsa_kubeconfig_load(dangling, NULL, &kc, &err), 0);
	CHECK_INT(irsa_kubeconfig_select(kc, NULL, &sel, &err), -1);
	CHECK(strstr(err.message, "names cluster 'nope', which is not defined") != NULL);
	irsa_kubeconfig_free(kc);
}

TEST(target_path)
{
	char *p = irsa_kubeconfig_target_path(NULL, "/x/one:/x/two");

	CHECK_STR(p, "/x/one");
	free(p);
	p = irsa_kubeconfig_target_path("/flag", "/x/one");
	CHECK_STR(p, "/flag");
	free(p);
}

static const char *const args[] = { "token", "--cluster", "demo", "--region", "us-west-2" };
static const struct irsa_kubeconfig_env env[] = { { (char *)"AWS_PROFILE", (char *)"ci" } };

static const struct irsa_kubeconfig_entry entry = {
	.cluster_name = "arn:aws:eks:us-west-2:111122223333:cluster/demo",
	.server = "https://ABC.gr7.us-west-2.eks.amazonaws.com",
	.ca_data = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
	.user_name = "arn:aws:eks:us-west-2:111122223333:cluster/demo",
	.context_name = "arn:aws:eks:us-west-2:111122223333:cluster/demo",
	.exec_api_version = "client.authentication.k8s.io/v1beta1",
	.exec_command = "irsactl",
	.exec_args = args,
	.n_exec_args = 5,
	.exec_env = env,
	.n_exec_env = 1,
	.set_current = true,
};

TEST(merge_entry)
{
	char *one = NULL, *two = NULL, *three = NULL;
	enum irsa_kubeconfig_change ch;
	struct irsa_error err = { 0 };
	struct irsa_kubeconfig *kc = NULL;
	struct irsa_kubeconfig_selection sel;
	struct irsa_kubeconfig_entry other = entry;

	CHECK_INT(irsa_kubeconfig_merge_entry("new", NULL, 0, &entry, &one, &ch, &err), 0);
	CHECK_INT(ch, IRSA_KUBECONFIG_ADDED);
	CHECK(one && strstr(one, "current-context: arn:aws:eks:us-west-2:111122223333:cluster/demo\n"));
	CHECK(one && strstr(one, "kind: Config\n"));
	CHECK(one && strstr(one, "preferences: {}\n"));
	CHECK_INT(irsa_kubeconfig_parse("one", one, strlen(one), &kc, &err), 0);
	if (kc) {
		CHECK_INT(irsa_kubeconfig_select(kc, NULL, &sel, &err), 0);
		CHECK_STR(sel.cluster->server, entry.server);
		CHECK_STR(sel.cluster->certificate_authority_data, "-----BEGIN CERTIFICATE-----\n");
		CHECK_STR(sel.user->exec->command, "irsactl");
		CHECK_INT(sel.user->exec->n_args, 5);
		CHECK_STR(sel.user->exec->env[0].value, "ci");
		kc = irsa_kubeconfig_free(kc);
	}
	/* Again: unchanged, byte-identical. */
	CHECK_INT(irsa_kubeconfig_merge_entry("one", one, strlen(one), &entry, &two, &ch, &err), 0);
	CHECK_INT(ch, IRSA_KUBECONFIG_UNCHANGED);
	CHECK_STR(two, one);
	free(two);

	/* Into a file with other entries: they are kept. */
	CHECK_INT(irsa_kubeconfig_merge_entry("a", file_a, strlen(file_a), &entry, &two, &ch, &err), 0);
	CHECK_INT(ch, IRSA_KUBECONFIG_ADDED);
	CHECK_INT(irsa_kubeconfig_parse("two", two, strlen(two), &kc, &err), 0);
	if (kc) {
		CHECK_INT(kc->n_clusters, 3);
		CHECK_INT(kc->n_users, 3);
		CHECK_INT(kc->n_contexts, 3);
		CHECK_STR(kc->current_context, entry.context_name);
		CHECK_STR(cluster(kc, "only-a")->server, "https://only-a.example");
		CHECK(cluster(kc, "only-a")->insecure_skip_tls_verify);
		kc = irsa_kubeconfig_free(kc);
	}
	/* A changed server replaces the entry, nothing is duplicated. */
	other.server = "https://new.example";
	CHECK_INT(irsa_kubeconfig_merge_entry("two", two, strlen(two), &other, &three, &ch, &err), 0);
	CHECK_INT(ch, IRSA_KUBECONFIG_UPDATED);
	CHECK_INT(irsa_kubeconfig_parse("three", three, strlen(three), &kc, &err), 0);
	if (kc) {
		CHECK_INT(kc->n_clusters, 3);
		CHECK_STR(cluster(kc, entry.cluster_name)->server, "https://new.example");
		kc = irsa_kubeconfig_free(kc);
	}
	/* Malformed input is refused. */
	free(three);
	three = NULL;
	CHECK_INT(irsa_kubeconfig_merge_entry("bad", "a: [", 4, &entry, &three, &ch, &err), -1);
	CHECK(strstr(err.message, "kubeconfig 'bad' is not valid YAML: line ") != NULL);
	CHECK(three == NULL);
	free(one);
	free(two);
}

/* Issue #8: files the update used to damage. */
TEST(merge_entry_keeps_data)
{
	char *out = NULL;
	enum irsa_kubeconfig_change ch;
	struct irsa_error err = { 0 };
	struct irsa_kubeconfig *kc = NULL;
	struct irsa_kubeconfig_entry e = entry;
	const char *const numbers[] = { "1_000", "0b101", "0x1F", "2012-10-17", "on" };
	const char *flow_null = "apiVersion: v1\nkind: Config\nclusters:\n"
				"- name: x\n  cluster: {server: 'https://x', insecure-skip-tls-verify: }\n"
				"---\nsecond: document\n";
	const char *dup_name = "apiVersion: v1\nkind: Config\ncontexts:\n"
			       "- name: arn:aws:eks:us-west-2:111122223333:cluster/demo\n"
			       "  name: arn:aws:eks:us-west-2:111122223333:cluster/demo\n";

	/* a null in a flow mapping stays null, the second document stays */
	CHECK_INT(irsa_kubeconfig_merge_entry("f", flow_null, strlen(flow_null), &entry, &out, &ch, &err), 0);
	CHECK(out && strstr(out, "insecure-skip-tls-verify: null}") != NULL);
	CHECK(out && strstr(out, "\n---\nsecond: document\n") != NULL);
	CHECK_INT(irsa_kubeconfig_parse("f", out, strlen(out), &kc, &err), 0);
	if (kc) {
		CHECK(!cluster(kc, "x")->insecure_skip_tls_verify);
		kc = irsa_kubeconfig_free(kc);
	}
	free(out);
	out = NULL;

	/* numbers in any YAML form are quoted */
	e.exec_args = numbers;
	e.n_exec_args = ARRAY_SIZE(numbers);
	e.context_name = "1_000";
	CHECK_INT(irsa_kubeconfig_merge_entry("n", NULL, 0, &e, &out, &ch, &err), 0);
	CHECK(out && strstr(out, "      - \"1_000\"\n      - \"0b101\"\n") != NULL);
	CHECK(out && strstr(out, "current-context: \"1_000\"\n") != NULL);
	CHECK_INT(irsa_kubeconfig_parse("n", out, strlen(out), &kc, &err), 0);
	if (kc) {
		CHECK_STR(kc->current_context, "1_000");
		CHECK_STR(kc->users[0].exec->args[4], "on");
		kc = irsa_kubeconfig_free(kc);
	}
	free(out);
	out = NULL;

	/* a context whose only key is a repeated name is not "equal": replaced */
	CHECK_INT(irsa_kubeconfig_merge_entry("d", dup_name, strlen(dup_name), &entry, &out, &ch, &err), 0);
	CHECK_INT(ch, IRSA_KUBECONFIG_UPDATED);
	CHECK_INT(irsa_kubeconfig_parse("d", out, strlen(out), &kc, &err), 0);
	if (kc) {
		CHECK_INT(kc->n_contexts, 1);
		CHECK_STR(kc->contexts[0].cluster, entry.cluster_name);
		kc = irsa_kubeconfig_free(kc);
	}
	free(out);
	out = NULL;

	/* limits */
	{
		struct irsa_buf deep = IRSA_BUF_INIT;

		irsa_buf_puts(&deep, "clusters: ");
		for (int i = 0; i < 100000; i++)
			irsa_buf_putc(&deep, '[');
		CHECK_INT(irsa_kubeconfig_parse("deep", irsa_buf_str(&deep), deep.len, &kc, &err), -1);
		CHECK(strstr(err.message, "kubeconfig 'deep' cannot be read: line 1, column 74: nested "
				       "deeper than 64 levels") != NULL);
		CHECK_INT(irsa_kubeconfig_merge_entry("deep", irsa_buf_str(&deep), deep.len, &entry, &out,
						      &ch, &err), -1);
		CHECK(out == NULL);
		irsa_buf_release(&deep);
	}
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(single_file);
	RUN(merge_rules);
	RUN(errors);
	RUN(target_path);
	RUN(merge_entry);
	RUN(merge_entry_keeps_data);
	{
		_cleanup_free_ char *cmd = irsa_asprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	return tap_done();
}
