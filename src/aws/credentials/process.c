/* credential_process: run a command with /bin/sh -c and read its JSON
 * answer (Version 1) from stdout. stdin and stderr are the tool's own, so
 * the command can prompt or explain its failures. The output is bounded
 * (64 KiB), the run too (60 s), and neither the output nor the command
 * line ever appear in a message: both may hold secrets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "irsa/buf.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "providers.h"

extern char **environ;

enum run_outcome {
	RUN_EXITED,
	RUN_TIMED_OUT,
	RUN_TOO_LARGE,
};

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read the child's stdout until EOF, the limit or the deadline. */
static enum run_outcome read_output(int fd, struct irsa_buf *out)
{
	long long deadline = monotonic_ms() + IRSA_PROCESS_TIMEOUT_MS;
	char chunk[4096];

	for (;;) {
		long long left = deadline - monotonic_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r;

		if (left <= 0)
			return RUN_TIMED_OUT;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return RUN_TIMED_OUT;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > IRSA_PROCESS_OUTPUT_MAX) {
			irsa_secure_zero(chunk, sizeof(chunk));
			return RUN_TOO_LARGE;
		}
		irsa_buf_append(out, chunk, (size_t)n);
	}
	irsa_secure_zero(chunk, sizeof(chunk));
	return RUN_EXITED;
}

static int wait_child(pid_t pid, int *ret_status)
{
	while (waitpid(pid, ret_status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int run(const char *profile, const char *command, struct irsa_buf *out,
	       struct irsa_error *err)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
	int fds[2] = { -1, -1 };
	enum run_outcome outcome;
	int status, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "credential_process for profile '%s' could not be started: %s",
				      profile, strerror(errno));
	posix_spawn_file_actions_init(&fa);
	/* dup2 clears close-on-exec on the child's stdout */
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	r = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close_fd(&fds[1]);
	if (r != 0) {
		close_fd(&fds[0]);
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "credential_process for profile '%s' could not be started: %s",
				      profile, strerror(r));
	}
	outcome = read_output(fds[0], out);
	close_fd(&fds[0]);
	if (outcome != RUN_EXITED)
		kill(pid, SIGKILL);
	if (wait_child(pid, &status) < 0)
		return irsa_error_set(err, IRSA_ERR_INTERNAL,
				      "credential_process for profile '%s': cannot wait for it: %s",
				      profile, strerror(errno));
	if (outcome == RUN_TIMED_OUT)
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' did not finish within %d "
				      "seconds", profile, IRSA_PROCESS_TIMEOUT_MS / 1000);
	if (outcome == RUN_TOO_LARGE)
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' printed more than %u bytes",
				      profile, IRSA_PROCESS_OUTPUT_MAX);
	if (WIFSIGNALED(status))
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' was killed by signal %d",
				      profile, WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return irsa_error_set(err, IRSA_ERR_AUTH,
				      "credential_process for profile '%s' failed with exit status %d",
				      profile, WEXITSTATUS(status));
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

int irsa_cred_process_run(const char *profile, const char *command,
			  struct irsa_credentials **ret, struct irsa_error *err)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	int r;

	irsa_log_debug("credentials: running credential_process of profile '%s'", profile);
	r = run(profile, command, &out, err);
	if (r == 0)
		r = irsa_cred_process_parse(profile, irsa_buf_str(&out), out.len, ret, err);
	irsa_buf_release_secure(&out);
	return r;
}
