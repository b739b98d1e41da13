"""Stateful IAM: OIDC providers, roles, managed policies and versions, attachments,
inline policies, tags -- per account, with IAM's errors and limits."""

import base64
import json
import re
from collections import OrderedDict
from urllib.parse import quote

from .errors import (AwsError, already_exists, delete_conflict, invalid_input, limit_exceeded,
                     malformed, no_such_entity)
from . import policy_eval
from .state import with_partition

MANAGED_POLICY_DOC = {
    "AmazonS3ReadOnlyAccess": ("/", [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*",
                                      "s3-object-lambda:Get*", "s3-object-lambda:List*"],
                                      "Resource": "*"}]),
    "AmazonS3FullAccess": ("/", [{"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"],
                                  "Resource": "*"}]),
    "AmazonEBSCSIDriverPolicy": ("/service-role/", [{"Effect": "Allow", "Action": [
        "ec2:CreateSnapshot", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:ModifyVolume",
        "ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeSnapshots",
        "ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications"],
        "Resource": "*"}]),
    "AmazonEFSCSIDriverPolicy": ("/service-role/", [{"Effect": "Allow", "Action": [
        "elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DescribeFileSystems",
        "elasticfilesystem:DescribeMountTargets", "ec2:DescribeAvailabilityZones"],
        "Resource": "*"}]),
    "AmazonEKSClusterPolicy": ("/", [{"Effect": "Allow", "Action": [
        "autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances", "ec2:DescribeVpcs",
        "elasticloadbalancing:*", "iam:CreateServiceLinkedRole", "kms:DescribeKey"],
        "Resource": "*"}]),
    "AmazonEKSWorkerNodePolicy": ("/", [{"Effect": "Allow", "Action": [
        "ec2:DescribeInstances", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets", "ec2:DescribeVolumes", "ec2:DescribeVpcs", "eks:DescribeCluster"],
        "Resource": "*"}]),
    "AmazonEKS_CNI_Policy": ("/", [{"Effect": "Allow", "Action": [
        "ec2:AssignPrivateIpAddresses", "ec2:AttachNetworkInterface",
        "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces", "ec2:UnassignPrivateIpAddresses"], "Resource": "*"}]),
    "AmazonSQSReadOnlyAccess": ("/", [{"Effect": "Allow", "Action": [
        "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListDeadLetterSourceQueues",
        "sqs:ListQueues", "sqs:ListMessageMoveTasks", "sqs:ListQueueTags"], "Resource": "*"}]),
    "AmazonSQSFullAccess": ("/", [{"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"}]),
    "AmazonEC2ContainerRegistryFullAccess": ("/", [{"Effect": "Allow", "Action": [
        "ecr:*", "cloudtrail:LookupEvents"], "Resource": "*"}]),
    "AmazonEC2ContainerRegistryReadOnly": ("/", [{"Effect": "Allow", "Action": [
        "ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:DescribeRepositories",
        "ecr:ListImages"], "Resource": "*"}]),
    "AmazonDynamoDBReadOnlyAccess": ("/", [{"Effect": "Allow", "Action": [
        "dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetItem",
        "dynamodb:Query", "dynamodb:Scan"], "Resource": "*"}]),
    "SecretsManagerReadWrite": ("/", [{"Effect": "Allow", "Action": ["secretsmanager:*"],
                                       "Resource": "*"}]),
    "CloudWatchAgentServerPolicy": ("/", [{"Effect": "Allow", "Action": [
        "cloudwatch:PutMetricData", "logs:PutLogEvents", "logs:CreateLogStream",
        "logs:CreateLogGroup"], "Resource": "*"}]),
    "ReadOnlyAccess": ("/", [{"Effect": "Allow", "Action": ["*:Describe*", "*:Get*", "*:List*"],
                              "Resource": "*"}]),
    "AdministratorAccess": ("/", [{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
}
MANAGED_CREATE_DATE = 1423785600  # 2015-02-13T00:00:00Z


def _managed_policies():
    out = OrderedDict()
    for name, (path, stmts) in sorted(MANAGED_POLICY_DOC.items()):
        doc = json.dumps({"Version": "2012-10-17", "Statement": stmts}, indent=4)
        out[name.lower()] = {
            "PolicyName": name, "Path": path, "aws_managed": True,
            "PolicyId": "ANPA" + base64.b32encode(name.encode()).decode()[:17].replace("=", "A"),
            "Description": f"AWS managed policy {name} (emulated)",
            "CreateDate": MANAGED_CREATE_DATE, "UpdateDate": MANAGED_CREATE_DATE,
            "DefaultVersionId": "v1", "next_version": 2, "Tags": [],
            "versions": OrderedDict([("v1", {"Document": doc, "CreateDate": MANAGED_CREATE_DATE})]),
        }
    return out


AWS_MANAGED = _managed_policies()

ACTION_RX = re.compile(r"^(\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]*)$")
STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                  "Resource", "NotResource", "Condition"}
CONDITION_OPS = {
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
    "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
    "ArnLike", "ArnNotEquals", "ArnNotLike", "Null"}
PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}
POLICY_ARN_RX = re.compile(r"^arn:([^:]+):iam::(\d{12}|aws):policy(/(?:[^/]+/)*)([^/]+)$")
OIDC_ARN_RX = re.compile(r"^arn:([^:]+):iam::(\d{12}):oidc-provider/(.+)$")


def _nonws_len(doc):
    return len(re.sub(r"\s", "", doc))


def _as_list(v):
    return v if isinstance(v, list) else [v]


def _strings(v):
    return all(isinstance(x, str) for x in _as_list(v)) and (not isinstance(v, list) or v)


def validate_policy(doc, kind, account=None, partition="aws"):
    """kind: 'trust' or 'identity'.  Raises MalformedPolicyDocument like IAM."""
    try:
        obj = json.loads(doc)
    except ValueError as e:
        raise malformed(f"This policy contains invalid Json ({e})")
    if not isinstance(obj, dict):
        raise malformed("This policy contains invalid Json (the document must be a JSON object)")
    extra = set(obj) - {"Version", "Id", "Statement"}
    if extra:
        raise malformed(f"Syntax errors in policy. Unknown field {sorted(extra)[0]}")
    # IAM accepts a policy without Version (it is then read as 2008-10-17).
    if "Version" in obj and obj["Version"] not in ("2012-10-17", "2008-10-17"):
        raise malformed(f"The policy failed legacy parsing (Version {obj['Version']!r} is not "
                        "2012-10-17 or 2008-10-17)")
    if "Statement" not in obj:
        raise malformed("Syntax errors in policy. Missing required field Statement")
    stmts = obj["Statement"]
    if isinstance(stmts, dict):
        stmts = [stmts]
    if not isinstance(stmts, list) or not stmts:
        raise malformed("Syntax errors in policy. Statement must be an object or a non-empty list")
    sids = set()
    for i, st in enumerate(stmts, 1):
        where = f" (statement {i})"
        if not isinstance(st, dict):
            raise malformed("Syntax errors in policy. Each statement must be a JSON object" + where)
        extra = set(st) - STATEMENT_KEYS
        if extra:
            raise malformed(f"Syntax errors in policy. Unknown field {sorted(extra)[0]}" + where)
        if "Sid" in st:
            if not isinstance(st["Sid"], str) or not re.fullmatch(r"[A-Za-z0-9]*", st["Sid"]):
                raise malformed("Statement IDs (SID) must be alpha-numeric. Check that your input "
                                "satisfies the regular expression [0-9A-Za-z]*" + where)
            if st["Sid"] and st["Sid"] in sids:
                raise malformed("Statement IDs (SID) in a single policy must be unique.")
            sids.add(st["Sid"])
        if "Effect" not in st:
            raise malformed("Missing required field Effect" + where)
        if st["Effect"] not in ("Allow", "Deny"):
            raise malformed(f"Invalid effect: {st['Effect']}" + where)
        acts = [k for k in ("Action", "NotAction") if k in st]
        if not acts:
            raise malformed("Policy statement must contain actions." + where)
        if len(acts) > 1:
            raise malformed("Syntax errors in policy. Action and NotAction are exclusive" + where)
        if not _strings(st[acts[0]]):
            raise malformed(f"Syntax errors in policy. {acts[0]} must be a string or a non-empty "
                            "list of strings" + where)
        for a in _as_list(st[acts[0]]):
            if not ACTION_RX.match(a):
                raise malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, "
                                f"ec2, etc. (got {a!r})" + where)
        princ = [k for k in ("Principal", "NotPrincipal") if k in st]
        res = [k for k in ("Resource", "NotResource") if k in st]
        if kind == "trust":
            if res:
                raise malformed(f"Has prohibited field {res[0]}" + where)
            if not princ:
                raise malformed("Missing required field Principal" + where)
            _validate_principal(st[princ[0]], account, partition, where)
        else:
            if princ:
                raise malformed("Policy document should not specify a principal." + where)
            if not res:
                raise malformed("Policy statement must contain resources." + where)
            if not _strings(st[res[0]]):
                raise malformed(f"Syntax errors in policy. {res[0]} must be a string or a "
                                "non-empty list of strings" + where)
            for r in _as_list(st[res[0]]):
                if r != "*" and not r.startswith("arn:"):
                    raise malformed(f"Resource {r} must be in ARN format or \"*\"." + where)
        if "Condition" in st:
            _validate_condition(st["Condition"], where)
    return obj


def _validate_principal(p, account, partition, where):
    if p == "*":
        return
    if not isinstance(p, dict) or not p:
        raise malformed(f"Invalid principal in policy: {json.dumps(p)}" + where)
    for typ, vals in p.items():
        if typ not in PRINCIPAL_TYPES or not _strings(vals):
            raise malformed(f"Invalid principal in policy: {json.dumps({typ: vals})}" + where)
        for v in _as_list(vals):
            # A principal ARN names something in the caller's partition.
            bad = v.startswith("arn:") and v.split(":")[1] != partition
            if bad:
                pass
            elif typ == "AWS":
                bad = not (v == "*" or re.fullmatch(r"\d{12}", v) or re.fullmatch(
                    r"arn:[a-z-]+:(iam::\d{12}:(root|user/.+|role/.+)|sts::\d{12}:assumed-role/.+)",
                    v))
            elif typ == "Service":
                bad = not re.fullmatch(r"[a-z0-9.-]+\.amazonaws\.com(\.cn)?", v)
            elif typ == "Federated":
                m = OIDC_ARN_RX.match(v)
                if m:
                    if account is not None and m.group(2) == account.id:
                        bad = m.group(1) != partition or m.group(3) not in account.providers
                elif not (re.fullmatch(r"arn:[a-z-]+:iam::\d{12}:saml-provider/.+", v)
                          or v in ("cognito-identity.amazonaws.com", "accounts.google.com",
                                   "graph.facebook.com", "www.amazon.com")):
                    bad = True
            if bad:
                raise malformed(f"Invalid principal in policy: \"{typ}\":\"{v}\"" + where)


def _validate_condition(cond, where):
    if not isinstance(cond, dict):
        raise malformed("Syntax errors in policy. Condition must be an object" + where)
    for op, body in cond.items():
        base = re.sub(r"^(ForAllValues|ForAnyValue):", "", op)
        base = base[:-len("IfExists")] if base.endswith("IfExists") and base != "Null" else base
        if base not in CONDITION_OPS:
            raise malformed(f"Invalid Condition type : {op}" + where)
        if not isinstance(body, dict) or not body:
            raise malformed(f"Syntax errors in policy. Condition {op} must map keys to values"
                            + where)
        for key, val in body.items():
            vals = _as_list(val)
            if not vals or not all(isinstance(x, (str, bool, int, float)) for x in vals):
                raise malformed(f"Syntax errors in policy. Bad value for condition key {key}"
                                + where)


# ---------------------------------------------------------------------------

class Account:
    """IAM state of one account."""

    def __init__(self, store, account_id):
        self.store = store
        self.id = account_id
        self.roles = OrderedDict()      # lower name -> role
        self.providers = OrderedDict()  # 'host/path' -> provider
        self.policies = OrderedDict()   # lower name -> customer managed policy

    # -- JSON dump for /__emu/state ---------------------------------------
    def dump(self):
        def doc(raw):
            try:
                return json.loads(raw)
            except ValueError:
                return raw
        roles = {}
        for r in self.roles.values():
            roles[r["RoleName"]] = {
                "arn": r["Arn"], "role_id": r["RoleId"],
                "path": r["Path"], "description": r.get("Description"),
                "max_session_duration": r["MaxSessionDuration"],
                "permissions_boundary": r.get("PermissionsBoundary"),
                "tags": r["Tags"], "trust": doc(r["Document"]), "trust_raw": r["Document"],
                "attached_policies": list(r["attached"]),
                "inline_policies": {n: doc(d) for n, d in r["inline"].items()},
                "create_date": _iso(r["CreateDate"]),
            }
        providers = {}
        for key, p in self.providers.items():
            providers[p["Arn"]] = {
                "url": "https://" + p["Url"], "client_ids": list(p["ClientIDList"]),
                "thumbprints": list(p["ThumbprintList"]), "tags": p["Tags"],
                "create_date": _iso(p["CreateDate"])}
        policies = {}
        for p in self.policies.values():
            policies[p["Arn"]] = {
                "name": p["PolicyName"], "path": p["Path"], "policy_id": p["PolicyId"],
                "description": p.get("Description"), "tags": p["Tags"],
                "default_version": p["DefaultVersionId"],
                "attachment_count": self.attachment_count(p["Arn"]),
                "versions": {v: {"document": doc(d["Document"]), "document_raw": d["Document"],
                                 "is_default": v == p["DefaultVersionId"],
                                 "create_date": _iso(d["CreateDate"])}
                             for v, d in p["versions"].items()}}
        return {"roles": roles, "oidc_providers": providers, "policies": policies}

    def attachment_count(self, arn):
        arn = with_partition(arn, "aws")
        return sum(1 for r in self.roles.values()
                   if arn in (with_partition(a, "aws") for a in r["attached"]))

    def boundary_count(self, arn):
        arn = with_partition(arn, "aws")
        return sum(1 for r in self.roles.values()
                   if r.get("PermissionsBoundary")
                   and with_partition(r["PermissionsBoundary"], "aws") == arn)


def _iso(ts):
    from .model import iso8601
    return iso8601(ts)


# ---------------------------------------------------------------------------
# Handler helpers

class Ctx:
    """Per-request context handed to every action handler."""

    def __init__(self, store, identity, region, partition, now, request_id):
        self.store = store
        self.identity = identity
        self.region = region
        self.partition = partition
        self.now = now
        self.request_id = request_id
        self.account = store.account(identity.account) if identity else None

    def arn(self, resource):
        return f"arn:{self.partition}:iam::{self.account.id}:{resource}"


def _paginate(ctx, items, params):
    max_items = params.get("MaxItems")
    limit = min(max_items if max_items else 100, ctx.store.page_size)
    start = 0
    marker = params.get("Marker")
    if marker:
        try:
            start = int(base64.b64decode(marker.encode()).decode().split(":", 1)[1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise AwsError("InvalidInput", "Invalid Marker.", 400) from None
    page = items[start:start + limit]
    out = {"IsTruncated": start + limit < len(items)}
    if out["IsTruncated"]:
        out["Marker"] = base64.b64encode(f"o:{start + limit}".encode()).decode()
    return page, out


def _role(ctx, name):
    role = ctx.account.roles.get(name.lower())
    if role is None:
        raise no_such_entity(f"The role with name {name} cannot be found.")
    return role


def _check_path(path, what="path"):
    if not re.fullmatch(r"/|/[\x21-\x7e]+/", path) or "//" in path:
        raise AwsError("ValidationError",
                       f"The specified value for {what} is invalid. It must begin and end with / "
                       "and contain only alphanumeric characters and/or / characters.", 400)


def _tags(tags):
    """Tags of a request (the model has checked each key and value), with IAM's own rules."""
    out, seen = [], set()
    for t in tags or []:
        key = t["Key"]
        if key.lower().startswith("aws:"):
            raise invalid_input(f"The tag key {key} uses the reserved prefix 'aws:'. Tag keys "
                                "starting with 'aws:' are reserved for AWS use.")
        if key.lower() in seen:
            raise invalid_input("Duplicate tag keys found. Please note that Tag keys are case "
                                "insensitive.")
        seen.add(key.lower())
        out.append({"Key": key, "Value": t["Value"]})
    return out


def _merge_tags(existing, new, quota="TagsPerRole", limit=50):
    """IAM tag keys are case-insensitive: a new 'env' replaces an existing 'Env'."""
    merged = OrderedDict((t["Key"].lower(), t) for t in existing)
    for t in new:
        merged[t["Key"].lower()] = t
    if len(merged) > limit:
        raise limit_exceeded(f"Cannot exceed quota for {quota}: {limit}")
    return [dict(t) for t in merged.values()]


def _untag(tags, keys):
    for k in keys:
        if k.lower().startswith("aws:"):
            raise invalid_input(f"The tag key {k} uses the reserved prefix 'aws:'. Tag keys "
                                "starting with 'aws:' are reserved for AWS use.")
    drop = {k.lower() for k in keys}
    return [t for t in tags if t["Key"].lower() not in drop]


def _policy_by_arn(ctx, arn, attachable=True):
    m = POLICY_ARN_RX.match(arn or "")
    if not m:
        raise invalid_input(f"ARN {arn} is not valid.")
    part, acct, path, name = m.groups()
    if part != ctx.partition:
        raise invalid_input(f"ARN {arn} is not valid.")
    if acct == "aws":
        p = AWS_MANAGED.get(name.lower())
    elif acct == ctx.account.id:
        p = ctx.account.policies.get(name.lower())
    else:
        p = None
    if p is None or p["Path"] != path or p["PolicyName"] != name:
        raise no_such_entity(f"Policy {arn} does not exist or is not attachable.")
    return p


def _policy_arn(ctx, p):
    if p.get("aws_managed"):
        return f"arn:{ctx.partition}:iam::aws:policy{p['Path']}{p['PolicyName']}"
    return with_partition(p["Arn"], ctx.partition)


def _role_out(ctx, r, view="get"):
    out = {"Path": r["Path"], "RoleName": r["RoleName"], "RoleId": r["RoleId"],
           "Arn": with_partition(r["Arn"], ctx.partition), "CreateDate": r["CreateDate"],
           "AssumeRolePolicyDocument": quote(r["Document"], safe=""),
           "Description": r.get("Description")}
    if view in ("get", "list"):
        out["MaxSessionDuration"] = r["MaxSessionDuration"]
    if view in ("get", "create") and r.get("PermissionsBoundary"):
        out["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": with_partition(r["PermissionsBoundary"], ctx.partition)}
    if view in ("get", "create") and r["Tags"]:
        out["Tags"] = r["Tags"]
    if view == "get":
        out["RoleLastUsed"] = {}
    return out


def _policy_out(ctx, p, view="get"):
    out = {"PolicyName": p["PolicyName"], "PolicyId": p["PolicyId"], "Arn": _policy_arn(ctx, p),
           "Path": p["Path"], "DefaultVersionId": p["DefaultVersionId"],
           "AttachmentCount": ctx.account.attachment_count(_policy_arn(ctx, p)),
           "PermissionsBoundaryUsageCount": ctx.account.boundary_count(_policy_arn(ctx, p)),
           "IsAttachable": True, "CreateDate": p["CreateDate"], "UpdateDate": p["UpdateDate"]}
    if view == "get":
        if p.get("Description"):
            out["Description"] = p["Description"]
        if p["Tags"]:
            out["Tags"] = p["Tags"]
    return out


def _check_trust(ctx, doc, account=None):
    validate_policy(doc, "trust", account or ctx.account, ctx.partition)
    limit = ctx.store.quotas["ACLSizePerRole"]
    if _nonws_len(doc) > limit:
        raise limit_exceeded(f"Cannot exceed quota for ACLSizePerRole: {limit}")


def _check_managed_doc(ctx, doc):
    validate_policy(doc, "identity")
    limit = ctx.store.quotas["PolicySize"]
    if _nonws_len(doc) > limit:
        raise limit_exceeded(f"Cannot exceed quota for PolicySize: {limit}")


def _boundary(ctx, arn):
    try:
        p = _policy_by_arn(ctx, arn)
    except AwsError:
        raise invalid_input(f"Scope ARN: {arn} does not exist or is not attachable.") from None
    return _policy_arn(ctx, p)


# ---------------------------------------------------------------------------
# OIDC providers

def _provider_key(url, allow_port=False):
    """'host/path' of an issuer URL, by IAM's rules: https://, a host, an optional path,
    no port, no user, no query or fragment.  The host is case-insensitive.

    allow_port: a test's local issuer listens on a random port (seed
    ``issuer_url_ports``); IAM itself refuses a port."""
    if not url.lower().startswith("https://"):
        raise invalid_input("The URL must begin with https:// (got "
                            f"{url!r}).")
    rest = url[len("https://"):].rstrip("/")
    host, _, path = rest.partition("/")
    if not host or re.search(r"[\s?#]", rest) or not re.fullmatch(r"[\x21-\x7e]+", rest):
        raise invalid_input(f"Invalid Url: {url}. It must be https:// and a host name, "
                            "optionally followed by a path, without query or fragment.")
    if "@" in host or (":" in host and not allow_port):
        raise invalid_input(f"Invalid Url: {url}. The URL must not contain a port number or "
                            "user information.")
    return host.lower() + ("/" + path if path else "")


def _provider(ctx, arn):
    m = OIDC_ARN_RX.match(arn or "")
    if not m:
        raise invalid_input(f"ARN {arn} is not valid.")
    part, acct, key = m.groups()
    p = ctx.account.providers.get(key) if acct == ctx.account.id and part == ctx.partition else None
    if p is None:
        raise no_such_entity(f"OpenIDConnect Provider not found for arn {arn}")
    return p


def _check_thumbprints(tps):
    for t in tps:
        if not re.fullmatch(r"[0-9A-Fa-f]{40}", t):
            raise invalid_input(f"Thumbprint {t!r} must be 40 hexadecimal characters "
                                "(the SHA-1 of the certificate).")
    if len(tps) > 5:
        raise limit_exceeded("Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5")


def create_oidc_provider(ctx, p):
    key = _provider_key(p["Url"], ctx.store.issuer_url_ports)
    if key in ctx.account.providers:
        raise already_exists(f"Provider with url https://{key} already exists.")
    tps = p.get("ThumbprintList") or []
    _check_thumbprints(tps)
    cids = []
    for c in p.get("ClientIDList") or []:
        if c not in cids:
            cids.append(c)
    if len(cids) > 100:
        raise limit_exceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
    if len(ctx.account.providers) >= 100:
        raise limit_exceeded("Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100")
    tags = _merge_tags([], _tags(p.get("Tags")), "TagsPerOpenIdConnectProvider")
    arn = ctx.arn(f"oidc-provider/{key}")
    ctx.account.providers[key] = {"Arn": arn, "Url": key, "ClientIDList": cids,
                                  "ThumbprintList": tps, "Tags": tags, "CreateDate": ctx.now}
    out = {"OpenIDConnectProviderArn": arn}
    if tags:
        out["Tags"] = tags
    return out


def get_oidc_provider(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    out = {"Url": prov["Url"], "ClientIDList": prov["ClientIDList"],
           "ThumbprintList": prov["ThumbprintList"], "CreateDate": prov["CreateDate"]}
    if prov["Tags"]:
        out["Tags"] = prov["Tags"]
    return out


def list_oidc_providers(ctx, p):
    return {"OpenIDConnectProviderList": [
        {"Arn": with_partition(v["Arn"], ctx.partition)}
        for _, v in sorted(ctx.account.providers.items())]}


def delete_oidc_provider(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    del ctx.account.providers[prov["Url"]]


def add_client_id(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    if p["ClientID"] not in prov["ClientIDList"]:
        if len(prov["ClientIDList"]) >= 100:
            raise limit_exceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100")
        prov["ClientIDList"].append(p["ClientID"])


def remove_client_id(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    if p["ClientID"] in prov["ClientIDList"]:
        prov["ClientIDList"].remove(p["ClientID"])


def update_thumbprint(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    tps = p.get("ThumbprintList") or []
    _check_thumbprints(tps)
    prov["ThumbprintList"] = list(tps)


def tag_oidc_provider(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    prov["Tags"] = _merge_tags(prov["Tags"], _tags(p["Tags"]), "TagsPerOpenIdConnectProvider")


def untag_oidc_provider(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    prov["Tags"] = _untag(prov["Tags"], p["TagKeys"])


def list_oidc_provider_tags(ctx, p):
    prov = _provider(ctx, p["OpenIDConnectProviderArn"])
    page, out = _paginate(ctx, prov["Tags"], p)
    out["Tags"] = page
    return out


# ---------------------------------------------------------------------------
# Roles

def create_role(ctx, p):
    name = p["RoleName"]
    path = p.get("Path", "/")
    _check_path(path)
    if name.lower() in ctx.account.roles:
        raise already_exists(f"Role with name {name} already exists.")
    doc = p["AssumeRolePolicyDocument"]
    _check_trust(ctx, doc)
    tags = _merge_tags([], _tags(p.get("Tags")))
    boundary = _boundary(ctx, p["PermissionsBoundary"]) if p.get("PermissionsBoundary") else None
    if len(ctx.account.roles) >= 1000:
        raise limit_exceeded("Cannot exceed quota for RolesPerAccount: 1000")
    role = {"RoleName": name, "Path": path, "RoleId": ctx.store.next_id("AROA", ctx.account.id),
            "Arn": ctx.arn(f"role{path}{name}"), "CreateDate": ctx.now, "Document": doc,
            "Description": p.get("Description"),
            "MaxSessionDuration": p.get("MaxSessionDuration", 3600),
            "PermissionsBoundary": boundary, "Tags": tags, "attached": [],
            "inline": OrderedDict()}
    ctx.account.roles[name.lower()] = role
    return {"Role": _role_out(ctx, role, "create")}


def get_role(ctx, p):
    return {"Role": _role_out(ctx, _role(ctx, p["RoleName"]), "get")}


def list_roles(ctx, p):
    prefix = p.get("PathPrefix", "/")
    roles = sorted((r for r in ctx.account.roles.values() if r["Path"].startswith(prefix)),
                   key=lambda r: r["RoleName"].lower())
    page, out = _paginate(ctx, roles, p)
    out["Roles"] = [_role_out(ctx, r, "list") for r in page]
    return out


def delete_role(ctx, p):
    role = _role(ctx, p["RoleName"])
    if role["attached"]:
        raise delete_conflict("Cannot delete entity, must detach all policies first.")
    if role["inline"]:
        raise delete_conflict("Cannot delete entity, must delete policies first.")
    del ctx.account.roles[role["RoleName"].lower()]


def update_assume_role_policy(ctx, p):
    role = _role(ctx, p["RoleName"])
    _check_trust(ctx, p["PolicyDocument"])
    role["Document"] = p["PolicyDocument"]


def update_role(ctx, p):
    role = _role(ctx, p["RoleName"])
    if "Description" in p:
        role["Description"] = p["Description"] or None
    if "MaxSessionDuration" in p:
        role["MaxSessionDuration"] = p["MaxSessionDuration"]
    return {}


def update_role_description(ctx, p):
    role = _role(ctx, p["RoleName"])
    role["Description"] = p["Description"] or None
    return {"Role": _role_out(ctx, role, "get")}


def tag_role(ctx, p):
    role = _role(ctx, p["RoleName"])
    role["Tags"] = _merge_tags(role["Tags"], _tags(p["Tags"]))


def untag_role(ctx, p):
    role = _role(ctx, p["RoleName"])
    role["Tags"] = _untag(role["Tags"], p["TagKeys"])


def list_role_tags(ctx, p):
    role = _role(ctx, p["RoleName"])
    page, out = _paginate(ctx, role["Tags"], p)
    out["Tags"] = page
    return out


def put_role_permissions_boundary(ctx, p):
    role = _role(ctx, p["RoleName"])
    role["PermissionsBoundary"] = _boundary(ctx, p["PermissionsBoundary"])


def delete_role_permissions_boundary(ctx, p):
    role = _role(ctx, p["RoleName"])
    role["PermissionsBoundary"] = None


# ---------------------------------------------------------------------------
# Managed policies

def create_policy(ctx, p):
    name = p["PolicyName"]
    path = p.get("Path", "/")
    _check_path(path)
    if name.lower() in ctx.account.policies:
        raise already_exists(f"A policy called {name} already exists. Duplicate names are not "
                             "allowed.")
    _check_managed_doc(ctx, p["PolicyDocument"])
    tags = _merge_tags([], _tags(p.get("Tags")), "TagsPerPolicy")
    pol = {"PolicyName": name, "Path": path, "PolicyId": ctx.store.next_id("ANPA", ctx.account.id),
           "Arn": ctx.arn(f"policy{path}{name}"), "Description": p.get("Description"),
           "CreateDate": ctx.now, "UpdateDate": ctx.now, "DefaultVersionId": "v1",
           "next_version": 2, "Tags": tags,
           "versions": OrderedDict([("v1", {"Document": p["PolicyDocument"],
                                            "CreateDate": ctx.now})])}
    ctx.account.policies[name.lower()] = pol
    out = _policy_out(ctx, pol, "create")
    if tags:
        out["Tags"] = tags
    return {"Policy": out}


def get_policy(ctx, p):
    return {"Policy": _policy_out(ctx, _policy_by_arn(ctx, p["PolicyArn"]), "get")}


def _version(pol, arn, vid):
    v = pol["versions"].get(vid)
    if v is None:
        raise no_such_entity(f"Policy {arn} version {vid} does not exist or is not attachable.")
    return v


def _version_out(pol, vid, v, document):
    out = {"VersionId": vid, "IsDefaultVersion": vid == pol["DefaultVersionId"],
           "CreateDate": v["CreateDate"]}
    if document:
        out["Document"] = quote(v["Document"], safe="")
    return out


def get_policy_version(ctx, p):
    pol = _policy_by_arn(ctx, p["PolicyArn"])
    v = _version(pol, p["PolicyArn"], p["VersionId"])
    return {"PolicyVersion": _version_out(pol, p["VersionId"], v, True)}


def _customer_policy(ctx, arn):
    pol = _policy_by_arn(ctx, arn)
    if pol.get("aws_managed"):
        raise AwsError("AccessDenied", f"User: {ctx.identity.arn} is not authorized to modify "
                       f"the AWS managed policy {arn}", 403)
    return pol


def create_policy_version(ctx, p):
    pol = _customer_policy(ctx, p["PolicyArn"])
    _check_managed_doc(ctx, p["PolicyDocument"])
    if len(pol["versions"]) >= ctx.store.quotas["VersionsPerPolicy"]:
        raise limit_exceeded(f"A managed policy can have up to "
                             f"{ctx.store.quotas['VersionsPerPolicy']} versions. Before you create "
                             "a new version, you must delete an existing version.")
    vid = f"v{pol['next_version']}"
    pol["next_version"] += 1
    pol["versions"][vid] = {"Document": p["PolicyDocument"], "CreateDate": ctx.now}
    pol["UpdateDate"] = ctx.now
    if p.get("SetAsDefault"):
        pol["DefaultVersionId"] = vid
    return {"PolicyVersion": _version_out(pol, vid, pol["versions"][vid], False)}


def delete_policy_version(ctx, p):
    pol = _customer_policy(ctx, p["PolicyArn"])
    _version(pol, p["PolicyArn"], p["VersionId"])
    if p["VersionId"] == pol["DefaultVersionId"]:
        raise delete_conflict("Cannot delete the default version of a policy.")
    del pol["versions"][p["VersionId"]]


def set_default_policy_version(ctx, p):
    pol = _customer_policy(ctx, p["PolicyArn"])
    _version(pol, p["PolicyArn"], p["VersionId"])
    pol["DefaultVersionId"] = p["VersionId"]
    pol["UpdateDate"] = ctx.now


def list_policy_versions(ctx, p):
    pol = _policy_by_arn(ctx, p["PolicyArn"])
    items = sorted(pol["versions"].items(), key=lambda kv: -int(kv[0][1:]))
    page, out = _paginate(ctx, items, p)
    out["Versions"] = [_version_out(pol, vid, v, False) for vid, v in page]
    return out


def delete_policy(ctx, p):
    pol = _customer_policy(ctx, p["PolicyArn"])
    if ctx.account.attachment_count(p["PolicyArn"]) or ctx.account.boundary_count(p["PolicyArn"]):
        raise delete_conflict("Cannot delete a policy attached to entities.")
    if len(pol["versions"]) > 1:
        raise delete_conflict("This policy has more than one version. Before you delete a policy, "
                              "you must delete the policy's versions. The default version is "
                              "deleted with the policy.")
    del ctx.account.policies[pol["PolicyName"].lower()]


def list_policies(ctx, p):
    scope = p.get("Scope", "All")
    prefix = p.get("PathPrefix", "/")
    pols = []
    if scope in ("All", "AWS"):
        pols += list(AWS_MANAGED.values())
    if scope in ("All", "Local"):
        pols += list(ctx.account.policies.values())
    pols = [x for x in pols if x["Path"].startswith(prefix)]
    if p.get("OnlyAttached"):
        pols = [x for x in pols if ctx.account.attachment_count(_policy_arn(ctx, x))]
    pols.sort(key=lambda x: (x["PolicyName"].lower(), x.get("aws_managed", False)))
    page, out = _paginate(ctx, pols, p)
    out["Policies"] = [_policy_out(ctx, x, "list") for x in page]
    return out


def list_entities_for_policy(ctx, p):
    arn = _policy_arn(ctx, _policy_by_arn(ctx, p["PolicyArn"]))
    flt = p.get("EntityFilter")
    prefix = p.get("PathPrefix", "/")
    usage = p.get("PolicyUsageFilter")
    roles = []
    if flt in (None, "Role"):
        for r in sorted(ctx.account.roles.values(), key=lambda r: r["RoleName"].lower()):
            if not r["Path"].startswith(prefix):
                continue
            attached = arn in (with_partition(a, ctx.partition) for a in r["attached"])
            boundary = (r.get("PermissionsBoundary")
                        and with_partition(r["PermissionsBoundary"], ctx.partition) == arn)
            if (usage in (None, "PermissionsPolicy") and attached) or (
                    usage in (None, "PermissionsBoundary") and boundary):
                roles.append({"RoleName": r["RoleName"], "RoleId": r["RoleId"]})
    page, out = _paginate(ctx, roles, p)
    out.update({"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": page})
    return out


# ---------------------------------------------------------------------------
# Attachments and inline policies

def attach_role_policy(ctx, p):
    role = _role(ctx, p["RoleName"])
    arn = _policy_arn(ctx, _policy_by_arn(ctx, p["PolicyArn"]))
    current = [with_partition(a, ctx.partition) for a in role["attached"]]
    if arn in current:
        return
    limit = ctx.store.quotas["PoliciesPerRole"]
    if len(role["attached"]) >= limit:
        raise limit_exceeded(f"Cannot exceed quota for PoliciesPerRole: {limit}")
    role["attached"].append(arn)


def detach_role_policy(ctx, p):
    role = _role(ctx, p["RoleName"])
    m = POLICY_ARN_RX.match(p["PolicyArn"])
    if not m or m.group(1) != ctx.partition:
        raise invalid_input(f"ARN {p['PolicyArn']} is not valid.")
    for a in list(role["attached"]):
        if with_partition(a, ctx.partition) == p["PolicyArn"]:
            role["attached"].remove(a)
            return
    raise no_such_entity(f"Policy {p['PolicyArn']} was not found.")


def list_attached_role_policies(ctx, p):
    role = _role(ctx, p["RoleName"])
    prefix = p.get("PathPrefix", "/")
    items = []
    for a in role["attached"]:
        m = POLICY_ARN_RX.match(a)
        if m.group(3).startswith(prefix):
            items.append({"PolicyName": m.group(4), "PolicyArn": with_partition(a, ctx.partition)})
    page, out = _paginate(ctx, items, p)
    out["AttachedPolicies"] = page
    return out


def put_role_policy(ctx, p):
    role = _role(ctx, p["RoleName"])
    doc = p["PolicyDocument"]
    validate_policy(doc, "identity")
    others = sum(_nonws_len(d) for n, d in role["inline"].items() if n != p["PolicyName"])
    limit = ctx.store.quotas["RolePolicySize"]
    if others + _nonws_len(doc) > limit:
        raise limit_exceeded(f"Maximum policy size of {limit} bytes exceeded for role "
                             f"{role['RoleName']}")
    role["inline"][p["PolicyName"]] = doc


def get_role_policy(ctx, p):
    role = _role(ctx, p["RoleName"])
    doc = role["inline"].get(p["PolicyName"])
    if doc is None:
        raise no_such_entity(f"The role policy with name {p['PolicyName']} cannot be found.")
    return {"RoleName": role["RoleName"], "PolicyName": p["PolicyName"],
            "PolicyDocument": quote(doc, safe="")}


def delete_role_policy(ctx, p):
    role = _role(ctx, p["RoleName"])
    if p["PolicyName"] not in role["inline"]:
        raise no_such_entity(f"The role policy with name {p['PolicyName']} cannot be found.")
    del role["inline"][p["PolicyName"]]


def _role_detail(ctx, r):
    """A RoleDetailList member: the role with its policies, as one read."""
    out = {k: v for k, v in _role_out(ctx, r, "create").items()
           if k not in ("Description",)}
    out["InstanceProfileList"] = []
    out["RolePolicyList"] = [{"PolicyName": n, "PolicyDocument": quote(d, safe="")}
                             for n, d in role_inline_sorted(r)]
    out["AttachedManagedPolicies"] = [
        {"PolicyName": POLICY_ARN_RX.match(a).group(4),
         "PolicyArn": with_partition(a, ctx.partition)} for a in r["attached"]]
    out["RoleLastUsed"] = {}
    return out


def role_inline_sorted(r):
    return sorted(r["inline"].items())


def get_account_authorization_details(ctx, p):
    """Only the Role filter is served (what irsactl reads); other entity
    kinds come back as empty lists."""
    kinds = p.get("Filter") or ["User", "Role", "Group", "LocalManagedPolicy",
                                "AWSManagedPolicy"]
    roles = []
    if "Role" in kinds:
        roles = sorted(ctx.account.roles.values(), key=lambda r: r["RoleName"].lower())
    page, out = _paginate(ctx, roles, p)
    out["RoleDetailList"] = [_role_detail(ctx, r) for r in page]
    for k, key in (("User", "UserDetailList"), ("Group", "GroupDetailList")):
        if k in kinds:
            out[key] = []
    if "LocalManagedPolicy" in kinds or "AWSManagedPolicy" in kinds:
        out["Policies"] = []
    return out


def list_role_policies(ctx, p):
    role = _role(ctx, p["RoleName"])
    page, out = _paginate(ctx, sorted(role["inline"]), p)
    out["PolicyNames"] = page
    return out



# ---------------------------------------------------------------------------
# Policy simulation

ROLE_SOURCE_RX = re.compile(r"^arn:([^:]+):iam::(\d{12}):role(/(?:[\x21-\x7e]*/)?)([\w+=,.@-]+)$")


def _role_policies(ctx, role):
    """[(SourcePolicyId, SourcePolicyType, document)] of the role's identity policies."""
    out = []
    for a in role["attached"]:
        m = POLICY_ARN_RX.match(a)
        pol = (AWS_MANAGED.get(m.group(4).lower()) if m.group(2) == "aws"
               else ctx.account.policies.get(m.group(4).lower()))
        if pol is None:
            continue
        doc = pol["versions"][pol["DefaultVersionId"]]["Document"]
        out.append((pol["PolicyName"], "aws-managed" if pol.get("aws_managed") else "user-managed", doc))
    for name, doc in role["inline"].items():
        out.append((name, "role", doc))
    return out


def _boundary_document(ctx, arn):
    m = POLICY_ARN_RX.match(arn or "")
    if not m:
        return None
    pol = (AWS_MANAGED.get(m.group(4).lower()) if m.group(2) == "aws"
           else ctx.account.policies.get(m.group(4).lower()))
    return pol["versions"][pol["DefaultVersionId"]]["Document"] if pol else None


def _context(entries):
    ctx = {}
    for e in entries or []:
        ctx[e["ContextKeyName"]] = list(e.get("ContextKeyValues") or [])
    return ctx


def simulate_principal_policy(ctx, p):
    arn = p["PolicySourceArn"]
    m = ROLE_SOURCE_RX.match(arn)
    if not m:
        raise invalid_input(f"Invalid ARN: {arn}. Only role ARNs are simulated by the irsactl AWS "
                            "emulator.")
    part, acct, path, name = m.groups()
    role = ctx.account.roles.get(name.lower()) if acct == ctx.account.id else None
    if role is None or role["Path"] != path:
        raise no_such_entity(f"The role with name {name} cannot be found.")
    sources = _role_policies(ctx, role)
    for i, doc in enumerate(p.get("PolicyInputList") or [], 1):
        sources.append((f"PolicyInputList.{i}", "none", doc))
    boundary = _boundary_document(ctx, role.get("PermissionsBoundary"))
    context = _context(p.get("ContextEntries"))
    results = []
    for action in p["ActionNames"]:
        for resource in p.get("ResourceArns") or ["*"]:
            req = policy_eval.Request(action, resource=resource, context=context)
            decision, matched = policy_eval.evaluate(
                [((pid, ptype), doc) for pid, ptype, doc in sources], req)
            result = {"EvalActionName": action, "EvalResourceName": resource,
                      "EvalDecision": decision,
                      "MatchedStatements": [{"SourcePolicyId": pid, "SourcePolicyType": ptype}
                                            for (pid, ptype), _, _ in matched],
                      "MissingContextValues": []}
            if boundary is not None and decision == policy_eval.ALLOWED:
                bdec, _ = policy_eval.evaluate([("boundary", boundary)], req)
                allowed = bdec == policy_eval.ALLOWED
                result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed}
                if not allowed:
                    result["EvalDecision"] = policy_eval.IMPLICIT_DENY
                    result["MatchedStatements"] = []
            results.append(result)
    page, out = _paginate(ctx, results, p)
    out["EvaluationResults"] = page
    return out

HANDLERS = {
    "CreateOpenIDConnectProvider": create_oidc_provider,
    "GetOpenIDConnectProvider": get_oidc_provider,
    "ListOpenIDConnectProviders": list_oidc_providers,
    "DeleteOpenIDConnectProvider": delete_oidc_provider,
    "AddClientIDToOpenIDConnectProvider": add_client_id,
    "RemoveClientIDFromOpenIDConnectProvider": remove_client_id,
    "UpdateOpenIDConnectProviderThumbprint": update_thumbprint,
    "TagOpenIDConnectProvider": tag_oidc_provider,
    "UntagOpenIDConnectProvider": untag_oidc_provider,
    "ListOpenIDConnectProviderTags": list_oidc_provider_tags,
    "CreateRole": create_role,
    "GetRole": get_role,
    "ListRoles": list_roles,
    "DeleteRole": delete_role,
    "UpdateAssumeRolePolicy": update_assume_role_policy,
    "UpdateRole": update_role,
    "UpdateRoleDescription": update_role_description,
    "TagRole": tag_role,
    "UntagRole": untag_role,
    "ListRoleTags": list_role_tags,
    "PutRolePermissionsBoundary": put_role_permissions_boundary,
    "DeleteRolePermissionsBoundary": delete_role_permissions_boundary,
    "CreatePolicy": create_policy,
    "GetPolicy": get_policy,
    "GetPolicyVersion": get_policy_version,
    "CreatePolicyVersion": create_policy_version,
    "DeletePolicyVersion": delete_policy_version,
    "SetDefaultPolicyVersion": set_default_policy_version,
    "ListPolicyVersions": list_policy_versions,
    "DeletePolicy": delete_policy,
    "ListPolicies": list_policies,
    "ListEntitiesForPolicy": list_entities_for_policy,
    "AttachRolePolicy": attach_role_policy,
    "DetachRolePolicy": detach_role_policy,
    "ListAttachedRolePolicies": list_attached_role_policies,
    "PutRolePolicy": put_role_policy,
    "GetRolePolicy": get_role_policy,
    "DeleteRolePolicy": delete_role_policy,
    "ListRolePolicies": list_role_policies,
    "SimulatePrincipalPolicy": simulate_principal_policy,
    "GetAccountAuthorizationDetails": get_account_authorization_details,
}


# ---------------------------------------------------------------------------
# Seeding (control API): bypasses request validation but keeps the same records

def seed_role(store, spec, now):
    account = store.account(str(spec.get("account") or store.default_account))
    name = spec["name"]
    path = spec.get("path", "/")
    trust = spec.get("trust") or {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"}]}
    doc = trust if isinstance(trust, str) else json.dumps(trust)
    partition = spec.get("partition", "aws")
    role = {"RoleName": name, "Path": path, "RoleId": store.next_id("AROA", account.id),
            "Arn": f"arn:{partition}:iam::{account.id}:role{path}{name}", "CreateDate": now,
            "Document": doc, "Description": spec.get("description"),
            "MaxSessionDuration": spec.get("max_session_duration", 3600),
            "PermissionsBoundary": spec.get("permissions_boundary"),
            "Tags": [{"Key": k, "Value": v} for k, v in (spec.get("tags") or {}).items()],
            "attached": list(spec.get("attached_policies") or []),
            "inline": OrderedDict((n, d if isinstance(d, str) else json.dumps(d))
                                  for n, d in (spec.get("inline_policies") or {}).items())}
    account.roles[name.lower()] = role
    return role


def seed_policy(store, spec, now):
    account = store.account(str(spec.get("account") or store.default_account))
    name = spec["name"]
    path = spec.get("path", "/")
    doc = spec["document"]
    doc = doc if isinstance(doc, str) else json.dumps(doc)
    partition = spec.get("partition", "aws")
    account.policies[name.lower()] = {
        "PolicyName": name, "Path": path, "PolicyId": store.next_id("ANPA", account.id),
        "Arn": f"arn:{partition}:iam::{account.id}:policy{path}{name}",
        "Description": spec.get("description"), "CreateDate": now, "UpdateDate": now,
        "DefaultVersionId": "v1", "next_version": 2, "Tags": [],
        "versions": OrderedDict([("v1", {"Document": doc, "CreateDate": now})])}


def seed_provider(store, spec, now):
    account = store.account(str(spec.get("account") or store.default_account))
    key = _provider_key(spec["url"], allow_port=True)
    partition = spec.get("partition", "aws")
    account.providers[key] = {
        "Arn": f"arn:{partition}:iam::{account.id}:oidc-provider/{key}", "Url": key,
        "ClientIDList": list(spec.get("client_ids", ["sts.amazonaws.com"])),
        "ThumbprintList": list(spec.get("thumbprints", [])),
        "Tags": [{"Key": k, "Value": v} for k, v in (spec.get("tags") or {}).items()],
        "CreateDate": now}
