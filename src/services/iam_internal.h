#pragma once
/* Private helpers shared by the IAM service files (iam.c, iam_role.c,
 * iam_policy.c): calling the Query API, reading its XML answers, and
 * building list/tag parameters the way botocore serialises them. */
#include <stdbool.h>
#include "src/aws/query.h"

#include "irsa/iam.h"
#include "irsa/params.h"

#define IAM_VERSION "2010-05-08"

/* The direct child element `name` of parent, or NULL. */
xmlNode *iam_child(xmlNode *parent, const char *name);
/* Its text (malloc'd), or NULL when there is no such child. */
char *iam_child_text(xmlNode *parent, const char *name);
/* Its text percent-decoded (IAM URL-encodes policy documents). */
char *iam_child_document(xmlNode *parent, const char *name);
bool iam_child_bool(xmlNode *parent, const char *name);
int iam_child_int(xmlNode *parent, const char *name, int fallback);

/* One call; *ret_result is the <ACTIONResult> element (NULL for actions
 * that answer with metadata only). Free *ret_doc with xmlFreeDoc. */
int iam_call(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
	     xmlDoc **ret_doc, xmlNode **ret_result, struct irsa_error *err);
/* One call whose answer is one field of the result (of its child element
 * `parent`, when not NULL): its text (document false; empty counts as
 * missing) or its percent-decoded document. *ret gets it (malloc'd); ret
 * NULL: the field is not needed. A missing field is IRSA_ERR_REMOTE
 * "iam ACTION: the answer for SUBJECT has no FIELD", SUBJECT formatted
 * from subject_fmt ("'%s' version '%s'"). */
int iam_call_field(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
		   const char *parent, const char *field, bool document, char **ret,
		   struct irsa_error *err, const char *subject_fmt, ...) _printf_(9, 10);
/* The same, for actions whose answer is not used. */
int iam_call_void(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
		  struct irsa_error *err);

/* A List call: follows Marker/IsTruncated and calls fn for each <member>
 * of the list element `list` of every page. fn returns 0 or -1 (abort). */
typedef int (*iam_member_fn)(xmlNode *member, void *userdata, struct irsa_error *err);
int iam_list(struct irsa_aws *aws, const char *action, const struct irsa_params *params,
	     const char *list, iam_member_fn fn, void *userdata, struct irsa_error *err);

/* PREFIX.member.N = item (N from 1). */
void iam_params_strlist(struct irsa_params *p, const char *prefix, const struct irsa_strlist *l);
/* PREFIX.member.N.Key / .Value. */
void iam_params_tags(struct irsa_params *p, const char *prefix, const struct irsa_tags *t);
/* The <member><Key/><Value/></member> list under node into t. */
void iam_parse_tags(xmlNode *node, struct irsa_tags *t);
/* A <Role> element (GetRole, CreateRole, a ListRoles member, a
 * RoleDetailList member) into r. */
void iam_parse_role(xmlNode *node, struct irsa_role *r);
/* CreateRole's parameters for spec. */
void iam_params_create_role(struct irsa_params *p, const struct irsa_role_spec *spec);
/* The <member> texts under node into l. */
void iam_parse_strlist(xmlNode *node, struct irsa_strlist *l);
/* The answers of GetRole / CreateRole (result: <ACTIONResult>) and of
 * GetOpenIDConnectProvider into ret; both free doc. IRSA_ERR_REMOTE for
 * an answer without what it must have. */
int iam_role_result(xmlDoc *doc, xmlNode *result, const char *action, const char *name,
		    struct irsa_role *ret, struct irsa_error *err);
int iam_oidc_provider_result(xmlDoc *doc, xmlNode *result, const char *arn,
			     struct irsa_oidc_provider *ret, struct irsa_error *err);
