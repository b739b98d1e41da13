#pragma once
/* Private to the STS service (sts.c), shared with round.c, which sends
 * GetCallerIdentity in a round of reads. */
#include "src/aws/query.h"

#include "irsa/sts.h"

#define STS_VERSION "2011-06-15"

/* The GetCallerIdentity answer into ret (frees doc). IRSA_ERR_REMOTE for
 * an answer without Account or Arn. */
int sts_caller_identity_result(xmlDoc *doc, struct irsa_caller_identity *ret,
			       struct irsa_error *err);
