/* Unit tests: running helper programs (irsa_run_capture) with their time
 * and output limits, and the process group killed with them. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "irsa/process.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sh(const char *script, long timeout_ms, size_t max_output, struct irsa_buf *out,
	      struct irsa_run_result *res)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)script, NULL };

	return irsa_run_capture(&(struct irsa_run){
		.file = "/bin/sh",
		.argv = argv,
		.stdin_null = true,
		.timeout_ms = timeout_ms,
		.max_output = max_output,
	}, out, res);
}

/* The pid the script wrote to path, once it is there. */
static pid_t read_pid(const char *path)
{
	for (int i = 0; i < 200; i++) {
		FILE *f = fopen(path, "r");
		long pid = 0;

		if (f) {
			int n = fscanf(f, "%ld", &pid);

			fclose(f);
			if (n == 1 && pid > 0)
				return (pid_t)pid;
		}
		usleep(10000);
	}
	return -1;
}

/* True once pid is gone (or a zombie of someone else's). */
static bool gone(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		char path[64], state = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (!f)
			return true;
		if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
			state = 0;
		fclose(f);
		if (state == 'Z' || state == 'X')
			return true;
		usleep(10000);
	}
	return false;
}

TEST(output_and_exit_status)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_run_result res;

	CHECK_INT(sh("printf 'hello'; exit 3", 5000, 100, &out, &res), 0);
	CHECK_INT(res.outcome, IRSA_RUN_EXITED);
	CHECK(WIFEXITED(res.wait_status) && WEXITSTATUS(res.wait_status) == 3);
	CHECK_STR(irsa_buf_str(&out), "hello");
	irsa_buf_release(&out);
}

TEST(not_found)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_run_result res;
	char *argv[] = { (char *)"irsactl-no-such-program", NULL };

	int rc = irsa_run_capture(&(struct irsa_run){ .file = argv[0], .argv = argv,
						      .timeout_ms = 1000, .max_output = 10 },
				  &out, &res);

	/* ENOENT; under valgrind posix_spawn() forks, and the child reports
	 * the failed exec as exit status 127 */
	CHECK(rc == ENOENT || (rc == 0 && res.outcome == IRSA_RUN_EXITED &&
			       WIFEXITED(res.wait_status) && WEXITSTATUS(res.wait_status) == 127));
	irsa_buf_release(&out);
}

TEST(output_limit)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_run_result res;

	CHECK_INT(sh("while :; do echo 0123456789; done", 5000, 1000, &out, &res), 0);
	CHECK_INT(res.outcome, IRSA_RUN_TOO_LARGE);
	CHECK(out.len <= 1000);
	CHECK(WIFSIGNALED(res.wait_status));
	irsa_buf_release(&out);
}

TEST(silent_program_times_out)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_run_result res;
	long long start = now_ms();

	CHECK_INT(sh("sleep 30", 300, 100, &out, &res), 0);
	CHECK_INT(res.outcome, IRSA_RUN_TIMED_OUT);
	CHECK(now_ms() - start < 5000);
	irsa_buf_release(&out);
}

/* A helper that prints its answer, closes stdout and keeps running is
 * not waited for beyond the time limit. */
TEST(closed_stdout_still_bounded)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_run_result res;
	long long start = now_ms();

	CHECK_INT(sh("echo answer; exec >&-; sleep 30", 300, 100, &out, &res), 0);
	CHECK_INT(res.outcome, IRSA_RUN_TIMED_OUT);
	CHECK(now_ms() - start < 5000);
	CHECK_STR(irsa_buf_str(&out), "answer\n");
	irsa_buf_release(&out);
}

/* After a timeout what the helper started dies with it: here a child
 * that holds stdout open, which alone would keep the pipe open. */
TEST(timeout_kills_process_group)
{
	char dir[] = "/tmp/irsa-test-process-XXXXXX", script[256], pidfile[64];
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_run_result res;
	pid_t grandchild;

	REQUIRE(mkdtemp(dir));
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", pidfile);
	CHECK_INT(sh(script, 300, 100, &out, &res), 0);
	CHECK_INT(res.outcome, IRSA_RUN_TIMED_OUT);
	grandchild = read_pid(pidfile);
	CHECK(grandchild > 0);
	if (grandchild > 0) {
		CHECK(gone(grandchild));
		kill(grandchild, SIGKILL); /* not left behind if the check failed */
	}
	unlink(pidfile);
	rmdir(dir);
	irsa_buf_release(&out);
}

/* A helper that leaves a background process behind and exits normally
 * keeps it: only a killed run takes its group along. */
TEST(normal_exit_leaves_background_process)
{
	struct irsa_buf out = IRSA_BUF_INIT;
	struct irsa_run_result res;
	pid_t bg;

	CHECK_INT(sh("sleep 30 >/dev/null 2>&1 & echo $!", 5000, 100, &out, &res), 0);
	CHECK_INT(res.outcome, IRSA_RUN_EXITED);
	bg = (pid_t)atol(irsa_buf_str(&out));
	REQUIRE(bg > 0);
	CHECK(kill(bg, 0) == 0);
	kill(bg, SIGKILL);
	irsa_buf_release(&out);
}

int main(void)
{
	RUN(output_and_exit_status);
	RUN(not_found);
	RUN(output_limit);
	RUN(silent_program_times_out);
	RUN(closed_stdout_still_bounded);
	RUN(timeout_kills_process_group);
	RUN(normal_exit_leaves_background_process);
	return tap_done();
}
