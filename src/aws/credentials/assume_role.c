/* STS AssumeRole for a profile with role_arn, signed with the source
 * credentials (source_profile or credential_source, see profile.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "irsa/log.h"
#include "irsa/params.h"
#include "irsa/strutil.h"
#include "providers.h"

/* STS's RoleSessionName: 2 to 64 of [\w+=,.@-] (ASCII \w). */
bool irsa_cred_session_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 64)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool ascii_alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				   (c >= '0' && c <= '9');

		if (!ascii_alnum && !strchr("_+=,.@-", c))
			return false;
	}
	return true;
}

int irsa_cred_session_name_check(const char *who, const char *setting, const char *v,
				 struct irsa_error *err)
{
	bool printable = true;

	if (irsa_cred_session_name_valid(v))
		return 0;
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			printable = false;
	if (printable && strlen(v) <= 100)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s has %s '%s', which STS refuses; use 2 to 64 letters, "
				      "digits or any of _+=,.@-", who, setting, v);
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "%s has a %s that STS refuses; use 2 to 64 letters, digits or any "
			      "of _+=,.@-", who, setting);
}

/* duration_seconds: STS accepts 900 s to 12 h (the role may allow less). */
static int check_duration(const char *name, const char *v, struct irsa_error *err)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 900 || n > 43200)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has duration_seconds '%s'; use a number of "
				      "seconds from 900 to 43200", name, v);
	return 0;
}

int irsa_cred_assume_role_check(const char *name, const struct irsa_profile *prof,
				struct irsa_error *err)
{
	const char *duration = irsa_profile_get(prof, "duration_seconds");
	const char *session_name = irsa_profile_get(prof, "role_session_name");
	char who[300];

	if (duration && check_duration(name, duration, err) < 0)
		return -1;
	snprintf(who, sizeof(who), "profile '%s'", name);
	if (session_name && irsa_cred_session_name_check(who, "role_session_name", session_name,
							  err) < 0)
		return -1;
	return 0;
}

int irsa_cred_assume_role(const struct irsa_cred_context *ctx, const struct irsa_credentials *src,
			  const char *name, const struct irsa_profile *prof,
			  struct irsa_credentials **ret, struct irsa_error *err)
{
	_cleanup_params_ struct irsa_params params = IRSA_PARAMS_INIT;
	_cleanup_xml_doc_ xmlDoc *doc = NULL;
	_cleanup_free_ char *session = NULL;
	_cleanup_free_ char *what = NULL;
	const char *role_arn = irsa_profile_get(prof, "role_arn");
	const char *duration = irsa_profile_get(prof, "duration_seconds");
	const char *external_id = irsa_profile_get(prof, "external_id");
	const char *session_name = irsa_profile_get(prof, "role_session_name");

	if (irsa_cred_assume_role_check(name, prof, err) < 0)
		return -1;
	if (!session_name)
		session_name = session = irsa_cred_session_name(ctx);
	irsa_params_add(&params, "RoleArn", role_arn);
	irsa_params_add(&params, "RoleSessionName", session_name);
	if (duration)
		irsa_params_add(&params, "DurationSeconds", duration);
	if (external_id)
		irsa_params_add(&params, "ExternalId", external_id);
	what = irsa_asprintf("profile '%s' cannot assume role '%s'", name, role_arn);
	irsa_log_debug("credentials: profile '%s': sts:AssumeRole '%s' as session '%s'",
		       name, role_arn, session_name);
	if (irsa_aws_client_query(ctx->client, src, "sts", IRSA_STS_VERSION, "AssumeRole", &params,
				  &doc, err) < 0)
		return irsa_error_prefix(err, "%s", what);
	return irsa_cred_sts_parse(doc, what, IRSA_PROVIDER_ASSUME_ROLE, ret, err);
}
