/* The XML answers of the AWS Query APIs (IAM, STS), parsed as
 * src/aws/aws_call.c parses them (no network, no entities, no DTD), then
 * read by every reader the service modules use: error documents, STS
 * credentials and caller identity, IAM roles (with their URL-encoded
 * trust policy), OIDC providers, lists, tags and pagination markers. */
#include <libxml/parser.h>

#include "irsa/aws.h"
#include "irsa/iam.h"
#include "irsa/strlist.h"
#include "iam_internal.h"
#include "providers.h"
#include "fuzz.h"

static void silent(void *ctx, const char *msg, ...)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, silent);
	return 0;
}

static void free_text(char *s)
{
	free(s);
}

static void read_fault(xmlNode *root)
{
	free_text(irsa_xml_find_text(root, "Code"));
	free_text(irsa_xml_find_text(root, "Message"));
	free_text(irsa_xml_find_text(root, "RequestId"));
}

static void read_sts(xmlDoc *doc, xmlNode *root)
{
	struct irsa_credentials *c = NULL;
	struct irsa_error err = { 0 };
	xmlNode *identity = irsa_xml_find(root, "GetCallerIdentityResult");

	if (irsa_cred_sts_parse(doc, "sts AssumeRole", IRSA_PROVIDER_ASSUME_ROLE, &c, &err) == 0) {
		if (!c || !c->access_key_id || !c->secret_access_key || !c->session_token)
			abort();
	} else if (c) {
		abort();
	}
	irsa_credentials_free(c);
	free_text(irsa_xml_find_text(identity, "Account"));
	free_text(irsa_xml_find_text(identity, "Arn"));
	free_text(irsa_xml_find_text(identity, "UserId"));
}

static void read_role(xmlNode *node)
{
	struct irsa_role r;

	iam_parse_role(node, &r);
	irsa_role_release(&r);
}

static void read_iam(xmlNode *root)
{
	static const char *const results[] = {
		"GetRoleResult", "CreateRoleResult", "ListRolesResult",
		"GetOpenIDConnectProviderResult", "ListOpenIDConnectProvidersResult",
		"ListAttachedRolePoliciesResult", "ListRoleTagsResult", "ListRolePoliciesResult",
		"GetRolePolicyResult", "GetPolicyResult", "ListPolicyVersionsResult",
	};
	static const char *const lists[] = {
		"Roles", "OpenIDConnectProviderList", "AttachedPolicies", "Versions",
		"PolicyNames", "ClientIDList", "ThumbprintList",
	};

	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		xmlNode *result = iam_child(root, results[i]);
		struct irsa_strlist l = { 0 };
		struct irsa_tags t = { 0 };

		if (!result)
			continue;
		read_role(iam_child(result, "Role"));
		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
			xmlNode *list = iam_child(result, lists[k]);

			for (xmlNode *m = list ? list->children : NULL; m; m = m->next)
				if (m->type == XML_ELEMENT_NODE)
					read_role(m);
			iam_parse_strlist(list, &l);
			irsa_strlist_release(&l);
		}
		iam_parse_tags(iam_child(result, "Tags"), &t);
		irsa_tags_release(&t);
		free_text(iam_child_document(result, "PolicyDocument"));
		free_text(iam_child_text(result, "Url"));
		free_text(iam_child_text(result, "Marker"));
		iam_child_bool(result, "IsTruncated");
		iam_child_int(result, "MaxSessionDuration", -1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xmlDoc *doc;
	xmlNode *root;

	if (!size)
		return 0;
	doc = xmlReadMemory((const char *)data, (int)size, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return 0;
	root = xmlDocGetRootElement(doc);
	read_fault(root);
	read_sts(doc, root);
	read_iam(root);
	xmlFreeDoc(doc);
	return 0;
}
