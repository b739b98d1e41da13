#pragma once
/* Reading a role in rounds (round.h), so that the reads a command makes
 * besides (its clusters, its OIDC providers) share them:
 *   1. GetRole (with the tags); a role IAM says is absent is read no further;
 *   2. ListAttachedRolePolicies and ListRolePolicies;
 *   3. GetRolePolicy of each inline policy whose name starts with the
 *      read prefix (none without one).
 * Errors are taken in that order, as irsa_role_read() made them one after
 * the other. A command drives the reader:
 *
 *     while (irsa_role_reader_add(&rd, round)) {
 *             ... add its own reads of this round ...
 *             irsa_round_run(round);
 *             if (irsa_role_reader_take(&rd, err) < 0) ...
 *     }
 *     irsa_role_reader_finish(&rd, &state);
 */
#include <stdbool.h>

#include "irsa/error.h"
#include "irsa/role.h"
#include "irsa/round.h"

enum irsa_role_read_stage {
	IRSA_ROLE_READ_ROLE,
	IRSA_ROLE_READ_LISTS,
	IRSA_ROLE_READ_DOCUMENTS,
	IRSA_ROLE_READ_DONE,
};

struct irsa_role_reader {
	char *role_name;
	char *read_prefix;                /* NULL: no document */
	enum irsa_role_read_stage next;   /* what add() sends */
	enum irsa_role_read_stage sent;   /* what take() takes */
	struct irsa_role_state state;
	struct irsa_error role_err, attached_err, names_err;
	struct irsa_error *doc_errs;      /* per inline policy name */
};

void irsa_role_reader_init(struct irsa_role_reader *rd, const char *role_name,
			   const char *read_prefix);
void irsa_role_reader_release(struct irsa_role_reader *rd);
/* Adds the reads of the next stage to round: false (nothing added) when
 * the role is read. */
bool irsa_role_reader_add(struct irsa_role_reader *rd, struct irsa_round *round);
/* After the round ran: takes what the stage read in; -1 with err when a
 * read failed (the reader is then done). */
int irsa_role_reader_take(struct irsa_role_reader *rd, struct irsa_error *err);
bool irsa_role_reader_done(const struct irsa_role_reader *rd);
/* Moves the state read into ret and releases the reader. */
void irsa_role_reader_finish(struct irsa_role_reader *rd, struct irsa_role_state *ret);

/* create-role's plan against a role already read (irsa_create_role_read()
 * in request.h reads it in the rounds of the request's resolution): as
 * irsa_role_plan_apply(), reading only the customer-managed policies the
 * request asks for (irsa_role_read_managed_policies(), into state). */
int irsa_role_plan_apply_state(struct irsa_aws *aws, const struct irsa_role_request *req,
			       struct irsa_role_state *state, struct irsa_role_plan *ret,
			       struct irsa_error *err);
/* irsa_role_plan_delete() and irsa_role_plan_remove() (role.h) against
 * a state already read (read_prefix NULL: no document is needed). */
int irsa_role_plan_delete_state(struct irsa_aws *aws, const char *role_name, bool force,
				const struct irsa_role_state *state, struct irsa_role_plan *ret,
				struct irsa_error *err);
int irsa_role_plan_remove_state(struct irsa_aws *aws, const char *role_name, const char *issuer,
				const struct irsa_subject *subjects, size_t n_subjects,
				const struct irsa_role_state *state, struct irsa_role_plan *ret,
				struct irsa_error *err);
