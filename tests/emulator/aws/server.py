"""HTTP server: routing, signature checks, fault injection, request log, control API,
IMDSv2 and container-credential endpoints."""

import argparse
import json
import os
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from . import eks, iam, model, sigv4, sso, sts
from .errors import AwsError
from .state import CONTAINER_SESSION, INSTANCE_ID, Store, check_temporary, partition_for_region

MAX_BODY = 1024 * 1024
MUTATING_PREFIXES = ("Create", "Delete", "Update", "Attach", "Detach", "Put", "Add", "Remove",
                     "Tag", "Untag", "Set")
IAM_SIGNING_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
# REST-JSON services name the auth errors differently from the Query ones.
JSON_CODES = {"SignatureDoesNotMatch": "InvalidSignatureException",
              "InvalidClientTokenId": "UnrecognizedClientException",
              "MissingAuthenticationToken": "MissingAuthenticationTokenException",
              "ExpiredToken": "ExpiredTokenException",
              "Throttling": "ThrottlingException"}
QUERY_SERVICES = {"iam": iam.HANDLERS, "sts": sts.HANDLERS}
# How far IAM lets an account raise each quota (the defaults are in state.Store).
QUOTA_HARD_MAX = {"ACLSizePerRole": 4096, "PoliciesPerRole": 20, "PolicySize": 6144,
                  "RolePolicySize": 10240, "VersionsPerPolicy": 5}
# What the emulator answers for a parameter the operation's input shape lacks
# (by the validation code of the protocol: Query, REST-JSON).
UNKNOWN_PARAMETER_CODE = {"ValidationError": "InvalidQueryParameter",
                          "InvalidParameterException": "InvalidParameterException"}
IMDS_TOKEN_HEADER = "X-aws-ec2-metadata-token"
IMDS_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"


def is_mutating(action):
    return bool(action) and action.startswith(MUTATING_PREFIXES)


class _Drop(Exception):
    """Close the connection without answering."""


class _BodyError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class EmuServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, addr, store, verbose=False):
        super().__init__(addr, Handler)
        self.store = store
        self.verbose = verbose


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY the
    # body waits for the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    server_version = "AWSEmulator/1.0"
    timeout = 30  # idle keep-alive connections and slow bodies never pin a thread forever

    # -- plumbing ------------------------------------------------------------
    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("aws-emulator: " + (fmt % args) + "\n")

    def date_time_string(self, timestamp=None):
        return formatdate(self.server.store.now() if timestamp is None else timestamp,
                          usegmt=True)

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise _BodyError(400, "truncated chunked body")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise _BodyError(400, "bad chunk size") from None
                if size == 0:
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise _BodyError(413, "request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
            return b"".join(chunks)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
        except ValueError:
            raise _BodyError(400, "bad Content-Length") from None
        if n < 0:
            raise _BodyError(400, "bad Content-Length")
        if n > MAX_BODY:
            raise _BodyError(413, "request body too large")
        body = self.rfile.read(n)
        if len(body) != n:
            raise _BodyError(400, "truncated body")
        return body

    def _send(self, status, body, ctype, rec=None, headers=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        if rec is not None:
            rec["status"] = status
            rec["end"] = time.time()
            self.server.store.append_log(rec)
        self.send_response(status)
        self.send_header("x-amzn-RequestId", self.request_id)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status, obj, rec=None, headers=None):
        self._send(status, json.dumps(obj, indent=None) + "\n", "application/json", rec, headers)

    def _drop(self, rec):
        if rec is not None:
            rec["status"] = 0
            rec["end"] = time.time()
            self.server.store.append_log(rec)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- entry -----------------------------------------------------------------
    def _dispatch(self):
        self.request_id = str(uuid.uuid4())
        rec = None
        try:
            path, _, query = self.path.partition("?")
            try:
                body = self._read_body()
            except _BodyError as e:
                self.close_connection = True
                self._send(e.status, e.args[0] + "\n", "text/plain")
                return
            if sso.handles(path):  # unsigned SSO portal and OIDC (sso.py)
                sso.dispatch(self, path, query, body)
                return
            if path.startswith("/__emu/") or path == "/__emu":
                self._control(path, query, body)
                return
            rec = self._record(path)
            if path.startswith("/latest/"):
                self._imds(path, rec)
            elif (path.startswith("/v2/credentials") or path.startswith("/v1/credentials")
                  or path == "/pod-identity/credentials"):
                self._container(path, rec)
            else:
                self._aws(path, query, body, rec)
        except _Drop:
            self._drop(rec)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug in the emulator: answer 500 and say so on stderr
            traceback.print_exc()
            try:
                self.close_connection = True
                self._send(500, model.query_error("", "InternalFailure",
                                                  "emulator bug: " + traceback.format_exc(limit=1),
                                                  self.request_id, sender=False),
                           "text/xml", rec)
            except OSError:
                pass

    def _record(self, path):
        store = self.server.store
        return {"seq": store.next_seq(), "service": None, "action": None,
                "method": self.command, "path": path, "status": None, "mutating": False,
                "access_key": None, "region": None, "signed": False,
                "user_agent": self.headers.get("User-Agent"), "error_code": None,
                "fault": None, "time": round(time.time(), 3),
                # when the request came in and when its answer went out
                # (with "latency" faults, tests tell parallel requests by
                # their overlapping intervals)
                "start": time.time(), "end": None}

    # -- faults ----------------------------------------------------------------
    def _apply_faults(self, service, action, rec, fmt, namespace=""):
        """Latency sleeps; other kinds answer (or drop) and return True."""
        for rule in self.server.store.take_faults(service, action):
            if rule.kind == "latency":
                rec["fault"] = "latency"
                time.sleep(rule.ms / 1000.0)
                continue
            rec["fault"] = rule.kind
            if rule.kind == "drop":
                raise _Drop()
            if rule.kind == "throttle":
                status = rule.status or (429 if fmt == "plain" else 400)
                code = rule.code or ("ThrottlingException" if fmt == "json" else "Throttling")
                err = AwsError(code, rule.message or "Rate exceeded", status)
            elif rule.kind == "skew":
                err = AwsError(rule.code or "RequestTimeTooSkewed", rule.message or
                               "The difference between the request time and the current time "
                               "is too large.", rule.status or 403)
            else:
                status = rule.status or 503
                if fmt == "json":
                    code = rule.code or ("ServerException" if status == 500
                                         else "ServiceUnavailableException")
                else:
                    code = rule.code or ("InternalFailure" if status == 500
                                         else "ServiceUnavailable")
                err = AwsError(code, rule.message or ("An internal error occurred."
                                                      if status == 500 else
                                                      "Service Unavailable"), status)
            self._error(err, rec, fmt, namespace)
            return True
        return False

    def _error(self, err, rec, fmt, namespace=""):
        rec["error_code"] = err.code
        if fmt == "json":
            code = JSON_CODES.get(err.code, err.code)
            rec["error_code"] = code
            body = {"message": err.message}
            self._json(err.status, body, rec, {"x-amzn-ErrorType": code})
        elif fmt == "plain":
            self._send(err.status, err.message + "\n", "text/plain", rec)
        else:
            self._send(err.status,
                       model.query_error(namespace, err.code, err.message, self.request_id,
                                         sender=err.status < 500),
                       "text/xml", rec)

    # -- AWS services ------------------------------------------------------------
    def _aws(self, path, query, body, rec):
        store = self.server.store
        headers = self.headers
        info = sigv4.parse(self.command, query, headers)
        params = {}
        ctype = (headers.get("Content-Type") or "").lower()
        for k, v in parse_qsl(query, keep_blank_values=True):
            params[k] = v
        if body and (ctype.startswith("application/x-www-form-urlencoded") or not ctype):
            try:
                for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                      strict_parsing=False):
                    params[k] = v
            except UnicodeDecodeError:
                pass
        if info.kind:
            service = info.service
            rec["signed"] = True
            rec["access_key"] = info.access_key
            rec["region"] = info.region
        elif params.get("Action") in ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"):
            service = "sts"
        elif path == "/clusters" or path.startswith("/clusters/"):
            service = "eks"
        else:
            service = "sts" if "Action" in params else None
        rec["service"] = service
        if service == "eks":
            fmt = "json"
            action, eks_labels = model.service("eks").route(self.command, path)
        elif service in QUERY_SERVICES:
            fmt = "query"
            action = params.get("Action")
        elif not info.kind:
            self._error(AwsError("MissingAuthenticationToken",
                                 "Request is missing Authentication Token", 403), rec, "query")
            return
        else:
            self._error(AwsError("UnknownService", f"The emulator does not serve the signing "
                                 f"service {service!r}; it serves sts, iam and eks.", 400),
                        rec, "query")
            return
        rec["action"] = action
        rec["mutating"] = is_mutating(action)
        ns = model.service(service).namespace if fmt == "query" else ""

        if self._apply_faults(service, action, rec, fmt, ns):
            return
        try:
            ident = self._authenticate(info, service, action, path, query, body, rec)
            partition = partition_for_region(info.region)
            ctx = iam.Ctx(store, ident, info.region, partition, int(store.now()),
                          self.request_id)
            if fmt == "json":
                self._json(200, self._eks_call(action, eks_labels, query, body, ctx), rec)
                return
            result, mdl = self._query_call(service, action, params, ctx)
            self._send(200, model.query_response(mdl, action, result, self.request_id),
                       "text/xml", rec)
        except AwsError as e:
            if "canonical_request" in e.extra:
                rec["expected_canonical_request"] = e.extra["canonical_request"]
                rec["expected_string_to_sign"] = e.extra["string_to_sign"]
            self._error(e, rec, fmt, ns)

    def _eks_call(self, action, labels, query, body, ctx):
        if action is None:
            raise AwsError("UnknownOperationException",
                           f"No operation for {self.command} {self.path.partition('?')[0]}", 404)
        mdl = model.service("eks")
        args = self._checked_input(mdl, action, lambda: model.parse_rest_json(
            mdl, action, labels, parse_qsl(query, keep_blank_values=True), body),
            "InvalidParameterException")
        handler = eks.HANDLERS.get(action)
        if handler is None:
            raise AwsError("UnknownOperationException", f"The operation {action} is not "
                           "implemented by the irsactl AWS emulator.", 404)
        with ctx.store.lock:
            result = handler(ctx, args)
        return model.to_json(mdl, mdl.output_shape(action), result)

    def _authenticate(self, info, service, action, path, query, body, rec):
        store = self.server.store
        if not info.kind:
            if service == "sts" and action in ("AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"):
                return None
            raise AwsError("MissingAuthenticationToken",
                           "Request is missing Authentication Token", 403)
        if info.error is not None:
            raise info.error
        ident = store.lookup_key(info.access_key)
        if ident is None:
            raise AwsError("InvalidClientTokenId",
                           "The security token included in the request is invalid.", 403)
        if service == "iam":
            want = IAM_SIGNING_REGION[partition_for_region(info.region)]
            if info.region != want:
                raise AwsError("SignatureDoesNotMatch",
                               f"Credential should be scoped to a valid region. (IAM signs with "
                               f"{want}, got {info.region})", 403)
        sigv4.verify(info, self.command, path, query, self.headers.items(), body, ident.secret,
                     store.now())
        check_temporary(ident, info.token, store.now())
        return ident

    def _query_call(self, service, action, params, ctx):
        mdl = model.service(service)
        handlers = QUERY_SERVICES[service]
        if not action:
            raise AwsError("MissingAction", "Missing Action", 400)
        version = params.get("Version")
        if action not in mdl.operations or version != mdl.api_version:
            raise AwsError("InvalidAction", f"Could not find operation {action} for version "
                           f"{version or 'NO_VERSION_SPECIFIED'}", 400)
        args = self._checked_input(mdl, action, lambda: model.parse_query(
            mdl, mdl.input_shape(action), params), "ValidationError")
        if action not in handlers:
            raise AwsError("InvalidAction", f"The action {action} is not implemented by the "
                           "irsactl AWS emulator.", 400)
        if ctx.identity and f"{service}:{action}" in ctx.identity.denied_actions:
            raise AwsError("AccessDenied", f"User: {ctx.identity.arn} is not authorized to "
                           f"perform: {service}:{action} on resource: *", 403)
        with ctx.store.lock:
            result = handlers[action](ctx, args)
        return result, mdl

    @staticmethod
    def _checked_input(mdl, action, parse, code):
        """Parse the input, refuse unknown parameters, validate it against the model."""
        try:
            args, unknown = parse()
        except model.ParseError as e:
            raise AwsError(code, "1 validation error detected: " + str(e), 400) from None
        if unknown:
            raise AwsError(UNKNOWN_PARAMETER_CODE[code], f"The parameter {unknown[0]} is not "
                           f"recognized: {action} has no such input member.", 400)
        problems = model.validate(mdl, mdl.input_shape(action), args)
        if problems:
            n = len(problems)
            raise AwsError(code, f"{n} validation error{'s' if n > 1 else ''} detected: "
                           + "; ".join(problems), 400)
        return args

    # -- IMDSv2 ------------------------------------------------------------------
    def _imds(self, path, rec):
        store = self.server.store
        rec["service"] = "imds"
        if path == "/latest/api/token":
            action = "PutToken"
        elif path.startswith("/latest/meta-data/iam/security-credentials"):
            rest = path[len("/latest/meta-data/iam/security-credentials"):].strip("/")
            action = "GetCredentials" if rest else "GetRoleName"
        elif path == "/latest/meta-data/placement/region":
            action = "GetRegion"
        else:
            action = "GetMetadata"
        rec["action"] = action
        if self._apply_faults("imds", action, rec, "plain"):
            return
        now = store.now()
        if action == "PutToken":
            if self.command != "PUT":
                self._send(405, "Method Not Allowed\n", "text/plain", rec)
                return
            if self.headers.get("X-Forwarded-For"):
                self._send(403, "Forbidden\n", "text/plain", rec)
                return
            try:
                ttl = int(self.headers.get(IMDS_TTL_HEADER, ""))
            except ValueError:
                ttl = 0
            if not 1 <= ttl <= 21600:
                self._send(400, "Bad Request\n", "text/plain", rec)
                return
            token = "AQAEA" + secrets.token_urlsafe(42)
            with store.lock:
                store.imds_tokens[token] = now + ttl
            self._send(200, token, "text/plain", rec, {IMDS_TTL_HEADER: str(ttl)})
            return
        if self.command not in ("GET", "HEAD"):
            self._send(405, "Method Not Allowed\n", "text/plain", rec)
            return
        token = self.headers.get(IMDS_TOKEN_HEADER)
        with store.lock:
            exp = store.imds_tokens.get(token) if token else None
        if exp is None or exp < now:
            self._send(401, "Unauthorized\n", "text/plain", rec)
            return
        with store.lock:
            role_arn = store.instance_role
            region = store.instance_region
        account = store.default_account
        if role_arn:
            account = role_arn.split(":")[4]
        role_name = role_arn.split("/")[-1] if role_arn else None
        if action == "GetRoleName":
            if not role_name:
                self._send(404, "Not Found\n", "text/plain", rec)
            else:
                self._send(200, role_name, "text/plain", rec)
            return
        if action == "GetCredentials":
            asked = path.rstrip("/").split("/")[-1]
            if not role_name or asked != role_name:
                self._send(404, "Not Found\n", "text/plain", rec)
                return
            ident = store.role_credentials("imds", role_arn, INSTANCE_ID)
            doc = {"Code": "Success", "LastUpdated": model.iso8601(now), "Type": "AWS-HMAC",
                   "AccessKeyId": ident.access_key, "SecretAccessKey": ident.secret,
                   "Token": ident.token, "Expiration": model.iso8601(ident.expiration)}
            self._send(200, json.dumps(doc, indent=2), "text/plain", rec)
            return
        simple = {
            "/latest/meta-data/placement/region": region,
            "/latest/meta-data/placement/availability-zone": region + "a",
            "/latest/meta-data/instance-id": INSTANCE_ID,
            "/latest/meta-data/": "ami-id\niam/\ninstance-id\nplacement/",
            "/latest/meta-data/placement/": "availability-zone\nregion",
            "/latest/meta-data/iam/": "info\nsecurity-credentials/",
            "/latest/dynamic/instance-identity/document": json.dumps({
                "accountId": account, "architecture": "x86_64",
                "availabilityZone": region + "a", "imageId": "ami-0123456789abcdef0",
                "instanceId": INSTANCE_ID, "instanceType": "t3.micro",
                "privateIp": "10.0.0.10", "region": region, "version": "2017-09-30"},
                indent=2),
        }
        if path == "/latest/meta-data/iam/info" and role_arn:
            simple[path] = json.dumps({
                "Code": "Success", "LastUpdated": model.iso8601(now),
                "InstanceProfileArn": f"arn:aws:iam::{account}:instance-profile/{role_name}",
                "InstanceProfileId": "AIPA" + "0" * 17}, indent=2)
        if path in simple:
            self._send(200, simple[path], "text/plain", rec)
        else:
            self._send(404, "Not Found\n", "text/plain", rec)

    # -- ECS / EKS Pod Identity container credentials ------------------------------
    def _container(self, path, rec):
        store = self.server.store
        rec["service"] = "container"
        rec["action"] = "GetCredentials"
        if self._apply_faults("container", "GetCredentials", rec, "json"):
            return
        if self.command not in ("GET", "HEAD"):
            self._json(405, {"code": "MethodNotAllowed", "message": "use GET"}, rec)
            return
        with store.lock:
            want = store.container_token
            role_arn = store.container_role or (
                f"arn:aws:iam::{store.default_account}:role/emulator-container-role")
        if want is not None:
            got = self.headers.get("Authorization")
            if got is None:
                self._json(401, {"code": "AccessDeniedException",
                                 "message": "Authorization header is missing"}, rec)
                return
            if not secrets.compare_digest(got.encode(), want.encode()):
                self._json(403, {"code": "AccessDeniedException",
                                 "message": "Authorization token is invalid"}, rec)
                return
        ident = store.role_credentials("container", role_arn, CONTAINER_SESSION)
        self._json(200, {"AccessKeyId": ident.access_key, "SecretAccessKey": ident.secret,
                         "Token": ident.token, "Expiration": model.iso8601(ident.expiration),
                         "RoleArn": role_arn}, rec)

    # -- control API ------------------------------------------------------------
    def _control(self, path, query, body):
        store = self.server.store
        route = (self.command, path.rstrip("/"))
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else None
        except (ValueError, UnicodeDecodeError) as e:
            self._json(400, {"error": f"request body is not JSON: {e}"})
            return
        try:
            if route == ("POST", "/__emu/reset"):
                store.reset()
                self._json(200, {"ok": True})
            elif route == ("POST", "/__emu/seed"):
                self._json(200, self._seed(data or {}))
            elif route == ("POST", "/__emu/faults"):
                rules = data.get("rules", []) if isinstance(data, dict) else (data or [])
                if not isinstance(rules, list):
                    raise ValueError("faults must be a JSON list of rules")
                store.set_faults(rules)
                self._json(200, {"ok": True, "rules": len(rules)})
            elif route == ("GET", "/__emu/faults"):
                with store.lock:
                    self._json(200, [r.to_json() for r in store.faults])
            elif route == ("GET", "/__emu/log"):
                with store.lock:
                    log = list(store.log)
                self._json(200, log)
            elif route == ("POST", "/__emu/log/clear"):
                with store.lock:
                    store.log = []
                self._json(200, {"ok": True})
            elif route == ("GET", "/__emu/state"):
                self._json(200, self._state())
            elif route == ("GET", "/__emu/health"):
                self._json(200, {"ok": True})
            else:
                self._json(404, {"error": f"no control endpoint {self.command} {path}"})
        except (ValueError, KeyError, TypeError, AwsError) as e:
            self._json(400, {"error": f"{type(e).__name__}: {e}"})

    def _seed(self, data):
        store = self.server.store
        if not isinstance(data, dict):
            raise ValueError("seed body must be a JSON object")
        known = {"clusters", "roles", "policies", "oidc_providers", "web_identity_tokens",
                 "container_token", "container_role", "instance_role", "instance_region",
                 "assumable_roles", "clock_offset", "quotas", "issuer_url_ports",
                 "oidc_ca_bundle", "oidc_host_map"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown seed keys {sorted(unknown)}; known: {sorted(known)}")
        now = int(store.now())
        with store.lock:
            if "clock_offset" in data:
                store.clock_offset = float(data["clock_offset"])
                now = int(store.now())
            for q, v in (data.get("quotas") or {}).items():
                if q not in store.quotas:
                    raise ValueError(f"unknown quota {q}; known: {sorted(store.quotas)}")
                if not 1 <= int(v) <= QUOTA_HARD_MAX[q]:
                    raise ValueError(f"quota {q} can be raised to {QUOTA_HARD_MAX[q]} at most "
                                     "in IAM")
                store.quotas[q] = int(v)
            if "issuer_url_ports" in data:
                store.issuer_url_ports = bool(data["issuer_url_ports"])
            if "oidc_ca_bundle" in data:
                store.oidc_ca_bundle = data["oidc_ca_bundle"] or None
            if "oidc_host_map" in data:
                store.oidc_host_map = {str(k).lower(): str(v) for k, v in (data["oidc_host_map"] or {}).items()}
            for spec in data.get("oidc_providers") or []:
                iam.seed_provider(store, spec, now)
            for spec in data.get("policies") or []:
                iam.seed_policy(store, spec, now)
            for spec in data.get("roles") or []:
                iam.seed_role(store, spec, now)
            for spec in data.get("clusters") or []:
                eks.seed_cluster(store, spec, now)
            for tok in data.get("web_identity_tokens") or []:
                if tok not in store.web_identity_tokens:
                    store.web_identity_tokens.append(tok)
            if "container_token" in data:
                store.container_token = data["container_token"]
            if "container_role" in data:
                store.container_role = self._role_arn(data["container_role"])
            if "instance_role" in data:
                store.instance_role = self._role_arn(data["instance_role"])
            if "instance_region" in data:
                store.instance_region = data["instance_region"]
            for arn in data.get("assumable_roles") or []:
                store.assumable_roles.add(arn)
        return {"ok": True}

    def _role_arn(self, v):
        if v is None or v.startswith("arn:"):
            return v
        return f"arn:aws:iam::{self.server.store.default_account}:role/{v}"

    def _state(self):
        store = self.server.store
        with store.lock:
            return {
                "accounts": {a: acct.dump() for a, acct in sorted(store.accounts.items())},
                "clusters": [{k: v for k, v in c.items()} for _, c in sorted(store.clusters.items())],
                "assumable_roles": sorted(store.assumable_roles),
                "web_identity_tokens": list(store.web_identity_tokens),
                "instance_role": store.instance_role,
                "container_role": store.container_role,
                "clock_offset": store.clock_offset,
                "quotas": dict(store.quotas),
                "issuer_url_ports": store.issuer_url_ports,
                "oidc_ca_bundle": store.oidc_ca_bundle,
                "oidc_host_map": dict(store.oidc_host_map),
                "temporary_keys": sorted(store.temp),
            }


# ---------------------------------------------------------------------------

def _write_port_file(path, port):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port.", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="aws_emulator.py",
        description="Local AWS emulator (IAM, STS, EKS, IMDSv2, container credentials) that "
                    "verifies every SigV4 signature with botocore.")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: pick one)")
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--accounts", help="identities file (default: tests/emulator/accounts.json)")
    ap.add_argument("--log-file", help="also append each request log record as a JSON line")
    ap.add_argument("--page-size", type=int, default=100,
                    help="largest page any List* answers (default 100)")
    ap.add_argument("--verbose", action="store_true", help="log each HTTP request to stderr")
    args = ap.parse_args(argv)
    if args.page_size < 1:
        ap.error("--page-size must be at least 1")

    store = Store(args.accounts, args.page_size, args.log_file)
    for name in ("iam", "sts", "eks"):
        model.service(name)  # load the models before the first request
    # The Unicode tables of the \p{..} patterns take a moment: build them while
    # the server starts answering (a request that needs them waits).
    threading.Thread(target=model.warm_up, daemon=True).start()
    server = EmuServer(("127.0.0.1", args.port), store, args.verbose)
    port = server.server_address[1]
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    if args.port_file:
        _write_port_file(args.port_file, port)
    sys.stderr.write(f"aws-emulator listening on http://127.0.0.1:{port}\n")
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0
