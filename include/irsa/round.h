#pragma once
/* A round of reads: IAM, STS and EKS reads that do not depend on each
 * other, sent together through the AWS core's batch path (libcurl multi,
 * at most irsa_aws_concurrency() in flight, sharing the session's
 * connections and retry quota), so that a command waits for the slowest
 * of them instead of their sum.
 *
 * The domain adds typed reads, runs the round, and finds each answer
 * decoded where it asked for it, with its own error (kind 0 when it
 * succeeded), exactly as the one-at-a-time call (iam.h, eks.h, sts.h)
 * would have given it. A List read whose answer is truncated follows its
 * Marker before irsa_round_run() returns (one more batch with only those
 * pages). A round is used again after a run: add the next reads, run.
 *
 * Outputs are zeroed when the read is added, must stay where they are
 * until the run, and belong to the caller afterwards (released as the
 * one-at-a-time call's). Strings given are copied. */
#include <stddef.h>

#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/error.h"
#include "irsa/iam.h"
#include "irsa/strlist.h"
#include "irsa/sts.h"

struct irsa_round;

struct irsa_round *irsa_round_new(struct irsa_aws *aws);
struct irsa_round *irsa_round_free(struct irsa_round *r);
static inline void irsa_round_freep(struct irsa_round **r) { irsa_round_free(*r); }

/* EKS DescribeCluster (IRSA_ERR_NOT_FOUND naming the cluster and region). */
void irsa_round_describe_cluster(struct irsa_round *r, const char *name,
				 struct irsa_eks_cluster *ret, struct irsa_error *err);
/* STS GetCallerIdentity with the session's credentials. */
void irsa_round_get_caller_identity(struct irsa_round *r, struct irsa_caller_identity *ret,
				    struct irsa_error *err);
/* IAM ListOpenIDConnectProviders: the ARNs. */
void irsa_round_list_oidc_providers(struct irsa_round *r, struct irsa_strlist *ret_arns,
				    struct irsa_error *err);
/* IAM GetOpenIDConnectProvider (IRSA_ERR_NOT_FOUND when absent). */
void irsa_round_get_oidc_provider(struct irsa_round *r, const char *arn,
				  struct irsa_oidc_provider *ret, struct irsa_error *err);
/* IAM GetRole, with the role's tags (IRSA_ERR_NOT_FOUND when absent). */
void irsa_round_get_role(struct irsa_round *r, const char *name, struct irsa_role *ret,
			 struct irsa_error *err);
/* IAM ListAttachedRolePolicies, every page. */
void irsa_round_list_attached_role_policies(struct irsa_round *r, const char *role_name,
					    struct irsa_attached_policy **ret, size_t *ret_n,
					    struct irsa_error *err);
/* IAM ListRolePolicies, every page: the inline policies' names. */
void irsa_round_list_role_policies(struct irsa_round *r, const char *role_name,
				   struct irsa_strlist *ret_names, struct irsa_error *err);
/* IAM GetRolePolicy: the decoded document. */
void irsa_round_get_role_policy(struct irsa_round *r, const char *role_name, const char *name,
				char **ret_document, struct irsa_error *err);

/* How many reads wait for the next run. */
size_t irsa_round_pending(const struct irsa_round *r);
/* Send every pending read at once and decode the answers (each read's
 * outcome in its err); nothing is sent when none is pending. Returns the
 * number of batches sent: 0, 1, or more when a list had further pages. */
unsigned irsa_round_run(struct irsa_round *r);
/* Batches sent by this round object so far (for --debug and tests). */
unsigned irsa_round_batches(const struct irsa_round *r);
