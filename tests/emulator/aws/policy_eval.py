"""IAM policy evaluation for the emulator: trust policies (AssumeRoleWithWebIdentity)
and identity policies (SimulatePrincipalPolicy).

Written from IAM's documentation, independently of irsactl's C evaluator
(src/domain/trust_eval.c), so that each checks the other:

- a request is a principal (type, value), an action, a resource and a context
  (key -> list of values); a missing key is absent from the context;
- a statement applies when Principal/NotPrincipal, Action/NotAction,
  Resource/NotResource and every condition hold; an applying Deny decides
  (explicitDeny), else an applying Allow (allowed), else implicitDeny;
- conditions: operators AND, keys AND, a key's listed values OR; negated
  operators hold when no value matches (and for a missing key); IfExists holds
  for a missing key; Null tests presence; ForAnyValue / ForAllValues for sets;
- key names and actions are case-insensitive, String values case-sensitive
  except *IgnoreCase; StringLike / ArnLike and Action / Resource take * and ?.
"""

import json
import re

ALLOWED, IMPLICIT_DENY, EXPLICIT_DENY = "allowed", "implicitDeny", "explicitDeny"


def _listify(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def glob_to_regex(pattern, ignore_case=False):
    """IAM's wildcards: '*' any run, '?' one character; everything else literal."""
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("".join(parts) + r"\Z", re.S | (re.I if ignore_case else 0))


def glob_match(pattern, value, ignore_case=False):
    return glob_to_regex(pattern, ignore_case).match(value) is not None


def _string_equals(want, have):
    return want == have


def _string_equals_ic(want, have):
    return want.lower() == have.lower()


def _string_like(want, have):
    return glob_match(want, have)


def _number(s):
    try:
        return float(s)
    except ValueError:
        return None


def _numeric(cmp):
    def test(want, have):
        a, b = _number(have), _number(want)
        return a is not None and b is not None and cmp(a, b)
    return test


def _bool(want, have):
    return want.lower() == have.lower()


# name -> (match(want, have), negated)
OPERATORS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ic, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ic, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_string_equals, False),
    "ArnNotEquals": (_string_equals, True),
    "ArnLike": (_string_like, False),
    "ArnNotLike": (_string_like, True),
    "Bool": (_bool, False),
    "NumericEquals": (_numeric(lambda a, b: a == b), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b), False),
}


class Request:
    def __init__(self, action, principal_type=None, principal=None, resource="*", context=None):
        self.action = action
        self.principal_type = principal_type
        self.principal = principal
        self.resource = resource
        # context keys are case-insensitive
        self.context = {k.lower(): [_text(x) for x in _listify(v)] for k, v in (context or {}).items()}


def _condition_holds(op_name, key, wanted, req):
    """(holds, unsupported)"""
    qualifier = None
    for q in ("ForAnyValue:", "ForAllValues:"):
        if op_name.startswith(q):
            qualifier, op_name = q[:-1], op_name[len(q):]
    present = key.lower() in req.context
    have = req.context.get(key.lower(), [])
    wanted = [_text(w) for w in _listify(wanted)]
    if op_name == "Null":
        want_absent = any(w.lower() == "true" for w in wanted)
        want_present = any(w.lower() == "false" for w in wanted)
        return (not present and want_absent) or (present and want_present), False
    if_exists = op_name.endswith("IfExists")
    if if_exists:
        op_name = op_name[:-len("IfExists")]
    if op_name not in OPERATORS:
        return False, True
    match, negated = OPERATORS[op_name]

    def value_ok(h):
        hit = any(match(w, h) for w in wanted)
        return not hit if negated else hit

    if not present:
        if if_exists:
            return True, False
        if qualifier == "ForAllValues":
            return True, False
        if qualifier == "ForAnyValue":
            return False, False
        return negated, False
    if qualifier == "ForAllValues":
        return all(value_ok(h) for h in have), False
    if qualifier == "ForAnyValue":
        return any(value_ok(h) for h in have), False
    if negated:
        return all(value_ok(h) for h in have), False
    return any(value_ok(h) for h in have), False


def _principal_in(element, req):
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    if "*" in _listify(element.get("AWS")):
        return True
    for v in _listify(element.get(req.principal_type)):
        if v == "*" or v == req.principal or (req.principal_type == "Service" and
                                              v.lower() == (req.principal or "").lower()):
            return True
    return False


def _action_in(patterns, action):
    return any(glob_match(p, action, ignore_case=True) for p in _listify(patterns))


def _resource_in(patterns, resource):
    return any(glob_match(p, resource) for p in _listify(patterns))


def statement_applies(stmt, req, check_principal):
    """(applies, why-not or None)"""
    if "Action" in stmt:
        if not _action_in(stmt["Action"], req.action):
            return False, "action"
    elif "NotAction" in stmt:
        if _action_in(stmt["NotAction"], req.action):
            return False, "action"
    else:
        return False, "action"
    if check_principal:
        if "Principal" in stmt:
            if not _principal_in(stmt["Principal"], req):
                return False, "principal"
        elif "NotPrincipal" in stmt:
            if _principal_in(stmt["NotPrincipal"], req):
                return False, "principal"
        else:
            return False, "principal"
    else:
        if "Resource" in stmt and not _resource_in(stmt["Resource"], req.resource):
            return False, "resource"
        if "NotResource" in stmt and _resource_in(stmt["NotResource"], req.resource):
            return False, "resource"
    for op_name, block in (stmt.get("Condition") or {}).items():
        if not isinstance(block, dict):
            return False, "condition"
        for key, wanted in block.items():
            ok, _ = _condition_holds(op_name, key, wanted, req)
            if not ok:
                return False, "condition"
    return True, None


def statements(doc):
    if isinstance(doc, str):
        doc = json.loads(doc)
    return [s for s in _listify((doc or {}).get("Statement")) if isinstance(s, dict)]


def evaluate(policies, req, resource_policy=False):
    """policies: [(policy id, document)]. Returns (decision, matched) where matched lists
    (policy id, statement index, statement) of the statements that decided."""
    allows, denies = [], []
    for pid, doc in policies:
        for i, stmt in enumerate(statements(doc)):
            applies, _ = statement_applies(stmt, req, check_principal=resource_policy)
            if not applies:
                continue
            if stmt.get("Effect") == "Deny":
                denies.append((pid, i, stmt))
            elif stmt.get("Effect") == "Allow":
                allows.append((pid, i, stmt))
    if denies:
        return EXPLICIT_DENY, denies
    if allows:
        return ALLOWED, allows
    return IMPLICIT_DENY, []


def web_identity_request(provider_arn, issuer_key, sub, aud, amr=None):
    ctx = {issuer_key + ":sub": sub, issuer_key + ":aud": aud}
    if amr is not None:
        ctx[issuer_key + ":amr"] = amr
    return Request("sts:AssumeRoleWithWebIdentity", "Federated", provider_arn, context=ctx)
