#pragma once
/* Running a helper program and collecting what it prints, with a time
 * limit and an output limit: credential_process and kubeconfig exec
 * plugins. stdout is captured; stderr stays the tool's own, so the helper
 * can explain its failures. The output may be a secret: it is zeroed on
 * the way and never logged here.
 *
 * The program runs in its own process group. The time limit covers the
 * whole run, its exit included (a program that closes its stdout and
 * keeps running is not waited for beyond it). When the program is
 * killed (time or output limit, read error), its whole process group is
 * killed, so a shell's children go too. A program that keeps our stdin
 * while we are the terminal's foreground gets the terminal for the run
 * (it may prompt), and we take it back afterwards. */
#include <stdbool.h>
#include <stddef.h>
#include "irsa/buf.h"

enum irsa_run_outcome {
	IRSA_RUN_EXITED,     /* reached EOF and exited; see wait_status */
	IRSA_RUN_TIMED_OUT,  /* not done after timeout_ms: killed */
	IRSA_RUN_TOO_LARGE,  /* killed after printing more than max_output */
	IRSA_RUN_READ_ERROR, /* reading its output failed; killed */
};

struct irsa_run {
	const char *file;     /* a path, or a name searched in PATH */
	char *const *argv;
	char *const *envp;    /* NULL = this process's environment */
	bool stdin_null;      /* stdin from /dev/null instead of ours */
	long timeout_ms;
	size_t max_output;
};

struct irsa_run_result {
	enum irsa_run_outcome outcome;
	int wait_status;      /* as from waitpid() */
};

/* Runs the program to the end (or kills it), appends its stdout to out.
 * Returns 0 with *ret filled, or a positive errno value when the program
 * could not be started (ENOENT: not found). */
int irsa_run_capture(const struct irsa_run *run, struct irsa_buf *out,
		     struct irsa_run_result *ret);
