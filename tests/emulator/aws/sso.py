"""IAM Identity Center (SSO): the portal's GetRoleCredentials and SSO OIDC's CreateToken,
both unsigned as in AWS (a bearer token, or no auth at all), plus a control route to seed
them.

    POST /__emu/sso/seed   {"access_tokens": {"TOKEN": EXPIRES_EPOCH_OR_NULL},
                            "clients": {"CLIENT_ID": "CLIENT_SECRET"},
                            "refresh_tokens": {"REFRESH_TOKEN": "CLIENT_ID"},
                            "assignments": [{"account_id": "...", "role_name": "..."}],
                            "user": "alice@example.com", "token_lifetime": 28800}
                           replaces the whole SSO state (/__emu/reset clears it)
    GET  /__emu/sso/state  the state (tokens included: test-only values)

GetRoleCredentials (GET /federation/credentials?role_name=R&account_id=A, header
x-amz-sso_bearer_token) answers temporary credentials of the role
arn:aws:iam::A:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_R_<hash> that the
emulator's STS then accepts. CreateToken (POST /token, JSON) supports the refresh_token
grant: a known client with its secret and a live refresh token get a new access token
and a new refresh token (the old one is spent)."""

import hashlib
import json
import secrets
from urllib.parse import parse_qsl

from .errors import AwsError

SEED_PATH = "/__emu/sso/seed"
STATE_PATH = "/__emu/sso/state"
PORTAL_PATH = "/federation/credentials"
OIDC_TOKEN_PATH = "/token"
PATHS = (SEED_PATH, STATE_PATH, PORTAL_PATH, OIDC_TOKEN_PATH)
BEARER_HEADER = "x-amz-sso_bearer_token"


def handles(path):
    return path in PATHS


class SsoState:
    def __init__(self, spec=None):
        spec = spec or {}
        unknown = set(spec) - {"access_tokens", "clients", "refresh_tokens", "assignments",
                               "user", "token_lifetime"}
        if unknown:
            raise ValueError(f"unknown SSO seed keys {sorted(unknown)}")
        self.access_tokens = dict(spec.get("access_tokens") or {})
        self.clients = dict(spec.get("clients") or {})
        self.refresh_tokens = dict(spec.get("refresh_tokens") or {})
        self.assignments = {(a["account_id"], a["role_name"])
                            for a in spec.get("assignments") or []}
        self.user = spec.get("user") or "alice@example.com"
        self.token_lifetime = int(spec.get("token_lifetime") or 28800)

    def dump(self):
        return {"access_tokens": self.access_tokens, "clients": self.clients,
                "refresh_tokens": self.refresh_tokens,
                "assignments": [{"account_id": a, "role_name": r}
                                for a, r in sorted(self.assignments)],
                "user": self.user, "token_lifetime": self.token_lifetime}


def _state(store):
    """The SSO state of this store (call with store.lock held). /__emu/reset replaces
    store.accounts with a new dict: a state made before that starts afresh."""
    st = getattr(store, "_sso_state", None)
    if st is None or st.world is not store.accounts:
        st = _new_state(store)
    return st


def _new_state(store, spec=None):
    st = store._sso_state = SsoState(spec)
    st.world = store.accounts
    return st


def dispatch(handler, path, query, body):
    """Answer one request on an SSO path (handler is the server's request handler)."""
    store = handler.server.store
    if path == SEED_PATH or path == STATE_PATH:
        _control(handler, store, path, body)
        return
    rec = handler._record(path)
    rec["service"] = "sso" if path == PORTAL_PATH else "sso-oidc"
    rec["action"] = "GetRoleCredentials" if path == PORTAL_PATH else "CreateToken"
    try:
        if path == PORTAL_PATH:
            out = _get_role_credentials(handler, store, query)
        else:
            out = _create_token(handler, store, body)
        handler._json(200, out, rec)
    except AwsError as e:
        rec["error_code"] = e.code
        payload = {"message": e.message}
        payload.update(e.extra)
        handler._json(e.status, payload, rec, {"x-amzn-ErrorType": e.code})


def _control(handler, store, path, body):
    try:
        if path == SEED_PATH and handler.command == "POST":
            spec = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(spec, dict):
                raise ValueError("the SSO seed must be a JSON object")
            with store.lock:
                _new_state(store, spec)
            handler._json(200, {"ok": True})
        elif path == STATE_PATH and handler.command == "GET":
            with store.lock:
                handler._json(200, _state(store).dump())
        else:
            handler._json(404, {"error": f"no control endpoint {handler.command} {path}"})
    except (ValueError, KeyError, TypeError) as e:
        handler._json(400, {"error": f"{type(e).__name__}: {e}"})


def _role_arn(account, role_name):
    suffix = hashlib.sha256(f"{account}/{role_name}".encode()).hexdigest()[:16]
    return (f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/"
            f"AWSReservedSSO_{role_name}_{suffix}")


def _get_role_credentials(handler, store, query):
    if handler.command != "GET":
        raise AwsError("InvalidRequestException", "GetRoleCredentials is a GET", 400)
    params = dict(parse_qsl(query, keep_blank_values=True))
    role_name, account = params.get("role_name"), params.get("account_id")
    token = handler.headers.get(BEARER_HEADER)
    if not role_name or not account:
        raise AwsError("InvalidRequestException", "role_name and account_id are required", 400)
    if not (len(account) == 12 and account.isdigit()):
        raise AwsError("InvalidRequestException", "account_id must be 12 digits", 400)
    if not token:
        raise AwsError("UnauthorizedException", "Session token not found or invalid", 401)
    with store.lock:
        st = _state(store)
        expires = st.access_tokens.get(token, False)
        if expires is False or (expires is not None and expires <= store.now()):
            raise AwsError("UnauthorizedException", "Session token not found or invalid", 401)
        if (account, role_name) not in st.assignments:
            raise AwsError("ForbiddenException", "No access", 403)
        arn = _role_arn(account, role_name)
        name = arn.rsplit("/", 1)[1]
        role_id = store.role_id_for(account, name, arn)
        ident = store.issue_temporary(account,
                                      f"arn:aws:sts::{account}:assumed-role/{name}/{st.user}",
                                      f"{role_id}:{st.user}", 3600)
    return {"roleCredentials": {"accessKeyId": ident.access_key,
                                "secretAccessKey": ident.secret,
                                "sessionToken": ident.token,
                                "expiration": int(ident.expiration) * 1000}}


def _oidc_error(code, description, status=400):
    error = {"InvalidClientException": "invalid_client",
             "InvalidGrantException": "invalid_grant",
             "UnsupportedGrantTypeException": "unsupported_grant_type"}.get(code,
                                                                           "invalid_request")
    return AwsError(code, description, status,
                    {"error": error, "error_description": description})


def _create_token(handler, store, body):
    if handler.command != "POST":
        raise _oidc_error("InvalidRequestException", "CreateToken is a POST")
    try:
        req = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise _oidc_error("InvalidRequestException", "the body is not JSON") from None
    if not isinstance(req, dict):
        raise _oidc_error("InvalidRequestException", "the body is not a JSON object")
    for key in ("clientId", "clientSecret", "grantType"):
        if not isinstance(req.get(key), str) or not req[key]:
            raise _oidc_error("InvalidRequestException", f"{key} is required")
    with store.lock:
        st = _state(store)
        secret = st.clients.get(req["clientId"])
        if secret is None or not secrets.compare_digest(secret, req["clientSecret"]):
            raise _oidc_error("InvalidClientException", "Invalid client provided", 401)
        if req["grantType"] != "refresh_token":
            raise _oidc_error("UnsupportedGrantTypeException",
                              f"grant type {req['grantType']} is not supported here")
        refresh = req.get("refreshToken")
        if not isinstance(refresh, str) or st.refresh_tokens.get(refresh) != req["clientId"]:
            raise _oidc_error("InvalidGrantException", "Invalid refresh token provided")
        del st.refresh_tokens[refresh]
        access = "aoa" + secrets.token_urlsafe(48)
        new_refresh = "aor" + secrets.token_urlsafe(48)
        st.access_tokens[access] = int(store.now()) + st.token_lifetime
        st.refresh_tokens[new_refresh] = req["clientId"]
    return {"accessToken": access, "tokenType": "Bearer", "expiresIn": st.token_lifetime,
            "refreshToken": new_refresh}
