/* The shared plan: actions, notes, execution and the report (plan.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/plan.h"
#include "irsa/strutil.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

const char *irsa_plan_status_name(enum irsa_plan_status s, bool done)
{
	switch (s) {
	case IRSA_PLAN_CREATE:
		return done ? "created" : "create";
	case IRSA_PLAN_UPDATE:
		return done ? "updated" : "update";
	case IRSA_PLAN_DELETE:
		return done ? "deleted" : "delete";
	case IRSA_PLAN_ABSENT:
		return "absent";
	case IRSA_PLAN_UNCHANGED:
		break;
	}
	return "unchanged";
}

void irsa_plan_init(struct irsa_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	plan->subject = json_object();
	plan->result = json_object();
}

static void action_release(struct irsa_plan_action *a)
{
	free(a->verb);
	free(a->object);
	free(a->target);
	free(a->details);
	json_decref(a->document);
	json_decref(a->before);
	free(a->text_before);
	free(a->text_after);
	json_decref(a->changes);
}

void irsa_plan_release(struct irsa_plan *plan)
{
	if (!plan)
		return;
	free(plan->label);
	free(plan->where);
	json_decref(plan->subject);
	json_decref(plan->result);
	json_decref(plan->objects);
	irsa_strlist_release(&plan->object_labels);
	free(plan->object_status);
	for (size_t i = 0; i < plan->n_actions; i++)
		action_release(&plan->actions[i]);
	free(plan->actions);
	irsa_strlist_release(&plan->notes);
	irsa_strlist_release(&plan->warnings);
	memset(plan, 0, sizeof(*plan));
}

static char *dup_or_null(const char *s)
{
	return s ? irsa_strdup(s) : NULL;
}

struct irsa_plan_action *irsa_plan_add(struct irsa_plan *plan, int op, const char *verb,
				       const char *object, const char *target,
				       const char *details, const json_t *document)
{
	struct irsa_plan_action *a;

	plan->actions = irsa_realloc(plan->actions, (plan->n_actions + 1) * sizeof(*a));
	a = &plan->actions[plan->n_actions++];
	memset(a, 0, sizeof(*a));
	a->op = op;
	a->verb = irsa_strdup(verb);
	a->object = dup_or_null(object);
	a->target = dup_or_null(target);
	a->details = dup_or_null(details);
	a->document = json_incref((json_t *)document);
	return a;
}

void irsa_plan_action_change(struct irsa_plan_action *a, const char *field, json_t *from,
			     json_t *to)
{
	if (!a->changes)
		a->changes = json_object();
	json_object_set_new(a->changes, field,
			    json_pack("{s:o, s:o}", "from", from ? from : json_null(), "to",
				      to ? to : json_null()));
}

_printf_(2, 0)
static void add_line(struct irsa_strlist *l, const char *fmt, va_list ap)
{
	char *s = irsa_vasprintf(fmt, ap);

	irsa_strlist_add(l, s);
	free(s);
}

void irsa_plan_note(struct irsa_plan *plan, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&plan->notes, fmt, ap);
	va_end(ap);
}

void irsa_plan_warn(struct irsa_plan *plan, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&plan->warnings, fmt, ap);
	va_end(ap);
}

static enum irsa_plan_status combine(enum irsa_plan_status a, enum irsa_plan_status b)
{
	if (a == IRSA_PLAN_UNCHANGED || a == IRSA_PLAN_ABSENT)
		return b == IRSA_PLAN_UNCHANGED ? a : b;
	if (b == IRSA_PLAN_UNCHANGED || b == IRSA_PLAN_ABSENT || a == b)
		return a;
	return IRSA_PLAN_UPDATE;
}

static json_t *object_summary(const struct irsa_plan *p)
{
	json_t *o = json_deep_copy(p->subject);

	json_object_set_new(o, "status", json_string(irsa_plan_status_name(p->status, false)));
	return o;
}

void irsa_plan_absorb(struct irsa_plan *dst, struct irsa_plan *src)
{
	if (!dst->objects)
		dst->objects = json_array();
	json_array_append_new(dst->objects, object_summary(src));
	irsa_strlist_add(&dst->object_labels, src->label ? src->label : "");
	dst->object_status = irsa_realloc(dst->object_status, dst->object_labels.n *
							      sizeof(*dst->object_status));
	dst->object_status[dst->object_labels.n - 1] = src->status;
	dst->status = combine(dst->status, src->status);
	if (src->n_actions) {
		dst->actions = irsa_realloc(dst->actions, (dst->n_actions + src->n_actions) *
							  sizeof(*dst->actions));
		memcpy(dst->actions + dst->n_actions, src->actions,
		       src->n_actions * sizeof(*src->actions));
		dst->n_actions += src->n_actions;
		free(src->actions);
		src->actions = NULL;
		src->n_actions = 0;
		if (!dst->run) {
			dst->run = src->run;
			dst->data = src->data;
		}
	}
	for (size_t i = 0; i < src->notes.n; i++)
		irsa_strlist_add(&dst->notes, src->notes.items[i]);
	for (size_t i = 0; i < src->warnings.n; i++)
		irsa_strlist_add(&dst->warnings, src->warnings.items[i]);
	irsa_strlist_release(&src->notes);
	irsa_strlist_release(&src->warnings);
}

/* ---- execution ---- */

static void describe(struct irsa_buf *b, const struct irsa_plan_action *a)
{
	irsa_buf_printf(b, "%s '%s'", a->verb, a->target ? a->target : a->object ? a->object : "");
}

/* "VERB 'TARGET': MESSAGE", and after earlier actions "; already done:
 * ...; run the same command again to complete the rest". The message is
 * rewritten in place so the error's kind and codes are kept. */
void irsa_plan_explain_failure(const struct irsa_plan *plan, size_t failed,
			       struct irsa_error *err)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	if (!err)
		return;
	describe(&b, &plan->actions[failed]);
	irsa_buf_printf(&b, ": %s", err->message);
	if (failed > 0) {
		irsa_buf_puts(&b, "; already done: ");
		for (size_t i = 0; i < failed; i++) {
			if (i)
				irsa_buf_puts(&b, ", ");
			describe(&b, &plan->actions[i]);
		}
		irsa_buf_puts(&b, "; run the same command again to complete the rest");
	}
	snprintf(err->message, sizeof(err->message), "%s", irsa_buf_str(&b));
	if (err->kind == IRSA_ERR_NONE)
		err->kind = IRSA_ERR_INTERNAL;
	irsa_buf_release(&b);
}

int irsa_plan_execute(struct irsa_plan *plan, irsa_plan_progress_fn progress, void *userdata,
		      struct irsa_error *err)
{
	for (size_t i = 0; i < plan->n_actions; i++) {
		struct irsa_plan_action *a = &plan->actions[i];

		if (a->done)
			continue;
		if (!plan->run)
			return irsa_error_set(err, IRSA_ERR_INTERNAL, "plan without an executor");
		if (progress)
			progress(userdata, a);
		if (plan->run(plan, a, err) < 0) {
			irsa_plan_explain_failure(plan, i, err);
			return -1;
		}
		a->done = true;
	}
	plan->executed = true;
	return 0;
}

/* ---- report ---- */

static json_t *strlist_json(const struct irsa_strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->items[i]));
	return a;
}

static json_t *action_json(const struct irsa_plan_action *a)
{
	json_t *o = json_pack("{s:s}", "verb", a->verb);
	char *diff = NULL;

	if (a->object)
		json_object_set_new(o, "object", json_string(a->object));
	json_object_set_new(o, "target", a->target ? json_string(a->target) : json_null());
	if (a->details)
		json_object_set_new(o, "details", json_string(a->details));
	if (a->changes)
		json_object_set(o, "changes", a->changes);
	if (a->document)
		json_object_set(o, "document", a->document);
	if (a->before)
		diff = irsa_json_diff(a->before, a->document);
	else if (a->text_after)
		diff = irsa_text_diff(a->text_before ? a->text_before : "", a->text_after,
				      a->text_before ? "before" : "/dev/null", "after");
	if (diff)
		json_object_set_new(o, "diff", json_string(diff));
	free(diff);
	json_object_set_new(o, "done", json_boolean(a->done));
	return o;
}

json_t *irsa_plan_to_json(const struct irsa_plan *plan)
{
	json_t *out = json_deep_copy(plan->subject);
	json_t *actions = json_array();
	const char *key;
	json_t *v;

	if (!out)
		out = json_object();
	for (size_t i = 0; i < plan->n_actions; i++)
		json_array_append_new(actions, action_json(&plan->actions[i]));
	json_object_set_new(out, "status",
			    json_string(irsa_plan_status_name(plan->status, plan->executed)));
	json_object_set_new(out, "dry_run", json_boolean(!plan->executed));
	json_object_set_new(out, "actions", actions);
	json_object_foreach(plan->result, key, v)
		json_object_set(out, key, v);
	if (plan->objects)
		json_object_set(out, "objects", plan->objects);
	json_object_set_new(out, "notes", strlist_json(&plan->notes));
	json_object_set_new(out, "warnings", strlist_json(&plan->warnings));
	return out;
}

/* ---- diffs ---- */

struct lines {
	char **items;
	size_t n;
};

static void split_lines(const char *text, struct lines *l)
{
	const char *p = text;

	l->items = NULL;
	l->n = 0;
	while (*p) {
		size_t len = strcspn(p, "\n");

		l->items = irsa_realloc(l->items, (l->n + 1) * sizeof(char *));
		l->items[l->n++] = irsa_strndup(p, len);
		p += len + (p[len] == '\n');
	}
}

static void lines_release(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
}

struct edit {
	char kind; /* ' ', '-', '+' */
	size_t a, b; /* line indexes (0-based) in old and new before this edit */
	const char *text;
};

#define DIFF_MAX_LINES 5000 /* beyond this, every line is shown as changed */
#define DIFF_CONTEXT 3

/* The edit script from the longest common subsequence of lines. */
static struct edit *edit_script(const struct lines *a, const struct lines *b, size_t *ret_n)
{
	size_t n = a->n, m = b->n, k = 0, i = 0, j = 0;
	struct edit *e = irsa_malloc0((n + m + 1) * sizeof(*e));
	unsigned *lcs = NULL;

	if (n <= DIFF_MAX_LINES && m <= DIFF_MAX_LINES) {
		lcs = irsa_malloc0((n + 1) * (m + 1) * sizeof(*lcs));
		for (size_t x = n; x-- > 0;)
			for (size_t y = m; y-- > 0;)
				lcs[x * (m + 1) + y] =
					strcmp(a->items[x], b->items[y]) == 0
						? lcs[(x + 1) * (m + 1) + y + 1] + 1
						: MAX(lcs[(x + 1) * (m + 1) + y], lcs[x * (m + 1) + y + 1]);
	}
	while (i < n || j < m) {
		if (lcs && i < n && j < m && strcmp(a->items[i], b->items[j]) == 0) {
			e[k++] = (struct edit){ ' ', i, j, a->items[i] };
			i++, j++;
		} else if (i < n && (j >= m || !lcs ||
				     lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1])) {
			e[k++] = (struct edit){ '-', i, j, a->items[i] };
			i++;
		} else {
			e[k++] = (struct edit){ '+', i, j, b->items[j] };
			j++;
		}
	}
	free(lcs);
	*ret_n = k;
	return e;
}

static void emit_hunk(struct irsa_buf *out, const struct edit *e, size_t from, size_t to)
{
	size_t na = 0, nb = 0;

	for (size_t i = from; i < to; i++) {
		na += e[i].kind != '+';
		nb += e[i].kind != '-';
	}
	irsa_buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", e[from].a + (na ? 1 : 0), na,
			e[from].b + (nb ? 1 : 0), nb);
	for (size_t i = from; i < to; i++)
		irsa_buf_printf(out, "%c%s\n", e[i].kind, e[i].text);
}

char *irsa_text_diff(const char *old_text, const char *new_text, const char *old_name,
		     const char *new_name)
{
	struct lines a, b;
	struct edit *e;
	struct irsa_buf out = IRSA_BUF_INIT;
	size_t n, i = 0;

	if (strcmp(old_text, new_text) == 0)
		return NULL;
	split_lines(old_text, &a);
	split_lines(new_text, &b);
	e = edit_script(&a, &b, &n);
	irsa_buf_printf(&out, "--- %s\n+++ %s\n", old_name, new_name);
	while (i < n) {
		size_t start, end;

		while (i < n && e[i].kind == ' ')
			i++;
		if (i == n)
			break;
		start = i > DIFF_CONTEXT ? i - DIFF_CONTEXT : 0;
		end = i;
		/* extend while the next change is within two contexts */
		for (;;) {
			size_t next;

			while (end < n && e[end].kind != ' ')
				end++;
			next = end;
			while (next < n && e[next].kind == ' ')
				next++;
			if (next < n && next - end <= 2 * DIFF_CONTEXT)
				end = next;
			else
				break;
		}
		end = MIN(n, end + DIFF_CONTEXT);
		emit_hunk(&out, e, start, end);
		i = end;
	}
	free(e);
	lines_release(&a);
	lines_release(&b);
	return irsa_buf_detach(&out);
}

char *irsa_json_diff(const json_t *before, const json_t *after)
{
	char *a = before ? json_dumps(before, JSON_INDENT(2) | JSON_SORT_KEYS) : irsa_strdup("");
	char *b = after ? json_dumps(after, JSON_INDENT(2) | JSON_SORT_KEYS) : irsa_strdup("");
	char *diff = NULL;

	if (a && b)
		diff = irsa_text_diff(a, b, before ? "before" : "/dev/null",
				      after ? "after" : "/dev/null");
	free(a);
	free(b);
	return diff;
}
