#pragma once
/* What role.c and role_policies.c share (not public). */
#include "irsa/role.h"

/* Plan the customer-managed policies of req (create, or new default
 * version) against state->policies; plan->customer_managed gets each
 * one's document. Before the attachments are planned. */
int irsa_role_plan_customer_policies(const struct irsa_role_request *req,
				     const struct irsa_role_state *state,
				     struct irsa_role_plan *plan, struct irsa_error *err);
/* Run one of the IRSA_ROLE_*_POLICY* actions. */
int irsa_role_run_policy_action(struct irsa_role_plan *plan, struct irsa_plan_action *a,
				struct irsa_error *err);
