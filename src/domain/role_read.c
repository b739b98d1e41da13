/* Reading a role in rounds (role_read.h), and irsa_role_read() (role.h)
 * on top of it. */
#include <stdlib.h>
#include <string.h>

#include "irsa/role_read.h"
#include "irsa/strutil.h"

void irsa_role_reader_init(struct irsa_role_reader *rd, const char *role_name,
			   const char *read_prefix)
{
	memset(rd, 0, sizeof(*rd));
	rd->role_name = irsa_strdup(role_name);
	rd->read_prefix = read_prefix ? irsa_strdup(read_prefix) : NULL;
	rd->next = IRSA_ROLE_READ_ROLE;
	rd->sent = IRSA_ROLE_READ_DONE;
}

void irsa_role_reader_release(struct irsa_role_reader *rd)
{
	if (!rd)
		return;
	free(rd->role_name);
	free(rd->read_prefix);
	free(rd->doc_errs);
	irsa_role_state_release(&rd->state);
	memset(rd, 0, sizeof(*rd));
	rd->next = rd->sent = IRSA_ROLE_READ_DONE;
}

static bool wants_document(const struct irsa_role_reader *rd, const char *name)
{
	return rd->read_prefix && irsa_str_has_prefix(name, rd->read_prefix);
}

bool irsa_role_reader_add(struct irsa_role_reader *rd, struct irsa_round *round)
{
	struct irsa_role_state *s = &rd->state;

	switch (rd->next) {
	case IRSA_ROLE_READ_ROLE:
		irsa_round_get_role(round, rd->role_name, &s->role, &rd->role_err);
		break;
	case IRSA_ROLE_READ_LISTS:
		irsa_round_list_attached_role_policies(round, rd->role_name, &s->attached,
						       &s->n_attached, &rd->attached_err);
		irsa_round_list_role_policies(round, rd->role_name, &s->inline_names,
					      &rd->names_err);
		break;
	case IRSA_ROLE_READ_DOCUMENTS:
		for (size_t i = 0; i < s->inline_names.n; i++)
			if (wants_document(rd, s->inline_names.items[i]))
				irsa_round_get_role_policy(round, rd->role_name,
							   s->inline_names.items[i],
							   &s->inline_docs[i], &rd->doc_errs[i]);
		break;
	case IRSA_ROLE_READ_DONE:
		return false;
	}
	rd->sent = rd->next;
	rd->next = IRSA_ROLE_READ_DONE;
	return true;
}

static int failed(struct irsa_role_reader *rd, const struct irsa_error *e, struct irsa_error *err)
{
	if (!e->kind)
		return 0;
	if (err)
		*err = *e;
	rd->next = IRSA_ROLE_READ_DONE;
	return -1;
}

static int take_role(struct irsa_role_reader *rd, struct irsa_error *err)
{
	if (rd->role_err.kind == IRSA_ERR_NOT_FOUND) {
		irsa_role_release(&rd->state.role);
		rd->state.exists = false;
		return 0; /* absent: nothing more to read */
	}
	if (failed(rd, &rd->role_err, err) < 0)
		return -1;
	rd->state.exists = true;
	rd->next = IRSA_ROLE_READ_LISTS;
	return 0;
}

static int take_lists(struct irsa_role_reader *rd, struct irsa_error *err)
{
	struct irsa_role_state *s = &rd->state;

	if (failed(rd, &rd->attached_err, err) < 0 || failed(rd, &rd->names_err, err) < 0)
		return -1;
	s->inline_docs = irsa_malloc0((s->inline_names.n + 1) * sizeof(char *));
	rd->doc_errs = irsa_malloc0((s->inline_names.n + 1) * sizeof(*rd->doc_errs));
	for (size_t i = 0; i < s->inline_names.n; i++)
		if (wants_document(rd, s->inline_names.items[i]))
			rd->next = IRSA_ROLE_READ_DOCUMENTS;
	return 0;
}

int irsa_role_reader_take(struct irsa_role_reader *rd, struct irsa_error *err)
{
	enum irsa_role_read_stage sent = rd->sent;

	rd->sent = IRSA_ROLE_READ_DONE;
	switch (sent) {
	case IRSA_ROLE_READ_ROLE:
		return take_role(rd, err);
	case IRSA_ROLE_READ_LISTS:
		return take_lists(rd, err);
	case IRSA_ROLE_READ_DOCUMENTS:
		for (size_t i = 0; i < rd->state.inline_names.n; i++)
			if (failed(rd, &rd->doc_errs[i], err) < 0)
				return -1;
		return 0;
	case IRSA_ROLE_READ_DONE:
		break;
	}
	return 0;
}

bool irsa_role_reader_done(const struct irsa_role_reader *rd)
{
	return rd->next == IRSA_ROLE_READ_DONE && rd->sent == IRSA_ROLE_READ_DONE;
}

void irsa_role_reader_finish(struct irsa_role_reader *rd, struct irsa_role_state *ret)
{
	*ret = rd->state;
	memset(&rd->state, 0, sizeof(rd->state));
	irsa_role_reader_release(rd);
}

int irsa_role_read(struct irsa_aws *aws, const char *role_name, const char *read_prefix,
		   struct irsa_role_state *ret, struct irsa_error *err)
{
	_cleanup_(irsa_round_freep) struct irsa_round *round = irsa_round_new(aws);
	struct irsa_role_reader rd;

	irsa_role_reader_init(&rd, role_name, read_prefix);
	while (irsa_role_reader_add(&rd, round)) {
		irsa_round_run(round);
		if (irsa_role_reader_take(&rd, err) < 0) {
			irsa_role_reader_release(&rd);
			return -1;
		}
	}
	irsa_role_reader_finish(&rd, ret);
	return 0;
}

int irsa_role_plan_apply_state(struct irsa_aws *aws, const struct irsa_role_request *req,
			       struct irsa_role_state *state, struct irsa_role_plan *ret,
			       struct irsa_error *err)
{
	if (irsa_role_read_managed_policies(aws, req, state, err) < 0 ||
	    irsa_role_plan_apply_compute(req, state, ret, err) < 0)
		return -1;
	ret->aws = aws;
	return 0;
}
