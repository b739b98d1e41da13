/* The YAML module: quoting, the loader's limits and messages, node
 * helpers, the emitter; and every tricky string through the three
 * writers (--output yaml, manifest, kubeconfig) read back the same. */
#include <string.h>
#include <time.h>

#include "tap.h"
#include "irsa/kubeconfig.h"
#include "irsa/manifest.h"
#include "irsa/strutil.h"
#include "irsa/yaml.h"

/* Strings some YAML reader takes for something else, or that need care
 * (tests/test_yaml_roundtrip.py reads the same kind of table back with
 * PyYAML and ruamel.yaml). */
static const char *const tricky[] = {
	"2012-10-17", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "1999-1-1",
	"0", "-0", "+1", "1_000", "0b101", "0o17", "017", "0x1F", "0X_1f", "1e3", "1E+3", "-1.5e-3",
	".5", "5.", "1.2.3", "685.230_15e+03", "190:20:30", "190:20:30.15", "1:00", "-1:30",
	".inf", "-.inf", "+.INF", ".nan", ".NaN", ".NAN",
	"y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
	"false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
	"", "~", "null", "Null", "NULL", "<<", "=",
	" leading", "trailing ", "a: b", "a:", "key: value # c", "a #b", "#comment", "- item", "-",
	"--region", "? x", ":x", "[a, b]", "{a: b}", "a,b", "&anchor", "*alias", "!tag", "|", ">",
	"'single'", "\"double\"", "%TAG", "@at", "`tick", "---", "...", "--- x",
	"line\nbreak", "cr\rlf", "tab\there", "trailing\n", "\xC2\x85nel", "ls\xE2\x80\xA8ps",
	("\xEF\xBB\xBF" "bom"), "bell\x07", /* parenthesised: one string, on purpose */
	"sts.amazonaws.com", "arn:aws:iam::111122223333:role/web", "h\xC3\xA9llo", "NaN", "10Gi",
};

static yaml_document_t *load_one(const char *text, struct irsa_yaml_docs *ds)
{
	struct irsa_error err = { 0 };

	if (irsa_yaml_load("test", "t.yaml", text, strlen(text), ds, &err) < 0) {
		printf("#   load failed: %s\n#   %s\n", err.message, text);
		return NULL;
	}
	return ds->n ? &ds->doc[0] : NULL;
}

/* The string value of key in the root (or in the mapping under path). */
static void check_string_at(const char *writer, const char *text, int (*find)(yaml_document_t *),
			    const char *want)
{
	struct irsa_yaml_docs ds;
	yaml_document_t *d = load_one(text, &ds);
	int id = d ? find(d) : 0;

	if (!d || !irsa_yaml_is_string(d, id) || strcmp(irsa_yaml_scalar(d, id), want) != 0) {
		printf("#   %s: '%s' did not read back as that string:\n%s", writer, want, text);
		tap_case_failed = 1;
	}
	irsa_yaml_docs_release(&ds);
}

static int output_value(yaml_document_t *d)
{
	return irsa_yaml_map_get(d, irsa_yaml_root(d), "v", NULL);
}

static int output_key(yaml_document_t *d)
{
	yaml_node_t *m = irsa_yaml_node(d, irsa_yaml_map_get(d, irsa_yaml_root(d), "k", NULL));

	return m && m->type == YAML_MAPPING_NODE && m->data.mapping.pairs.top > m->data.mapping.pairs.start
		       ? m->data.mapping.pairs.start[0].key : 0;
}

static int manifest_value(yaml_document_t *d)
{
	int md = irsa_yaml_map_get(d, irsa_yaml_root(d), "metadata", NULL);

	return irsa_yaml_map_get(d, irsa_yaml_map_get(d, md, "annotations", NULL), "example.com/x", NULL);
}

TEST(tricky_strings_through_every_writer)
{
	CHECK(ARRAY_SIZE(tricky) >= 60);
	for (size_t i = 0; i < ARRAY_SIZE(tricky); i++) {
		const char *s = tricky[i];
		struct irsa_error err = { 0 };
		struct irsa_buf out = IRSA_BUF_INIT;
		json_t *doc = json_pack("{s:s, s:{s:s}}", "v", s, "k", s, "x");
		_cleanup_free_ char *ann = irsa_asprintf("example.com/x=%s", s);
		const char *anns[] = { ann };
		struct irsa_sa_options o = { .namespace = "apps", .name = "web",
					     .role_arn = "arn:aws:iam::111122223333:role/web",
					     .annotations = anns, .n_annotations = 1 };
		struct irsa_sa_spec spec;
		char *text = NULL;

		/* --output yaml, as a value and as a key */
		CHECK_INT(irsa_yaml_emit_json(doc, &out, &err), 0);
		check_string_at("output value", irsa_buf_str(&out), output_value, s);
		check_string_at("output key", irsa_buf_str(&out), output_key, s);
		irsa_buf_release(&out);
		json_decref(doc);

		/* the manifest writer */
		if (irsa_sa_spec_build(&o, false, &spec, &err) == 0) {
			spec.role_resolved = true;
			CHECK_INT(irsa_manifest_render(&spec, &text, &err), 0);
			if (text)
				check_string_at("manifest", text, manifest_value, s);
			free(text);
			irsa_sa_spec_release(&spec);
		} else {
			printf("#   spec for '%s': %s\n", s, err.message);
			tap_case_failed = 1;
		}

		/* the kubeconfig writer, as an exec argument */
		{
			const char *args[] = { s };
			struct irsa_kubeconfig_entry e = {
				.cluster_name = "c", .server = "https://c", .ca_data = "Y2E=",
				.user_name = "u", .context_name = "ctx",
				.exec_api_version = "client.authentication.k8s.io/v1", .exec_command = "x",
				.exec_args = args, .n_exec_args = 1,
			};
			enum irsa_kubeconfig_change ch;
			struct irsa_kubeconfig *kc = NULL;

			CHECK_INT(irsa_kubeconfig_merge_entry("k", NULL, 0, &e, &text, &ch, &err), 0);
			if (text && irsa_kubeconfig_parse("k", text, strlen(text), &kc, &err) == 0) {
				if (kc->n_users != 1 || !kc->users[0].exec || kc->users[0].exec->n_args != 1 ||
				    strcmp(kc->users[0].exec->args[0], s) != 0) {
					printf("#   kubeconfig: '%s' did not read back:\n%s", s, text);
					tap_case_failed = 1;
				}
				irsa_kubeconfig_free(kc);
			} else {
				printf("#   kubeconfig for '%s': %s\n", s, err.message);
				tap_case_failed = 1;
			}
			free(text);
		}
	}
}

TEST(quoting_rule)
{
	static const char *const plain[] = { "hello", "sts.amazonaws.com", "--region", "10Gi",
					     "arn:aws:iam::1:role/x", "h\xC3\xA9llo", "NaN", "a-b",
					     "a#b", "x:y", "v1" };

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		if (!irsa_yaml_plain_safe(plain[i], strlen(plain[i]))) {
			printf("#   '%s' should be plain\n", plain[i]);
			tap_case_failed = 1;
		}
	for (size_t i = 0; i < ARRAY_SIZE(tricky); i++)
		if (strcmp(tricky[i], "sts.amazonaws.com") != 0 &&
		    strcmp(tricky[i], "arn:aws:iam::111122223333:role/web") != 0 &&
		    strcmp(tricky[i], "NaN") != 0 && strcmp(tricky[i], "10Gi") != 0 &&
		    strcmp(tricky[i], "h\xC3\xA9llo") != 0 && strcmp(tricky[i], "--region") != 0 &&
		    strcmp(tricky[i], "a #b") != 0 && irsa_yaml_plain_safe(tricky[i], strlen(tricky[i]))) {
			printf("#   '%s' should be quoted\n", tricky[i]);
			tap_case_failed = 1;
		}
	CHECK_INT(irsa_yaml_string_style("yes", 3), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	CHECK_INT(irsa_yaml_string_style("hello", 5), YAML_ANY_SCALAR_STYLE);
}

static void check_load_fails(const char *text, size_t len, const char *part)
{
	struct irsa_yaml_docs ds;
	struct irsa_error err = { 0 };
	clock_t start = clock();

	CHECK_INT(irsa_yaml_load("manifest", "m.yaml", text, len, &ds, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	if (!strstr(err.message, part)) {
		printf("#   message '%s' lacks '%s'\n", err.message, part);
		tap_case_failed = 1;
	}
	CHECK(!strchr(err.message, '\n'));
	/* fast: well under a second of CPU */
	CHECK((double)(clock() - start) / CLOCKS_PER_SEC < 1.0);
}

TEST(loader_limits_and_errors)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	char prev = 'a';

	/* billion laughs: 10^9 nodes once expanded */
	irsa_buf_puts(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (const char *n = "bcdefghi"; *n; n++) {
		irsa_buf_printf(&b, "%c: &%c [", *n, *n);
		for (int i = 0; i < 10; i++)
			irsa_buf_printf(&b, "%s*%c", i ? ", " : "", prev);
		irsa_buf_puts(&b, "]\n");
		prev = *n;
	}
	check_load_fails(irsa_buf_str(&b), b.len, "aliases expand to more than 1000000 nodes");
	check_load_fails(irsa_buf_str(&b), b.len, "manifest 'm.yaml' cannot be read: line ");
	irsa_buf_reset(&b);

	/* flow nesting: libyaml's time grows with its square; bounded */
	for (int i = 0; i < 160 * 1024; i++)
		irsa_buf_putc(&b, '[');
	check_load_fails(irsa_buf_str(&b), b.len, "line 1, column 65: nested deeper than 64 levels");
	irsa_buf_reset(&b);
	for (int i = 0; i < 100; i++)
		irsa_buf_printf(&b, "%*sk:\n", i, "");
	check_load_fails(irsa_buf_str(&b), b.len, "nested deeper than 64 levels");
	irsa_buf_reset(&b);
	/* 64 levels are fine */
	for (int i = 0; i < 64; i++)
		irsa_buf_putc(&b, '[');
	for (int i = 0; i < 64; i++)
		irsa_buf_putc(&b, ']');
	{
		struct irsa_yaml_docs ds;

		CHECK(load_one(irsa_buf_str(&b), &ds) != NULL);
		irsa_yaml_docs_release(&ds);
	}
	irsa_buf_release(&b);

	/* many nodes without aliases are fine (the size bounds them) */
	irsa_buf_putc(&b, '[');
	for (int i = 0; i < 300000; i++)
		irsa_buf_puts(&b, "[],");
	irsa_buf_putc(&b, ']');
	{
		struct irsa_yaml_docs ds;

		CHECK(load_one(irsa_buf_str(&b), &ds) != NULL);
		CHECK_INT(irsa_yaml_seq_size(&ds.doc[0], 1), 300000);
		irsa_yaml_docs_release(&ds);
	}
	irsa_buf_release(&b);

	check_load_fails("a: *nope\n", 9, "line 1, column 4: alias '*nope' names no anchor before it");
	check_load_fails("a: &x [1, *x]\n", 14, "refers to a node that contains it");
	check_load_fails("a: [\n", 5, "is not valid YAML: line ");
	check_load_fails("a: b\n c: d\n", 11, "line 2, column 3: mapping values are not allowed");
	{
		char *big = irsa_malloc0(IRSA_YAML_MAX_SIZE + 2);

		memset(big, '#', IRSA_YAML_MAX_SIZE + 1);
		check_load_fails(big, IRSA_YAML_MAX_SIZE + 1, "is larger than 4194304 bytes");
		free(big);
	}
}

TEST(loader_documents)
{
	struct irsa_yaml_docs ds;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_yaml_load("t", "t", "", 0, &ds, &err), 0);
	CHECK_INT(ds.n, 0);
	irsa_yaml_docs_release(&ds);
	CHECK_INT(irsa_yaml_load("t", "t", "# only a comment\n", 17, &ds, &err), 0);
	CHECK_INT(ds.n, 0);
	irsa_yaml_docs_release(&ds);
	CHECK_INT(irsa_yaml_load("t", "t", "a: 1\n---\n---\nb: [*x]\n", 21, &ds, &err), -1);
	CHECK_INT(irsa_yaml_load("t", "t", "a: &x 1\n---\n---\nb: 2\n", 21, &ds, &err), 0);
	CHECK_INT(ds.n, 3);
	if (ds.n == 3) {
		CHECK(irsa_yaml_is_null(&ds.doc[1], irsa_yaml_root(&ds.doc[1])));
		CHECK(!ds.doc[1].start_implicit);
		CHECK(ds.doc[0].start_implicit);
		CHECK_STR(irsa_yaml_scalar(&ds.doc[2], irsa_yaml_map_get(&ds.doc[2], irsa_yaml_root(&ds.doc[2]), "b", NULL)), "2");
	}
	irsa_yaml_docs_release(&ds);
	/* anchors are per document, and a shared node counts as often as used */
	CHECK_INT(irsa_yaml_load("t", "t", "a: &x {k: v}\nb: *x\n", 19, &ds, &err), 0);
	if (ds.n == 1) {
		yaml_document_t *d = &ds.doc[0];

		CHECK_INT(irsa_yaml_map_get(d, 1, "a", NULL), irsa_yaml_map_get(d, 1, "b", NULL));
		CHECK_INT(irsa_yaml_node(d, 2)->start_mark.line, 0);
	}
	irsa_yaml_docs_release(&ds);
}

TEST(node_helpers)
{
	struct irsa_yaml_docs ds, ds2;
	const char *text =
		"a: ~\nb: null\nc:\nd: \"null\"\ne: !!str null\nf: true\ng: 'true'\nh: x\n"
		"h: y\ni: !!null ''\nj: [1, 2]\nk: ! 12\n";
	yaml_document_t *d = load_one(text, &ds);
	int root = d ? irsa_yaml_root(d) : 0;
	int k = 0;

	if (!d)
		return;
	CHECK(irsa_yaml_is_null(d, irsa_yaml_map_get(d, root, "a", NULL)));
	CHECK(irsa_yaml_is_null(d, irsa_yaml_map_get(d, root, "b", NULL)));
	CHECK(irsa_yaml_is_null(d, irsa_yaml_map_get(d, root, "c", NULL)));
	CHECK(!irsa_yaml_is_null(d, irsa_yaml_map_get(d, root, "d", NULL)));
	CHECK(irsa_yaml_is_string(d, irsa_yaml_map_get(d, root, "d", NULL)));
	CHECK(!irsa_yaml_is_null(d, irsa_yaml_map_get(d, root, "e", NULL)));
	CHECK(irsa_yaml_is_string(d, irsa_yaml_map_get(d, root, "e", NULL)));
	CHECK(!irsa_yaml_is_string(d, irsa_yaml_map_get(d, root, "f", NULL)));
	CHECK(irsa_yaml_is_string(d, irsa_yaml_map_get(d, root, "g", NULL)));
	CHECK(irsa_yaml_is_null(d, irsa_yaml_map_get(d, root, "i", NULL)));
	CHECK(!irsa_yaml_is_null(d, 0));
	CHECK(irsa_yaml_is_string(d, irsa_yaml_map_get(d, root, "k", NULL)));
	CHECK(!irsa_yaml_is_string(d, irsa_yaml_map_get(d, irsa_yaml_map_get(d, root, "j", NULL), "x", NULL)));
	CHECK(!irsa_yaml_is_null(d, irsa_yaml_map_get(d, root, "j", NULL)));
	/* the last of repeated keys counts */
	CHECK_STR(irsa_yaml_scalar(d, irsa_yaml_map_get(d, root, "h", &k)), "y");
	CHECK_INT(irsa_yaml_node(d, k)->start_mark.line, 8);
	CHECK_STR(irsa_yaml_map_duplicate(d, root), "h");
	CHECK_INT(irsa_yaml_map_get(d, root, "nope", NULL), 0);
	CHECK_INT(irsa_yaml_map_size(d, root), 12);
	CHECK_INT(irsa_yaml_seq_size(d, irsa_yaml_map_get(d, root, "j", NULL)), 2);
	CHECK(irsa_yaml_map_duplicate(d, irsa_yaml_map_get(d, root, "j", NULL)) == NULL);
	irsa_yaml_docs_release(&ds);

	/* equality as readers see the data */
	{
		static const struct {
			const char *a, *b;
			bool equal;
		} cases[] = {
			{ "{a: 1, b: [x, y]}", "b: [x, y]\na: 1\n", true },
			{ "{a: 1}", "{a: '1'}", false },
			{ "{a: ~}", "{a: null}", true },
			{ "{a: }", "{a: ''}", false },
			{ "{a: x}", "{a: \"x\"}", true },
			{ "{name: x, name: x}", "{name: x, context: y}", false },
			{ "{name: y, name: x, context: c}", "{context: c, name: x}", true },
			{ "[a, b]", "[b, a]", false },
			{ "{a: 1_000}", "{a: 1000}", false },
			{ "{a: !!int 1}", "{a: !!int 1}", true },
			{ "{a: !!int 1}", "{a: 1}", false },
		};

		for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
			yaml_document_t *x = load_one(cases[i].a, &ds), *y = load_one(cases[i].b, &ds2);

			if (x && y && irsa_yaml_equal(x, irsa_yaml_root(x), y, irsa_yaml_root(y)) != cases[i].equal) {
				printf("#   equal('%s', '%s') should be %d\n", cases[i].a, cases[i].b, cases[i].equal);
				tap_case_failed = 1;
			}
			irsa_yaml_docs_release(&ds);
			irsa_yaml_docs_release(&ds2);
		}
	}
	{
		static const char *const skip[] = { "metadata" };
		yaml_document_t *x = load_one("{kind: A, metadata: {a: 1}}", &ds);
		yaml_document_t *y = load_one("{kind: A, metadata: {a: 2}}", &ds2);

		CHECK(x && y && irsa_yaml_map_equal_except(x, irsa_yaml_root(x), y, irsa_yaml_root(y), skip, 1));
		CHECK(x && y && !irsa_yaml_map_equal_except(x, irsa_yaml_root(x), y, irsa_yaml_root(y), NULL, 0));
		irsa_yaml_docs_release(&ds);
		irsa_yaml_docs_release(&ds2);
	}
}

TEST(emitter)
{
	struct irsa_yaml_docs ds;
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_error err = { 0 };
	yaml_document_t *d = load_one("a: {x: , y: ~, z: 1_000, w: !!str null, v: !!int '3'}\n"
				      "b: |\n  text\n", &ds);
	json_t *j;

	/* a loaded document re-emitted reads as the same data */
	if (d) {
		CHECK_INT(irsa_yaml_emit_node(d, irsa_yaml_root(d), 2, &out), 0);
		CHECK_STR(irsa_buf_str(&out),
			  "a: {x: null, y: ~, z: 1_000, w: \"null\", v: !!int '3'}\nb: |\n  text\n");
		{
			struct irsa_yaml_docs ds2;
			yaml_document_t *d2 = load_one(irsa_buf_str(&out), &ds2);

			CHECK(d2 && irsa_yaml_equal(d, irsa_yaml_root(d), d2, irsa_yaml_root(d2)));
			irsa_yaml_docs_release(&ds2);
		}
	}
	irsa_yaml_docs_release(&ds);
	irsa_buf_reset(&out);

	/* JSON: numbers, bools and null plain; reals readable by YAML 1.1 */
	j = json_pack("{s:i, s:f, s:f, s:f, s:b, s:n, s:s, s:[], s:{}}", "i", -5, "r", 1.0, "e", 1e20,
		      "m", -2.5e-7, "t", 1, "z", "s", "2012-10-17", "l", "o");
	CHECK_INT(irsa_yaml_emit_json(j, &out, &err), 0);
	CHECK_STR(irsa_buf_str(&out), "i: -5\nr: 1.0\ne: 1.0e+20\nm: -2.4999999999999999e-07\nt: true\n"
				      "z: null\ns: \"2012-10-17\"\nl: []\no: {}\n");
	json_decref(j);
	irsa_buf_release(&out);
}

int main(void)
{
	RUN(quoting_rule);
	RUN(tricky_strings_through_every_writer);
	RUN(loader_limits_and_errors);
	RUN(loader_documents);
	RUN(node_helpers);
	RUN(emitter);
	return tap_done();
}
