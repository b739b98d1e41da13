#pragma once
/* AWS Query (IAM, STS) answers for the service modules: the session call
 * that returns the parsed XML, and (xml.h) the helpers that read it. Private to
 * libirsa: libxml2 stays inside src/ (nothing in include/ mentions it). */
#include <stddef.h>

#include <libxml/tree.h>

#include "irsa/aws.h"
#include "irsa/error.h"
#include "irsa/params.h"
#include "client.h"
#include "xml.h"

/* Call an AWS Query API (IAM, STS) with the session's credentials: POST
 * form Action/Version/params, signed, retried by the standard retry
 * mode, error answers decoded into err (code, message, status, request
 * id). On success *ret_doc is the parsed XML answer (xmlFreeDoc).
 * version: "2010-05-08" (IAM), "2011-06-15" (STS). */
int irsa_aws_query(struct irsa_aws *aws, const char *service, const char *version,
		   const char *action, const struct irsa_params *params, xmlDoc **ret_doc,
		   struct irsa_error *err);
/* The same through the session's client, signed with creds instead of the
 * session's credentials; creds NULL sends it unsigned
 * (AssumeRoleWithWebIdentity). For irsactl verify's live check. */
int irsa_aws_query_as(struct irsa_aws *aws, const struct irsa_credentials *creds,
		      const char *service, const char *version, const char *action,
		      const struct irsa_params *params, xmlDoc **ret_doc, struct irsa_error *err);

/* Several Query calls at once (struct irsa_aws_query_call in client.h),
 * at most irsa_aws_set_concurrency() in flight, sharing the session's
 * connections and retry quota; each call gets its own outcome. 0 when
 * all succeeded, -1 otherwise (err: the credentials failure, or the
 * first call's failure). */
int irsa_aws_query_many(struct irsa_aws *aws, struct irsa_aws_query_call *calls, size_t n,
			struct irsa_error *err);
/* Query and REST-JSON calls in one batch (the two kinds of
 * irsa_aws_query_many() and irsa_aws_json_many() at once), for a round
 * of reads that mixes IAM or STS with EKS. The same outcomes and return. */
int irsa_aws_call_many(struct irsa_aws *aws, struct irsa_aws_query_call *queries, size_t n_queries,
		       struct irsa_aws_json_call *jsons, size_t n_jsons, struct irsa_error *err);
