#pragma once
/* File helpers with hard size limits and atomic writes. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "irsa/buf.h"
#include "irsa/error.h"

#define IRSA_FILE_MAX_DEFAULT (4u * 1024u * 1024u)

/* Read a whole file into out (appended). Fails with a message naming the
 * path when it cannot be opened or is larger than max bytes. `what`
 * describes the file for the message ("token file", "kubeconfig"). */
int irsa_file_read(const char *path, size_t max, const char *what,
		   struct irsa_buf *out, struct irsa_error *err);

/* Reading opens without blocking: a FIFO that nobody writes to reads as
 * empty instead of hanging. */

/* Write data to path atomically: a temp file in the same directory,
 * fsync, rename. A symlink's final target is written (the link stays).
 * The file gets `mode`, and an existing file's owner and group where the
 * process may set them. Only regular files are replaced: anything else
 * at the path (a device, a FIFO, a directory) is an error. Never leaves
 * a half-written file behind; long names are fine. */
int irsa_file_write_atomic(const char *path, const void *data, size_t len,
			   mode_t mode, struct irsa_error *err);

/* Is path (following symlinks) a FIFO or a character device? */
bool irsa_file_is_stream(const char *path);

/* For an output option (-o): a stream (irsa_file_is_stream(): a FIFO,
 * /dev/stdout, a terminal) is written to in place, a FIFO nobody reads
 * being an error rather than a hang; anything else as
 * irsa_file_write_atomic(). */
int irsa_file_write_output(const char *path, const void *data, size_t len, mode_t mode,
			   struct irsa_error *err);

bool irsa_file_exists(const char *path);

/* "~/x" → "$HOME/x"; returns a malloc'd string or NULL on OOM. */
char *irsa_path_expand_home(const char *path);
