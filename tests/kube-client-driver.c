/* Test driver for the Kubernetes client (irsa/kube.h), used by
 * test_kube_client.py: each auth method and error path against the
 * Kubernetes emulator, without depending on a CLI command. Not installed.
 *
 *   kube-client-driver [--kubeconfig F] [--context C] [--aws] [--force] [--dry-run]
 *                      [--label K=V] [--debug]
 *                      open | get NS NAME | apply NS NAME ROLE_ARN | ns-exists NS | ns-create NS
 *
 * stdout: a JSON result; on failure stderr has "irsactl: error: MESSAGE"
 * then "# code=REASON status=N", and the exit status is the error's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "irsa/aws.h"
#include "irsa/kube.h"
#include "irsa/log.h"

static int fail(const struct irsa_error *err)
{
	fprintf(stderr, "irsactl: error: %s\n# code=%s status=%d\n", err->message, err->code,
		err->http_status);
	return irsa_error_exit_code(err->kind);
}

int main(int argc, char **argv)
{
	struct irsa_kube_options opts = { 0 };
	struct irsa_error err = { 0 };
	struct irsa_aws *aws = NULL;
	struct irsa_kube *k = NULL;
	bool use_aws = false, force = false, dry_run = false;
	const char *label = NULL;
	json_t *out = NULL;
	const char *cmd;
	int i, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--kubeconfig") == 0 && i + 1 < argc)
			opts.kubeconfig = argv[++i];
		else if (strcmp(argv[i], "--context") == 0 && i + 1 < argc)
			opts.context = argv[++i];
		else if (strcmp(argv[i], "--aws") == 0)
			use_aws = true;
		else if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = true;
		else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc)
			label = argv[++i];
		else if (strcmp(argv[i], "--debug") == 0)
			irsa_log_level = IRSA_LOG_DEBUG;
		else
			return 2;
	}
	if (i >= argc)
		return 2;
	cmd = argv[i++];
	if (use_aws && irsa_aws_new(NULL, &aws, &err) < 0)
		return fail(&err);
	opts.aws = aws;
	if (irsa_kube_open(&opts, &k, &err) < 0) {
		rc = fail(&err);
		goto done;
	}
	if (strcmp(cmd, "open") == 0) {
		out = json_pack("{s:s, s:s, s:s, s:s}", "context", irsa_kube_context_name(k),
				"server", irsa_kube_server(k), "namespace", irsa_kube_default_namespace(k),
				"auth", irsa_kube_auth_method(k));
	} else if (strcmp(cmd, "get") == 0 && i + 2 == argc) {
		if (irsa_kube_get_service_account(k, argv[i], argv[i + 1], &out, &err) < 0)
			rc = fail(&err);
	} else if (strcmp(cmd, "apply") == 0 && i + 3 == argc) {
		json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}}", "apiVersion", "v1",
					"kind", "ServiceAccount", "metadata", "name", argv[i + 1],
					"namespace", argv[i], "annotations",
					"eks.amazonaws.com/role-arn", argv[i + 2]);

		if (label && strchr(label, '=')) {
			char *key = strndup(label, (size_t)(strchr(label, '=') - label));

			json_object_set_new(json_object_get(obj, "metadata"), "labels",
					    json_pack("{s:s}", key, strchr(label, '=') + 1));
			free(key);
		}

		if (irsa_kube_apply_service_account(k, argv[i], argv[i + 1], obj, force, dry_run, &out,
						    &err) < 0)
			rc = fail(&err);
		json_decref(obj);
	} else if (strcmp(cmd, "ns-exists") == 0 && i + 1 == argc) {
		bool exists = false;

		if (irsa_kube_namespace_exists(k, argv[i], &exists, &err) < 0)
			rc = fail(&err);
		else
			out = json_pack("{s:b}", "exists", exists);
	} else if (strcmp(cmd, "ns-create") == 0 && i + 1 == argc) {
		if (irsa_kube_create_namespace(k, argv[i], &err) < 0)
			rc = fail(&err);
		else
			out = json_pack("{s:b}", "created", 1);
	} else {
		rc = 2;
	}
	if (out) {
		json_object_set_new(out, "_auth", json_string(irsa_kube_auth_method(k)));
		json_dumpf(out, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(out);
	}
done:
	irsa_kube_free(k);
	irsa_aws_free(aws);
	return rc;
}
