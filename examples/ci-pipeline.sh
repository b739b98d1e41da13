#!/bin/sh
# IRSA for one workload from a CI pipeline: every step is idempotent, so
# the pipeline can run this on every deploy.
set -eu

CLUSTER=${CLUSTER:-prod}
NAMESPACE=${NAMESPACE:-payments}
SA=${SA:-api}

irsactl associate-oidc --cluster "$CLUSTER"
irsactl create-role --cluster "$CLUSTER" --namespace "$NAMESPACE" --service-account "$SA" \
	--policy s3-read:bucket=payments-reports,prefix=daily/ \
	--policy secretsmanager-read:secrets=payments/db \
	--tag team=payments
irsactl annotate-sa --namespace "$NAMESPACE" --service-account "$SA" \
	--role-name "irsa-$CLUSTER-$NAMESPACE-$SA" --apply
