#!/bin/sh
# Permissions several roles share, as customer-managed policies: the jobs
# of a namespace each get their own role, all attached to the same two
# policies (one from a template, one from a file) instead of a copy of the
# documents inline in each role. Run it twice: the second run changes
# nothing. Change examples/policies/ledger.json and run it again: the policy
# gets a new default version, once, for every role.
#
#   CLUSTER=prod BUCKET=shared-data ./examples/managed-policy.sh
set -eu
: "${CLUSTER:?}" "${BUCKET:?}"
POLICIES="$(dirname "$0")/policies"

irsactl associate-oidc --cluster "$CLUSTER"
for SA in ingest report; do
    irsactl create-role --cluster "$CLUSTER" --namespace jobs --service-account "$SA" \
        --managed-policy "s3-readwrite:bucket=$BUCKET,prefix=jobs" \
        --managed-policy-file "$POLICIES/ledger.json"
done
# Retiring a role: the policies go with the last role that uses them.
#   irsactl delete-role --role-name "irsa-$CLUSTER-jobs-report" --delete-policies
