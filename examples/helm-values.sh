#!/bin/sh
# IRSA for a Helm chart: the role, then the chart's values file gets the
# ServiceAccount values (create, name, annotations) merged in place, its
# comments kept. Run it twice: the second run changes nothing.
#
#   CLUSTER=prod NAMESPACE=payments SA=api BUCKET=payments-reports \
#     VALUES=charts/api/values.yaml ./examples/helm-values.sh
set -eu
: "${CLUSTER:?}" "${NAMESPACE:?}" "${SA:?}" "${BUCKET:?}" "${VALUES:?}"
ROLE="irsa-$CLUSTER-$NAMESPACE-$SA"

irsactl associate-oidc --cluster "$CLUSTER"
irsactl create-role --cluster "$CLUSTER" --namespace "$NAMESPACE" --service-account "$SA" \
    --role-name "$ROLE" --policy "s3-read:bucket=$BUCKET"
irsactl annotate-sa --service-account "$SA" --role-name "$ROLE" \
    --format helm-values -f "$VALUES"
# then: helm upgrade --install "$SA" charts/api -n "$NAMESPACE" -f "$VALUES"
