#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "irsa/process.h"
#include "irsa/strutil.h"

extern char **environ;

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read fd until EOF, the output limit or the deadline. */
static enum irsa_run_outcome read_output(int fd, const struct irsa_run *run, struct irsa_buf *out)
{
	long long deadline = monotonic_ms() + run->timeout_ms;
	enum irsa_run_outcome outcome = IRSA_RUN_EXITED;
	char chunk[4096];

	for (;;) {
		long long left = deadline - monotonic_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r;

		if (left <= 0) {
			outcome = IRSA_RUN_TIMED_OUT;
			break;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			outcome = r == 0 ? IRSA_RUN_TIMED_OUT : IRSA_RUN_READ_ERROR;
			break;
		}
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			outcome = IRSA_RUN_READ_ERROR;
		if (n <= 0)
			break;
		if (out->len + (size_t)n > run->max_output) {
			outcome = IRSA_RUN_TOO_LARGE;
			break;
		}
		irsa_buf_append(out, chunk, (size_t)n);
	}
	irsa_secure_zero(chunk, sizeof(chunk));
	return outcome;
}

int irsa_run_capture(const struct irsa_run *run, struct irsa_buf *out,
		     struct irsa_run_result *ret)
{
	posix_spawn_file_actions_t fa;
	int fds[2] = { -1, -1 };
	pid_t pid;
	int rc;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;
	posix_spawn_file_actions_init(&fa);
	if (run->stdin_null)
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* dup2 clears close-on-exec on the child's stdout */
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	rc = posix_spawnp(&pid, run->file, &fa, NULL, run->argv, run->envp ? run->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return rc;
	}
	ret->outcome = read_output(fds[0], run, out);
	close(fds[0]);
	if (ret->outcome != IRSA_RUN_EXITED)
		kill(pid, SIGKILL);
	ret->wait_status = 0;
	while (waitpid(pid, &ret->wait_status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
