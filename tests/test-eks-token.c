/* EKS bearer tokens: the aws-iam-authenticator vector reproduced byte for
 * byte, and the shape of tokens with a session token and a local endpoint. */
#include <jansson.h>

#include "tap.h"
#include "irsa/buf.h"
#include "irsa/eks.h"
#include "irsa/strutil.h"

#define VECTOR "data/sigv4/eks-token/aws-iam-authenticator-get-with-sts.json"

static char *b64_field(json_t *obj, const char *key)
{
	unsigned char *out = NULL;
	size_t len = 0;
	const char *v = json_string_value(json_object_get(obj, key));

	if (!v || irsa_base64_decode(v, &out, &len) < 0)
		return NULL;
	out[len] = '\0';
	return (char *)out;
}

/* The URL inside a token. */
static char *token_url(const char *token)
{
	const char *b64 = token + strlen(IRSA_EKS_TOKEN_PREFIX);
	struct irsa_buf std = IRSA_BUF_INIT;
	unsigned char *out = NULL;
	size_t len = 0;

	for (const char *p = b64; *p; p++)
		irsa_buf_putc(&std, *p == '-' ? '+' : *p == '_' ? '/' : *p);
	while (std.len % 4)
		irsa_buf_putc(&std, '=');
	if (irsa_base64_decode(irsa_buf_str(&std), &out, &len) < 0)
		out = NULL;
	else
		out[len] = '\0';
	irsa_buf_release(&std);
	return (char *)out;
}

TEST(vector)
{
	json_error_t jerr;
	json_t *v = json_load_file(VECTOR, 0, &jerr);
	json_t *creds_j = json_object_get(v, "credentials");
	char *akid = b64_field(creds_j, "access_key_id_base64");
	char *secret = b64_field(creds_j, "secret_access_key_base64");
	struct irsa_credentials *creds;
	struct irsa_error err = { 0 };
	char *token = NULL, *url = NULL, *endpoint;
	time_t exp = 0;
	json_int_t t = json_integer_value(json_object_get(v, "unix_time"));

	CHECK(v != NULL);
	if (!v) {
		printf("# %s: %s\n", VECTOR, jerr.text);
		return;
	}
	CHECK(akid && secret);
	creds = irsa_credentials_new(akid, secret, NULL, 0, "test");
	endpoint = irsa_asprintf("https://%s", json_string_value(json_object_get(v, "sts_host")));
	CHECK_INT(irsa_eks_token_presign(&(struct irsa_eks_token_input){
			  .creds = creds,
			  .region = json_string_value(json_object_get(v, "region")),
			  .endpoint = endpoint,
			  .cluster = json_string_value(json_object_get(v, "cluster_id")),
			  .time = (time_t)t,
		  }, &token, &exp, &err), 0);
	CHECK_STR(token, json_string_value(json_object_get(v, "expected_token")));
	url = token ? token_url(token) : NULL;
	CHECK_STR(url, json_string_value(json_object_get(v, "decoded_url")));
	CHECK_INT(exp, t + 14 * 60);
	free(url);
	free(token);
	free(endpoint);
	free(akid);
	free(secret);
	irsa_credentials_free(creds);
	json_decref(v);
}

TEST(session_token_and_local_endpoint)
{
	struct irsa_credentials *creds =
		irsa_credentials_new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
				     "session/token+value=", 0, "test");
	struct irsa_error err = { 0 };
	char *token = NULL, *url;
	time_t exp;

	CHECK_INT(irsa_eks_token_presign(&(struct irsa_eks_token_input){
			  .creds = creds, .region = "eu-west-1",
			  .endpoint = "http://127.0.0.1:4566/", .cluster = "demo", .time = 1700000000,
		  }, &token, &exp, &err), 0);
	CHECK(token && irsa_str_has_prefix(token, "k8s-aws-v1."));
	CHECK(token && !strchr(token, '=') && !strchr(token, '+') && !strchr(token, '/'));
	url = token ? token_url(token) : NULL;
	CHECK(url && irsa_str_has_prefix(url, "http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15&"));
	CHECK(url && strstr(url, "X-Amz-Security-Token=session%2Ftoken%2Bvalue%3D"));
	CHECK(url && strstr(url, "X-Amz-Expires=60&"));
	CHECK(url && strstr(url, "X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"));
	CHECK(url && strstr(url, "%2Feu-west-1%2Fsts%2Faws4_request"));
	CHECK(url && !strstr(url, "x-k8s-aws-id=") && !strstr(url, "demo"));
	free(url);
	free(token);
	irsa_credentials_free(creds);
}

TEST(no_cluster)
{
	struct irsa_credentials *creds = irsa_credentials_new("AKID", "secret", NULL, 0, NULL);
	struct irsa_error err = { 0 };
	char *token = NULL;

	CHECK_INT(irsa_eks_token_presign(&(struct irsa_eks_token_input){
			  .creds = creds, .region = "us-east-1",
			  .endpoint = "https://sts.us-east-1.amazonaws.com", .cluster = "", .time = 1,
		  }, &token, NULL, &err), -1);
	CHECK(token == NULL);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	irsa_credentials_free(creds);
}

int main(void)
{
	RUN(vector);
	RUN(session_token_and_local_endpoint);
	RUN(no_cluster);
	return tap_done();
}
