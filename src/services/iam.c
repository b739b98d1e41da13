/* AWS IAM: the Query plumbing shared by every IAM call and the OpenID
 * Connect provider calls. Roles are in iam_role.c, managed and inline
 * policies in iam_policy.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/iam.h"
#include "irsa/strutil.h"
#include "iam_internal.h"

/* A List answer larger than this many pages is a server bug (a Marker
 * that never ends); stop instead of looping forever. */
#define IAM_MAX_PAGES 10000

/* ---- XML answers ---- */

xmlNode *iam_child(xmlNode *parent, const char *name)
{
	if (!parent)
		return NULL;
	for (xmlNode *n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

char *iam_child_text(xmlNode *parent, const char *name)
{
	return irsa_xml_text(iam_child(parent, name));
}

char *iam_child_document(xmlNode *parent, const char *name)
{
	_cleanup_free_ char *raw = iam_child_text(parent, name);

	if (!raw)
		return NULL;
	return irsa_uri_decode(raw, strlen(raw));
}

bool iam_child_bool(xmlNode *parent, const char *name)
{
	_cleanup_free_ char *s = iam_child_text(parent, name);

	return s && strcmp(irsa_str_trim(s), "true") == 0;
}

int iam_child_int(xmlNode *parent, const char *name, int fallback)
{
	_cleanup_free_ char *s = iam_child_text(parent, name);
	char *end;
	long v;

	if (!s)
		return fallback;
	v = strtol(s, &end, 10);
	return *end || end == s ? fallback : (int)v;
}

void iam_parse_strlist(xmlNode *node, struct irsa_strlist *l)
{
	if (!node)
		return;
	for (xmlNode *m = node->children; m; m = m->next) {
		xmlChar *content;

		if (m->type != XML_ELEMENT_NODE || strcmp((const char *)m->name, "member") != 0)
			continue;
		content = xmlNodeGetContent(m);
		irsa_strlist_add(l, content ? (const char *)content : "");
		xmlFree(content);
	}
}

void iam_parse_tags(xmlNode *node, struct irsa_tags *t)
{
	if (!node)
		return;
	for (xmlNode *m = node->children; m; m = m->next) {
		_cleanup_free_ char *key = NULL, *value = NULL;

		if (m->type != XML_ELEMENT_NODE || strcmp((const char *)m->name, "member") != 0)
			continue;
		key = iam_child_text(m, "Key");
		value = iam_child_text(m, "Value");
		if (key)
			irsa_tags_add(t, key, value);
	}
}

/* ---- parameters ---- */

void iam_params_strlist(struct irsa_params *p, const char *prefix, const struct irsa_strlist *l)
{
	char key[128];

	for (size_t i = 0; l && i < l->n; i++) {
		snprintf(key, sizeof(key), "%s.member.%zu", prefix, i + 1);
		irsa_params_add(p, key, l->items[i]);
	}
}

void iam_params_tags(struct irsa_params *p, const char *prefix, const struct irsa_tags *t)
{
	char key[128];

	for (size_t i = 0; t && i < t->n; i++) {
		snprintf(key, sizeof(key), "%s.member.%zu.Key", prefix, i + 1);
		irsa_params_add(p, key, t->items[i].key);
		snprintf(key, sizeof(key), "%s.member.%zu.Value", prefix, i + 1);
		irsa_params_add(p, key, t->items[i].value);
	}
}

/* ---- calls ---- */

int iam_call(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
	     xmlDoc **ret_doc, xmlNode **ret_result, struct irsa_error *err)
{
	char name[128];
	xmlDoc *doc = NULL;

	if (irsa_aws_query(aws, "iam", IAM_VERSION, action, params, &doc, err) < 0)
		return -1;
	snprintf(name, sizeof(name), "%sResult", action);
	*ret_result = iam_child(xmlDocGetRootElement(doc), name);
	*ret_doc = doc;
	return 0;
}

int iam_call_void(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
		  struct irsa_error *err)
{
	xmlDoc *doc = NULL;
	xmlNode *result;

	if (iam_call(aws, action, params, &doc, &result, err) < 0)
		return -1;
	xmlFreeDoc(doc);
	return 0;
}

int iam_call_field(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
		   const char *parent, const char *field, bool document, char **ret,
		   struct irsa_error *err, const char *subject_fmt, ...)
{
	xmlDoc *doc = NULL;
	xmlNode *result;
	char *value, subject[512];
	va_list ap;

	if (iam_call(aws, action, params, &doc, &result, err) < 0)
		return -1;
	if (parent)
		result = iam_child(result, parent);
	value = document ? iam_child_document(result, field) : iam_child_text(result, field);
	xmlFreeDoc(doc);
	if (!ret || (value && (document || *value))) {
		if (ret)
			*ret = value;
		else
			free(value);
		return 0;
	}
	free(value);
	va_start(ap, subject_fmt);
	vsnprintf(subject, sizeof(subject), subject_fmt, ap);
	va_end(ap);
	return irsa_error_set(err, IRSA_ERR_REMOTE, "iam %s: the answer for %s has no %s", action,
			      subject, field);
}

static void copy_params(struct irsa_params *dst, const struct irsa_params *src)
{
	for (size_t i = 0; src && i < src->n; i++)
		irsa_params_add(dst, src->items[i].key, src->items[i].value);
}

static int list_page(xmlNode *result, const char *list, iam_member_fn fn, void *userdata,
		     struct irsa_error *err)
{
	xmlNode *l = iam_child(result, list);

	for (xmlNode *m = l ? l->children : NULL; m; m = m->next) {
		if (m->type != XML_ELEMENT_NODE || strcmp((const char *)m->name, "member") != 0)
			continue;
		if (fn(m, userdata, err) < 0)
			return -1;
	}
	return 0;
}

int iam_list(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
	     const char *list, iam_member_fn fn, void *userdata, struct irsa_error *err)
{
	_cleanup_free_ char *marker = NULL;

	for (int page = 0; page < IAM_MAX_PAGES; page++) {
		_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
		xmlDoc *doc = NULL;
		xmlNode *result;
		int r;

		copy_params(&p, params);
		if (marker)
			irsa_params_add(&p, "Marker", marker);
		if (iam_call(aws, action, &p, &doc, &result, err) < 0)
			return -1;
		if (!result) {
			xmlFreeDoc(doc);
			return irsa_error_set(err, IRSA_ERR_REMOTE,
					      "iam %s: the answer has no %sResult element", action,
					      action);
		}
		r = list_page(result, list, fn, userdata, err);
		free(marker);
		marker = NULL;
		if (r == 0 && iam_child_bool(result, "IsTruncated"))
			marker = iam_child_text(result, "Marker");
		xmlFreeDoc(doc);
		if (r < 0)
			return -1;
		if (irsa_str_empty(marker))
			return 0;
	}
	return irsa_error_set(err, IRSA_ERR_REMOTE,
			      "iam %s: more than %d pages of results; the Marker never ends", action,
			      IAM_MAX_PAGES);
}

/* ---- OIDC providers ---- */

void irsa_oidc_provider_release(struct irsa_oidc_provider *p)
{
	if (!p)
		return;
	free(p->arn);
	free(p->url);
	irsa_strlist_release(&p->client_ids);
	irsa_strlist_release(&p->thumbprints);
	irsa_tags_release(&p->tags);
	memset(p, 0, sizeof(*p));
}

static int collect_provider_arn(xmlNode *member, void *userdata, struct irsa_error *err)
{
	_cleanup_free_ char *arn = iam_child_text(member, "Arn");

	if (arn)
		irsa_strlist_add(userdata, arn);
	return 0;
}

int irsa_iam_list_oidc_providers(struct irsa_aws *aws, struct irsa_strlist *ret_arns,
				 struct irsa_error *err)
{
	struct irsa_strlist arns = { 0 };

	if (iam_list(aws, "ListOpenIDConnectProviders", NULL, "OpenIDConnectProviderList",
		     collect_provider_arn, &arns, err) < 0) {
		irsa_strlist_release(&arns);
		return -1;
	}
	*ret_arns = arns;
	return 0;
}

int iam_oidc_provider_result(xmlDoc *doc, xmlNode *result, const char *arn,
			     struct irsa_oidc_provider *ret, struct irsa_error *err)
{
	struct irsa_oidc_provider prov = { 0 };

	if (!result) {
		xmlFreeDoc(doc);
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "iam GetOpenIDConnectProvider: the answer for '%s' has no result",
				      arn);
	}
	prov.arn = irsa_strdup(arn);
	prov.url = iam_child_text(result, "Url");
	iam_parse_strlist(iam_child(result, "ClientIDList"), &prov.client_ids);
	iam_parse_strlist(iam_child(result, "ThumbprintList"), &prov.thumbprints);
	iam_parse_tags(iam_child(result, "Tags"), &prov.tags);
	xmlFreeDoc(doc);
	if (!prov.url)
		prov.url = irsa_strdup("");
	*ret = prov;
	return 0;
}

int irsa_iam_get_oidc_provider(struct irsa_aws *aws, const char *arn,
			       struct irsa_oidc_provider *ret, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;
	xmlDoc *doc = NULL;
	xmlNode *result;

	irsa_params_add(&p, "OpenIDConnectProviderArn", arn);
	if (iam_call(aws, "GetOpenIDConnectProvider", &p, &doc, &result, err) < 0)
		return -1;
	return iam_oidc_provider_result(doc, result, arn, ret, err);
}

int irsa_iam_create_oidc_provider(struct irsa_aws *aws, const char *url,
				  const struct irsa_strlist *client_ids,
				  const struct irsa_strlist *thumbprints,
				  const struct irsa_tags *tags, char **ret_arn,
				  struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "Url", url);
	iam_params_strlist(&p, "ClientIDList", client_ids);
	iam_params_strlist(&p, "ThumbprintList", thumbprints);
	iam_params_tags(&p, "Tags", tags);
	return iam_call_field(aws, "CreateOpenIDConnectProvider", &p, NULL,
			      "OpenIDConnectProviderArn", false, ret_arn, err, "'%s'", url);
}

int irsa_iam_add_client_id(struct irsa_aws *aws, const char *arn, const char *client_id,
			   struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "OpenIDConnectProviderArn", arn);
	irsa_params_add(&p, "ClientID", client_id);
	return iam_call_void(aws, "AddClientIDToOpenIDConnectProvider", &p, err);
}

int irsa_iam_update_thumbprints(struct irsa_aws *aws, const char *arn,
				const struct irsa_strlist *thumbprints, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "OpenIDConnectProviderArn", arn);
	iam_params_strlist(&p, "ThumbprintList", thumbprints);
	return iam_call_void(aws, "UpdateOpenIDConnectProviderThumbprint", &p, err);
}

int irsa_iam_delete_oidc_provider(struct irsa_aws *aws, const char *arn,
				  struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "OpenIDConnectProviderArn", arn);
	return iam_call_void(aws, "DeleteOpenIDConnectProvider", &p, err);
}

int irsa_iam_tag_oidc_provider(struct irsa_aws *aws, const char *arn,
			       const struct irsa_tags *tags, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params p = IRSA_PARAMS_INIT;

	irsa_params_add(&p, "OpenIDConnectProviderArn", arn);
	iam_params_tags(&p, "Tags", tags);
	return iam_call_void(aws, "TagOpenIDConnectProvider", &p, err);
}
