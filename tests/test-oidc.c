/* Unit tests: issuer URLs, provider ARNs, tags, thumbprints and the
 * associate/disassociate plans against a fake IAM state. */
#include <stdlib.h>
#include <string.h>

#include "irsa/iam.h"
#include "irsa/oidc.h"
#include "irsa/thumbprint.h"
#include "tap.h"

#define TP_A "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
#define TP_B "06b25927c42a721631c1efd9431e648fa62e1e39"

static char *norm(const char *url)
{
	char *out = NULL;
	struct irsa_error err = { 0 };

	if (irsa_oidc_issuer_normalize(url, &out, &err) < 0)
		return NULL;
	return out;
}

static int norm_fails(const char *url, const char *part)
{
	char *out = NULL;
	struct irsa_error err = { 0 };
	int r = irsa_oidc_issuer_normalize(url, &out, &err);

	free(out);
	return r < 0 && err.kind == IRSA_ERR_USAGE && strstr(err.message, part) != NULL;
}

TEST(issuer_normalize)
{
	static const struct {
		const char *url, *want;
	} good[] = {
		{ "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123", "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123" },
		{ "HTTPS://OIDC.Example.COM/Path/X///", "https://oidc.example.com/Path/X" },
		{ "https://issuer.example.com/", "https://issuer.example.com" },
		{ "https://127.0.0.1/id/1", "https://127.0.0.1/id/1" },
		{ "https://[::1]/x", "https://[::1]/x" },
	};
	static const struct {
		const char *url, *part; /* a part of the error message */
	} bad[] = {
		/* IAM takes no port in a provider URL */
		{ "https://127.0.0.1:8443/id/1", "IAM does not accept" },
		{ "https://[::1]:8443/x", "has a port" },
		{ "https://oidc.example.com:443/x", "has a port" },
		{ "https://oidc.example.com/id/\xc3\xa9", "non-ASCII" },
		{ "http://oidc.example.com/id/1", "https" },
		{ "oidc.example.com/id/1", "https://" },
		{ "https://oidc.example.com/id?x=1", "query" },
		{ "https://oidc.example.com/id#frag", "fragment" },
		{ "https:///id/1", "no host" },
		{ "https://user@oidc.example.com/", "user information" },
		{ "https://oidc.example.com:99999/", "port" },
		{ "https://oidc.example.com:/", "port" },
		{ "https://oidc ex.com/", "host" },
		{ "https://oidc.example.com/a b", "character" },
		{ "", "empty" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char *s = norm(good[i].url);

		CHECK_STR(s, good[i].want);
		free(s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int refused = norm_fails(bad[i].url, bad[i].part);

		CHECK(refused);
		if (!refused)
			tap_print_value("url:", bad[i].url);
	}
}

TEST(provider_arn)
{
	char *arn = irsa_oidc_provider_arn("aws-cn", "123456789012",
					   "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/AB");

	CHECK_STR(arn, "arn:aws-cn:iam::123456789012:oidc-provider/"
		       "oidc.eks.cn-north-1.amazonaws.com.cn/id/AB");
	CHECK(irsa_oidc_arn_is_for(arn, "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/AB"));
	CHECK(!irsa_oidc_arn_is_for(arn, "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/A"));
	CHECK(!irsa_oidc_arn_is_for(arn, "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC"));
	CHECK(!irsa_oidc_arn_is_for("arn:aws:iam::1:role/x", "https://x"));
	CHECK_STR(irsa_oidc_issuer_key("https://a.example/b"), "a.example/b");
	free(arn);
	arn = irsa_oidc_issuer_label("https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF");
	CHECK_STR(arn, "0123456789AB");
	free(arn);
	arn = irsa_oidc_issuer_label("https://oidc.example.com:8443");
	CHECK_STR(arn, "oidc");
	free(arn);
}

TEST(trust_references)
{
	const char *arn = "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/1";
	const char *one = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			  "\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/"
			  "oidc.example/id/1\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}";
	const char *list = "{\"Statement\":{\"Principal\":{\"Federated\":[\"x\","
			   "\"arn:aws:iam::111122223333:oidc-provider/oidc.example/id/1\"]}}}";
	const char *other = "{\"Statement\":[{\"Principal\":{\"Federated\":"
			    "\"arn:aws:iam::111122223333:oidc-provider/oidc.example/id/12\"}},"
			    "{\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}]}";

	CHECK(irsa_oidc_trust_references(one, arn));
	CHECK(irsa_oidc_trust_references(list, arn));
	CHECK(!irsa_oidc_trust_references(other, arn));
	CHECK(!irsa_oidc_trust_references("not json", arn));
	CHECK(!irsa_oidc_trust_references(NULL, arn));
}

TEST(tags)
{
	struct irsa_tags t = { 0 };
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_tag_arg_parse("team=payments", &t, &err), 0);
	CHECK_INT(irsa_tag_arg_parse("empty=", &t, &err), 0);
	CHECK_INT(irsa_tag_arg_parse("url=https://x.example/a=b", &t, &err), 0);
	CHECK_INT(t.n, 3);
	CHECK_STR(t.items[0].key, "team");
	CHECK_STR(t.items[0].value, "payments");
	CHECK_STR(t.items[1].value, "");
	CHECK_STR(t.items[2].value, "https://x.example/a=b");
	CHECK_INT(irsa_tag_arg_parse("novalue", &t, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "KEY=VALUE") != NULL);
	CHECK_INT(irsa_tag_arg_parse("=v", &t, &err), -1);
	CHECK_INT(irsa_tag_arg_parse("team=again", &t, &err), -1);
	CHECK(strstr(err.message, "twice") != NULL);
	CHECK_INT(irsa_tag_arg_parse("aws:x=1", &t, &err), -1);
	CHECK_INT(irsa_tag_arg_parse("bad!key=1", &t, &err), -1);
	CHECK_INT(t.n, 3);
	irsa_tags_release(&t);
}

TEST(thumbprints)
{
	struct irsa_strlist l = { 0 };
	struct irsa_error err = { 0 };
	const char *args[] = { "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280", TP_A, TP_B };
	const char *bad[] = { "9e:99:a4" };
	const char *six[] = { TP_A "", "1111111111111111111111111111111111111111",
			      "2222222222222222222222222222222222222222",
			      "3333333333333333333333333333333333333333",
			      "4444444444444444444444444444444444444444",
			      "5555555555555555555555555555555555555555" };
	char hex[41];

	CHECK(irsa_thumbprint_valid(TP_A));
	CHECK(irsa_thumbprint_valid("9E99A48A9960B14926BB7F3B02E22DA2B0AB7280"));
	CHECK(!irsa_thumbprint_valid("9e99a48a9960b14926bb7f3b02e22da2b0ab728"));
	CHECK(!irsa_thumbprint_valid("9e99a48a9960b14926bb7f3b02e22da2b0ab72800"));
	CHECK(!irsa_thumbprint_valid("ge99a48a9960b14926bb7f3b02e22da2b0ab7280"));
	CHECK(!irsa_thumbprint_valid(""));
	CHECK(!irsa_thumbprint_valid(NULL));
	CHECK_INT(irsa_thumbprint_normalize("9E99A48A9960B14926BB7F3B02E22DA2B0AB7280", hex, &err), 0);
	CHECK_STR(hex, TP_A);
	CHECK_INT(irsa_oidc_thumbprints_parse(args, 3, &l, &err), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.items[0], TP_A);
	CHECK_STR(l.items[1], TP_B);
	irsa_strlist_release(&l);
	CHECK_INT(irsa_oidc_thumbprints_parse(bad, 1, &l, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "40 hexadecimal") != NULL);
	CHECK_INT(irsa_oidc_thumbprints_parse(six, 6, &l, &err), -1);
	CHECK(strstr(err.message, "at most 5") != NULL);
}

#define ISSUER "https://oidc.example.com/id/1"
#define ARN "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/1"

static void fake_provider(struct irsa_oidc_provider *p, const char *client_id, const char *tp)
{
	memset(p, 0, sizeof(*p));
	p->arn = strdup(ARN);
	p->url = strdup("oidc.example.com/id/1");
	if (client_id)
		irsa_strlist_add(&p->client_ids, client_id);
	if (tp)
		irsa_strlist_add(&p->thumbprints, tp);
	irsa_tags_add(&p->tags, "team", "a");
}

TEST(plan_create)
{
	struct irsa_oidc_request req = { .issuer = ISSUER, .thumbprint_mode = IRSA_THUMBPRINT_FETCH };
	struct irsa_oidc_plan plan = { 0 };
	struct irsa_error err = { 0 };
	struct irsa_tags tags = { 0 };
	json_t *j;

	irsa_tags_add(&tags, "team", "platform");
	req.tags = &tags;
	CHECK_INT(irsa_oidc_plan_associate_compute(&req, "sts.amazonaws.com", ARN, NULL, TP_A,
						   &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_CREATE);
	CHECK_INT(plan.plan.n_actions, 1);
	CHECK_INT(plan.plan.actions[0].op, IRSA_OIDC_CREATE_PROVIDER);
	CHECK_STR(plan.plan.actions[0].target, ISSUER);
	CHECK_INT(plan.client_ids.n, 1);
	CHECK_STR(plan.client_ids.items[0], "sts.amazonaws.com");
	CHECK_INT(plan.thumbprints.n, 1);
	CHECK_STR(plan.thumbprints.items[0], TP_A);
	CHECK_INT(plan.tags.n, 2); /* the user's, then managed-by=irsactl */
	CHECK_STR(plan.tags.items[1].key, "managed-by");
	CHECK_STR(plan.tags.items[1].value, "irsactl");
	j = irsa_plan_to_json(&plan.plan);
	CHECK_STR(json_string_value(json_object_get(j, "status")), "create");
	CHECK_STR(json_string_value(json_object_get(j, "provider_arn")), ARN);
	CHECK_STR(json_string_value(json_object_get(j, "issuer")), ISSUER);
	CHECK(json_is_true(json_object_get(j, "dry_run")));
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "actions"), 0),
						    "verb")), "create-oidc-provider");
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(j, "actions"), 0), "document"), "tags"), "team")),
		  "platform");
	json_decref(j);
	irsa_oidc_plan_release(&plan);

	/* --no-thumbprint: none sent */
	req.thumbprint_mode = IRSA_THUMBPRINT_NONE;
	CHECK_INT(irsa_oidc_plan_associate_compute(&req, "sts.amazonaws.com", ARN, NULL, NULL,
						   &plan, &err), 0);
	CHECK_INT(plan.thumbprints.n, 0);
	irsa_oidc_plan_release(&plan);
	irsa_tags_release(&tags);
}

TEST(plan_unchanged)
{
	struct irsa_oidc_request req = { .issuer = ISSUER, .thumbprint_mode = IRSA_THUMBPRINT_FETCH };
	struct irsa_oidc_provider p;
	struct irsa_oidc_plan plan = { 0 };
	struct irsa_error err = { 0 };

	fake_provider(&p, "sts.amazonaws.com", TP_A);
	CHECK_INT(irsa_oidc_plan_associate_compute(&req, "sts.amazonaws.com", ARN, &p, TP_A, &plan,
						   &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UNCHANGED);
	CHECK_INT(plan.plan.n_actions, 0);
	CHECK_INT(plan.plan.warnings.n, 0);
	irsa_oidc_plan_release(&plan);

	/* A different fetched thumbprint is reported, not changed. */
	CHECK_INT(irsa_oidc_plan_associate_compute(&req, "sts.amazonaws.com", ARN, &p, TP_B, &plan,
						   &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UNCHANGED);
	CHECK_INT(plan.plan.n_actions, 0);
	CHECK_INT(plan.plan.warnings.n, 1);
	CHECK_STR(plan.thumbprints.items[0], TP_A);
	irsa_oidc_plan_release(&plan);
	irsa_oidc_provider_release(&p);
}

TEST(plan_update)
{
	struct irsa_strlist explicit_tps = { 0 };
	struct irsa_oidc_request req = { .issuer = ISSUER, .thumbprint_mode = IRSA_THUMBPRINT_EXPLICIT,
					 .thumbprints = &explicit_tps };
	struct irsa_oidc_provider p;
	struct irsa_oidc_plan plan = { 0 };
	struct irsa_error err = { 0 };
	struct irsa_tags tags = { 0 };

	irsa_strlist_add(&explicit_tps, TP_B);
	fake_provider(&p, "other-client", TP_A);
	irsa_tags_add(&tags, "team", "a"); /* same: no tag action */
	req.tags = &tags;
	CHECK_INT(irsa_oidc_plan_associate_compute(&req, "sts.amazonaws.com", ARN, &p, NULL, &plan,
						   &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UPDATE);
	CHECK_INT(plan.plan.n_actions, 2);
	CHECK_INT(plan.plan.actions[0].op, IRSA_OIDC_ADD_CLIENT_ID);
	CHECK_STR(plan.plan.actions[0].details, "client id 'sts.amazonaws.com'");
	CHECK_STR(plan.plan.actions[0].target, ARN);
	CHECK_INT(plan.plan.actions[1].op, IRSA_OIDC_UPDATE_THUMBPRINTS);
	CHECK_INT(plan.client_ids.n, 2);
	CHECK_STR(plan.thumbprints.items[0], TP_B);
	CHECK_STR(json_string_value(json_array_get(json_object_get(json_object_get(
		plan.plan.actions[1].changes, "thumbprints"), "from"), 0)), TP_A);
	irsa_oidc_plan_release(&plan);

	/* Explicit thumbprints equal to the stored ones (any case): nothing. */
	irsa_strlist_release(&explicit_tps);
	irsa_strlist_add(&explicit_tps, "9E99A48A9960B14926BB7F3B02E22DA2B0AB7280");
	irsa_strlist_add(&p.client_ids, "sts.amazonaws.com");
	irsa_tags_release(&tags);
	irsa_tags_add(&tags, "team", "b");
	CHECK_INT(irsa_oidc_plan_associate_compute(&req, "sts.amazonaws.com", ARN, &p, NULL, &plan,
						   &err), 0);
	CHECK_INT(plan.plan.n_actions, 1);
	CHECK_INT(plan.plan.actions[0].op, IRSA_OIDC_TAG_PROVIDER);
	irsa_oidc_plan_release(&plan);

	irsa_tags_release(&tags);
	irsa_strlist_release(&explicit_tps);
	irsa_oidc_provider_release(&p);
}

TEST(plan_disassociate)
{
	struct irsa_oidc_provider p;
	struct irsa_oidc_plan plan = { 0 };
	struct irsa_error err = { 0 };
	struct irsa_strlist roles = { 0 };
	json_t *j;

	CHECK_INT(irsa_oidc_plan_disassociate_compute(ISSUER, ARN, NULL, &roles, false, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_ABSENT);
	CHECK_INT(plan.plan.n_actions, 0);
	irsa_oidc_plan_release(&plan);

	fake_provider(&p, "sts.amazonaws.com", NULL);
	CHECK_INT(irsa_oidc_plan_disassociate_compute(ISSUER, ARN, &p, &roles, false, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_DELETE);
	CHECK_INT(plan.plan.n_actions, 1);
	CHECK_INT(plan.plan.actions[0].op, IRSA_OIDC_DELETE_PROVIDER);
	irsa_oidc_plan_release(&plan);

	irsa_strlist_add(&roles, "app-reader");
	irsa_strlist_add(&roles, "app-writer");
	CHECK_INT(irsa_oidc_plan_disassociate_compute(ISSUER, ARN, &p, &roles, false, &plan, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_CONFLICT);
	CHECK(strstr(err.message, "'app-reader', 'app-writer'") != NULL);
	CHECK(strstr(err.message, "--force") != NULL);

	CHECK_INT(irsa_oidc_plan_disassociate_compute(ISSUER, ARN, &p, &roles, true, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_DELETE);
	CHECK_INT(plan.plan.warnings.n, 1);
	plan.plan.executed = true; /* as after irsa_plan_execute() */
	j = irsa_plan_to_json(&plan.plan);
	CHECK_STR(json_string_value(json_object_get(j, "status")), "deleted");
	CHECK_INT(json_array_size(json_object_get(j, "trusted_by")), 2);
	CHECK(json_is_false(json_object_get(j, "dry_run")));
	json_decref(j);
	irsa_oidc_plan_release(&plan);
	irsa_strlist_release(&roles);
	irsa_oidc_provider_release(&p);
}

TEST(strlist)
{
	struct irsa_strlist l = { 0 };

	irsa_strlist_add(&l, "a");
	irsa_strlist_add(&l, "b");
	CHECK(irsa_strlist_contains(&l, "b"));
	CHECK(!irsa_strlist_contains(&l, "c"));
	irsa_strlist_release(&l);
	CHECK_INT(l.n, 0);
	CHECK(l.items == NULL);
}

int main(void)
{
	RUN(issuer_normalize);
	RUN(provider_arn);
	RUN(trust_references);
	RUN(tags);
	RUN(thumbprints);
	RUN(plan_create);
	RUN(plan_unchanged);
	RUN(plan_update);
	RUN(plan_disassociate);
	RUN(strlist);
	return tap_done();
}
