/* ServiceAccount YAML: rendering, and merging into manifests in place. */
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "irsa/fileutil.h"
#include "irsa/manifest.h"
#include "irsa/strutil.h"

#define ARN "arn:aws:iam::111122223333:role/web"
#define ARN2 "arn:aws:iam::111122223333:role/other"

/* Pieces of the manifests below. */
#define SA_HEAD "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n"
#define SA_WEB SA_HEAD "  name: web\n"
#define SA_WEB_APPS SA_WEB "  namespace: apps\n"
#define ROLE_ANNOTATION "  annotations:\n    eks.amazonaws.com/role-arn: " ARN "\n"
/* What spec_full() writes, less the "annotations:" key. */
#define FULL_ANNOTATIONS \
	"    eks.amazonaws.com/role-arn: " ARN "\n" \
	"    eks.amazonaws.com/audience: sts.amazonaws.com\n" \
	"    eks.amazonaws.com/sts-regional-endpoints: \"true\"\n" \
	"    eks.amazonaws.com/token-expiration: \"86400\"\n" \
	"    example.com/x: \"1\"\n"

static const char *const one_label[] = { "app=web" };
static const char *const one_ann[] = { "example.com/x=1" };

static void spec_full(struct irsa_sa_spec *s)
{
	struct irsa_sa_options o = {
		.namespace = "apps", .name = "web", .role_arn = ARN,
		.audience = "sts.amazonaws.com", .sts_regional_endpoints = "true",
		.token_expiration = "86400", .annotations = one_ann, .n_annotations = 1,
		.labels = one_label, .n_labels = 1,
	};
	struct irsa_error err = { 0 };

	if (irsa_sa_spec_build(&o, false, s, &err) < 0)
		printf("# spec: %s\n", err.message);
}

static void spec_arn(struct irsa_sa_spec *s, const char *ns, const char *arn)
{
	struct irsa_sa_options o = { .namespace = ns, .name = "web", .role_arn = arn };
	struct irsa_error err = { 0 };

	if (irsa_sa_spec_build(&o, false, s, &err) < 0)
		printf("# spec: %s\n", err.message);
}

static void spec_remove(struct irsa_sa_spec *s)
{
	struct irsa_sa_options o = { .namespace = "apps", .name = "web", .remove = true,
				     .labels = one_label, .n_labels = 1 };
	struct irsa_error err = { 0 };

	if (irsa_sa_spec_build(&o, false, s, &err) < 0)
		printf("# spec: %s\n", err.message);
}

/* Merge, check the result and the status, then merge again: the second
 * run must be unchanged and byte-identical. */
static void check_merge(const char *line, const struct irsa_sa_spec *s, const char *in,
			const char *want, enum irsa_sa_status want_status)
{
	struct irsa_manifest_result r, r2;
	struct irsa_error err = { 0 };

	if (irsa_manifest_merge("m.yaml", in, strlen(in), s, false, &r, &err) < 0) {
		printf("#   %s: merge failed: %s\n", line, err.message);
		tap_case_failed = 1;
		return;
	}
	CHECK_STR(r.data, want);
	CHECK_STR(irsa_sa_status_name(r.status), irsa_sa_status_name(want_status));
	CHECK_INT(r.len, strlen(r.data));
	if (irsa_manifest_merge("m.yaml", r.data, r.len, s, false, &r2, &err) < 0) {
		printf("#   %s: second merge failed: %s\n", line, err.message);
		tap_case_failed = 1;
	} else {
		CHECK_INT(r2.status, IRSA_SA_UNCHANGED);
		CHECK_STR(r2.data, r.data);
		irsa_manifest_result_release(&r2);
	}
	irsa_manifest_result_release(&r);
}

TEST(render_new)
{
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };
	char *out = NULL;

	spec_full(&s);
	CHECK_INT(irsa_manifest_render(&s, &out, &err), 0);
	CHECK_STR(out,
		  SA_WEB_APPS
		  "  labels:\n"
		  "    app: web\n"
		  "  annotations:\n"
		  FULL_ANNOTATIONS);
	free(out);
	irsa_sa_spec_release(&s);
}

TEST(render_quoting)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			      "a", "false", "b", "yes", "c", "0x1F", "d", "1e3", "e", "",
			      "f", "null", "g", "2001-12-14", "h", "a: b", "i", "line\nbreak",
			      "j", "héllo");
	struct irsa_error err = { 0 };
	char *out = NULL;

	CHECK_INT(irsa_manifest_render_json(o, &out, &err), 0);
	CHECK_STR(out,
		  "a: \"false\"\n"
		  "b: \"yes\"\n"
		  "c: \"0x1F\"\n"
		  "d: \"1e3\"\n"
		  "e: \"\"\n"
		  "f: \"null\"\n"
		  "g: \"2001-12-14\"\n"
		  "h: \"a: b\"\n"
		  "i: \"line\\nbreak\"\n"
		  "j: héllo\n");
	free(out);
	json_decref(o);
}

/* A Deployment, a Service, the ServiceAccount apps/web with a label and
 * an annotation of its own, and web in another namespace. */
#define MULTI_BEFORE_SA \
	"# Deployment first\n" \
	"apiVersion: apps/v1\n" \
	"kind: Deployment\n" \
	"metadata:\n" \
	"  name: web\n" \
	"  namespace: apps\n" \
	"spec:\n" \
	"  replicas: 2   # keep two\n" \
	"---\n" \
	"apiVersion: v1\n" \
	"kind: Service\n" \
	"metadata: {name: web, namespace: apps}\n" \
	"---\n" \
	SA_WEB_APPS \
	"  # labels below\n" \
	"  labels:\n" \
	"    team: a\n"
#define MULTI_ANNOTATIONS "  annotations:\n    other: \"keep me\"   # comment\n"
#define MULTI_AFTER_SA \
	"automountServiceAccountToken: false\n" \
	"---\n" \
	SA_WEB \
	"  namespace: other\n"

static const char multi[] = MULTI_BEFORE_SA MULTI_ANNOTATIONS MULTI_AFTER_SA;

TEST(merge_multi_document)
{
	struct irsa_sa_spec s;

	spec_full(&s);
	check_merge("multi", &s, multi,
		    MULTI_BEFORE_SA "    app: web\n" MULTI_ANNOTATIONS FULL_ANNOTATIONS MULTI_AFTER_SA,
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
}

TEST(merge_replaces_value_in_place)
{
	struct irsa_sa_spec s;
	struct irsa_manifest_result r;
	struct irsa_error err = { 0 };
	const char *in =
		SA_WEB_APPS
		"  annotations:\n"
		"    eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/other' # old\n"
		"    eks.amazonaws.com/sts-regional-endpoints: true\n";

	spec_arn(&s, "apps", ARN);
	/* a different role-arn is not overwritten without --overwrite */
	CHECK_INT(irsa_manifest_merge("m.yaml", in, strlen(in), &s, false, &r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_CONFLICT);
	CHECK(strstr(err.message, "manifest 'm.yaml'") != NULL);
	CHECK(strstr(err.message, "'" ARN2 "'") != NULL);
	CHECK_INT(irsa_manifest_merge("m.yaml", in, strlen(in), &s, true, &r, &err), 0);
	CHECK_STR(r.data,
		  SA_WEB_APPS
		  "  annotations:\n"
		  "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/web # old\n"
		  "    eks.amazonaws.com/sts-regional-endpoints: true\n");
	CHECK_INT(r.status, IRSA_SA_UPDATED);
	irsa_manifest_result_release(&r);
	irsa_sa_spec_release(&s);
}

TEST(merge_fixes_unquoted_values)
{
	struct irsa_sa_spec s;

	spec_full(&s);
	/* a plain `true` is a YAML boolean, which Kubernetes rejects */
	check_merge("plain", &s,
		    SA_WEB_APPS
		    "  labels: {app: web}\n"
		    ROLE_ANNOTATION
		    "    eks.amazonaws.com/audience: sts.amazonaws.com\n"
		    "    eks.amazonaws.com/sts-regional-endpoints: true\n"
		    "    eks.amazonaws.com/token-expiration: 86400\n"
		    "    example.com/x: '1'\n",
		    SA_WEB_APPS
		    "  labels: {app: web}\n"
		    ROLE_ANNOTATION
		    "    eks.amazonaws.com/audience: sts.amazonaws.com\n"
		    "    eks.amazonaws.com/sts-regional-endpoints: \"true\"\n"
		    "    eks.amazonaws.com/token-expiration: \"86400\"\n"
		    "    example.com/x: '1'\n",
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
}

TEST(merge_empty_and_flow_maps)
{
	struct irsa_sa_spec s;

	spec_arn(&s, "apps", ARN);
	check_merge("empty", &s,
		    SA_HEAD
		    "    name: web\n"
		    "    namespace: apps\n"
		    "    annotations: {}   # none yet\n"
		    "spec: 1",
		    SA_HEAD
		    "    name: web\n"
		    "    namespace: apps\n"
		    "    annotations:   # none yet\n"
		    "        eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/web\n"
		    "spec: 1",
		    IRSA_SA_UPDATED);
	check_merge("null", &s,
		    SA_WEB_APPS
		    "  annotations:\n"
		    "  labels:\n"
		    "    a: b\n",
		    SA_WEB_APPS ROLE_ANNOTATION
		    "  labels:\n"
		    "    a: b\n",
		    IRSA_SA_UPDATED);
	check_merge("flow", &s,
		    SA_WEB_APPS
		    "  annotations: {a: b}\n",
		    SA_WEB_APPS
		    "  annotations: {a: b, eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/web'}\n",
		    IRSA_SA_UPDATED);
	check_merge("flow metadata", &s,
		    "apiVersion: v1\n"
		    "kind: ServiceAccount\n"
		    "metadata: {name: web, namespace: apps}\n",
		    "apiVersion: v1\n"
		    "kind: ServiceAccount\n"
		    "metadata: {name: web, namespace: apps, annotations: {eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/web'}}\n",
		    IRSA_SA_UPDATED);
	check_merge("json", &s,
		    "{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\",\n"
		    " \"metadata\": {\"name\": \"web\", \"namespace\": \"apps\"}}\n",
		    "{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\",\n"
		    " \"metadata\": {\"name\": \"web\", \"namespace\": \"apps\", \"annotations\": {\"eks.amazonaws.com/role-arn\": \"arn:aws:iam::111122223333:role/web\"}}}\n",
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
}

/* The ServiceAccount apps/web with CRLF line ends and an annotation that
 * is a literal block scalar. */
#define CRLF_SA \
	"apiVersion: v1\r\nkind: ServiceAccount\r\nmetadata:\r\n  name: web\r\n  namespace: apps\r\n" \
	"  annotations:\r\n    x: |\r\n      literal\r\n"

TEST(merge_block_scalars_and_crlf)
{
	struct irsa_sa_spec s;

	spec_full(&s);
	check_merge("crlf", &s, CRLF_SA,
		    CRLF_SA
		    "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/web\r\n"
		    "    eks.amazonaws.com/audience: sts.amazonaws.com\r\n"
		    "    eks.amazonaws.com/sts-regional-endpoints: \"true\"\r\n"
		    "    eks.amazonaws.com/token-expiration: \"86400\"\r\n"
		    "    example.com/x: \"1\"\r\n"
		    "  labels:\r\n"
		    "    app: web\r\n",
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
}

TEST(merge_appends)
{
	struct irsa_sa_spec s;

	spec_arn(&s, "apps", ARN);
	check_merge("empty file", &s, "",
		    SA_WEB_APPS ROLE_ANNOTATION,
		    IRSA_SA_CREATED);
	check_merge("no newline", &s, "kind: A\napiVersion: v1",
		    "kind: A\napiVersion: v1\n"
		    "---\n"
		    SA_WEB_APPS ROLE_ANNOTATION,
		    IRSA_SA_CREATED);
	check_merge("trailing separator", &s, "kind: A\napiVersion: v1\n---\n",
		    "kind: A\napiVersion: v1\n"
		    "---\n"
		    SA_WEB_APPS ROLE_ANNOTATION,
		    IRSA_SA_CREATED);
	/* another namespace, or another API group, is another object */
	check_merge("other namespace", &s,
		    SA_WEB "  namespace: b\n",
		    SA_WEB "  namespace: b\n"
		    "---\n"
		    SA_WEB_APPS ROLE_ANNOTATION,
		    IRSA_SA_CREATED);
	irsa_sa_spec_release(&s);
}

TEST(merge_namespace_rules)
{
	struct irsa_sa_spec s;
	struct irsa_manifest_result r;
	struct irsa_error err = { 0 };
	const char *nons = SA_WEB;
	const char *both =
		SA_WEB
		"---\n"
		SA_WEB_APPS;
	const char *twice =
		SA_WEB
		"---\n"
		SA_WEB;

	/* a namespace-less document matches any namespace and stays without one */
	spec_arn(&s, "team-a", ARN);
	check_merge("namespace-less", &s, nons,
		    SA_WEB
		    ROLE_ANNOTATION,
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
	/* an exact namespace wins over a namespace-less one */
	spec_arn(&s, "apps", ARN);
	CHECK_INT(irsa_manifest_merge("m.yaml", both, strlen(both), &s, false, &r, &err), 0);
	CHECK_INT(r.document, 2);
	CHECK(strncmp(r.data, nons, strlen(nons)) == 0);
	irsa_manifest_result_release(&r);
	/* two equally good matches: ambiguous */
	CHECK_INT(irsa_manifest_merge("m.yaml", twice, strlen(twice), &s, false, &r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "documents 1 and 2") != NULL);
	irsa_sa_spec_release(&s);
}

TEST(merge_remove)
{
	struct irsa_sa_spec s;

	spec_remove(&s);
	check_merge("remove", &s,
		    SA_WEB_APPS
		    "  annotations:\n"
		    "    # the role\n"
		    "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/web\n"
		    "    keep: x\n"
		    "    eks.amazonaws.com/token-expiration: \"600\"\n"
		    "  labels:\n"
		    "    app: web\n"
		    "spec: {}\n",
		    SA_WEB_APPS
		    "  annotations:\n"
		    "    # the role\n"
		    "    keep: x\n"
		    "spec: {}\n",
		    IRSA_SA_UPDATED);
	check_merge("remove flow", &s,
		    SA_WEB
		    "  annotations: {eks.amazonaws.com/role-arn: x}\n",
		    SA_WEB
		    "  annotations: {}\n",
		    IRSA_SA_UPDATED);
	check_merge("remove nothing", &s, multi, multi, IRSA_SA_UNCHANGED);
	irsa_sa_spec_release(&s);
}

TEST(merge_bad_manifests)
{
	struct irsa_sa_spec s;
	struct irsa_manifest_result r;
	struct irsa_error err = { 0 };
	const char *bad = "apiVersion: v1\nkind: [ServiceAccount\nmetadata: x\n";
	const char *alias =
		"x: &a {b: c}\n"
		SA_WEB_APPS
		"  annotations: *a\n";
	const char *tabs = "a:\n\tb: c\n";

	spec_arn(&s, "apps", ARN);
	CHECK_INT(irsa_manifest_merge("m.yaml", bad, strlen(bad), &s, false, &r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "manifest 'm.yaml' is not valid YAML: line 3, column") != NULL);
	CHECK_INT(irsa_manifest_merge("m.yaml", tabs, strlen(tabs), &s, false, &r, &err), -1);
	CHECK(strstr(err.message, "line 2, column 1") != NULL);
	CHECK_INT(irsa_manifest_merge("m.yaml", alias, strlen(alias), &s, false, &r, &err), -1);
	CHECK(strstr(err.message, "anchors and aliases") != NULL);
	CHECK_INT(irsa_manifest_merge("m.yaml", "a: \"\xff\"\n", 7, &s, false, &r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK_INT(irsa_manifest_merge("m.yaml", "\xff\xfe" "a\0:\0", 6, &s, false, &r, &err), -1);
	irsa_sa_spec_release(&s);
}

static char *read_all(const char *path)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	if (irsa_file_read(path, 1 << 20, "file", &b, NULL) < 0) {
		irsa_buf_release(&b);
		return NULL;
	}
	return irsa_buf_detach(&b);
}

/* Issue #8: hostile or unusual manifests that used to lose or change data. */
TEST(merge_bare_cr_line_breaks)
{
	struct irsa_sa_spec s;

	spec_remove(&s);
	check_merge("bare CR", &s,
		    "apiVersion: v1\rkind: ServiceAccount\rmetadata:\r  name: web\r  namespace: apps\r"
		    "  labels:\r    app: web\r    keep: x\rautomountServiceAccountToken: false\r",
		    "apiVersion: v1\rkind: ServiceAccount\rmetadata:\r  name: web\r  namespace: apps\r"
		    "  labels:\r    keep: x\rautomountServiceAccountToken: false\r",
		    IRSA_SA_UPDATED);
	check_merge("bare CR, last label", &s,
		    "apiVersion: v1\rkind: ServiceAccount\rmetadata:\r  name: web\r  namespace: apps\r"
		    "  labels:\r    app: web\rautomountServiceAccountToken: false",
		    "apiVersion: v1\rkind: ServiceAccount\rmetadata:\r  name: web\r  namespace: apps\r"
		    "automountServiceAccountToken: false",
		    IRSA_SA_UPDATED);
	check_merge("one bare CR among LFs", &s,
		    SA_WEB_APPS
		    "  labels:\n    app: web\rautomountServiceAccountToken: false\n",
		    SA_WEB_APPS
		    "automountServiceAccountToken: false\n",
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
	spec_arn(&s, "apps", ARN);
	check_merge("bare CR, insert", &s,
		    "apiVersion: v1\rkind: ServiceAccount\rmetadata:\r  name: web\r  namespace: apps\r"
		    "automountServiceAccountToken: false\r",
		    "apiVersion: v1\rkind: ServiceAccount\rmetadata:\r  name: web\r  namespace: apps\r"
		    "  annotations:\r    eks.amazonaws.com/role-arn: " ARN "\r"
		    "automountServiceAccountToken: false\r",
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
}

TEST(merge_append_after_block_scalar)
{
	struct irsa_sa_spec s;
	const char *sa = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"
			 "  namespace: apps\n  annotations:\n"
			 "    eks.amazonaws.com/role-arn: " ARN "\n";
	_cleanup_free_ char *want1 = irsa_asprintf("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: |-\n    text\n%s", sa);
	_cleanup_free_ char *want2 = irsa_asprintf("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: >2-\n    a\n\n    b\n%s", sa);
	_cleanup_free_ char *want3 = irsa_asprintf("apiVersion: v1\nkind: ConfigMap\ndata:\n  x: |-\n    keep\n%s", sa);

	spec_arn(&s, "apps", ARN);
	check_merge("literal, no final newline", &s,
		    "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: |\n    text", want1, IRSA_SA_CREATED);
	check_merge("folded keep, no final newline", &s,
		    "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: >2+\n    a\n\n    b", want2, IRSA_SA_CREATED);
	/* with a final newline nothing needs to change */
	check_merge("literal strip", &s,
		    "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: |-\n    keep\n", want3, IRSA_SA_CREATED);
	irsa_sa_spec_release(&s);
}

static void check_merge_fails(const char *in, const struct irsa_sa_spec *s, enum irsa_error_kind kind,
			      const char *part)
{
	struct irsa_manifest_result r;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_manifest_merge("m.yaml", in, strlen(in), s, false, &r, &err), -1);
	CHECK_INT(err.kind, kind);
	if (!strstr(err.message, part)) {
		printf("#   message '%s' lacks '%s'\n", err.message, part);
		tap_case_failed = 1;
	}
}

TEST(merge_refuses_repeated_keys_and_non_manifests)
{
	struct irsa_sa_spec s;
	struct irsa_manifest_result r;
	struct irsa_error err = { 0 };
	const char *same = SA_WEB
			   "  namespace: apps\n  annotations:\n    x: y\n  annotations:\n"
			   "    eks.amazonaws.com/role-arn: " ARN "\n";

	spec_arn(&s, "apps", ARN);
	check_merge_fails(SA_WEB
			  "  namespace: apps\n  annotations:\n    a: b\n  annotations:\n    c: d\n",
			  &s, IRSA_ERR_USAGE, "has the key 'annotations' twice in metadata (line 4)");
	check_merge_fails(SA_WEB
			  "  namespace: apps\n  annotations:\n    a: b\n    a: c\n",
			  &s, IRSA_ERR_USAGE, "has the key 'a' twice in metadata.annotations");
	/* the last of two keys is what readers see: already right, unchanged */
	CHECK_INT(irsa_manifest_merge("m.yaml", same, strlen(same), &s, false, &r, &err), 0);
	CHECK_INT(r.status, IRSA_SA_UNCHANGED);
	irsa_manifest_result_release(&r);
	/* a Helm values file, a list, a document without kind */
	check_merge_fails("replicaCount: 1\nimage:\n  repository: nginx\nserviceAccount:\n  create: true\n",
			  &s, IRSA_ERR_USAGE, "document 1 (line 1) is not a Kubernetes object");
	check_merge_fails("apiVersion: v1\nkind: Namespace\n---\n- a\n- b\n", &s, IRSA_ERR_USAGE,
			  "document 2 (line 4) is not a Kubernetes object");
	check_merge_fails("apiVersion: v1\nmetadata: {name: web}\n", &s, IRSA_ERR_USAGE,
			  "is not a Kubernetes object");
	irsa_sa_spec_release(&s);
}

TEST(merge_flow_metadata_keeps_nulls)
{
	struct irsa_sa_spec s;

	spec_arn(&s, "apps", ARN);
	check_merge("flow metadata with a null", &s,
		    "apiVersion: v1\nkind: ServiceAccount\n"
		    "metadata: {name: web, namespace: apps, generateName: , uid: ~}\n",
		    "apiVersion: v1\nkind: ServiceAccount\n"
		    "metadata: {name: web, namespace: apps, generateName: null, uid: ~, annotations: "
		    "{eks.amazonaws.com/role-arn: '" ARN "'}}\n",
		    IRSA_SA_UPDATED);
	irsa_sa_spec_release(&s);
}

TEST(merge_limits)
{
	struct irsa_sa_spec s;
	struct irsa_buf deep = IRSA_BUF_INIT;
	const char *laughs =
		"apiVersion: v1\nkind: ConfigMap\ndata:\n"
		"  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

	spec_arn(&s, "apps", ARN);
	check_merge_fails(laughs, &s, IRSA_ERR_USAGE, "aliases expand to more than");
	irsa_buf_puts(&deep, "apiVersion: v1\nkind: ConfigMap\ndata: ");
	for (int i = 0; i < 160 * 1024; i++)
		irsa_buf_putc(&deep, '[');
	check_merge_fails(irsa_buf_str(&deep), &s, IRSA_ERR_USAGE, "nested deeper than 64 levels");
	irsa_buf_release(&deep);
	irsa_sa_spec_release(&s);
}

TEST(files)
{
	char dir[] = "/tmp/irsactl-test-manifest-XXXXXX";
	_cleanup_free_ char *path = NULL, *link = NULL, *out = NULL, *text = NULL;
	struct irsa_sa_spec s;
	struct irsa_manifest_result r;
	struct irsa_error err = { 0 };
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	path = irsa_asprintf("%s/sa.yaml", dir);
	link = irsa_asprintf("%s/link.yaml", dir);
	out = irsa_asprintf("%s/out.yaml", dir);
	spec_arn(&s, "apps", ARN);

	CHECK_INT(irsa_manifest_update_file(path, &s, false, false, &r, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_NOT_FOUND);
	CHECK(strstr(err.message, "use -o") != NULL);

	CHECK_INT(irsa_file_write_atomic(path, multi, strlen(multi), 0640, &err), 0);
	CHECK_INT(symlink("sa.yaml", link), 0);
	/* dry run: nothing written */
	CHECK_INT(irsa_manifest_update_file(link, &s, false, true, &r, &err), 0);
	CHECK_INT(r.status, IRSA_SA_UPDATED);
	irsa_manifest_result_release(&r);
	text = read_all(path);
	CHECK_STR(text, multi);
	free(text);
	/* through the symlink: the target changes, keeps its mode, the link stays */
	CHECK_INT(irsa_manifest_update_file(link, &s, false, false, &r, &err), 0);
	CHECK_INT(r.status, IRSA_SA_UPDATED);
	irsa_manifest_result_release(&r);
	CHECK_INT(lstat(link, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0640);
	text = read_all(path);
	CHECK(text && strstr(text, "role-arn: " ARN) != NULL);
	CHECK_INT(irsa_manifest_update_file(path, &s, false, false, &r, &err), 0);
	CHECK_INT(r.status, IRSA_SA_UNCHANGED);
	irsa_manifest_result_release(&r);

	/* -o */
	CHECK_INT(irsa_manifest_write_file(out, &s, false, &r, &err), 0);
	CHECK_INT(r.status, IRSA_SA_CREATED);
	irsa_manifest_result_release(&r);
	CHECK_INT(stat(out, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0644);
	CHECK_INT(irsa_manifest_write_file(out, &s, false, &r, &err), 0);
	CHECK_INT(r.status, IRSA_SA_UNCHANGED);
	irsa_manifest_result_release(&r);

	irsa_sa_spec_release(&s);
	unlink(link);
	unlink(path);
	unlink(out);
	rmdir(dir);
}

/* Issue #8, files: symlinks, FIFOs, devices, owners, long names. */
TEST(file_writes)
{
	char dir[] = "/tmp/irsactl-test-files-XXXXXX";
	_cleanup_free_ char *target = NULL, *link = NULL, *dangling = NULL, *fifo = NULL,
			    *longname = NULL, *text = NULL, *sub = NULL;
	struct irsa_buf b = IRSA_BUF_INIT;
	struct irsa_error err = { 0 };
	struct irsa_sa_spec s;
	struct irsa_manifest_result r;
	struct stat st;
	char name[241];

	CHECK(mkdtemp(dir) != NULL);
	target = irsa_asprintf("%s/config", dir);
	link = irsa_asprintf("%s/link", dir);
	dangling = irsa_asprintf("%s/dangling", dir);
	fifo = irsa_asprintf("%s/fifo", dir);
	sub = irsa_asprintf("%s/sub", dir);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	longname = irsa_asprintf("%s/%s", dir, name);

	/* a symlink: the target is rewritten, the link stays a link */
	CHECK_INT(irsa_file_write_atomic(target, "v1", 2, 0600, &err), 0);
	CHECK_INT(symlink("config", link), 0);
	CHECK_INT(irsa_file_write_atomic(link, "v2", 2, 0600, &err), 0);
	CHECK_INT(lstat(link, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	text = read_all(target);
	CHECK_STR(text, "v2");
	free(text);
	/* a dangling symlink: its target is created */
	CHECK_INT(mkdir(sub, 0700), 0);
	CHECK_INT(symlink("sub/new", dangling), 0);
	CHECK_INT(irsa_file_write_atomic(dangling, "v3", 2, 0600, &err), 0);
	CHECK_INT(lstat(dangling, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	text = irsa_asprintf("%s/new", sub);
	CHECK(irsa_file_exists(text));
	unlink(text);
	free(text);
	text = NULL;

	/* a 240-byte file name: the temp name must still fit */
	CHECK_INT(irsa_file_write_atomic(longname, "x", 1, 0644, &err), 0);
	CHECK(irsa_file_exists(longname));

	/* the owner survives a rewrite (only root can test it) */
	if (geteuid() == 0) {
		CHECK_INT(chown(target, 4321, 4322), 0);
		CHECK_INT(irsa_file_write_atomic(target, "v4", 2, 0600, &err), 0);
		CHECK_INT(stat(target, &st), 0);
		CHECK_INT(st.st_uid, 4321);
		CHECK_INT(st.st_gid, 4322);
	}

	/* a FIFO: reading without a writer does not hang, atomic writes refuse
	 * it, -o without a reader fails at once, with a reader it streams */
	CHECK_INT(mkfifo(fifo, 0600), 0);
	CHECK_INT(irsa_file_read(fifo, 1024, "kubeconfig", &b, &err), 0);
	CHECK_INT(b.len, 0);
	CHECK_INT(irsa_file_write_atomic(fifo, "x", 1, 0600, &err), -1);
	CHECK(strstr(err.message, "not a regular file") != NULL);
	CHECK_INT(stat(fifo, &st), 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK(irsa_file_is_stream(fifo));
	CHECK(!irsa_file_is_stream(target));
	CHECK_INT(irsa_file_write_output(fifo, "x", 1, 0644, &err), -1);
	CHECK(strstr(err.message, "no process reads from it") != NULL);
	spec_arn(&s, "apps", ARN);
	{
		pid_t pid = fork();

		if (pid == 0) {
			/* read-write: the probe below closing is no end of file */
			int fd = open(fifo, O_RDWR);
			char got[4096];
			ssize_t n = fd < 0 ? -1 : read(fd, got, sizeof(got) - 1);

			int ok = n > 0 && memmem(got, (size_t)n, "kind: ServiceAccount", 20);

			/* _exit skips the cleanup attributes: free this copy's
			 * strings so that valgrind's leak check of the child
			 * finds nothing */
			free(target);
			free(link);
			free(dangling);
			free(fifo);
			free(longname);
			free(sub);
			_exit(ok ? 0 : 1);
		}
		/* wait until the child has the FIFO open for reading */
		for (int i = 0; i < 500; i++) {
			int fd = open(fifo, O_WRONLY | O_NONBLOCK);

			if (fd >= 0) {
				close(fd);
				break;
			}
			usleep(10000);
		}
		CHECK_INT(irsa_manifest_write_file(fifo, &s, false, &r, &err), 0);
		CHECK_INT(r.status, IRSA_SA_CREATED);
		irsa_manifest_result_release(&r);
		{
			int status = -1;

			waitpid(pid, &status, 0);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
	}
	CHECK_INT(stat(fifo, &st), 0);
	CHECK(S_ISFIFO(st.st_mode));
	/* -f on a FIFO: refused without blocking */
	CHECK_INT(irsa_manifest_update_file(fifo, &s, false, false, &r, &err), -1);
	CHECK(strstr(err.message, "not a regular file") != NULL);
	irsa_sa_spec_release(&s);

	irsa_buf_release(&b);
	unlink(target);
	unlink(link);
	unlink(dangling);
	unlink(fifo);
	unlink(longname);
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	RUN(render_new);
	RUN(render_quoting);
	RUN(merge_multi_document);
	RUN(merge_replaces_value_in_place);
	RUN(merge_fixes_unquoted_values);
	RUN(merge_empty_and_flow_maps);
	RUN(merge_block_scalars_and_crlf);
	RUN(merge_appends);
	RUN(merge_namespace_rules);
	RUN(merge_remove);
	RUN(merge_bad_manifests);
	RUN(merge_bare_cr_line_breaks);
	RUN(merge_append_after_block_scalar);
	RUN(merge_refuses_repeated_keys_and_non_manifests);
	RUN(merge_flow_metadata_keeps_nulls);
	RUN(merge_limits);
	RUN(files);
	RUN(file_writes);
	return tap_done();
}
