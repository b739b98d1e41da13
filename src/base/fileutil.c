#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irsa/fileutil.h"
#include "irsa/strutil.h"

/* Opened with O_NONBLOCK so that open() of a FIFO cannot hang; reads and
 * writes then wait as usual. */
static void clear_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

int irsa_file_read(const char *path, size_t max, const char *what,
		   struct irsa_buf *out, struct irsa_error *err)
{
	char chunk[8192];
	size_t total = 0;
	struct stat st;
	int fd;

	/* O_NONBLOCK: opening a FIFO that nobody writes to must not hang */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return irsa_error_set(err, errno == ENOENT ? IRSA_ERR_NOT_FOUND : IRSA_ERR_USAGE,
				      "cannot read %s '%s': %s", what, path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read %s '%s': it is a directory",
				      what, path);
	}
	/* a pipe with a writer is read to its end; without one it reads empty */
	clear_nonblock(fd);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read %s '%s': %s",
					      what, path, strerror(errno));
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			close(fd);
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "%s '%s' is larger than %zu bytes; is it the right file?",
					      what, path, max);
		}
		irsa_buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The file a write to path changes: symlinks followed to their final
 * target, which may not exist yet. malloc'd, NULL on error. */
static char *write_target(const char *path, struct irsa_error *err)
{
	char *cur = irsa_strdup(path);

	for (int hops = 0; hops < 40; hops++) {
		char link[PATH_MAX];
		struct stat st;
		ssize_t n;
		char *next;

		if (lstat(cur, &st) < 0 || !S_ISLNK(st.st_mode))
			return cur;
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0) {
			irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(errno));
			free(cur);
			return NULL;
		}
		link[n] = '\0';
		if (link[0] == '/') {
			next = irsa_strdup(link);
		} else {
			_cleanup_free_ char *copy = irsa_strdup(cur);

			next = irsa_asprintf("%s/%s", dirname(copy), link);
		}
		free(cur);
		cur = next;
	}
	irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': too many levels of symbolic links", path);
	free(cur);
	return NULL;
}

/* A temp name next to target, short enough for any file name length. */
static char *temp_name(const char *target)
{
	_cleanup_free_ char *copy = irsa_strdup(target);
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;

	return irsa_asprintf("%s/.%.48s.irsactl-XXXXXX", dirname(copy), base);
}

/* The new file keeps the old one's owner where we may give it (root
 * rewriting a user's file); otherwise it becomes ours, as with any editor. */
static void keep_owner(int fd, const struct stat *old)
{
	if (old->st_uid == geteuid() && old->st_gid == getegid())
		return;
	if (fchown(fd, old->st_uid, old->st_gid) < 0 && fchown(fd, (uid_t)-1, old->st_gid) < 0)
		return;
}

int irsa_file_write_atomic(const char *path, const void *data, size_t len,
			   mode_t mode, struct irsa_error *err)
{
	_cleanup_free_ char *target = write_target(path, err);
	_cleanup_free_ char *tmp = NULL;
	struct stat st;
	bool exists;
	int fd, saved;

	/* what the kernel finds at path (a /proc/self/fd link included) */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "cannot write '%s': it is not a regular file; irsactl replaces "
				      "regular files only", path);
	if (!target)
		return -1;
	exists = stat(target, &st) == 0;
	if (exists && !S_ISREG(st.st_mode))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "cannot write '%s': it is not a regular file; irsactl replaces "
				      "regular files only", path);
	tmp = temp_name(target);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(errno));
	if (exists)
		keep_owner(fd, &st);
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(saved));
	}
	if (close(fd) < 0 || rename(tmp, target) < 0) {
		saved = errno;
		unlink(tmp);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(saved));
	}
	return 0;
}

bool irsa_file_is_stream(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode));
}

int irsa_file_write_output(const char *path, const void *data, size_t len, mode_t mode,
			   struct irsa_error *err)
{
	int fd, saved;

	if (!irsa_file_is_stream(path))
		return irsa_file_write_atomic(path, data, len, mode, err);
	/* O_NONBLOCK: a FIFO nobody reads fails at once instead of hanging */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path,
				      errno == ENXIO ? "no process reads from it" : strerror(errno));
	clear_nonblock(fd);
	if (write_all(fd, data, len) < 0) {
		saved = errno;
		close(fd);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(saved));
	}
	close(fd);
	return 0;
}

bool irsa_file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *irsa_path_expand_home(const char *path)
{
	const char *home;

	if (!path)
		return NULL;
	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
		return irsa_strdup(path);
	home = getenv("HOME");
	if (!home)
		home = "";
	return irsa_asprintf("%s%s", home, path + 1);
}
