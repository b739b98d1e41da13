/* Unit tests: a YAML text edited in place (irsa/textedit.h): marks to
 * bytes through multi-byte characters and a BOM, YAML's three line breaks,
 * the order edits come out in, overlaps refused, a file read and written
 * back with its mode. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "irsa/fileutil.h"
#include "irsa/strutil.h"
#include "irsa/textedit.h"
#include "irsa/yaml.h"

/* The node at key `key` of the root mapping of text. */
static int root_value(struct irsa_yaml_docs *ds, const char *text, const char *key)
{
	struct irsa_error err = { 0 };

	if (irsa_yaml_load("test", "t.yaml", text, strlen(text), ds, &err) < 0) {
		printf("# load: %s\n", err.message);
		return 0;
	}
	return irsa_yaml_map_get(&ds->doc[0], irsa_yaml_root(&ds->doc[0]), key, NULL);
}

static char *applied(struct irsa_textedit *t, struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;

	if (irsa_textedit_apply(t, &out, err) < 0) {
		irsa_buf_release(&out);
		return NULL;
	}
	return irsa_buf_detach(&out);
}

TEST(marks_are_bytes_after_multibyte_characters)
{
	/* "é" is 2 bytes, "€" 3, "😀" 4, each one character for libyaml */
	const char *text = "\xEF\xBB\xBF" "a: \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\nb: x\n";
	struct irsa_yaml_docs ds = { 0 };
	struct irsa_textedit t;
	struct irsa_error err = { 0 };
	int b = root_value(&ds, text, "b");
	yaml_node_t *n;

	REQUIRE(b);
	CHECK_INT(irsa_textedit_init(&t, "file", "t.yaml", text, strlen(text), &err), 0);
	n = irsa_yaml_node(&ds.doc[0], b);
	CHECK_INT(irsa_textedit_byte(&t, n->start_mark), (long)(strchr(text, 'x') - text));
	CHECK_INT(irsa_textedit_byte(&t, n->end_mark), (long)(strchr(text, 'x') - text + 1));
	irsa_textedit_release(&t);
	irsa_yaml_docs_release(&ds);
}

TEST(utf16_is_refused)
{
	struct irsa_textedit t;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_textedit_init(&t, "values file", "v.yaml", "\xFF\xFE" "a\0", 4, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK_STR(err.message, "values file 'v.yaml' is UTF-16; irsactl edits UTF-8 files only");
	irsa_textedit_release(&t);
}

TEST(node_end_is_the_last_leaf_not_past_comments)
{
	const char *text = "m:\n  a: 1\n  b: [2, 3]\n# trailing comment\nz: 0\n";
	struct irsa_yaml_docs ds = { 0 };
	struct irsa_textedit t;
	struct irsa_error err = { 0 };
	int m = root_value(&ds, text, "m");

	REQUIRE(m);
	CHECK_INT(irsa_textedit_init(&t, "file", "t.yaml", text, strlen(text), &err), 0);
	/* the flow sequence [2, 3] is m's last leaf: its text ends at ']' */
	CHECK_INT(irsa_textedit_node_end(&t, &ds.doc[0], m), (long)(strchr(text, ']') - text + 1));
	CHECK(irsa_yaml_node(&ds.doc[0], irsa_textedit_last_leaf(&ds.doc[0], m))->type ==
	      YAML_SEQUENCE_NODE);
	irsa_textedit_release(&t);
	irsa_yaml_docs_release(&ds);
}

TEST(line_breaks_lf_crlf_and_bare_cr)
{
	struct irsa_textedit t;
	struct irsa_error err = { 0 };
	bool nn;

	CHECK_STR(irsa_textedit_first_break("a\r\nb\n", 5), "\r\n");
	CHECK_STR(irsa_textedit_first_break("a\rb", 3), "\r");
	CHECK_STR(irsa_textedit_first_break("ab", 2), "\n");

	/* "ab\r\ncd\ref" */
	CHECK_INT(irsa_textedit_init(&t, "file", "t", "ab\r\ncd\ref", 9, &err), 0);
	CHECK_STR(t.nl, "\r\n");
	CHECK(!irsa_textedit_break_before(&t, 3)); /* inside the CRLF */
	CHECK(irsa_textedit_break_before(&t, 4));
	CHECK(irsa_textedit_break_before(&t, 7)); /* after the bare CR */
	CHECK_INT(irsa_textedit_line_after(&t, 1, &nn), 4);
	CHECK(!nn);
	CHECK_INT(irsa_textedit_line_after(&t, 4, &nn), 4); /* already a line start */
	CHECK_INT(irsa_textedit_line_after(&t, 5, &nn), 7);
	CHECK_INT(irsa_textedit_line_after(&t, 8, &nn), 9); /* no final break */
	CHECK(nn);
	CHECK_INT(irsa_textedit_line_start(&t, 6), 4);
	CHECK_INT(irsa_textedit_line_start(&t, 8), 7);
	CHECK_INT(irsa_textedit_column(&t, 8), 1);
	CHECK(irsa_textedit_only_spaces(&t, 0, 0));
	CHECK(!irsa_textedit_only_spaces(&t, 0, 1));
	irsa_textedit_release(&t);

	/* an empty text needs no break before an insertion */
	CHECK_INT(irsa_textedit_init(&t, "file", "t", "", 0, &err), 0);
	CHECK_INT(irsa_textedit_line_after(&t, 0, &nn), 0);
	CHECK(!nn);
	irsa_textedit_release(&t);
}

TEST(edits_in_order_rank_first_then_added)
{
	const char *text = "0123456789";
	struct irsa_textedit t;
	struct irsa_error err = { 0 };
	char *out;

	CHECK_INT(irsa_textedit_init(&t, "file", "t", text, 10, &err), 0);
	irsa_textedit_add(&t, 8, 10, strdup("X"), 0);
	irsa_textedit_add(&t, 2, 2, strdup("a"), 0);
	irsa_textedit_add(&t, 2, 2, strdup("b"), 4); /* higher rank: before "a" */
	irsa_textedit_add(&t, 2, 2, strdup("c"), 0); /* same rank: after "a" */
	irsa_textedit_add(&t, 2, 5, strdup("-"), 0);
	out = applied(&t, &err);
	CHECK_STR(out, "01bac-567X");
	free(out);
	irsa_textedit_release(&t);

	/* dropped edits are gone */
	CHECK_INT(irsa_textedit_init(&t, "file", "t", text, 10, &err), 0);
	irsa_textedit_add(&t, 0, 1, strdup("A"), 0);
	irsa_textedit_add(&t, 1, 2, strdup("B"), 0);
	irsa_textedit_add(&t, 2, 3, strdup("C"), 0);
	irsa_textedit_drop(&t, 1);
	CHECK_INT(t.n_edits, 1);
	out = applied(&t, &err);
	CHECK_STR(out, "A123456789");
	free(out);
	irsa_textedit_release(&t);
}

TEST(overlapping_edits_are_refused)
{
	struct irsa_textedit t;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_textedit_init(&t, "manifest", "m.yaml", "abcdef", 6, &err), 0);
	irsa_textedit_add(&t, 1, 4, strdup("x"), 0);
	irsa_textedit_add(&t, 3, 5, strdup("y"), 0);
	CHECK(!applied(&t, &err));
	CHECK_INT(err.kind, IRSA_ERR_INTERNAL);
	CHECK(strstr(err.message, "cannot edit manifest 'm.yaml': overlapping changes"));
	irsa_textedit_release(&t);
}

TEST(file_read_and_written_back_with_its_mode)
{
	char dir[] = "/tmp/test-textedit-XXXXXX";
	struct irsa_textedit_file f;
	struct irsa_error err = { 0 };
	_cleanup_free_ char *path = NULL, *link = NULL, *missing = NULL;
	struct irsa_buf back = IRSA_BUF_INIT;
	struct stat st;
	FILE *fp;

	REQUIRE(mkdtemp(dir));
	path = irsa_asprintf("%s/v.yaml", dir);
	link = irsa_asprintf("%s/link.yaml", dir);
	missing = irsa_asprintf("%s/missing.yaml", dir);
	fp = fopen(path, "w");
	REQUIRE(fp);
	fputs("a: 1\n", fp);
	fclose(fp);
	REQUIRE(chmod(path, 0640) == 0);
	REQUIRE(symlink("v.yaml", link) == 0);

	CHECK_INT(irsa_textedit_file_read(link, "values file", "hint", &f, &err), 0);
	CHECK_STR(irsa_buf_str(&f.text), "a: 1\n");
	CHECK_INT(f.mode, 0640);
	CHECK_INT(irsa_textedit_file_write(&f, "a: 2\n", 5, &err), 0);
	irsa_textedit_file_release(&f);
	CHECK_INT(lstat(link, &st), 0);
	CHECK(S_ISLNK(st.st_mode)); /* the link stays, its target is written */
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 07777, 0640);
	CHECK_INT(irsa_file_read(path, 100, "file", &back, &err), 0);
	CHECK_STR(irsa_buf_str(&back), "a: 2\n");
	irsa_buf_release(&back);

	CHECK_INT(irsa_textedit_file_read(missing, "values file", "leave out -f", &f, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_NOT_FOUND);
	CHECK(strstr(err.message, "values file '") && strstr(err.message, "does not exist; leave out -f"));
	irsa_textedit_file_release(&f);
	CHECK_INT(irsa_textedit_file_read(dir, "manifest", "hint", &f, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "is not a regular file"));
	irsa_textedit_file_release(&f);

	unlink(link);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(marks_are_bytes_after_multibyte_characters);
	RUN(utf16_is_refused);
	RUN(node_end_is_the_last_leaf_not_past_comments);
	RUN(line_breaks_lf_crlf_and_bare_cr);
	RUN(edits_in_order_rank_first_then_added);
	RUN(overlapping_edits_are_refused);
	RUN(file_read_and_written_back_with_its_mode);
	return tap_done();
}
