#!/bin/sh
# Cross-account access: pods of a cluster in account A use a role of
# account B (a bucket there, say). The pod's IRSA role in A (the source)
# may assume the target role in B, which trusts only that role and only
# with the external ID. Run it twice: the second run changes nothing.
#
#   A_PROFILE=prod B_PROFILE=data CLUSTER=prod NAMESPACE=apps SA=web \
#     BUCKET=b-data EXTERNAL_ID=team-a ./examples/cross-account.sh
set -eu
: "${A_PROFILE:?}" "${B_PROFILE:?}" "${CLUSTER:?}" "${NAMESPACE:?}" "${SA:?}" "${BUCKET:?}"
: "${EXTERNAL_ID:?}"
TARGET_ROLE="${TARGET_ROLE:-$CLUSTER-$NAMESPACE-$SA-cross}"
account() { irsactl --profile "$1" whoami | sed -n 's/^account: //p'; }
A_ACCOUNT=$(account "$A_PROFILE")
B_ACCOUNT=$(account "$B_PROFILE")
SOURCE="arn:aws:iam::$A_ACCOUNT:role/irsa-$CLUSTER-$NAMESPACE-$SA"
TARGET="arn:aws:iam::$B_ACCOUNT:role/$TARGET_ROLE"

# Account B: the target role, trusted by the source role alone (no cluster,
# no service account), with the external ID.
irsactl --profile "$B_PROFILE" create-role --role-name "$TARGET_ROLE" \
    --trust-role-arn "$SOURCE" --external-id "$EXTERNAL_ID" \
    --policy "s3-read:bucket=$BUCKET"

# Account A: the pod's IRSA role, allowed to assume the target.
irsactl --profile "$A_PROFILE" associate-oidc --cluster "$CLUSTER"
irsactl --profile "$A_PROFILE" create-role --cluster "$CLUSTER" \
    --namespace "$NAMESPACE" --service-account "$SA" --policy "assume-role:roles=$TARGET"

# The pod: the IRSA webhook gives it the source role; an AWS config file
# (a ConfigMap mounted at ~/.aws/config, say) takes it on to the target.
cat <<CONFIG
[profile source]
role_arn = $SOURCE
web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token

[default]
role_arn = $TARGET
source_profile = source
external_id = $EXTERNAL_ID
CONFIG
