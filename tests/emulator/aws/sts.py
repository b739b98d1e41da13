"""STS: GetCallerIdentity, AssumeRole, AssumeRoleWithWebIdentity."""

import base64
import fnmatch
import json
import re

from .errors import AwsError
from .state import with_partition

ROLE_ARN_RX = re.compile(r"^arn:([^:]+):iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)$")


def get_caller_identity(ctx, p):
    ident = ctx.identity
    return {"UserId": ident.user_id, "Account": ident.account,
            "Arn": with_partition(ident.arn, ctx.partition)}


def _role_target(ctx, arn, action):
    m = ROLE_ARN_RX.match(arn)
    if not m:
        raise AwsError("ValidationError", f"{arn} is invalid", 400)
    part, account, name = m.groups()
    store = ctx.store
    with store.lock:
        acct = store.accounts.get(account)
        role = acct.roles.get(name.lower()) if acct else None
        seeded = with_partition(arn, "aws") in {with_partition(a, "aws")
                                                for a in store.assumable_roles}
        if role is not None and with_partition(role["Arn"], "aws") != with_partition(arn, "aws"):
            role = None  # same name, different path
    return part, account, name, role, seeded


def _not_authorized(ctx, arn, action):
    who = with_partition(ctx.identity.arn, ctx.partition) if ctx.identity else "anonymous"
    return AwsError("AccessDenied", f"User: {who} is not authorized to perform: {action} on "
                    f"resource: {arn}", 403)


def _duration(p, role):
    duration = p.get("DurationSeconds", 3600)
    max_d = role["MaxSessionDuration"] if role else 43200
    if duration > max_d:
        raise AwsError("ValidationError", "The requested DurationSeconds exceeds the "
                       "MaxSessionDuration set for this role.", 400)
    return duration


def _issue(ctx, part, account, name, role, session, duration):
    role_id = role["RoleId"] if role else ctx.store.role_id_for(
        account, name, f"arn:aws:iam::{account}:role/{name}")
    ident = ctx.store.issue_temporary(
        account, f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
        f"{role_id}:{session}", duration)
    return {
        "Credentials": {"AccessKeyId": ident.access_key, "SecretAccessKey": ident.secret,
                        "SessionToken": ident.token, "Expiration": ident.expiration},
        "AssumedRoleUser": {"AssumedRoleId": ident.user_id,
                            "Arn": with_partition(ident.arn, part)},
    }


# ---------------------------------------------------------------------------
# Policy evaluation for AssumeRole: the target's trust, and for callers that
# are roles themselves, the caller role's permissions (a cross-account
# AssumeRole needs both; IAM users of accounts.json are administrators).

def _as_list(v):
    return v if isinstance(v, list) else [v]


def _statements(doc_text):
    try:
        doc = json.loads(doc_text)
    except (TypeError, ValueError):
        return []
    return [st for st in _as_list(doc.get("Statement", [])) if isinstance(st, dict)]


def _matches(patterns, value, case=False):
    for pat in _as_list(patterns):
        if not isinstance(pat, str):
            continue
        if case and fnmatch.fnmatchcase(value.lower(), pat.lower()):
            return True
        if not case and fnmatch.fnmatchcase(value, pat):
            return True
    return False


def _conditions_hold(cond, keys):
    """StringEquals / StringLike on the keys we know; any other operator or
    key does not hold (so the statement does not apply)."""
    for op, tests in (cond or {}).items():
        if op not in ("StringEquals", "StringLike") or not isinstance(tests, dict):
            return False
        for key, want in tests.items():
            have = keys.get(key.lower())
            if have is None:
                return False
            if op == "StringEquals" and have not in _as_list(want):
                return False
            if op == "StringLike" and not _matches(want, have):
                return False
    return True


def _caller_principals(ident):
    """The principal ARNs a trust may name for this caller."""
    arn = with_partition(ident.arn, "aws")
    out = [f"arn:aws:iam::{ident.account}:root", ident.account]
    m = re.match(r"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/", arn)
    if m:
        out.append(f"arn:aws:iam::{m.group(1)}:role/{m.group(2)}")
    else:
        out.append(arn)
    return out


def _trust_allows(ctx, role, keys):
    """'explicit' when a statement names the caller itself, 'account' when it
    names the caller's account, None when the trust does not allow it."""
    principals = _caller_principals(ctx.identity)
    allowed = None
    for st in _statements(role["Document"]):
        action = st.get("Action", [])
        aws = (st.get("Principal") or {}).get("AWS") if isinstance(st.get("Principal"),
                                                                     dict) else st.get("Principal")
        if aws is None or not _matches(action, "sts:AssumeRole", case=True):
            continue
        named = [with_partition(a, "aws") for a in _as_list(aws) if isinstance(a, str)]
        hit = None
        if "*" in named or principals[2] in named:
            hit = "explicit"
        elif principals[0] in named or principals[1] in named:
            hit = "account"
        if hit is None or not _conditions_hold(st.get("Condition"), keys):
            continue
        if st.get("Effect") == "Deny":
            return None
        allowed = "explicit" if "explicit" in (allowed, hit) else hit
    return allowed


def _caller_role(ctx):
    m = re.match(r"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/",
                 with_partition(ctx.identity.arn, "aws"))
    if not m:
        return None
    acct = ctx.store.accounts.get(m.group(1))
    return (acct, acct.roles.get(m.group(2).lower())) if acct else None


def _role_policy_docs(acct, role):
    from .iam import AWS_MANAGED
    docs = list(role["inline"].values())
    for arn in role["attached"]:
        name = arn.rsplit("/", 1)[-1].lower()
        pol = AWS_MANAGED.get(name) if ":iam::aws:policy/" in arn else acct.policies.get(name)
        if pol:
            docs.append(pol["versions"][pol["DefaultVersionId"]]["Document"])
    return docs


def _identity_allows(ctx, target_arn):
    found = _caller_role(ctx)
    if found is None:
        return True  # an IAM user of accounts.json: an administrator
    acct, role = found
    if role is None:
        return True  # a seeded assumable role without a record: unrestricted
    target = with_partition(target_arn, "aws")
    allowed = False
    for doc in _role_policy_docs(acct, role):
        for st in _statements(doc):
            if not _matches(st.get("Action", []), "sts:AssumeRole", case=True):
                continue
            if not _matches([with_partition(r, "aws") if isinstance(r, str) else r
                             for r in _as_list(st.get("Resource", []))], target):
                continue
            if st.get("Effect") == "Deny":
                return False
            allowed = True
    return allowed


def _check_assume_role(ctx, arn, role, p):
    keys = {"sts:externalid": p.get("ExternalId"),
            "aws:principalarn": _caller_principals(ctx.identity)[2],
            "aws:principalaccount": ctx.identity.account}
    keys = {k: v for k, v in keys.items() if v is not None}
    trust = _trust_allows(ctx, role, keys)
    cross = ctx.identity.account != role["Arn"].split(":")[4]
    if trust is None or ((cross or trust == "account") and not _identity_allows(ctx, arn)):
        raise _not_authorized(ctx, arn, "sts:AssumeRole")


def assume_role(ctx, p):
    arn = p["RoleArn"]
    part, account, name, role, seeded = _role_target(ctx, arn, "sts:AssumeRole")
    if part != ctx.partition or (role is None and not seeded):
        raise _not_authorized(ctx, arn, "sts:AssumeRole")
    if role is not None and not seeded:
        with ctx.store.lock:
            _check_assume_role(ctx, arn, role, p)
    duration = _duration(p, role)
    if (ctx.identity.temporary and "assumed-role/" in ctx.identity.arn and duration > 3600):
        raise AwsError("ValidationError", "The requested DurationSeconds exceeds the 1 hour "
                       "session limit for roles assumed by role chaining.", 400)
    return _issue(ctx, part, account, name, role, p["RoleSessionName"], duration)


def _jwt_claims(token):
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return claims if isinstance(claims, dict) else None
    except (ValueError, UnicodeDecodeError):
        return None


def assume_role_with_web_identity(ctx, p):
    arn = p["RoleArn"]
    token = p["WebIdentityToken"]
    store = ctx.store
    with store.lock:
        tokens = list(store.web_identity_tokens)
    if tokens and token not in tokens:
        raise AwsError("InvalidIdentityToken", "Couldn't retrieve verification key from your "
                       "identity provider,  please reference AssumeRoleWithWebIdentity "
                       "documentation for requirements", 400)
    part, account, name, role, seeded = _role_target(ctx, arn, "sts:AssumeRoleWithWebIdentity")
    ctx.partition = part
    duration = _duration(p, role)
    out = _issue(ctx, part, account, name, role, p["RoleSessionName"], duration)
    claims = _jwt_claims(token) or {}
    sub = claims.get("sub") if isinstance(claims.get("sub"), str) else None
    out["SubjectFromWebIdentityToken"] = sub or "system:serviceaccount:default:default"
    aud = claims.get("aud")
    if isinstance(aud, list):
        aud = aud[0] if aud else None
    out["Audience"] = aud if isinstance(aud, str) else "sts.amazonaws.com"
    iss = claims.get("iss")
    if isinstance(iss, str) and iss:
        out["Provider"] = iss
    return out


HANDLERS = {
    "GetCallerIdentity": get_caller_identity,
    "AssumeRole": assume_role,
    "AssumeRoleWithWebIdentity": assume_role_with_web_identity,
}
