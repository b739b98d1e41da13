/* Unit tests: permission templates (parse, validate, render). */
#include "tap.h"
#include "irsa/iam_rules.h"
#include "irsa/names.h"
#include "irsa/strutil.h"
#include "irsa/templates.h"
#include "irsa/trust.h"

static const struct irsa_template_ctx ctx = { "aws", "us-east-1", "111122223333", NULL };

/* Render spec in c and return the compact document (malloc'd) or NULL. */
static char *render(const char *spec, const struct irsa_template_ctx *c, json_t **ret_doc)
{
	struct irsa_policy_ref ref = { 0 };
	struct irsa_error err = { 0 };
	json_t *doc = NULL;
	char *s;

	if (irsa_policy_ref_parse(spec, c, &ref, &err) < 0 ||
	    irsa_template_render(&ref, c, &doc, &err) < 0) {
		printf("# %s: %s\n", spec, err.message);
		irsa_policy_ref_release(&ref);
		return NULL;
	}
	irsa_policy_ref_release(&ref);
	s = irsa_policy_compact(doc);
	if (ret_doc)
		*ret_doc = doc;
	else
		json_decref(doc);
	return s;
}

static int parse_error(const char *spec, const struct irsa_template_ctx *c, struct irsa_error *err)
{
	struct irsa_policy_ref ref = { 0 };
	int r = irsa_policy_ref_parse(spec, c, &ref, err);

	irsa_policy_ref_release(&ref);
	return r;
}

TEST(every_template_renders_valid_json)
{
	static const char *const specs[] = {
		"amazon-managed-prometheus:access=ingest+query", "appmesh",
		"assume-role:roles=arn:aws:iam::444455556666:role/target",
		"aws-load-balancer-controller", "cert-manager:zones=Z1ABC",
		"cloudwatch-logs-write:log-groups=/app/web", "cloudwatch-observability",
		"cluster-autoscaler:cluster=demo", "dynamodb-read:tables=orders",
		"dynamodb-readwrite:tables=orders", "ebs-csi", "ecr-pull:repositories=team/app",
		"efs-csi", "external-dns", "external-secrets:secrets=dev-*,parameters=/dev/*",
		"fsx-lustre-csi", "image-builder:repositories=team/app",
		"karpenter:cluster=demo", "kms-decrypt:keys=1234abcd-12ab-34cd-56ef-1234567890ab",
		"mountpoint-s3-csi:buckets=my-bucket", "node-termination-handler:queue=nth",
		"s3-read:bucket=my-bucket", "s3-readwrite:bucket=my-bucket",
		"secretsmanager-read:secrets=db", "sns-publish:topics=events",
		"sqs-consume:queues=jobs", "sqs-send:queues=jobs",
		"ssm-parameters-read:parameters=/app/db", "velero:bucket=backups",
		"vpc-cni",
	};

	CHECK_INT(irsa_template_count(), ARRAY_SIZE(specs));
	for (size_t i = 0; i < irsa_template_count(); i++) {
		const char *name = irsa_template_name(i);
		bool found = false;

		for (size_t j = 0; j < ARRAY_SIZE(specs); j++) {
			struct irsa_error err = { 0 };
			json_t *doc = NULL, *back = NULL;
			char *s;

			if (!irsa_str_has_prefix(specs[j], name) ||
			    (specs[j][strlen(name)] != '\0' && specs[j][strlen(name)] != ':'))
				continue;
			found = true;
			s = render(specs[j], &ctx, &doc);
			CHECK(s != NULL);
			if (!s)
				continue;
			CHECK(strstr(s, "${") == NULL);
			CHECK(strstr(s, "$if") == NULL);
			CHECK(strstr(s, "arn:aws-cn") == NULL);
			CHECK_INT(irsa_policy_parse(s, name, &back, &err), 0);
			CHECK(irsa_policy_equal(doc, back));
			CHECK(irsa_policy_size(doc) <= 6144);
			CHECK_INT(irsa_iam_check_policy(doc, IRSA_POLICY_PERMISSIONS, name, &err), 0);
			json_decref(back);
			json_decref(doc);
			free(s);
		}
		if (!found)
			printf("# no test spec for template '%s'\n", name);
		CHECK(found);
	}
}

TEST(s3_read)
{
	char *s = render("s3-read:bucket=my-bucket", &ctx, NULL);

	CHECK_STR(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ListBucket\",\"Effect\":\"Allow\","
		  "\"Action\":[\"s3:ListBucket\",\"s3:GetBucketLocation\"],\"Resource\":\"arn:aws:s3:::my-bucket\"},"
		  "{\"Sid\":\"ReadObjects\",\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:GetObjectVersion\","
		  "\"s3:GetObjectTagging\"],\"Resource\":\"arn:aws:s3:::my-bucket/*\"}]}");
	free(s);
	s = render("s3-read:bucket=my-bucket,prefix=/logs", &ctx, NULL);
	CHECK(strstr(s, "\"Condition\":{\"StringLike\":{\"s3:prefix\":[\"logs/\",\"logs/*\"]}}"));
	CHECK(strstr(s, "\"Resource\":\"arn:aws:s3:::my-bucket/logs/*\""));
	free(s);
}

TEST(partition_aware)
{
	struct irsa_template_ctx cn = { "aws-cn", "cn-north-1", "111122223333", NULL };
	struct irsa_template_ctx gov = { "aws-us-gov", "us-gov-west-1", "111122223333", NULL };
	char *a = render("s3-readwrite:bucket=b-cn", &cn, NULL);
	char *b = render("dynamodb-read:tables=t01", &gov, NULL);

	CHECK(strstr(a, "\"arn:aws-cn:s3:::b-cn/*\""));
	CHECK(strstr(b, "\"arn:aws-us-gov:dynamodb:us-gov-west-1:111122223333:table/t01\""));
	free(a);
	free(b);
}

TEST(secrets_suffix)
{
	char *s = render("secretsmanager-read:secrets=prod/db;arn:aws:secretsmanager:us-east-1:111122223333:secret:api-AbCdEf",
			 &ctx, NULL);

	CHECK(strstr(s, "\"Resource\":[\"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????\","
		     "\"arn:aws:secretsmanager:us-east-1:111122223333:secret:api-AbCdEf\"]"));
	free(s);
}

TEST(dynamodb_tables_and_indexes)
{
	char *a = render("dynamodb-read:tables=orders;users", &ctx, NULL);
	char *b = render("dynamodb-read:tables=orders,tables=users", &ctx, NULL);

	CHECK_STR(a, b);
	CHECK(strstr(a, "\"Resource\":[\"arn:aws:dynamodb:us-east-1:111122223333:table/orders\","
		     "\"arn:aws:dynamodb:us-east-1:111122223333:table/users\","
		     "\"arn:aws:dynamodb:us-east-1:111122223333:table/orders/index/*\","
		     "\"arn:aws:dynamodb:us-east-1:111122223333:table/users/index/*\"]"));
	free(a);
	free(b);
	a = render("dynamodb-readwrite:tables=orders", &ctx, NULL);
	CHECK(strstr(a, "\"Resource\":\"arn:aws:dynamodb:us-east-1:111122223333:table/orders/index/*\""));
	CHECK(strstr(a, "dynamodb:PutItem"));
	free(a);
}

TEST(addon_parameters)
{
	struct irsa_template_ctx withc = ctx;
	char *s;

	s = render("external-dns", &ctx, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:route53:::hostedzone/*\"]"));
	free(s);
	s = render("external-dns:zones=Z1;/hostedzone/Z2", &ctx, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:route53:::hostedzone/Z1\",\"arn:aws:route53:::hostedzone/Z2\"]"));
	free(s);
	withc.cluster = "prod";
	s = render("cluster-autoscaler", &withc, NULL);
	CHECK(strstr(s, "aws:ResourceTag/k8s.io/cluster-autoscaler/prod"));
	free(s);
	s = render("ebs-csi", &ctx, NULL);
	CHECK(strstr(s, "kms:") == NULL);
	free(s);
	s = render("ebs-csi:kms-keys=arn:aws:kms:us-east-1:111122223333:key/abc", &ctx, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:kms:us-east-1:111122223333:key/abc\"]"));
	free(s);
}

TEST(several_buckets)
{
	char *s = render("s3-read:bucket=b-one;b-two,prefix=logs", &ctx, NULL);

	CHECK(strstr(s, "\"Resource\":[\"arn:aws:s3:::b-one\",\"arn:aws:s3:::b-two\"]"));
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:s3:::b-one/logs/*\",\"arn:aws:s3:::b-two/logs/*\"]"));
	free(s);
}

/* prefix-by-namespace=true: one role for many namespaces, each pod limited
 * to PREFIX/NAMESPACE/ by the Pod Identity session tag (IAM's variable is
 * kept as written, for IAM to fill in). */
TEST(prefix_by_namespace)
{
	const char *ns = "${aws:PrincipalTag/kubernetes-namespace}";
	char *plain = render("s3-readwrite:bucket=b-one;b-two,prefix=data", &ctx, NULL);
	char *off = render("s3-readwrite:bucket=b-one;b-two,prefix=data,prefix-by-namespace=false",
			   &ctx, NULL);
	json_t *doc = NULL, *st;
	char *s = render("s3-readwrite:bucket=b-one;b-two,prefix=data,prefix-by-namespace=true",
			 &ctx, &doc);
	char *want_list = irsa_asprintf("\"s3:prefix\":[\"data/%s/\",\"data/%s/*\"]", ns, ns);
	char *want_objects = irsa_asprintf("\"Resource\":[\"arn:aws:s3:::b-one/data/%s/*\","
					   "\"arn:aws:s3:::b-two/data/%s/*\"]", ns, ns);
	struct irsa_error err = { 0 };

	CHECK_STR(off, plain); /* the default is the plain policy */
	CHECK(strstr(plain, "PrincipalTag") == NULL);
	CHECK(strstr(s, want_list) != NULL);
	CHECK(strstr(s, want_objects) != NULL);
	CHECK_INT(json_array_size(json_object_get(doc, "Statement")), 2);
	st = json_array_get(json_object_get(doc, "Statement"), 1);
	CHECK_STR(json_string_value(json_object_get(st, "Sid")), "ReadWriteObjectsByNamespace");
	CHECK_INT(irsa_iam_check_policy(doc, IRSA_POLICY_PERMISSIONS, "abac", &err), 0);
	free(s);
	json_decref(doc);
	/* without a prefix the namespace is the top level; s3-read has it too */
	s = render("s3-read:bucket=b-one,prefix-by-namespace=true", &ctx, NULL);
	free(want_objects);
	want_objects = irsa_asprintf("\"Resource\":\"arn:aws:s3:::b-one/%s/*\"", ns);
	CHECK(strstr(s, want_objects) != NULL);
	CHECK(strstr(s, "s3:PutObject") == NULL);
	CHECK_INT(parse_error("s3-read:bucket=b-one,prefix-by-namespace=yes", &ctx, &err), -1);
	CHECK(strstr(err.message, "expected one of: false, true") != NULL);
	free(s);
	free(want_list);
	free(want_objects);
	free(plain);
	free(off);
}

TEST(names_become_arns)
{
	struct irsa_template_ctx eu = { "aws", "eu-west-1", "111122223333", NULL };
	char *s;

	s = render("sqs-consume:queues=jobs;arn:aws:sqs:us-east-2:444455556666:other.fifo,"
		   "kms-keys=1234abcd-12ab-34cd-56ef-1234567890ab", &eu, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:sqs:eu-west-1:111122223333:jobs\","
		     "\"arn:aws:sqs:us-east-2:444455556666:other.fifo\"]"));
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:kms:eu-west-1:111122223333:key/"
		     "1234abcd-12ab-34cd-56ef-1234567890ab\"]"));
	free(s);
	s = render("sns-publish:topics=events.fifo", &eu, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:sns:eu-west-1:111122223333:events.fifo\"]"));
	CHECK(strstr(s, "kms:") == NULL);
	free(s);
	s = render("ssm-parameters-read:parameters=/app/prod;/app/prod/*", &eu, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:ssm:eu-west-1:111122223333:parameter/app/prod\","
		     "\"arn:aws:ssm:eu-west-1:111122223333:parameter/app/prod/*\"]"));
	free(s);
	s = render("ecr-pull:repositories=team/*", &eu, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:ecr:eu-west-1:111122223333:repository/team/*\"]"));
	CHECK(strstr(s, "\"Action\":\"ecr:GetAuthorizationToken\",\"Resource\":\"*\""));
	free(s);
	s = render("cloudwatch-logs-write:log-groups=/app/web", &eu, NULL);
	CHECK(strstr(s, "\"arn:aws:logs:eu-west-1:111122223333:log-group:/app/web:log-stream:*\""));
	free(s);
	s = render("external-secrets:secrets=dev-*;prod/db", &eu, NULL);
	CHECK(strstr(s, "\"Resource\":[\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:dev-*\","
		     "\"arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-??????\"]"));
	CHECK(strstr(s, "ssm:") == NULL);
	free(s);
	s = render("assume-role:roles=arn:aws:iam::444455556666:role/path/target", &eu, NULL);
	CHECK_STR(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AssumeRoles\","
		  "\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\","
		  "\"Resource\":[\"arn:aws:iam::444455556666:role/path/target\"]}]}");
	free(s);
}

TEST(bad_values)
{
	static const char *const bad[] = {
		"sqs-send:queues=bad.name", "sqs-send:queues=arn:aws:sns:us-east-1:1:t",
		"sns-publish:topics=a b", "kms-decrypt:keys=alias/app",
		"kms-decrypt:keys=1234abcd-12ab-34cd-56ef-1234567890a",
		"kms-decrypt:keys=arn:aws:kms:us-east-1:111122223333:alias/app",
		"ssm-parameters-read:parameters=/app/*/db", "ecr-pull:repositories=Team/App",
		"assume-role:roles=arn:aws:iam::444455556666:user/u",
		"assume-role:roles=target", "amazon-managed-prometheus:workspaces=abc",
		"appmesh:mesh=a.b", "secretsmanager-read:secrets=db*x",
		"cloudwatch-logs-write:log-groups=a b", "karpenter:cluster=c,node-role=a/b",
		"mountpoint-s3-csi:buckets=b1b,access=write",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct irsa_error err = { 0 };

		if (parse_error(bad[i], &ctx, &err) != -1 || err.kind != IRSA_ERR_USAGE) {
			printf("# accepted: %s\n", bad[i]);
			CHECK(false);
		}
	}
}

TEST(conditional_statements)
{
	struct irsa_template_ctx withc = ctx;
	struct irsa_error err = { 0 };
	char *s;

	s = render("vpc-cni", &ctx, NULL);
	CHECK(strstr(s, "ec2:AssignPrivateIpAddresses") && !strstr(s, "ec2:AssignIpv6Addresses"));
	free(s);
	s = render("vpc-cni:ip-family=ipv6", &ctx, NULL);
	CHECK(!strstr(s, "ec2:AssignPrivateIpAddresses") && strstr(s, "ec2:AssignIpv6Addresses"));
	free(s);
	s = render("amazon-managed-prometheus", &ctx, NULL);
	CHECK(strstr(s, "aps:RemoteWrite") && !strstr(s, "aps:QueryMetrics"));
	free(s);
	s = render("amazon-managed-prometheus:access=query,workspaces=ws-1234", &ctx, NULL);
	CHECK(!strstr(s, "aps:RemoteWrite") && strstr(s, "aps:QueryMetrics"));
	CHECK(strstr(s, "\"arn:aws:aps:us-east-1:111122223333:workspace/ws-1234\""));
	free(s);
	s = render("amazon-managed-prometheus:access=ingest+query", &ctx, NULL);
	CHECK(strstr(s, "aps:RemoteWrite") && strstr(s, "aps:QueryMetrics"));
	free(s);
	withc.cluster = "prod";
	s = render("karpenter", &withc, NULL);
	CHECK(strstr(s, "\"arn:aws:sqs:us-east-1:111122223333:prod\""));
	CHECK(strstr(s, "\"arn:aws:iam::111122223333:role/KarpenterNodeRole-prod\""));
	CHECK(strstr(s, "\"aws:RequestTag/kubernetes.io/cluster/prod\":\"owned\""));
	free(s);
	s = render("karpenter:queue=interruptions,node-role=nodes", &withc, NULL);
	CHECK(strstr(s, "\"arn:aws:sqs:us-east-1:111122223333:interruptions\""));
	CHECK(strstr(s, "\"arn:aws:iam::111122223333:role/nodes\""));
	CHECK(!strstr(s, "KarpenterNodeRole") && !strstr(s, ":sqs:us-east-1:111122223333:prod\""));
	free(s);
	s = render("fsx-lustre-csi:buckets=data-1", &ctx, NULL);
	CHECK(strstr(s, "\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::data-1\""));
	free(s);
	s = render("mountpoint-s3-csi:buckets=data-1,access=read", &ctx, NULL);
	CHECK(strstr(s, "s3:GetObject") && !strstr(s, "s3:PutObject"));
	free(s);
	CHECK_INT(parse_error("external-secrets", &ctx, &err), -1);
	CHECK(strstr(err.message, "needs at least one of the parameters secrets, parameters"));
	CHECK_INT(parse_error("vpc-cni:ip-family=ipv5", &ctx, &err), -1);
	CHECK(strstr(err.message, "expected one of: ipv4, ipv6"));
}

TEST(groups_and_sources)
{
	size_t addons = 0, workloads = 0;

	for (size_t i = 0; i < irsa_template_count(); i++) {
		struct irsa_error err = { 0 };
		json_t *d = NULL;
		const char *group;

		CHECK_INT(irsa_template_describe(irsa_template_name(i), &d, &err), 0);
		group = json_string_value(json_object_get(d, "group"));
		CHECK(group != NULL);
		if (group && strcmp(group, "addon") == 0) {
			const json_t *src = json_object_get(d, "source");

			addons++;
			CHECK(irsa_str_has_prefix(json_string_value(json_object_get(src, "url")),
						  "https://"));
			CHECK(json_string_length(json_object_get(src, "version")) > 0);
		} else if (group && strcmp(group, "workload") == 0) {
			workloads++;
		}
		json_decref(d);
	}
	CHECK_INT(addons, 17);
	CHECK_INT(workloads, 13);
}

TEST(errors)
{
	struct irsa_error err = { 0 };

	CHECK_INT(parse_error("s3-reed:bucket=x", &ctx, &err), -1);
	CHECK(strstr(err.message, "unknown policy template 's3-reed'; did you mean 's3-read'?"));
	CHECK_INT(parse_error("nothing-like-it", &ctx, &err), -1);
	CHECK(strstr(err.message, "unknown policy template 'nothing-like-it'") &&
	      strstr(err.message, "s3-read, s3-readwrite"));
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK_INT(parse_error("s3-read:bucket=x12,colour=red", &ctx, &err), -1);
	CHECK(strstr(err.message, "no parameter 'colour'") && strstr(err.message, "bucket (required), prefix"));
	CHECK_INT(parse_error("s3-read", &ctx, &err), -1);
	CHECK(strstr(err.message, "needs the parameter 'bucket'"));
	CHECK_INT(parse_error("s3-read:", &ctx, &err), -1);
	CHECK_INT(parse_error("s3-read:bucket", &ctx, &err), -1);
	CHECK(strstr(err.message, "KEY=VALUE"));
	CHECK_INT(parse_error("s3-read:bucket=Bad_Bucket", &ctx, &err), -1);
	CHECK(strstr(err.message, "'Bad_Bucket'") && strstr(err.message, "bucket name"));
	CHECK_INT(parse_error("s3-read:bucket=a1b,prefix=a;b", &ctx, &err), -1);
	CHECK(strstr(err.message, "takes one value"));
	CHECK_INT(parse_error("s3-read:bucket=abc,prefix=a,prefix=b", &ctx, &err), -1);
	CHECK_INT(parse_error("dynamodb-read:tables=", &ctx, &err), -1);
	CHECK_INT(parse_error("secretsmanager-read:secrets=arn:aws:s3:::x", &ctx, &err), -1);
	CHECK_INT(parse_error("cluster-autoscaler", &ctx, &err), -1);
	CHECK(strstr(err.message, "--cluster"));
	CHECK_INT(parse_error("external-dns:zones=z-lower", &ctx, &err), -1);
}

TEST(describe_and_names)
{
	struct irsa_error err = { 0 };
	struct irsa_policy_ref ref = { 0 };
	json_t *d = NULL;
	char *name;

	CHECK_INT(irsa_template_describe("s3-read", &d, &err), 0);
	CHECK_STR(json_string_value(json_object_get(d, "name")), "s3-read");
	CHECK_INT(json_array_size(json_object_get(d, "params")), 3);
	CHECK(json_is_true(json_object_get(json_array_get(json_object_get(d, "params"), 0), "required")));
	json_decref(d);
	CHECK_INT(irsa_template_describe("nope", &d, &err), -1);
	CHECK_INT(irsa_policy_ref_parse("efs-csi", &ctx, &ref, &err), 0);
	name = irsa_template_policy_name(&ref);
	CHECK_STR(name, "irsactl-efs-csi");
	free(name);
	irsa_policy_ref_release(&ref);
	name = irsa_policy_file_policy_name("policies/read logs.json");
	CHECK_STR(name, "irsactl-file-read-logs");
	free(name);
	name = irsa_policy_file_policy_name("extra+perms.v2.yaml");
	CHECK_STR(name, "irsactl-file-extra+perms.v2.yaml");
	free(name);
	{
		/* non-ASCII file names: readable, valid, and distinct */
		char *a = irsa_policy_file_policy_name("/p/caf\xc3\xa9-\xc3\x9f.json");
		char *b = irsa_policy_file_policy_name("caf\xc3\xa8-\xc3\x9f.json");
		char *c = irsa_policy_file_policy_name("\xd0\xbf\xd0\xbe\xd0\xbb\xd0\xb8.json");
		char *h = irsa_asprintf("irsactl-file-cafe-ss-%08x",
					irsa_name_hash("caf\xc3\xa9-\xc3\x9f"));
		char longname[300];

		CHECK_STR(a, h);
		CHECK(strncmp(b, "irsactl-file-cafe-ss-", 21) == 0);
		CHECK(strcmp(a, b) != 0);
		CHECK(strncmp(c, "irsactl-file-", 13) == 0 && strlen(c) == 13 + 8);
		CHECK_INT(irsa_validate_policy_name(a, NULL), 0);
		CHECK_INT(irsa_validate_policy_name(c, NULL), 0);
		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		name = irsa_policy_file_policy_name(longname);
		CHECK_INT(strlen(name), 128);
		CHECK_INT(irsa_validate_policy_name(name, NULL), 0);
		free(name);
		free(a);
		free(b);
		free(c);
		free(h);
	}
}

int main(void)
{
	RUN(every_template_renders_valid_json);
	RUN(s3_read);
	RUN(partition_aware);
	RUN(secrets_suffix);
	RUN(dynamodb_tables_and_indexes);
	RUN(addon_parameters);
	RUN(several_buckets);
	RUN(names_become_arns);
	RUN(bad_values);
	RUN(conditional_statements);
	RUN(groups_and_sources);
	RUN(errors);
	RUN(describe_and_names);
	RUN(prefix_by_namespace);
	return tap_done();
}
