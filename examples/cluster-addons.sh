#!/bin/sh
# IAM roles for a cluster's add-ons, each with the policy irsactl's library
# has for it (`irsactl policy list`; `irsactl policy show NAME` to read one).
# Idempotent: run it again after changing a line, it changes only that.
# The charts create the service accounts: give them the printed role ARNs
# (e.g. serviceAccount.annotations."eks\.amazonaws\.com/role-arn").
set -eu

CLUSTER=${CLUSTER:-prod}
ZONE=${ZONE:-Z0123456789ABCDEFGHIJ}   # the Route 53 zone external-dns and cert-manager manage

role() {   # NAMESPACE SERVICE-ACCOUNT --policy ...
	ns=$1 sa=$2
	shift 2
	irsactl create-role --cluster "$CLUSTER" --namespace "$ns" --service-account "$sa" "$@"
}

role kube-system aws-node --policy vpc-cni
role kube-system ebs-csi-controller-sa --policy ebs-csi
role kube-system aws-load-balancer-controller --policy aws-load-balancer-controller
role kube-system karpenter --policy karpenter   # the cluster comes from --cluster
role kube-system external-dns --policy "external-dns:zones=$ZONE"
role cert-manager cert-manager --policy "cert-manager:zones=$ZONE"
role monitoring prometheus --policy "amazon-managed-prometheus:access=ingest"
