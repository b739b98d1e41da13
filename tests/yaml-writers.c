/* For test_yaml_roundtrip.py: writes the strings of a JSON array (stdin)
 * with each of irsactl's YAML writers and prints what they wrote as one
 * JSON object:
 *   "output":          --output yaml (irsa_yaml_emit_json), as keys and values
 *   "manifest_new":    a new ServiceAccount (irsa_manifest_render), as annotation values
 *   "manifest_merged": the same merged into an existing manifest (line edits)
 *   "kubeconfig":      update-kubeconfig's entry, as exec args and env values
 * Annotation i is "example.com/k<i>"; the reader finds the strings back
 * in the same order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "irsa/buf.h"
#include "irsa/kubeconfig.h"
#include "irsa/manifest.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"
#include "irsa/yaml.h"

#define ARN "arn:aws:iam::111122223333:role/web"

static int fail(const char *what, const struct irsa_error *err)
{
	fprintf(stderr, "yaml-writers: %s: %s\n", what, err ? err->message : "failed");
	return 1;
}

static int spec_for(json_t *strings, struct irsa_sa_spec *s, struct irsa_error *err)
{
	size_t n = json_array_size(strings);
	char **kv = calloc(n + 1, sizeof(*kv));
	struct irsa_sa_options o = { .namespace = "apps", .name = "web", .role_arn = ARN,
				     .annotations = (const char *const *)kv, .n_annotations = n };
	int r;

	for (size_t i = 0; i < n; i++)
		kv[i] = irsa_asprintf("example.com/k%zu=%s", i, json_string_value(json_array_get(strings, i)));
	r = irsa_sa_spec_build(&o, false, s, err);
	for (size_t i = 0; i < n; i++)
		free(kv[i]);
	free(kv);
	return r;
}

int main(void)
{
	json_error_t jerr;
	json_t *strings = json_loadf(stdin, 0, &jerr), *result = json_object(), *doc = json_object();
	json_t *keys = json_object();
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_error err = { 0 };
	struct irsa_sa_spec s;
	struct irsa_manifest_result mr;
	struct irsa_kubeconfig_env *env;
	struct irsa_kubeconfig_entry entry = {
		.cluster_name = "c", .server = "https://c.example", .ca_data = "Y2E=",
		.user_name = "u", .context_name = "ctx",
		.exec_api_version = "client.authentication.k8s.io/v1beta1", .exec_command = "irsactl",
	};
	const char **args;
	char *text = NULL, *kc = NULL;
	enum irsa_kubeconfig_change ch;
	size_t n, i;
	json_t *v;
	const char *existing = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"
			       "  namespace: apps\n  annotations:\n    keep: me\n";

	if (!json_is_array(strings))
		return fail("stdin", NULL);
	n = json_array_size(strings);
	/* --output yaml: every string as a value and as a key */
	json_array_foreach(strings, i, v)
		json_object_set(keys, json_string_value(v), v);
	json_object_set(doc, "values", strings);
	json_object_set_new(doc, "keys", keys);
	if (irsa_yaml_emit_json(doc, &out, &err) < 0)
		return fail("irsa_yaml_emit_json", &err);
	json_object_set_new(result, "output", json_string(irsa_buf_str(&out)));

	/* the manifest writer, new and merged */
	if (spec_for(strings, &s, &err) < 0)
		return fail("irsa_sa_spec_build", &err);
	s.role_resolved = true;
	if (irsa_manifest_render(&s, &text, &err) < 0)
		return fail("irsa_manifest_render", &err);
	json_object_set_new(result, "manifest_new", json_string(text));
	free(text);
	if (irsa_manifest_merge("m.yaml", existing, strlen(existing), &s, false, &mr, &err) < 0)
		return fail("irsa_manifest_merge", &err);
	json_object_set_new(result, "manifest_merged", json_string(mr.data));
	irsa_manifest_result_release(&mr);
	irsa_sa_spec_release(&s);

	/* the kubeconfig writer */
	args = calloc(n + 1, sizeof(*args));
	env = calloc(n + 1, sizeof(*env));
	json_array_foreach(strings, i, v) {
		args[i] = json_string_value(v);
		env[i].name = irsa_asprintf("E%zu", i);
		env[i].value = (char *)json_string_value(v);
	}
	entry.exec_args = args;
	entry.n_exec_args = n;
	entry.exec_env = env;
	entry.n_exec_env = n;
	if (irsa_kubeconfig_merge_entry("kubeconfig", NULL, 0, &entry, &kc, &ch, &err) < 0)
		return fail("irsa_kubeconfig_merge_entry", &err);
	json_object_set_new(result, "kubeconfig", json_string(kc));
	free(kc);
	for (i = 0; i < n; i++)
		free(env[i].name);
	free(env);
	free(args);

	json_dumpf(result, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(result);
	json_decref(doc);
	json_decref(strings);
	irsa_buf_release(&out);
	return 0;
}
