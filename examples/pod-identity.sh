#!/bin/sh
# EKS Pod Identity for one service account: the role (Pod Identity trust and
# an S3 read policy) and the cluster's association, no OIDC provider and no
# ServiceAccount annotation. --require-agent stops before any change when the
# eks-pod-identity-agent add-on is not running. Run it twice: the second run
# changes nothing.
#
#   CLUSTER=prod NAMESPACE=payments SA=api BUCKET=payments-reports \
#     ./examples/pod-identity.sh
set -eu
: "${CLUSTER:?}" "${NAMESPACE:?}" "${SA:?}" "${BUCKET:?}"
ROLE="pod-$CLUSTER-$NAMESPACE-$SA"

# What would change, then the change.
irsactl pod-identity create --cluster "$CLUSTER" --namespace "$NAMESPACE" \
    --service-account "$SA" --role-name "$ROLE" --policy "s3-read:bucket=$BUCKET" \
    --require-agent --dry-run
irsactl pod-identity create --cluster "$CLUSTER" --namespace "$NAMESPACE" \
    --service-account "$SA" --role-name "$ROLE" --policy "s3-read:bucket=$BUCKET" \
    --require-agent
irsactl pod-identity list --cluster "$CLUSTER" --namespace "$NAMESPACE"
# Pods of the service account started from now on get the role's credentials.
# Moving existing IRSA service accounts instead:
#   irsactl migrate-to-pod-identity --cluster "$CLUSTER" --namespace "$NAMESPACE"
