/* Unit tests: Helm values for the ServiceAccount, rendered and merged in
 * place (comments and other keys kept, second merge unchanged). */
#include "tap.h"
#include "irsa/helm_values.h"
#include "irsa/strutil.h"

#define ARN "arn:aws:iam::111122223333:role/app"

static struct irsa_sa_kv ann[] = { { (char *)"eks.amazonaws.com/role-arn", (char *)ARN } };

static struct irsa_helm_values_spec spec(const char *path)
{
	struct irsa_helm_values_spec s = { path, "app", true, ann, 1 };

	return s;
}

static char *merged(const char *in, const char *path, bool *changed, struct irsa_error *err)
{
	struct irsa_helm_values_spec s = spec(path);
	struct irsa_helm_values_result r;
	char *out;

	if (irsa_helm_values_merge("values.yaml", in, strlen(in), &s, &r, err) < 0)
		return NULL;
	*changed = r.changed;
	out = r.data;
	r.data = NULL;
	irsa_helm_values_result_release(&r);
	return out;
}

/* merged twice: the second merge changes nothing */
static char *merged_stable(const char *in, const char *path)
{
	struct irsa_error err = { 0 };
	bool changed = false;
	char *once = merged(in, path, &changed, &err), *twice;

	if (!once) {
		printf("# merge: %s\n", err.message);
		return NULL;
	}
	twice = merged(once, path, &changed, &err);
	CHECK(twice && !changed);
	CHECK_STR(twice, once);
	free(twice);
	return once;
}

TEST(render)
{
	struct irsa_helm_values_spec s = spec(NULL);
	struct irsa_error err = { 0 };
	char *out = NULL;

	CHECK_INT(irsa_helm_values_render(&s, &out, &err), 0);
	CHECK_STR(out, "serviceAccount:\n  create: true\n  name: app\n  annotations:\n"
		       "    eks.amazonaws.com/role-arn: " ARN "\n");
	free(out);
	s = spec("app.serviceAccount");
	s.name = "yes"; /* YAML 1.1 reads a plain yes as a bool: quoted */
	CHECK_INT(irsa_helm_values_render(&s, &out, &err), 0);
	CHECK_STR(out, "app:\n  serviceAccount:\n    create: true\n    name: \"yes\"\n"
		       "    annotations:\n      eks.amazonaws.com/role-arn: " ARN "\n");
	free(out);
	s = spec("app..x");
	CHECK_INT(irsa_helm_values_render(&s, &out, &err), -1);
	CHECK(strstr(err.message, "values path 'app..x'"));
}

TEST(merge_into_chart_defaults_keeps_comments)
{
	const char *in = "# Default values for web.\n"
			 "replicaCount: 1\n"
			 "\n"
			 "serviceAccount:\n"
			 "  # Specifies whether a service account should be created\n"
			 "  create: false\n"
			 "  # Annotations to add to the service account\n"
			 "  annotations: {}\n"
			 "  # The name of the service account to use.\n"
			 "  name: \"\"\n"
			 "\n"
			 "podAnnotations: {}  # keep me\n";
	char *out = merged_stable(in, NULL);

	CHECK_STR(out, "# Default values for web.\n"
		       "replicaCount: 1\n"
		       "\n"
		       "serviceAccount:\n"
		       "  # Specifies whether a service account should be created\n"
		       "  create: true\n"
		       "  # Annotations to add to the service account\n"
		       "  annotations:\n"
		       "    eks.amazonaws.com/role-arn: " ARN "\n"
		       "  # The name of the service account to use.\n"
		       "  name: app\n"
		       "\n"
		       "podAnnotations: {}  # keep me\n");
	free(out);
}

TEST(merge_adds_missing_keys_and_paths)
{
	const char *in = "image:\n  repository: nginx # the image\n  tag: \"1.25\"\n";
	char *out = merged_stable(in, NULL);

	CHECK_STR(out, "image:\n  repository: nginx # the image\n  tag: \"1.25\"\n"
		       "serviceAccount:\n  create: true\n  name: app\n  annotations:\n"
		       "    eks.amazonaws.com/role-arn: " ARN "\n");
	free(out);
	/* a deeper path, part of it there, four-space indentation kept */
	in = "app:\n    image: web\n    serviceAccount:\n        annotations:\n"
	     "            team: payments\n";
	out = merged_stable(in, "app.serviceAccount");
	CHECK_STR(out, "app:\n    image: web\n    serviceAccount:\n        annotations:\n"
		       "            team: payments\n"
		       "            eks.amazonaws.com/role-arn: " ARN "\n"
		       "        create: true\n        name: app\n");
	free(out);
	/* empty file, comments only, no final newline */
	out = merged_stable("", NULL);
	CHECK(out && irsa_str_has_prefix(out, "serviceAccount:\n  create: true\n"));
	free(out);
	out = merged_stable("# nothing yet", NULL);
	CHECK(out && irsa_str_has_prefix(out, "# nothing yet\nserviceAccount:\n"));
	free(out);
}

TEST(merge_replaces_a_changed_role_and_keeps_crlf)
{
	const char *in = "serviceAccount:\r\n  create: true\r\n  name: app\r\n  annotations:\r\n"
			 "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/old\r\n";
	char *out = merged_stable(in, NULL);

	CHECK_STR(out, "serviceAccount:\r\n  create: true\r\n  name: app\r\n  annotations:\r\n"
		       "    eks.amazonaws.com/role-arn: " ARN "\r\n");
	free(out);
}

TEST(merge_with_bare_cr_line_breaks)
{
	const char *in = "serviceAccount:\r  annotations:\r    team: payments\rimage: web\r";
	char *out = merged_stable(in, NULL);

	CHECK(out && strstr(out, "    team: payments\r    eks.amazonaws.com/role-arn: " ARN "\r"));
	CHECK(out && strstr(out, "\rimage: web\r"));
	free(out);
}

/* created: the file had no values at the path (no key, null, {}) */
static bool merge_created(const char *in, const char *path)
{
	struct irsa_helm_values_spec s = spec(path);
	struct irsa_helm_values_result r;
	struct irsa_error err = { 0 };
	bool created;

	if (irsa_helm_values_merge("values.yaml", in, strlen(in), &s, &r, &err) < 0) {
		printf("# merge: %s\n", err.message);
		return false;
	}
	created = r.created;
	CHECK(r.changed || !r.created);
	irsa_helm_values_result_release(&r);
	return created;
}

TEST(merge_says_whether_the_values_were_there)
{
	CHECK(merge_created("", NULL));
	CHECK(merge_created("image: web\n", NULL));
	CHECK(merge_created("serviceAccount:\n", NULL));
	CHECK(merge_created("serviceAccount: {}\n", NULL));
	CHECK(merge_created("app:\n  image: web\n", "app.serviceAccount"));
	CHECK(!merge_created("serviceAccount:\n  create: false\n", NULL));
	CHECK(!merge_created("app:\n  serviceAccount:\n    name: x\n", "app.serviceAccount"));
	/* nothing to change: not created either */
	CHECK(!merge_created("serviceAccount:\n  create: true\n  name: app\n  annotations:\n"
			     "    eks.amazonaws.com/role-arn: " ARN "\n", NULL));
}

TEST(merge_refuses_what_it_cannot_edit)
{
	struct irsa_error err = { 0 };
	bool changed;

	CHECK(!merged("serviceAccount: {create: true, name: x}\n", NULL, &changed, &err));
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "'serviceAccount' (line 1) is a flow mapping"));
	CHECK(!merged("serviceAccount: web\n", NULL, &changed, &err));
	CHECK(strstr(err.message, "is not a mapping"));
	CHECK(!merged("- a\n- b\n", NULL, &changed, &err));
	CHECK(strstr(err.message, "not a YAML mapping"));
	CHECK(!merged("a: 1\n---\nb: 2\n", NULL, &changed, &err));
	CHECK(strstr(err.message, "2 YAML documents"));
	CHECK(!merged("serviceAccount:\n  name: [a]\n", NULL, &changed, &err));
	CHECK(strstr(err.message, "'serviceAccount.name' (line 2) is not a single value"));
	CHECK(!merged("a: [\n", NULL, &changed, &err));
	CHECK(strstr(err.message, "is not valid YAML"));
}

int main(void)
{
	RUN(render);
	RUN(merge_into_chart_defaults_keeps_comments);
	RUN(merge_adds_missing_keys_and_paths);
	RUN(merge_replaces_a_changed_role_and_keeps_crlf);
	RUN(merge_with_bare_cr_line_breaks);
	RUN(merge_says_whether_the_values_were_there);
	RUN(merge_refuses_what_it_cannot_edit);
	return tap_done();
}
