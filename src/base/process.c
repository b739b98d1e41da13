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

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read fd until EOF, the output limit or the deadline. */
static enum irsa_run_outcome read_output(int fd, const struct irsa_run *run, long long deadline,
					 struct irsa_buf *out)
{
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

/* After EOF: the program may have closed its stdout and kept running.
 * Wait for it only until the deadline. True when it exited. */
static bool wait_until(pid_t pid, long long deadline, int *ret_status)
{
	long pause = 1;

	for (;;) {
		pid_t r = waitpid(pid, ret_status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return true; /* not our child any more: nothing to wait for */
		if (monotonic_ms() >= deadline)
			return false;
		sleep_ms(pause);
		if (pause < 50)
			pause *= 2;
	}
}

/* The program and whatever it started (its process group). */
static void kill_all(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* A program that keeps our stdin reads it from the terminal when we are
 * in the foreground: its process group must then be the terminal's
 * foreground group, or reading would stop it (SIGTTIN). Returns the
 * group to give the terminal back to, or -1 when nothing was changed. */
static pid_t give_terminal(const struct irsa_run *run, pid_t pid)
{
	pid_t ours = getpgrp();

	if (run->stdin_null || !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != ours)
		return -1;
	if (tcsetpgrp(STDIN_FILENO, pid) < 0)
		return -1;
	kill(-pid, SIGCONT); /* in case it read before it had the terminal */
	return ours;
}

static void take_terminal(pid_t ours)
{
	sigset_t block, old;

	if (ours < 0)
		return;
	/* We are a background group now: tcsetpgrp() would stop us. */
	sigemptyset(&block);
	sigaddset(&block, SIGTTOU);
	sigprocmask(SIG_BLOCK, &block, &old);
	tcsetpgrp(STDIN_FILENO, ours);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static int spawn(const struct irsa_run *run, int out_fd, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (run->stdin_null)
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* dup2 clears close-on-exec on the child's stdout */
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	/* Its own process group, so that a timeout kills what it started too. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	rc = posix_spawnp(ret_pid, run->file, &fa, &attr, run->argv,
			  run->envp ? run->envp : environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int irsa_run_capture(const struct irsa_run *run, struct irsa_buf *out,
		     struct irsa_run_result *ret)
{
	int fds[2] = { -1, -1 };
	long long deadline;
	pid_t pid, terminal;
	int rc;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return errno;
	rc = spawn(run, fds[1], &pid);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		return rc;
	}
	terminal = give_terminal(run, pid);
	deadline = monotonic_ms() + run->timeout_ms;
	ret->wait_status = 0;
	ret->outcome = read_output(fds[0], run, deadline, out);
	close(fds[0]);
	if (ret->outcome == IRSA_RUN_EXITED && !wait_until(pid, deadline, &ret->wait_status))
		ret->outcome = IRSA_RUN_TIMED_OUT;
	if (ret->outcome != IRSA_RUN_EXITED) {
		kill_all(pid);
		while (waitpid(pid, &ret->wait_status, 0) < 0 && errno == EINTR)
			;
	}
	take_terminal(terminal);
	return 0;
}
