/* The AWS shared config and credentials files (INI): the input is the
 * config file, a NUL byte, then the credentials file. Both are handed
 * to irsa_config_load() as /proc/self/fd paths of memory files, so the
 * real loading path runs, then every profile and key is read back. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "irsa/aws_config.h"
#include "fuzz.h"

static int memory_file(const char *data, size_t len, char path[64])
{
	int fd = memfd_create("fuzz-config", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (len && write(fd, data, len) != (ssize_t)len)
		abort();
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

static const char *const keys[] = {
	"region", "role_arn", "source_profile", "credential_source", "credential_process",
	"web_identity_token_file", "aws_access_key_id", "aws_secret_access_key",
	"aws_session_token", "endpoint_url", "s3", "duration_seconds", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_parts in;
	char config_path[64], credentials_path[64];
	struct irsa_config *c = NULL;
	struct irsa_error err = { 0 };
	int fd_config, fd_credentials;

	fuzz_split(data, size, 2, &in);
	fd_config = memory_file(in.part[0], in.len[0], config_path);
	fd_credentials = memory_file(in.part[1], in.len[1], credentials_path);
	if (irsa_config_load(config_path, credentials_path, &c, &err) == 0) {
		const char **names = NULL;
		size_t n = irsa_config_profile_names(c, &names);

		for (size_t i = 0; i < n; i++) {
			const struct irsa_profile *p = irsa_config_profile(c, names[i]);

			if (!p)
				abort(); /* a listed profile must be found */
			for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				irsa_profile_get(p, keys[k]);
			for (size_t f = 0; f < 2; f++)
				for (size_t k = 0; k < p->n_items[f]; k++)
					if (!p->items[f][k].key)
						abort();
		}
		free(names);
		irsa_config_require_profile(c, "default", &err);
		irsa_config_path(c);
		irsa_config_credentials_path(c);
		irsa_config_free(c);
	}
	close(fd_config);
	close(fd_credentials);
	fuzz_parts_release(&in);
	return 0;
}
