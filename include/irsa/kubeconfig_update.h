#pragma once
/* update-kubeconfig: add or refresh an EKS cluster's entry in a kubeconfig,
 * the way `aws eks update-kubeconfig` does, with the exec plugin
 * `irsactl token --cluster NAME --region REGION` (and AWS_PROFILE in its
 * environment when the profile was chosen explicitly).
 *
 * Three steps, so that a broken file fails before any AWS call (and before
 * the AWS session is even set up):
 *   irsa_kubeconfig_update_read()   resolve the target file, read it and
 *                                   check that it parses (no network);
 *   irsa_kubeconfig_update_plan()   DescribeCluster, check the cluster,
 *                                   merge the entry into the text, and
 *                                   build u->plan (plan.h);
 *   irsa_plan_execute(&u->plan)     write the file when it changed
 *                                   (or irsa_kubeconfig_update_write()).
 * Release the struct with irsa_kubeconfig_update_release(), also after a
 * failure. */
#include <stddef.h>

#include "irsa/error.h"
#include "irsa/kubeconfig.h"
#include "irsa/plan.h"

struct irsa_aws;

/* The exec plugin's ExecCredential apiVersion in the written entry. */
#define IRSA_KUBECONFIG_EXEC_API_VERSION "client.authentication.k8s.io/v1beta1"
/* The largest kubeconfig read. */
#define IRSA_KUBECONFIG_UPDATE_MAX (4u * 1024u * 1024u)

/* What the user asked for; every string borrowed. */
struct irsa_kubeconfig_update_options {
	const char *cluster;  /* EKS cluster name (required, non-empty) */
	const char *alias;    /* context name; NULL = the cluster ARN */
	const char *path;     /* --kubeconfig, or NULL */
	const char *env_list; /* the value of KUBECONFIG, or NULL */
};

struct irsa_kubeconfig_update {
	char *path;        /* the file (irsa_kubeconfig_target_path()) */
	char *content;     /* the new text (after plan); equal to the old when unchanged */
	enum irsa_kubeconfig_change change; /* after plan */
	char *context;     /* context name written (alias or cluster ARN) */
	char *cluster_arn; /* cluster and user name written */
	char *server;      /* the cluster's endpoint */
	/* The plan (after irsa_kubeconfig_update_plan()): status create (a new
	 * context), update or unchanged; one "write-kubeconfig" action with the
	 * old and new text when the file changes. Subject {kubeconfig,
	 * context, cluster, server}. The plan points back at u: keep u where
	 * it is. */
	struct irsa_plan plan;
	/* private */
	char *cluster;     /* the name asked for */
	char *alias;
	char *old;         /* the file's text, NULL when it does not exist */
	size_t old_len;
};

/* Resolve the target file (opts->path, else the first file of
 * opts->env_list, else ~/.kube/config), read it (a missing file is a new,
 * empty one) and check that it parses. Errors as irsa_file_read() and
 * irsa_kubeconfig_parse() give them. No network. */
int irsa_kubeconfig_update_read(const struct irsa_kubeconfig_update_options *opts,
				struct irsa_kubeconfig_update *ret, struct irsa_error *err);

/* After irsa_kubeconfig_update_read(): DescribeCluster; a cluster neither
 * ACTIVE nor UPDATING is IRSA_ERR_CONFLICT, one without endpoint,
 * certificate authority or ARN IRSA_ERR_REMOTE. Then the cluster, user and
 * context entries (set as the current context) are merged into the text:
 * u->content and u->change. */
int irsa_kubeconfig_update_plan(struct irsa_aws *aws, struct irsa_kubeconfig_update *u,
				struct irsa_error *err);

/* After irsa_kubeconfig_update_plan(): when the text changed, create the
 * file's directory (mode 0700) and write the file atomically with mode
 * 0600; nothing when unchanged. */
int irsa_kubeconfig_update_write(const struct irsa_kubeconfig_update *u, struct irsa_error *err);

void irsa_kubeconfig_update_release(struct irsa_kubeconfig_update *u);

/* "unchanged", "added", "updated". */
const char *irsa_kubeconfig_change_name(enum irsa_kubeconfig_change change);
