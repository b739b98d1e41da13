"""EKS (REST-JSON): DescribeCluster, ListClusters, DescribeAddon and the Pod Identity
association operations; clusters come from the control API."""

import base64
import hashlib
import re
from collections import OrderedDict

from .errors import AwsError

DEFAULT_CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nTUlJQ2VtdWxhdG9y\n"
                              b"-----END CERTIFICATE-----\n").decode()


def seed_cluster(store, spec, now):
    name = spec["name"]
    region = spec.get("region", "us-east-1")
    account = str(spec.get("account") or store.default_account)
    ident = hashlib.md5(f"{account}/{region}/{name}".encode()).hexdigest().upper()
    partition_suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    store.clusters[(account, region, name)] = {
        "name": name, "region": region, "account": account,
        "issuer": spec.get("issuer"),
        "status": spec.get("status", "ACTIVE"),
        "endpoint": spec.get("endpoint") or f"https://{ident}.gr7.{region}.eks.{partition_suffix}",
        "ca_data": spec.get("ca_data") or DEFAULT_CA,
        "version": spec.get("version", "1.29"),
        "platform_version": spec.get("platform_version", "eks.7"),
        "tags": dict(spec.get("tags") or {}),
        "created": spec.get("created_at", now),
        "id": ident,
        # add-on name -> {"version": ..., "status": ...}, for DescribeAddon
        "addons": {n: dict(a or {}) for n, a in (spec.get("addons") or {}).items()},
        "associations": OrderedDict(),  # Pod Identity association id -> record
    }


def _cluster_out(c, partition):
    acct = c["account"]
    out = {
        "name": c["name"],
        "arn": f"arn:{partition}:eks:{c['region']}:{acct}:cluster/{c['name']}",
        "createdAt": c["created"],
        "version": c["version"],
        "endpoint": c["endpoint"],
        "roleArn": f"arn:{partition}:iam::{acct}:role/eks-cluster-role",
        "resourcesVpcConfig": {"subnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
                               "securityGroupIds": [], "clusterSecurityGroupId": "sg-0123456789abcdef0",
                               "vpcId": "vpc-0123456789abcdef0", "endpointPublicAccess": True,
                               "endpointPrivateAccess": False, "publicAccessCidrs": ["0.0.0.0/0"]},
        "kubernetesNetworkConfig": {"serviceIpv4Cidr": "10.100.0.0/16", "ipFamily": "ipv4"},
        "logging": {"clusterLogging": [{"types": ["api", "audit", "authenticator",
                                                  "controllerManager", "scheduler"],
                                        "enabled": False}]},
        "status": c["status"],
        "certificateAuthority": {"data": c["ca_data"]},
        "platformVersion": c["platform_version"],
        "tags": c["tags"],
        "health": {"issues": []},
    }
    if c["issuer"]:
        out["identity"] = {"oidc": {"issuer": c["issuer"]}}
    if c["status"] == "CREATING":
        out.pop("endpoint")
        out["certificateAuthority"] = {}
    return out


def _cluster(ctx, name):
    with ctx.store.lock:
        c = ctx.store.clusters.get((ctx.identity.account, ctx.region, name))
    if c is None:
        raise AwsError("ResourceNotFoundException", f"No cluster found for name: {name}.", 404)
    return c


def describe_cluster(ctx, params):
    return {"cluster": _cluster_out(_cluster(ctx, params["name"]), ctx.partition)}


def describe_addon(ctx, params):
    c = _cluster(ctx, params["clusterName"])
    name = params["addonName"]
    addon = c["addons"].get(name)
    if addon is None:
        raise AwsError("ResourceNotFoundException",
                       f"No addon: {name} found in cluster: {c['name']}", 404)
    acct = c["account"]
    return {"addon": {
        "addonName": name, "clusterName": c["name"], "status": addon.get("status", "ACTIVE"),
        "addonVersion": addon.get("version", "v1.0.0-eksbuild.1"),
        "addonArn": f"arn:{ctx.partition}:eks:{c['region']}:{acct}:addon/{c['name']}/{name}/"
                    f"{c['id'][:8].lower()}-0000-0000-0000-{c['id'][8:20].lower()}",
        "createdAt": c["created"], "modifiedAt": c["created"], "health": {"issues": []},
        "tags": {}}}


def list_clusters(ctx, params):
    # maxResults is 1..100 by the model, checked before this runs.
    limit = min(params.get("maxResults", 100), ctx.store.page_size)
    with ctx.store.lock:
        names = sorted(n for (a, r, n) in ctx.store.clusters
                       if a == ctx.identity.account and r == ctx.region)
    start = 0
    token = params.get("nextToken")
    if token:
        try:
            start = int(base64.b64decode(token.encode()).decode().split(":", 1)[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise AwsError("InvalidParameterException", "The nextToken is invalid.", 400) from None
    out = {"clusters": names[start:start + limit]}
    if start + limit < len(names):
        out["nextToken"] = base64.b64encode(f"o:{start + limit}".encode()).decode()
    return out


# ---------------------------------------------------------------------------
# EKS Pod Identity associations (per cluster)

ROLE_ARN_RX = re.compile(r"^arn:([^:]+):iam::(\d{12}):role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}$")


def _check_role_arn(ctx, arn, member):
    m = ROLE_ARN_RX.match(arn or "")
    if not m or m.group(1) != ctx.partition:
        raise AwsError("InvalidParameterException",
                       f"The {member} {arn} is not a valid IAM role ARN in partition "
                       f"{ctx.partition}.", 400)


def _check_association_settings(ctx, c, role_arn, target_role_arn, policy, disable_tags):
    """What EKS refuses beyond the model: a role of another account than the
    cluster's (a role elsewhere is reached through targetRoleArn), the target
    role being the role itself, a session policy with session tags on."""
    if role_arn:
        m = ROLE_ARN_RX.match(role_arn)
        if m and m.group(2) != c["account"]:
            raise AwsError("InvalidParameterException",
                           f"The roleArn {role_arn} must be in the same account as the "
                           f"cluster ({c['account']}).", 400)
    if target_role_arn and target_role_arn == role_arn:
        raise AwsError("InvalidParameterException",
                       "The targetRoleArn must be different from the roleArn.", 400)
    if policy and not disable_tags:
        raise AwsError("InvalidParameterException",
                       "disableSessionTags must be true when a policy is given.", 400)


def _check_tags(tags):
    for k, v in (tags or {}).items():
        if k.lower().startswith("aws:") or str(v).lower().startswith("aws:"):
            raise AwsError("InvalidParameterException",
                           f"Tag keys and values may not start with 'aws:': {k}.", 400)


def _association(ctx, c, association_id):
    a = c["associations"].get(association_id)
    if a is None:
        raise AwsError("ResourceNotFoundException", "No Pod Identity Association found for "
                       f"id: {association_id}.", 404)
    return a


def _association_out(ctx, c, a, summary=False):
    out = {"clusterName": c["name"], "namespace": a["namespace"],
           "serviceAccount": a["serviceAccount"], "associationId": a["id"],
           "associationArn": f"arn:{ctx.partition}:eks:{c['region']}:{c['account']}:"
                             f"podidentityassociation/{c['name']}/{a['id']}"}
    if summary:
        return out
    out.update({"roleArn": a["roleArn"], "tags": dict(a["tags"]), "createdAt": a["createdAt"],
                "modifiedAt": a["modifiedAt"], "disableSessionTags": a["disableSessionTags"]})
    for k in ("targetRoleArn", "externalId", "policy"):
        if a.get(k):
            out[k] = a[k]
    return out


def create_pod_identity_association(ctx, p):
    c = _cluster(ctx, p["clusterName"])
    _check_role_arn(ctx, p["roleArn"], "roleArn")
    if p.get("targetRoleArn"):
        _check_role_arn(ctx, p["targetRoleArn"], "targetRoleArn")
    _check_association_settings(ctx, c, p["roleArn"], p.get("targetRoleArn"), p.get("policy"),
                                bool(p.get("disableSessionTags", False)))
    _check_tags(p.get("tags"))
    for a in c["associations"].values():
        if (a["namespace"], a["serviceAccount"]) == (p["namespace"], p["serviceAccount"]):
            raise AwsError("ResourceInUseException", f"Association already exists: {a['id']}",
                           409, extra={"clusterName": c["name"]})
    with ctx.store.lock:
        ctx.store.id_counter += 1
        seed = f"{c['id']}#{ctx.store.id_counter}"
    aid = "a-" + hashlib.sha256(seed.encode()).hexdigest()[:17]
    now = ctx.now
    a = {"id": aid, "namespace": p["namespace"], "serviceAccount": p["serviceAccount"],
         "roleArn": p["roleArn"], "tags": dict(p.get("tags") or {}), "createdAt": now,
         "modifiedAt": now, "disableSessionTags": bool(p.get("disableSessionTags", False)),
         "targetRoleArn": p.get("targetRoleArn"), "policy": p.get("policy")}
    if a["targetRoleArn"]:
        a["externalId"] = hashlib.sha256(aid.encode()).hexdigest()[:36]
    c["associations"][aid] = a
    return {"association": _association_out(ctx, c, a)}


def describe_pod_identity_association(ctx, p):
    c = _cluster(ctx, p["clusterName"])
    return {"association": _association_out(ctx, c, _association(ctx, c, p["associationId"]))}


def update_pod_identity_association(ctx, p):
    c = _cluster(ctx, p["clusterName"])
    a = _association(ctx, c, p["associationId"])
    for member in ("roleArn", "targetRoleArn"):
        if p.get(member):
            _check_role_arn(ctx, p[member], member)
    after = {m: p.get(m, a.get(m)) for m in ("roleArn", "targetRoleArn", "policy",
                                              "disableSessionTags")}
    _check_association_settings(ctx, c, after["roleArn"], after["targetRoleArn"], after["policy"],
                                bool(after["disableSessionTags"]))
    for member in ("roleArn", "targetRoleArn", "policy", "disableSessionTags"):
        if member in p:
            a[member] = p[member]
    # EKS makes an external ID when a target role is added, drops it with the target.
    if a.get("targetRoleArn") and not a.get("externalId"):
        a["externalId"] = hashlib.sha256(a["id"].encode()).hexdigest()[:36]
    elif not a.get("targetRoleArn"):
        a.pop("externalId", None)
    a["modifiedAt"] = ctx.now
    return {"association": _association_out(ctx, c, a)}


def delete_pod_identity_association(ctx, p):
    c = _cluster(ctx, p["clusterName"])
    a = _association(ctx, c, p["associationId"])
    del c["associations"][a["id"]]
    return {"association": _association_out(ctx, c, a)}


def list_pod_identity_associations(ctx, p):
    c = _cluster(ctx, p["clusterName"])
    items = [a for a in c["associations"].values()
             if p.get("namespace") in (None, a["namespace"])
             and p.get("serviceAccount") in (None, a["serviceAccount"])]
    limit = min(p.get("maxResults", 100), ctx.store.page_size)
    start = 0
    if p.get("nextToken"):
        try:
            start = int(base64.b64decode(p["nextToken"].encode()).decode().split(":", 1)[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise AwsError("InvalidParameterException", "The nextToken is invalid.", 400) from None
    out = {"associations": [_association_out(ctx, c, a, summary=True)
                            for a in items[start:start + limit]]}
    if start + limit < len(items):
        out["nextToken"] = base64.b64encode(f"o:{start + limit}".encode()).decode()
    return out


HANDLERS = {
    "DescribeCluster": describe_cluster,
    "ListClusters": list_clusters,
    "DescribeAddon": describe_addon,
    "CreatePodIdentityAssociation": create_pod_identity_association,
    "DescribePodIdentityAssociation": describe_pod_identity_association,
    "UpdatePodIdentityAssociation": update_pod_identity_association,
    "DeletePodIdentityAssociation": delete_pod_identity_association,
    "ListPodIdentityAssociations": list_pod_identity_associations,
}
