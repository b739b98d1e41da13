#pragma once
/* One plan type for every mutating command (create-role, delete-role,
 * associate-oidc, disassociate-oidc, annotate-sa, update-kubeconfig).
 *
 * A command reads the current state, computes a plan (a possibly empty
 * list of actions, nothing sent while planning), then either reports it
 * (--dry-run) or executes it. Modules (role.h, oidc.h, serviceaccount.h,
 * kubeconfig_update.h) build the plan and hang their own data off it; the
 * status names, the execution loop (progress, partial failures) and the
 * JSON report are shared, so every command reports the same way:
 *
 *   { SUBJECT KEYS..., "status", "dry_run", "actions": [
 *       {"verb", "object"?, "target", "details"?, "changes"?, "document"?,
 *        "diff"?, "done"}],
 *     RESULT KEYS..., "notes", "warnings" }
 *
 * "status" names the planned change in a dry run ("create", "update",
 * "delete", "unchanged", "absent") and the outcome once executed
 * ("created", "updated", "deleted", "unchanged", "absent").
 *
 * A plan may hold the actions of several objects (irsa_plan_absorb()):
 * each action names its object, and "objects" lists each object's subject
 * and planned status. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "irsa/error.h"
#include "irsa/macro.h"
#include "irsa/strlist.h"

enum irsa_plan_status {
	IRSA_PLAN_UNCHANGED,
	IRSA_PLAN_CREATE,
	IRSA_PLAN_UPDATE,
	IRSA_PLAN_DELETE,
	IRSA_PLAN_ABSENT, /* asked to delete what does not exist */
};
/* "create" / "update" / "delete" for a plan, "created" / "updated" /
 * "deleted" once done; "unchanged" and "absent" either way. */
const char *irsa_plan_status_name(enum irsa_plan_status s, bool done);

struct irsa_plan_action {
	int op;           /* the module's own action code, for its executor */
	char *verb;       /* "create-role", "put-role-policy", ... */
	char *object;     /* the object acted on (a role name, a provider ARN), or NULL */
	char *target;     /* what the action names: a policy ARN, an inline policy ... */
	char *details;    /* one line for people, or NULL */
	json_t *document; /* the document sent (trust policy, object applied), or NULL */
	json_t *before;   /* for an update: the document replaced, or NULL */
	char *text_before, *text_after; /* for an update of a text file: old and new text */
	json_t *changes;  /* {field: {"from": old, "to": new}} for settings, or NULL */
	bool done;        /* executed */
};

struct irsa_plan;
/* The module's executor for one action. */
typedef int (*irsa_plan_run_fn)(struct irsa_plan *plan, struct irsa_plan_action *a,
				struct irsa_error *err);
/* Called before each action is executed. */
typedef void (*irsa_plan_progress_fn)(void *userdata, const struct irsa_plan_action *a);

struct irsa_plan {
	enum irsa_plan_status status;
	char *label;       /* how the text report names the subject: an ARN, "service account 'a/b'" */
	char *where;       /* the text report's " in WHERE", or NULL */
	json_t *subject;   /* identifying keys, printed first ({"role_arn", "role_name"}) */
	json_t *result;    /* the state after the plan, printed after the actions */
	json_t *objects;   /* with several objects: [{subject..., "status"}], else NULL */
	struct irsa_strlist object_labels; /* parallel to objects: each one's label */
	enum irsa_plan_status *object_status; /* parallel to objects */
	struct irsa_plan_action *actions;
	size_t n_actions;
	struct irsa_strlist notes;    /* information, one line each (stderr) */
	struct irsa_strlist warnings; /* something the user should act on (stderr) */
	bool executed;     /* irsa_plan_execute() ran every action */
	irsa_plan_run_fn run;  /* set by the module that built the plan */
	void *data;            /* the module's data for run (owned by the module's plan) */
};

/* Initialise an empty plan with subject and result objects. */
void irsa_plan_init(struct irsa_plan *plan);
void irsa_plan_release(struct irsa_plan *plan);

/* Append an action; strings are copied, the document (NULL allowed) is
 * shared: a new reference, so the caller must not change it afterwards
 * (a plan holds one tree per document however many places show it).
 * Returns the new action (valid until the next add). */
struct irsa_plan_action *irsa_plan_add(struct irsa_plan *plan, int op, const char *verb,
				       const char *object, const char *target,
				       const char *details, const json_t *document);
/* An update's "from → to" of one setting, on the action. */
void irsa_plan_action_change(struct irsa_plan_action *a, const char *field, json_t *from,
			     json_t *to);
void irsa_plan_note(struct irsa_plan *plan, const char *fmt, ...) _printf_(2, 3);
void irsa_plan_warn(struct irsa_plan *plan, const char *fmt, ...) _printf_(2, 3);

/* Move src's actions, notes and warnings into dst (src is left empty but
 * must still be released); dst->objects gets src's subject and planned
 * status.
 * dst's status becomes the combination (unchanged + X = X; two different
 * changes = update). Actions keep their executor: src->run must equal
 * dst->run when both plans have actions. */
void irsa_plan_absorb(struct irsa_plan *dst, struct irsa_plan *src);

/* Run the actions in order through plan->run, calling progress (may be
 * NULL) before each. On success plan->executed is set. When an action
 * fails, the error is prefixed with its verb and target and, when earlier
 * actions were done, says which and that running the same command again
 * completes the rest (each module plans from what exists, so a re-run
 * picks up where this one stopped). */
int irsa_plan_execute(struct irsa_plan *plan, irsa_plan_progress_fn progress, void *userdata,
		      struct irsa_error *err);

/* The error of action `failed` rewritten as irsa_plan_execute() reports
 * it (its verb and target, the actions already done), for executors that
 * run a plan's actions themselves (apply's waves). */
void irsa_plan_explain_failure(const struct irsa_plan *plan, size_t failed,
			       struct irsa_error *err);

/* The report described above (new reference). */
json_t *irsa_plan_to_json(const struct irsa_plan *plan);

/* A unified diff (3 lines of context, "---"/"+++" headers named
 * old_name/new_name) between two texts, line by line; NULL when they are
 * equal. malloc'd. */
char *irsa_text_diff(const char *old_text, const char *new_text, const char *old_name,
		     const char *new_name);
/* The same for two JSON documents, each pretty-printed with sorted keys. */
char *irsa_json_diff(const json_t *before, const json_t *after);
