#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irsa/fileutil.h"
#include "irsa/strutil.h"

int irsa_file_read(const char *path, size_t max, const char *what,
		   struct irsa_buf *out, struct irsa_error *err)
{
	char chunk[8192];
	size_t total = 0;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return irsa_error_set(err, errno == ENOENT ? IRSA_ERR_NOT_FOUND : IRSA_ERR_USAGE,
				      "cannot read %s '%s': %s", what, path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read %s '%s': it is a directory",
				      what, path);
	}
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

int irsa_file_write_atomic(const char *path, const void *data, size_t len,
			   mode_t mode, struct irsa_error *err)
{
	_cleanup_free_ char *copy = irsa_strdup(path);
	_cleanup_free_ char *tmp = NULL;
	const char *dir = dirname(copy);
	int fd, saved;

	tmp = irsa_asprintf("%s/.%s.irsactl-XXXXXX", dir, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(errno));
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(saved));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot write '%s': %s", path, strerror(saved));
	}
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
