/* credential_process: run a command with /bin/sh -c and read its JSON
 * answer (Version 1) from stdout. stdin and stderr are the tool's own, so
 * the command can prompt or explain its failures. The output is bounded
 * (64 KiB), the run too (60 s, IRSACTL_CREDENTIAL_PROCESS_TIMEOUT_MS), and
 * neither the output nor the command line ever appear in a message: both
 * may hold secrets. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "irsa/buf.h"
#include "irsa/log.h"
#include "irsa/process.h"
#include "irsa/strutil.h"
#include "providers.h"

static long timeout_ms(const struct irsa_cred_context *ctx)
{
	const char *v = ctx ? irsa_cred_getenv(ctx, "IRSACTL_CREDENTIAL_PROCESS_TIMEOUT_MS") : NULL;
	char *end;
	long n;

	if (!v)
		return IRSA_PROCESS_TIMEOUT_MS;
	n = strtol(v, &end, 10);
	return *end || n < 1 || n > IRSA_PROCESS_TIMEOUT_MS ? IRSA_PROCESS_TIMEOUT_MS : n;
}

static int run(const struct irsa_cred_context *ctx, const char *profile, const char *command,
	       struct irsa_buf *out, struct irsa_error *err)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
	const struct irsa_run spec = {
		.file = "/bin/sh",
		.argv = argv,
		.timeout_ms = timeout_ms(ctx),
		.max_output = IRSA_PROCESS_OUTPUT_MAX,
	};
	struct irsa_run_result res;
	int rc = irsa_run_capture(&spec, out, &res);

	if (rc != 0)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "credential_process for profile '%s' could not be started: %s",
				      profile, strerror(rc));
	switch (res.outcome) {
	case IRSA_RUN_TIMED_OUT:
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' did not finish within %.1f "
				      "seconds", profile, (double)spec.timeout_ms / 1000.0);
	case IRSA_RUN_TOO_LARGE:
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' printed more than %u bytes",
				      profile, IRSA_PROCESS_OUTPUT_MAX);
	case IRSA_RUN_READ_ERROR:
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "credential_process for profile '%s': its output could not be read",
				      profile);
	case IRSA_RUN_EXITED:
		break;
	}
	if (WIFSIGNALED(res.wait_status))
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' was killed by signal %d",
				      profile, WTERMSIG(res.wait_status));
	if (WEXITSTATUS(res.wait_status) != 0)
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' failed with exit status %d",
				      profile, WEXITSTATUS(res.wait_status));
	return 0;
}

int irsa_cred_process_parse(const char *profile, const char *out, size_t len,
			    struct irsa_credentials **ret, struct irsa_error *err)
{
	_cleanup_free_ char *who = irsa_asprintf("credential_process for profile '%s'", profile);
	json_error_t jerr;
	json_t *root, *version;
	int r;

	root = json_loadb(out, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		/* jerr.text may quote the output: give the position only */
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "%s printed malformed JSON (line %d, column %d)",
				      who, jerr.line, jerr.column);
	version = json_object_get(root, "Version");
	if (!json_is_object(root)) {
		r = irsa_error_set(err, IRSA_ERR_AUTH, "%s printed JSON that is not an object", who);
	} else if (!json_is_integer(version) || json_integer_value(version) != 1) {
		r = irsa_error_set(err, IRSA_ERR_AUTH,
				   "%s printed no \"Version\": 1 (the only supported version)", who);
	} else {
		r = irsa_cred_from_json(root, "SessionToken", who, IRSA_PROVIDER_PROCESS, ret, err);
	}
	json_decref(root);
	return r;
}

int irsa_cred_process_run(const struct irsa_cred_context *ctx, const char *profile,
			  const char *command, struct irsa_credentials **ret,
			  struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	int r;

	irsa_log_debug("credentials: running credential_process of profile '%s'", profile);
	r = run(ctx, profile, command, &out, err);
	if (r == 0)
		r = irsa_cred_process_parse(profile, irsa_buf_str(&out), out.len, ret, err);
	irsa_buf_release_secure(&out);
	return r;
}
