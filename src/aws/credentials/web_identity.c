/* Web identity: STS AssumeRoleWithWebIdentity (unsigned) with the token
 * read from a file; profile.c finds the settings (a profile's role_arn +
 * web_identity_token_file, or AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN +
 * AWS_ROLE_SESSION_NAME, which is what IRSA gives a pod). The token is
 * read each time, bounded, and zeroed after use. As botocore, no
 * DurationSeconds is sent. */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "irsa/buf.h"
#include "irsa/log.h"
#include "irsa/params.h"
#include "irsa/strutil.h"
#include "providers.h"

/* Zero the token's copy in the parameters before they are freed. */
static void params_release_secret(struct irsa_params *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->items[i].key, "WebIdentityToken") == 0)
			irsa_secure_zero(p->items[i].value, strlen(p->items[i].value));
	irsa_params_release(p);
}

static int read_token(const char *path, struct irsa_buf *token, struct irsa_error *err)
{
	if (irsa_cred_read_token_file(path, "web identity token file", token, err) < 0)
		return -1;
	if (!token->len)
		return irsa_error_set(err, IRSA_ERR_AUTH, "web identity token file '%s' is empty",
				      path);
	return 0;
}

int irsa_cred_web_identity(const struct irsa_cred_context *ctx, const char *who,
			   const char *role_arn, const char *token_file, const char *session_name,
			   struct irsa_credentials **ret, struct irsa_error *err)
{
	_cleanup_(params_release_secret) struct irsa_params params = IRSA_PARAMS_INIT;
	_cleanup_xml_doc_ xmlDoc *doc = NULL;
	_cleanup_free_ char *session = NULL;
	_cleanup_free_ char *what = NULL;
	struct irsa_buf token = IRSA_BUF_INIT;
	int r;

	if (session_name && irsa_cred_session_name_check(who, "role session name", session_name,
							  err) < 0)
		return -1;
	r = read_token(token_file, &token, err);
	if (r < 0) {
		irsa_buf_release_secure(&token);
		return -1;
	}
	if (!session_name)
		session_name = session = irsa_cred_session_name(ctx);
	irsa_params_add(&params, "RoleArn", role_arn);
	irsa_params_add(&params, "RoleSessionName", session_name);
	irsa_params_add(&params, "WebIdentityToken", irsa_buf_str(&token));
	irsa_buf_release_secure(&token);
	what = irsa_asprintf("web identity (%s) cannot assume role '%s'", who, role_arn);
	irsa_log_debug("credentials: %s: sts:AssumeRoleWithWebIdentity '%s' as session '%s' "
		       "with token file '%s'", who, role_arn, session_name, token_file);
	if (irsa_aws_client_query(ctx->client, NULL, "sts", IRSA_STS_VERSION,
				  "AssumeRoleWithWebIdentity", &params, &doc, err) < 0)
		return irsa_error_prefix(err, "%s", what);
	return irsa_cred_sts_parse(doc, what, IRSA_PROVIDER_WEB_IDENTITY, ret, err);
}
