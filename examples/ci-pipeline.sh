#!/bin/sh
# IRSA for one workload from a CI pipeline, on every deploy: `irsactl apply`
# makes the cluster's OIDC provider, the role and the ServiceAccount match
# the file and sends no change when they already do. --prune deletes the
# roles of this scope that the file no longer lists; --detailed-exitcode
# tells the pipeline whether something changed (10) or not (0).
set -eu

CLUSTER=${CLUSTER:-prod}
NAMESPACE=${NAMESPACE:-payments}
SA=${SA:-api}

rc=0
irsactl apply -f - --prune --detailed-exitcode <<EOF || rc=$?
apiVersion: irsactl.io/v1alpha1
kind: ServiceAccountSet
scope: ci-$CLUSTER-$NAMESPACE
clusters:
  - name: $CLUSTER
serviceAccounts:
  - namespace: $NAMESPACE
    name: $SA
    policies:
      - s3-read:bucket=payments-reports,prefix=daily/
      - secretsmanager-read:secrets=payments/db
    tags:
      team: payments
EOF
case $rc in
0) echo "IRSA for $NAMESPACE/$SA: nothing to change" >&2 ;;
10) echo "IRSA for $NAMESPACE/$SA: changes applied" >&2 ;;
*) exit "$rc" ;;
esac
