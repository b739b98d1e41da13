#pragma once
/* XML answers of the AWS Query APIs: parsing under limits, and reading.
 * Private to libirsa (libxml2 stays inside src/). */
#include <stddef.h>

#include <libxml/tree.h>

#include "irsa/error.h"
#include "irsa/macro.h"

/* Limits on what a server's XML answer may be. */
#define IRSA_XML_MAX_DEPTH 32

/* Parse an XML answer: no network, no DTD (a document type declaration
 * is refused before it is read, so no entity is ever declared or
 * expanded), at most IRSA_XML_MAX_DEPTH levels of elements. -1 with err
 * (IRSA_ERR_REMOTE, "the answer ...") otherwise; `what` starts the
 * message ("sts GetCallerIdentity"). */
int irsa_xml_parse(const char *data, size_t len, const char *what, xmlDoc **ret_doc,
		   struct irsa_error *err);

/* The first element named `name` at or under node or its following
 * siblings (depth first, namespace ignored), NULL if none. */
xmlNode *irsa_xml_find(xmlNode *node, const char *name);
/* The text content of n (malloc'd), NULL when n is NULL. */
char *irsa_xml_text(xmlNode *n);
/* irsa_xml_text(irsa_xml_find(node, name)). */
char *irsa_xml_find_text(xmlNode *node, const char *name);
/* For _cleanup_xml_doc_ xmlDoc *doc = NULL. */
static inline void irsa_xml_docp_free(xmlDoc **d) { if (*d) xmlFreeDoc(*d); }
#define _cleanup_xml_doc_ _cleanup_(irsa_xml_docp_free)
