#include <stdlib.h>
#include <string.h>

#include "irsa/sts.h"
#include "irsa/strutil.h"
#include "src/aws/query.h"

#define STS_VERSION "2011-06-15"

int irsa_sts_get_caller_identity(struct irsa_aws *aws, struct irsa_caller_identity *ret,
				 struct irsa_error *err)
{
	xmlDoc *doc = NULL;
	xmlNode *result;

	if (irsa_aws_query(aws, "sts", STS_VERSION, "GetCallerIdentity", NULL, &doc, err) < 0)
		return -1;
	result = irsa_xml_find(xmlDocGetRootElement(doc), "GetCallerIdentityResult");
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

void irsa_caller_identity_release(struct irsa_caller_identity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}
