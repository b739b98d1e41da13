/* XML answers of the AWS Query APIs, parsed with libxml2 under limits a
 * server cannot push: no DTD (hence no entities to expand), no network,
 * bounded nesting; the body size is bounded by the HTTP layer. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "irsa/strutil.h"
#include "xml.h"

/* SAX internalSubset handler: the parser met <!DOCTYPE; stop before it
 * reads any declaration. */
static void refuse_dtd(void *userdata, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = userdata;

	ctxt->_private = (void *)refuse_dtd; /* marks "DTD seen" */
	xmlStopParser(ctxt);
}

static bool too_deep(const xmlNode *n, int depth)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (depth > IRSA_XML_MAX_DEPTH || too_deep(n->children, depth + 1))
			return true;
	}
	return false;
}

int irsa_xml_parse(const char *data, size_t len, const char *what, xmlDoc **ret_doc,
		   struct irsa_error *err)
{
	xmlParserCtxtPtr ctxt;
	xmlDoc *doc;
	bool dtd, well_formed;

	if (len == 0 || len > (size_t)INT32_MAX)
		return irsa_error_set(err, IRSA_ERR_REMOTE, "%s: the answer is empty or too large",
				      what);
	ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
	if (!ctxt)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "%s: cannot create an XML parser", what);
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ctxt->sax->internalSubset = refuse_dtd;
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	dtd = ctxt->_private == (void *)refuse_dtd;
	well_formed = ctxt->wellFormed;
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);
	if (dtd || !well_formed || !doc || !xmlDocGetRootElement(doc)) {
		if (doc)
			xmlFreeDoc(doc);
		if (dtd)
			return irsa_error_set(err, IRSA_ERR_REMOTE,
					      "%s: the answer has a document type declaration, which "
					      "AWS answers never have; refusing it", what);
		return irsa_error_set(err, IRSA_ERR_REMOTE, "%s: the answer is not valid XML", what);
	}
	if (too_deep(xmlDocGetRootElement(doc), 1)) {
		xmlFreeDoc(doc);
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "%s: the answer nests elements deeper than %d levels; refusing it",
				      what, IRSA_XML_MAX_DEPTH);
	}
	*ret_doc = doc;
	return 0;
}

xmlNode *irsa_xml_find(xmlNode *node, const char *name)
{
	for (xmlNode *n = node; n; n = n->next) {
		xmlNode *found;

		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
		found = irsa_xml_find(n->children, name);
		if (found)
			return found;
	}
	return NULL;
}

char *irsa_xml_text(xmlNode *n)
{
	xmlChar *content;
	char *s;

	if (!n)
		return NULL;
	content = xmlNodeGetContent(n);
	s = irsa_strdup(content ? (const char *)content : "");
	xmlFree(content);
	return s;
}

char *irsa_xml_find_text(xmlNode *node, const char *name)
{
	return irsa_xml_text(irsa_xml_find(node, name));
}
