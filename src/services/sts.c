#include <stdlib.h>
#include <string.h>

#include "irsa/credentials.h"
#include "irsa/params.h"
#include "irsa/sts.h"
#include "irsa/strutil.h"
#include "src/aws/query.h"
#include "sts_internal.h"

int irsa_sts_get_caller_identity(struct irsa_aws *aws, struct irsa_caller_identity *ret,
				 struct irsa_error *err)
{
	return irsa_sts_get_caller_identity_as(aws, NULL, ret, err);
}

int sts_caller_identity_result(xmlDoc *doc, struct irsa_caller_identity *ret,
			       struct irsa_error *err)
{
	xmlNode *result = irsa_xml_find(xmlDocGetRootElement(doc), "GetCallerIdentityResult");

	if (!result) {
		xmlFreeDoc(doc);
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "sts GetCallerIdentity: the answer has no GetCallerIdentityResult");
	}
	ret->account = irsa_xml_find_text(result, "Account");
	ret->arn = irsa_xml_find_text(result, "Arn");
	ret->user_id = irsa_xml_find_text(result, "UserId");
	xmlFreeDoc(doc);
	if (!ret->account || !ret->arn) {
		irsa_caller_identity_release(ret);
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "sts GetCallerIdentity: the answer has no Account or Arn");
	}
	return 0;
}

int irsa_sts_get_caller_identity_as(struct irsa_aws *aws, const struct irsa_credentials *creds,
				    struct irsa_caller_identity *ret, struct irsa_error *err)
{
	xmlDoc *doc = NULL;
	int r = creds ? irsa_aws_query_as(aws, creds, "sts", STS_VERSION, "GetCallerIdentity", NULL,
					  &doc, err)
		      : irsa_aws_query(aws, "sts", STS_VERSION, "GetCallerIdentity", NULL, &doc, err);

	if (r < 0)
		return -1;
	return sts_caller_identity_result(doc, ret, err);
}

void irsa_caller_identity_release(struct irsa_caller_identity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}

static void params_release_secret(struct irsa_params *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].value)
			irsa_secure_zero(p->items[i].value, strlen(p->items[i].value));
	irsa_params_release(p);
}

int irsa_sts_assume_role_with_web_identity(struct irsa_aws *aws, const char *role_arn,
					   const char *session_name, const char *token,
					   struct irsa_web_identity_session *ret,
					   struct irsa_error *err)
{
	_cleanup_(params_release_secret) struct irsa_params p = IRSA_PARAMS_INIT;
	_cleanup_xml_doc_ xmlDoc *doc = NULL;
	_cleanup_free_ char *key = NULL;
	char *secret = NULL, *session = NULL;
	xmlNode *result, *creds;

	memset(ret, 0, sizeof(*ret));
	irsa_params_add(&p, "RoleArn", role_arn);
	irsa_params_add(&p, "RoleSessionName", session_name);
	irsa_params_add(&p, "WebIdentityToken", token);
	if (irsa_aws_query_as(aws, NULL, "sts", STS_VERSION, "AssumeRoleWithWebIdentity", &p, &doc,
			      err) < 0)
		return -1;
	result = irsa_xml_find(xmlDocGetRootElement(doc), "AssumeRoleWithWebIdentityResult");
	creds = result ? irsa_xml_find(result, "Credentials") : NULL;
	if (creds) {
		key = irsa_xml_find_text(creds, "AccessKeyId");
		secret = irsa_xml_find_text(creds, "SecretAccessKey");
		session = irsa_xml_find_text(creds, "SessionToken");
	}
	if (!key || !secret || !session) {
		irsa_free_secret(secret);
		irsa_free_secret(session);
		return irsa_error_set(err, IRSA_ERR_REMOTE, "sts AssumeRoleWithWebIdentity: the answer "
				      "has no credentials");
	}
	ret->credentials = irsa_credentials_new(key, secret, session, 0, "web-identity");
	irsa_free_secret(secret);
	irsa_free_secret(session);
	ret->assumed_role_arn = irsa_xml_find_text(result, "Arn");
	ret->subject = irsa_xml_find_text(result, "SubjectFromWebIdentityToken");
	ret->audience = irsa_xml_find_text(result, "Audience");
	ret->provider = irsa_xml_find_text(result, "Provider");
	return 0;
}

void irsa_web_identity_session_release(struct irsa_web_identity_session *s)
{
	irsa_credentials_free(s->credentials);
	free(s->assumed_role_arn);
	free(s->subject);
	free(s->audience);
	free(s->provider);
	memset(s, 0, sizeof(*s));
}
