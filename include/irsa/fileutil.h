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

/* Write data to path atomically: a temp file in the same directory,
 * fsync, rename. The file gets `mode` (a new file) or keeps nothing of
 * the old one. Never leaves a half-written file behind. */
int irsa_file_write_atomic(const char *path, const void *data, size_t len,
			   mode_t mode, struct irsa_error *err);

bool irsa_file_exists(const char *path);

/* "~/x" → "$HOME/x"; returns a malloc'd string or NULL on OOM. */
char *irsa_path_expand_home(const char *path);
