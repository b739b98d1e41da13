#!/usr/bin/python3
"""Local Kubernetes API server emulator for irsactl's tests.

Standard library + botocore only; loopback only.  See kube_README.md for the
contract.  Run:

    /usr/bin/python3 tests/emulator/kube_emulator.py --port 0 --port-file PATH \
        --certs-dir DIR [--accounts tests/emulator/accounts.json] [--log-file PATH] \
        [--cluster-name test-cluster]
"""

import argparse
import base64
import copy
import datetime
import fcntl
import hmac
import http.server
import json
import os
import random
import re
import signal
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kube_yaml import YamlError, parse_yaml  # noqa: E402
import kube_identity  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ACCOUNTS = os.path.join(HERE, "accounts.json")

MAX_BODY = 3 * 1024 * 1024          # the API server's own request limit
MAX_HEADER_LINE = 64 * 1024
MAX_DRAIN = 64 * 1024 * 1024       # oversized bodies up to this are read and discarded
IDLE_TIMEOUT = 30                   # seconds a keep-alive connection may idle
HANDSHAKE_TIMEOUT = 10
MAX_LOG = 20000

DEFAULT_TOKEN = "irsactl-test-token"
DEFAULT_TOKEN_USER = "admin"
DEFAULT_BASIC = {"admin": "irsactl-test-password"}
DEFAULT_CLUSTER = "test-cluster"
DEFAULT_MANAGER_FALLBACK = "unknown"
# A name for the emulator as its cluster's OIDC issuer without a port (IAM takes
# none): in the server certificate; the AWS emulator maps it to the port (seed
# oidc_host_map).
ISSUER_TEST_HOST = "oidc.irsactl.test"

# ---------------------------------------------------------------------------
# validation helpers (mirroring k8s.io/apimachinery/pkg/util/validation)

DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_RE = re.compile(r"^" + DNS1123_LABEL + r"$")
DNS1123_SUBDOMAIN_RE = re.compile(r"^" + DNS1123_LABEL + r"(\." + DNS1123_LABEL + r")*$")
QUALIFIED_NAME_FMT = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_RE = re.compile(r"^" + QUALIFIED_NAME_FMT + r"$")
LABEL_VALUE_RE = re.compile(r"^(" + QUALIFIED_NAME_FMT + r")?$")
TOTAL_ANNOTATION_SIZE = 256 * 1024

MSG_SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                 "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
                 "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
MSG_LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
MSG_QNAME = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
             "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
             "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
MSG_LABEL_VALUE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                   "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                   "'my_value',  or '12345', regex used for validation is "
                   "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def subdomain_errors(v):
    errs = []
    if len(v) > 253:
        errs.append("must be no more than 253 characters")
    if not DNS1123_SUBDOMAIN_RE.match(v):
        errs.append(MSG_SUBDOMAIN)
    return errs


def label_errors(v):
    errs = []
    if len(v) > 63:
        errs.append("must be no more than 63 characters")
    if not DNS1123_LABEL_RE.match(v):
        errs.append(MSG_LABEL)
    return errs


def qualified_name_errors(v):
    parts = v.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            return ["prefix part must be non-empty"]
        errs = subdomain_errors(prefix)
        if errs:
            return ["prefix part " + e for e in errs]
    else:
        return ["a qualified name " + MSG_QNAME + " with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    if not name:
        return ["name part must be non-empty"]
    errs = []
    if len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if not QUALIFIED_NAME_RE.match(name):
        errs.append(MSG_QNAME)
    return errs


def label_value_errors(v):
    errs = []
    if len(v) > 63:
        errs.append("must be no more than 63 characters")
    if not LABEL_VALUE_RE.match(v):
        errs.append(MSG_LABEL_VALUE)
    return errs


# ---------------------------------------------------------------------------
# errors


class KubeFault:
    """A fault rule: a share of the requests (writes only by default) answered
    with an error status before anything changes."""
    REASONS = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable"}

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise bad_request("a fault rule must be a JSON object")
        unknown = set(spec) - {"status", "probability", "seed", "writes", "count"}
        if unknown:
            raise bad_request("unknown fault rule keys: %s" % sorted(unknown))
        self.status = spec.get("status", 503)
        if self.status not in self.REASONS:
            raise bad_request("fault status must be one of %s" % sorted(self.REASONS))
        self.probability = spec.get("probability", 1.0)
        if not isinstance(self.probability, (int, float)) or not 0 <= self.probability <= 1:
            raise bad_request("fault probability must be a number from 0 to 1")
        self.random = random.Random(spec.get("seed", 0))
        self.writes = spec.get("writes", True)
        self.count = spec.get("count")
        self.hits = 0

    def take(self, write):
        if self.writes and not write:
            return False
        if self.count is not None and self.hits >= self.count:
            return False
        if self.probability < 1 and self.random.random() >= self.probability:
            return False
        self.hits += 1
        return True

    def error(self):
        return ApiError(self.status, self.REASONS[self.status], "injected fault")


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
              "message": self.message, "reason": self.reason}
        if self.details is not None:
            st["details"] = self.details
        st["code"] = self.code
        return st


def not_found(kind, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (kind, name),
                    {"name": name, "kind": kind})


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


def invalid(kind_singular, resource, name, causes):
    msgs = []
    for c in causes:
        msgs.append("%s: %s" % (c["field"], c["message"]))
    if len(msgs) == 1:
        tail = msgs[0]
    else:
        tail = "[" + ", ".join(msgs) + "]"
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (kind_singular, name, tail),
                    {"name": name, "kind": kind_singular, "causes": causes})


def cause_invalid(field, value, detail):
    return {"reason": "FieldValueInvalid",
            "message": "Invalid value: %s: %s" % (json.dumps(value), detail), "field": field}


def cause_too_long(field, detail):
    return {"reason": "FieldValueTooLong", "message": "Too long: %s" % detail, "field": field}


def cause_required(field):
    return {"reason": "FieldValueRequired", "message": "Required value: name or generateName is required",
            "field": field}


# ---------------------------------------------------------------------------
# EKS token verification (aws-iam-authenticator compatible)

EKS_PREFIX = "k8s-aws-v1."
EKS_ALLOWED_PARAMS = {"Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                      "X-Amz-Expires", "X-Amz-Security-Token", "X-Amz-Signature", "X-Amz-SignedHeaders"}
STS_HOST_RES = [re.compile(r"^sts\.amazonaws\.com$"),
                re.compile(r"^sts(-fips)?\.[a-z0-9-]+\.amazonaws\.com$"),
                re.compile(r"^sts\.[a-z0-9-]+\.amazonaws\.com\.cn$")]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


class EksTokenError(Exception):
    pass


def _is_loopback(host):
    if host in LOOPBACK_HOSTS:
        return True
    return bool(re.fullmatch(r"127(\.\d{1,3}){3}", host))


def verify_eks_token(token, cluster_name, access_keys, now=None):
    """Verify a k8s-aws-v1 token; return (arn, access_key_id).  Raises EksTokenError."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    if not token.startswith(EKS_PREFIX):
        raise EksTokenError("token is missing expected %r prefix" % EKS_PREFIX)
    b64 = token[len(EKS_PREFIX):]
    if len(b64) > 8192:
        raise EksTokenError("token too long")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", b64):
        raise EksTokenError("token is not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        url = raw.decode("utf-8")
    except Exception:
        raise EksTokenError("cannot base64url-decode token")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise EksTokenError("unexpected scheme %r in pre-signed URL" % parts.scheme)
    host = parts.hostname or ""
    if not (any(r.match(host) for r in STS_HOST_RES) or _is_loopback(host)):
        raise EksTokenError("unexpected hostname %r in pre-signed URL" % host)
    if parts.path != "/":
        raise EksTokenError("unexpected path in pre-signed URL")
    if parts.fragment:
        raise EksTokenError("unexpected fragment in pre-signed URL")
    try:
        pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise EksTokenError("malformed query in pre-signed URL")
    params = {}
    for k, v in pairs:
        if k not in EKS_ALLOWED_PARAMS:
            raise EksTokenError("non-allowlisted query parameter %r" % k)
        if k in params:
            raise EksTokenError("duplicate query parameter %r" % k)
        params[k] = v
    if params.get("Action") != "GetCallerIdentity":
        raise EksTokenError("unexpected action parameter in pre-signed URL")
    if params.get("Version") != "2011-06-15":
        raise EksTokenError("unexpected Version parameter in pre-signed URL")
    if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        raise EksTokenError("unexpected X-Amz-Algorithm")
    signed = params.get("X-Amz-SignedHeaders", "")
    signed_list = signed.split(";")
    if "x-k8s-aws-id" not in signed_list:
        raise EksTokenError("client did not sign the x-k8s-aws-id header in the pre-signed URL")
    if sorted(signed_list) != ["host", "x-k8s-aws-id"]:
        raise EksTokenError("signed headers must be exactly host;x-k8s-aws-id, got %r" % signed)
    try:
        expires = int(params.get("X-Amz-Expires", ""))
    except ValueError:
        raise EksTokenError("malformed X-Amz-Expires")
    if expires < 0 or expires > 900:
        raise EksTokenError("X-Amz-Expires parameter out of range")
    try:
        date = datetime.datetime.strptime(params.get("X-Amz-Date", ""), "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise EksTokenError("malformed X-Amz-Date")
    now_ts = time.time() if now is None else now
    if now_ts > date.timestamp() + expires:
        raise EksTokenError("X-Amz-Date parameter is expired (%d second expiration)" % expires)
    if date.timestamp() > now_ts + 900:   # STS tolerates 15 minutes of clock skew
        raise EksTokenError("X-Amz-Date is in the future")
    cred = params.get("X-Amz-Credential", "").split("/")
    if len(cred) != 5 or cred[4] != "aws4_request" or cred[3] != "sts":
        raise EksTokenError("malformed X-Amz-Credential")
    akid, scope_date, region = cred[0], cred[1], cred[2]
    if scope_date != params["X-Amz-Date"][:8]:
        raise EksTokenError("credential scope date does not match X-Amz-Date")
    key = access_keys.get(akid)
    if key is None:
        raise EksTokenError("unknown access key id")
    signature = params.get("X-Amz-Signature", "")
    if not re.fullmatch(r"[0-9a-f]{64}", signature):
        raise EksTokenError("malformed X-Amz-Signature")
    creds = botocore.credentials.Credentials(akid, key["secret"], params.get("X-Amz-Security-Token"))
    signer = botocore.auth.SigV4QueryAuth(creds, "sts", region, expires=expires)
    url_nosig = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    req = botocore.awsrequest.AWSRequest(method="GET", url=url_nosig,
                                         params=[(k, v) for k, v in pairs if k != "X-Amz-Signature"])
    req.headers["host"] = botocore.auth._host_from_url(url)
    req.headers["x-k8s-aws-id"] = cluster_name
    req.context["timestamp"] = params["X-Amz-Date"]
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    expected = signer.signature(sts, req)
    if not hmac.compare_digest(expected, signature):
        # also tell apart "signed for another cluster" for a clearer log line
        raise EksTokenError("signature mismatch (wrong secret, tampered URL, or token for a cluster "
                            "other than %r)" % cluster_name)
    return key.get("arn") or ("arn:aws:iam::%s:user/%s" % (key.get("account", "000000000000"), akid)), akid


# ---------------------------------------------------------------------------
# certificates


def _run_openssl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (" ".join(args[:2]), r.stderr.decode(errors="replace")))


CERT_FILES = ["ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key", "other-ca.crt"]


def ensure_certs(certs_dir):
    os.makedirs(certs_dir, exist_ok=True)
    lock_path = os.path.join(certs_dir, ".kube-emulator.lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(os.path.exists(os.path.join(certs_dir, f)) for f in CERT_FILES):
            return
        tmp = tempfile.mkdtemp(prefix=".gen-", dir=certs_dir)
        try:
            ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            with open(os.path.join(tmp, "server.ext"), "w") as f:
                f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=serverAuth\n"
                        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default,"
                        "DNS:kubernetes.default.svc,DNS:" + ISSUER_TEST_HOST + "\n"
                        "authorityKeyIdentifier=keyid\n")
            with open(os.path.join(tmp, "client.ext"), "w") as f:
                f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=clientAuth\nauthorityKeyIdentifier=keyid\n")
            _write_req_cnf(tmp)
            for ca, cn in (("ca", "irsactl-test-ca"), ("other-ca", "irsactl-unrelated-ca")):
                _run_openssl(["req", "-x509"] + ec + ["-keyout", ca + ".key", "-out", ca + ".crt",
                                                      "-days", "3650", "-subj", "/CN=" + cn,
                                                      "-config", "req.cnf", "-extensions", "v3_ca_x"], tmp)
            for name, subj in (("server", "/CN=kube-apiserver"),
                               ("client", "/O=system:masters/CN=irsactl-test-admin")):
                _run_openssl(["req", "-new"] + ec + ["-keyout", name + ".key", "-out", name + ".csr",
                                                     "-subj", subj, "-config", "req.cnf"], tmp)
                _run_openssl(["x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                              "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
                              "-days", "825", "-sha256", "-extfile", name + ".ext",
                              "-out", name + ".crt"], tmp)
            for f in CERT_FILES:
                os.chmod(os.path.join(tmp, f), 0o600 if f.endswith(".key") else 0o644)
            for f in CERT_FILES:
                os.replace(os.path.join(tmp, f), os.path.join(certs_dir, f))
            # other-ca.key is kept too: tests may sign an untrusted client cert with it
            if os.path.exists(os.path.join(tmp, "other-ca.key")):
                os.replace(os.path.join(tmp, "other-ca.key"), os.path.join(certs_dir, "other-ca.key"))
        finally:
            for f in os.listdir(tmp):
                os.unlink(os.path.join(tmp, f))
            os.rmdir(tmp)


def _write_req_cnf(d):
    with open(os.path.join(d, "req.cnf"), "w") as f:
        f.write("[req]\ndistinguished_name=dn\n[dn]\n"
                "[v3_ca_x]\nbasicConstraints=critical,CA:TRUE\n"
                "keyUsage=critical,keyCertSign,cRLSign,digitalSignature\n"
                "subjectKeyIdentifier=hash\n")


# ---------------------------------------------------------------------------
# time / objects


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


SA_TOP_FIELDS = ("automountServiceAccountToken", "secrets", "imagePullSecrets")
SA_ALLOWED_TOP = {"apiVersion", "kind", "metadata"} | set(SA_TOP_FIELDS)
META_SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation",
                      "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")


def leaf_fields(obj):
    """Map of owned-field path -> value for a ServiceAccount-shaped dict."""
    out = {}
    md = obj.get("metadata") or {}
    for kind in ("annotations", "labels"):
        m = md.get(kind) or {}
        if isinstance(m, dict):
            for k, v in m.items():
                out[("metadata", kind, k)] = v
    for f in SA_TOP_FIELDS:
        if f in obj and obj[f] is not None:
            out[(f,)] = obj[f]
    return out


def path_str(p):
    return "." + ".".join(p)


def fields_v1(paths, operation):
    root = {}
    for p in sorted(paths):
        if p[0] == "metadata":
            md = root.setdefault("f:metadata", {})
            sub = md.setdefault("f:" + p[1], {})
            if operation == "Update":
                sub.setdefault(".", {})
            sub["f:" + p[2]] = {}
        else:
            root["f:" + p[0]] = {}
    return root


def set_field(obj, path, value):
    if path[0] == "metadata":
        md = obj.setdefault("metadata", {})
        m = md.get(path[1])
        if not isinstance(m, dict):
            m = {}
            md[path[1]] = m
        m[path[2]] = value
    else:
        obj[path[0]] = value


def del_field(obj, path):
    if path[0] == "metadata":
        md = obj.get("metadata") or {}
        m = md.get(path[1])
        if isinstance(m, dict):
            m.pop(path[2], None)
            if not m:
                md.pop(path[1], None)
    else:
        obj.pop(path[0], None)


def ordered_sa(obj):
    out = {"kind": "ServiceAccount", "apiVersion": "v1"}
    md = obj.get("metadata", {})
    mo = {}
    for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp", "labels", "annotations",
              "managedFields"):
        if k in md and md[k] not in (None, {}, []):
            mo[k] = md[k]
    for k, v in md.items():
        if k not in mo and v not in (None, {}, []):
            mo[k] = v
    out["metadata"] = mo
    for f in SA_TOP_FIELDS:
        if f in obj and obj[f] is not None:
            out[f] = obj[f]
    return out


class Record:
    """A stored ServiceAccount plus its managed-fields entries."""

    def __init__(self, obj, mf=None):
        self.obj = obj
        self.mf = mf or []   # list of {"manager","operation","time","fields": set}

    def clone(self):
        return Record(copy.deepcopy(self.obj),
                      [dict(e, fields=set(e["fields"])) for e in self.mf])

    def render(self):
        o = copy.deepcopy(self.obj)
        mf = []
        for e in self.mf:
            mf.append({"manager": e["manager"], "operation": e["operation"], "apiVersion": "v1",
                       "time": e["time"], "fieldsType": "FieldsV1",
                       "fieldsV1": fields_v1(e["fields"], e["operation"])})
        if mf:
            o.setdefault("metadata", {})["managedFields"] = mf
        return ordered_sa(o)

    def entry(self, manager, operation):
        for e in self.mf:
            if e["manager"] == manager and e["operation"] == operation:
                return e
        return None

    def state_key(self):
        return (json.dumps(self.obj, sort_keys=True),
                sorted((e["manager"], e["operation"], sorted(e["fields"])) for e in self.mf))


# ---------------------------------------------------------------------------
# state


class State:
    def __init__(self, cluster_name, access_keys):
        self.lock = threading.RLock()
        self.rv = 100
        self.default_cluster = cluster_name
        self.access_keys = access_keys
        self.log = []
        self.seq = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.faults = []             # KubeFault rules, tried in order
            self.cluster_name = self.default_cluster
            self.tokens = {DEFAULT_TOKEN: DEFAULT_TOKEN_USER}
            self.readonly = set()
            self.readonly_users = {}     # read-only tokens seeded without a user in "tokens"
            self.basic = dict(DEFAULT_BASIC)
            self.namespaces = {}
            self.sas = {}
            self.pods = {}               # (ns, name) -> pod object
            self.webhook = True          # the EKS pod identity webhook mutates new pods
            self.issuer = None           # None: https://127.0.0.1:PORT
            self.log = []
            for ns in ("default", "kube-system"):
                self.create_namespace(ns, manager="kube-apiserver")

    def next_rv(self):
        self.rv += 1
        return str(self.rv)

    def create_namespace(self, name, manager="kube-apiserver", labels=None, annotations=None):
        md = {"name": name, "uid": str(uuid.uuid4()), "resourceVersion": self.next_rv(),
              "creationTimestamp": now_rfc3339(),
              "labels": dict(labels or {}, **{"kubernetes.io/metadata.name": name})}
        if annotations:
            md["annotations"] = dict(annotations)
        ns = {"kind": "Namespace", "apiVersion": "v1", "metadata": md,
              "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
        self.namespaces[name] = ns
        self.create_sa(name, "default", manager="kube-controller-manager")
        return ns

    def create_sa(self, ns, name, annotations=None, labels=None, manager="kube-controller-manager",
                  operation="Update", extra=None):
        md = {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
              "resourceVersion": self.next_rv(), "creationTimestamp": now_rfc3339()}
        if labels:
            md["labels"] = dict(labels)
        if annotations:
            md["annotations"] = dict(annotations)
        obj = {"metadata": md}
        if extra:
            obj.update(extra)
        rec = Record(obj)
        fields = set(leaf_fields(obj))
        if fields and manager:
            rec.mf.append({"manager": manager, "operation": operation, "time": md["creationTimestamp"],
                           "fields": fields})
        self.sas[(ns, name)] = rec
        return rec

    def add_log(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.log.append(entry)
            if len(self.log) > MAX_LOG:
                del self.log[: len(self.log) - MAX_LOG]


# ---------------------------------------------------------------------------
# patch helpers


def merge_patch(target, patch, strategic=False):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if strategic and patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if not k.startswith("$")}
    if strategic and patch.get("$patch") == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if strategic and k.startswith("$"):
            continue
        if v is None:
            result.pop(k, None)
        else:
            nv = merge_patch(result.get(k), v, strategic)
            if nv is None and strategic:
                result.pop(k, None)
            else:
                result[k] = nv
    return result


class JsonPatchError(Exception):
    pass


def _ptr(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise JsonPatchError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _resolve_parent(doc, tokens):
    cur = doc
    for t in tokens[:-1]:
        if isinstance(cur, dict):
            if t not in cur:
                raise JsonPatchError("path component %r not found" % t)
            cur = cur[t]
        elif isinstance(cur, list):
            try:
                cur = cur[int(t)]
            except (ValueError, IndexError):
                raise JsonPatchError("bad array index %r" % t)
        else:
            raise JsonPatchError("cannot traverse a scalar at %r" % t)
    return cur


def _get(doc, tokens):
    cur = doc
    for t in tokens:
        if isinstance(cur, dict):
            if t not in cur:
                raise JsonPatchError("path not found")
            cur = cur[t]
        elif isinstance(cur, list):
            try:
                idx = int(t)
                if idx < 0:
                    raise IndexError
                cur = cur[idx]
            except (ValueError, IndexError):
                raise JsonPatchError("bad array index %r" % t)
        else:
            raise JsonPatchError("path not found")
    return cur


def _add(doc, tokens, value):
    if not tokens:
        return value
    parent = _resolve_parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                idx = int(last)
            except ValueError:
                raise JsonPatchError("bad array index %r" % last)
            if idx < 0 or idx > len(parent):
                raise JsonPatchError("array index out of range")
            parent.insert(idx, value)
    else:
        raise JsonPatchError("cannot add to a scalar")
    return doc


def _remove(doc, tokens):
    if not tokens:
        raise JsonPatchError("cannot remove the root")
    parent = _resolve_parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise JsonPatchError("unable to remove nonexistent key: %s: missing value" % last)
        return parent.pop(last)
    if isinstance(parent, list):
        try:
            idx = int(last)
            if idx < 0:
                raise IndexError
            return parent.pop(idx)
        except (ValueError, IndexError):
            raise JsonPatchError("bad array index %r" % last)
    raise JsonPatchError("cannot remove from a scalar")


def json_patch(doc, ops):
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise JsonPatchError("each operation needs 'op' and 'path'")
        kind = op["op"]
        tokens = _ptr(op["path"])
        if kind == "add":
            if "value" not in op:
                raise JsonPatchError("add needs a value")
            doc = _add(doc, tokens, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, tokens)
        elif kind == "replace":
            if "value" not in op:
                raise JsonPatchError("replace needs a value")
            if not tokens:
                doc = copy.deepcopy(op["value"])
                continue
            _get(doc, tokens)
            parent = _resolve_parent(doc, tokens)
            if isinstance(parent, list):
                parent[int(tokens[-1])] = copy.deepcopy(op["value"])
            else:
                parent[tokens[-1]] = copy.deepcopy(op["value"])
        elif kind == "test":
            try:
                cur = _get(doc, tokens)
            except JsonPatchError:
                raise JsonPatchError("testing value %s failed: path not found" % op["path"])
            if cur != op.get("value"):
                raise JsonPatchError("testing value %s failed: test failed" % op["path"])
        elif kind in ("move", "copy"):
            src = _ptr(op.get("from", ""))
            val = copy.deepcopy(_get(doc, src))
            if kind == "move":
                _remove(doc, src)
            doc = _add(doc, tokens, val)
        else:
            raise JsonPatchError("unknown JSON patch operation %r" % kind)
    return doc


# ---------------------------------------------------------------------------
# minimal Kubernetes protobuf decoding (kubectl's typed clients POST/PUT in
# application/vnd.kubernetes.protobuf).  Only what a ServiceAccount or a
# Namespace carries is decoded; other fields are skipped.

CT_PROTOBUF = "application/vnd.kubernetes.protobuf"
PROTO_MAGIC = b"k8s\x00"


class ProtoError(ValueError):
    pass


def _varint(buf, i):
    shift = 0
    val = 0
    while True:
        if i >= len(buf):
            raise ProtoError("truncated varint")
        b = buf[i]
        i += 1
        val |= (b & 0x7F) << shift
        if not b & 0x80:
            return val, i
        shift += 7
        if shift > 63:
            raise ProtoError("varint too long")


def _fields(buf):
    """Yield (field_number, wire_type, value) for a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise ProtoError("truncated length-delimited field")
            v = buf[i:i + n]
            i += n
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise ProtoError("unsupported wire type %d" % wt)
        yield num, wt, v


def _pstr(v):
    try:
        return bytes(v).decode("utf-8")
    except UnicodeDecodeError:
        raise ProtoError("invalid UTF-8 string")


def _pmap(v):
    k = val = ""
    for n, _, x in _fields(v):
        if n == 1:
            k = _pstr(x)
        elif n == 2:
            val = _pstr(x)
    return k, val


def _pobjectmeta(buf):
    md = {}
    names = {1: "name", 2: "generateName", 3: "namespace", 5: "uid", 6: "resourceVersion"}
    for n, wt, v in _fields(buf):
        if n in names and wt == 2:
            md[names[n]] = _pstr(v)
        elif n in (11, 12) and wt == 2:
            k, val = _pmap(v)
            md.setdefault("labels" if n == 11 else "annotations", {})[k] = val
        elif n == 14 and wt == 2:
            md.setdefault("finalizers", []).append(_pstr(v))
    return md


def _pref(buf, names):
    out = {}
    for n, wt, v in _fields(buf):
        if n in names and wt == 2:
            out[names[n]] = _pstr(v)
    return out


def decode_k8s_protobuf(data):
    """Decode a k8s protobuf envelope holding a v1 ServiceAccount or Namespace into a JSON-like dict."""
    if not data.startswith(PROTO_MAGIC):
        raise ProtoError("missing k8s protobuf magic prefix")
    api_version = kind = ""
    raw = b""
    for n, wt, v in _fields(data[4:]):
        if n == 1 and wt == 2:
            for m, _, x in _fields(v):
                if m == 1:
                    api_version = _pstr(x)
                elif m == 2:
                    kind = _pstr(x)
        elif n == 2 and wt == 2:
            raw = bytes(v)
        elif n == 3 and wt == 2 and v:
            raise ProtoError("content encoding %r not supported" % _pstr(v))
    obj = {"apiVersion": api_version, "kind": kind}
    for n, wt, v in _fields(raw):
        if n == 1 and wt == 2:
            obj["metadata"] = _pobjectmeta(v)
        elif kind == "ServiceAccount" and n == 2 and wt == 2:
            obj.setdefault("secrets", []).append(_pref(v, {1: "kind", 2: "namespace", 3: "name", 4: "uid",
                                                           5: "apiVersion", 6: "resourceVersion",
                                                           7: "fieldPath"}))
        elif kind == "ServiceAccount" and n == 3 and wt == 2:
            obj.setdefault("imagePullSecrets", []).append(_pref(v, {1: "name"}))
        elif kind == "ServiceAccount" and n == 4 and wt == 0:
            obj["automountServiceAccountToken"] = bool(v)
        elif kind == "Namespace" and n == 2 and wt == 2:
            spec = {}
            for m, _, x in _fields(v):
                if m == 1:
                    spec.setdefault("finalizers", []).append(_pstr(x))
            obj["spec"] = spec
    return obj


# ---------------------------------------------------------------------------
# HTTP server


RESOURCE_LIST = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        {"name": "namespaces", "singularName": "namespace", "namespaced": False, "kind": "Namespace",
         "verbs": ["create", "delete", "get", "list", "patch", "update"], "shortNames": ["ns"],
         "storageVersionHash": "Q3oi5N2YM8M="},
        {"name": "serviceaccounts", "singularName": "serviceaccount", "namespaced": True,
         "kind": "ServiceAccount", "verbs": ["create", "delete", "get", "list", "patch", "update"],
         "shortNames": ["sa"], "storageVersionHash": "pbx9ZvyFpBE="},
        {"name": "serviceaccounts/token", "singularName": "", "namespaced": True, "group": "authentication.k8s.io",
         "version": "v1", "kind": "TokenRequest", "verbs": ["create"]},
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
         "verbs": ["create", "delete", "get", "list"], "shortNames": ["po"], "categories": ["all"],
         "storageVersionHash": "xPOwRZ+Yhw8="},
    ],
}

CT_JSON = "application/json"
CT_YAML = "application/yaml"
CT_APPLY = "application/apply-patch+yaml"
CT_MERGE = "application/merge-patch+json"
CT_SMP = "application/strategic-merge-patch+json"
CT_JSONPATCH = "application/json-patch+json"


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler, ssl_ctx, state, log_file, signer=None):
        self.signer = signer
        self.ssl_ctx = ssl_ctx
        self.state = state
        self.log_file = log_file
        self.log_lock = threading.Lock()
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # TLS handshake in the worker thread, never in the accept loop
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.write_log("tls handshake failed from %s: %s" % (client_address[0], e))
            try:
                request.close()
            except OSError:
                pass
            return
        tls.settimeout(IDLE_TIMEOUT)
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        self.write_log("connection error from %s: %r" % (client_address[0], exc))

    def write_log(self, line):
        if not self.log_file:
            return
        with self.log_lock:
            with open(self.log_file, "a") as f:
                f.write(time.strftime("%Y-%m-%dT%H:%M:%S ") + line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY the
    # body waits for the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    server_version = "kube-emulator/1.0"
    sys_version = ""

    # -- plumbing --------------------------------------------------------
    def log_message(self, fmt, *args):
        self.server.write_log("%s %s" % (self.address_string(), fmt % args))

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_OPTIONS(self):
        self._dispatch()

    def _send(self, code, obj, headers=None):
        body = b"" if obj is None else (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self._close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if te and te != "identity":
            if te != "chunked":
                self._close = True
                raise ApiError(400, "BadRequest", "unsupported Transfer-Encoding %r" % te)
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    self._close = True
                    raise ApiError(400, "BadRequest", "truncated chunked body")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    self._close = True
                    raise ApiError(400, "BadRequest", "bad chunk size")
                if size == 0:
                    while True:   # trailers
                        t = self.rfile.readline(MAX_HEADER_LINE)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                total += size
                if total > MAX_BODY:
                    self._close = True
                    raise ApiError(413, "RequestEntityTooLarge", "the request body is too large")
                data = self.rfile.read(size)
                if len(data) != size:
                    self._close = True
                    raise ApiError(400, "BadRequest", "truncated chunked body")
                chunks.append(data)
                self.rfile.readline(16)
            return b"".join(chunks)
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        try:
            n = int(cl)
            if n < 0:
                raise ValueError
        except ValueError:
            self._close = True
            raise ApiError(400, "BadRequest", "bad Content-Length")
        if n > MAX_BODY:
            self._close = True
            # discard a moderately oversized body so the client can read the answer
            left = n if n <= MAX_DRAIN else 0
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
            raise ApiError(413, "RequestEntityTooLarge", "the request body is too large (limit %d bytes)" % MAX_BODY)
        data = self.rfile.read(n)
        if len(data) != n:
            self._close = True
            raise ApiError(400, "BadRequest", "truncated body")
        return data

    # -- auth ------------------------------------------------------------
    def _authenticate(self):
        """Return (user, auth_kind, error_detail)."""
        st = self.server.state
        try:
            cert = self.connection.getpeercert()
        except (ValueError, AttributeError):
            cert = None
        if cert:
            cn = None
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
            if cn:
                return cn, "client-cert", None
        authz = self.headers.get("Authorization")
        if authz:
            scheme, _, cred = authz.partition(" ")
            cred = cred.strip()
            if scheme.lower() == "bearer" and cred:
                with st.lock:
                    user = st.tokens.get(cred)
                    ro_user = st.readonly_users.get(cred)
                if user is not None:
                    return user, "token", None
                if ro_user is not None:
                    return ro_user, "token", None
                if cred.startswith(EKS_PREFIX):
                    try:
                        with st.lock:
                            cluster = st.cluster_name
                        arn, _ = verify_eks_token(cred, cluster, st.access_keys)
                        return arn, "eks-token", None
                    except EksTokenError as e:
                        return None, "eks-token", str(e)
                    except Exception as e:  # botocore trouble must never crash a request
                        return None, "eks-token", "verification error: %r" % e
                return None, "token", "unknown bearer token"
            if scheme.lower() == "basic":
                try:
                    u, _, p = base64.b64decode(cred, validate=True).decode("utf-8").partition(":")
                except Exception:
                    return None, "basic", "malformed basic credentials"
                with st.lock:
                    ok = u in st.basic and hmac.compare_digest(st.basic[u].encode(), p.encode())
                if ok:
                    return u, "basic", None
                return None, "basic", "bad username or password"
            return None, "none", "unsupported authorization scheme"
        return None, "none", "no credentials"

    # -- dispatch ----------------------------------------------------------
    def _dispatch(self):
        self._close = False
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        query_raw = parsed.query
        try:
            q = urllib.parse.parse_qs(query_raw, keep_blank_values=True)
        except ValueError:
            q = {}
        self.q = {k: v[-1] for k, v in q.items()}
        ctype = self.headers.get("Content-Type", "")
        method = self.command
        st = self.server.state
        if path.startswith("/__emu/"):
            try:
                body = self._read_body()
                code, obj = self._control(method, path, body)
            except ApiError as e:
                code, obj = e.code, e.status()
            self._send(code, obj)
            return
        if path in ("/healthz", "/readyz", "/livez") and method in ("GET", "HEAD"):
            # health endpoints answer anyone, in plain text, like a real API server
            self._read_body()
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)
            return
        if method == "GET" and self._oidc_public(path):
            return
        user, auth_kind, auth_err = self._authenticate()
        dry = self.q.get("dryRun")
        write = method in ("POST", "PUT", "PATCH", "DELETE") and dry != "All"
        entry = {"method": method, "path": path, "query": query_raw, "content_type": ctype,
                 "status": 0, "user": user, "auth": auth_kind if user else (auth_kind if auth_kind else "none"),
                 "write": write, "auth_error": auth_err}
        headers = {}
        try:
            body = self._read_body()
            if user is None:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            self._apply_faults(write, entry)
            code, obj = self._route(method, path, body, ctype, user)
        except ApiError as e:
            code, obj, headers = e.code, e.status(), e.headers
        except Exception as e:  # never let a bug hang or kill the connection silently
            self.server.write_log("internal error: %r" % e)
            import traceback
            self.server.write_log(traceback.format_exc())
            code, obj = 500, ApiError(500, "InternalError", "internal error: %r" % e).status()
        entry["status"] = code
        st.add_log(entry)
        self.server.write_log(json.dumps(entry))
        self._send(code, obj, headers)

    def _apply_faults(self, write, entry):
        st = self.server.state
        with st.lock:
            for rule in st.faults:
                if rule.take(write):
                    entry["fault"] = rule.status
                    raise rule.error()

    def _control(self, method, path, body):
        st = self.server.state
        if path == "/__emu/faults" and method == "POST":
            try:
                rules = json.loads(body or b"[]")
            except ValueError:
                raise bad_request("faults body must be JSON")
            if not isinstance(rules, list):
                raise bad_request("faults must be a JSON list of rules")
            parsed = [KubeFault(r) for r in rules]
            with st.lock:
                st.faults = parsed
            return 200, {"ok": True}
        if path == "/__emu/reset" and method == "POST":
            st.reset()
            return 200, {"ok": True}
        if path == "/__emu/seed" and method == "POST":
            try:
                spec = json.loads(body or b"{}")
            except ValueError:
                raise bad_request("seed body must be JSON")
            self._seed(spec)
            return 200, {"ok": True}
        if path == "/__emu/log" and method == "GET":
            with st.lock:
                return 200, list(st.log)
        if path == "/__emu/log/clear" and method == "POST":
            with st.lock:
                st.log = []
            return 200, {"ok": True}
        if path == "/__emu/state" and method == "GET":
            with st.lock:
                return 200, {
                    "cluster_name": st.cluster_name,
                    "resourceVersion": str(st.rv),
                    "namespaces": [copy.deepcopy(st.namespaces[n]) for n in sorted(st.namespaces)],
                    "serviceaccounts": [st.sas[k].render() for k in sorted(st.sas)],
                    "pods": [copy.deepcopy(st.pods[k]) for k in sorted(st.pods)],
                    "issuer": self._issuer(),
                }
        raise ApiError(404, "NotFound", "unknown control endpoint %s %s" % (method, path))

    def _seed(self, spec):
        st = self.server.state
        if not isinstance(spec, dict):
            raise bad_request("seed body must be a JSON object")
        with st.lock:
            for tok, user in (spec.get("tokens") or {}).items():
                st.tokens[str(tok)] = str(user)
            ro = spec.get("readonly_tokens") or []
            if isinstance(ro, dict):
                items = list(ro.items())
            else:
                items = [(t, None) for t in ro]
            for tok, user in items:
                st.readonly.add(tok)
                if tok not in st.tokens:
                    st.readonly_users[tok] = user or "readonly"
            for u, p in (spec.get("basic_users") or {}).items():
                st.basic[str(u)] = str(p)
            if spec.get("cluster_name"):
                st.cluster_name = str(spec["cluster_name"])
            for ns in spec.get("namespaces") or []:
                if ns not in st.namespaces:
                    st.create_namespace(ns)
            for sa in spec.get("serviceaccounts") or []:
                ns = sa.get("namespace", "default")
                if ns not in st.namespaces:
                    st.create_namespace(ns)
                extra = {k: sa[k] for k in SA_TOP_FIELDS if k in sa}
                st.create_sa(ns, sa["name"], annotations=sa.get("annotations"), labels=sa.get("labels"),
                             manager=sa.get("manager", "kubectl-client-side-apply"),
                             operation=sa.get("operation", "Update"), extra=extra)
            if "issuer" in spec:
                st.issuer = spec["issuer"] or None
            if "webhook" in spec:
                st.webhook = bool(spec["webhook"])
            for pod in spec.get("pods") or []:
                self._seed_pod(pod)

    def _seed_pod(self, p):
        """A pod as the seed describes it: {namespace, name, serviceAccountName,
        labels, ownerReferences, containers, inject (default: the webhook's
        setting; false = a pod created before the SA had its annotation)}."""
        st = self.server.state
        ns = p.get("namespace", "default")
        if ns not in st.namespaces:
            st.create_namespace(ns)
        md = {"name": p["name"], "labels": p.get("labels") or {}}
        if p.get("ownerReferences"):
            md["ownerReferences"] = p["ownerReferences"]
        body = {"metadata": md, "spec": {
            "serviceAccountName": p.get("serviceAccountName", "default"),
            "containers": copy.deepcopy(p.get("containers") or [{"name": "app", "image": "busybox"}])}}
        pod = kube_identity.validate_pod(body, ns)
        sa = st.sas.get((ns, pod["spec"]["serviceAccountName"]))
        if sa is not None and p.get("inject", st.webhook):
            kube_identity.inject_webhook(pod, sa.render())
        st.pods[(ns, pod["metadata"]["name"])] = kube_identity.finish_pod(pod, now_rfc3339(), st.next_rv())

    # -- OIDC issuer, TokenRequest, pods ----------------------------------------
    def _issuer(self):
        st = self.server.state
        return st.issuer or "https://127.0.0.1:%d" % self.server.server_address[1]

    def _oidc_public(self, path):
        """The issuer's discovery document and JWKS, served to anyone (as EKS's
        public OIDC endpoint is). True when answered."""
        st = self.server.state
        prefix = urllib.parse.urlsplit(self._issuer()).path.rstrip("/")
        if path == prefix + "/.well-known/openid-configuration":
            obj = kube_identity.discovery_document(self._issuer())
        elif path in (prefix + "/keys", "/openid/v1/jwks"):
            obj = self.server.signer.jwks()
        else:
            return False
        self._read_body()
        entry = {"method": "GET", "path": path, "query": "", "content_type": "", "status": 200,
                 "user": None, "auth": "none", "write": False, "auth_error": None}
        st.add_log(entry)
        self.server.write_log(json.dumps(entry))
        self._send(200, obj)
        return True

    def _identity_error(self, e):
        if e.causes:
            return ApiError(e.code, e.reason, e.message,
                            {"causes": [{"reason": "FieldValueInvalid", "message": m, "field": f}
                                        for f, m in e.causes]})
        return ApiError(e.code, e.reason, e.message)

    def _token_request(self, ns, name, body, ctype):
        st = self.server.state
        obj = self._decode_object(body, ctype)
        with st.lock:
            self._require_ns(ns)
            rec = st.sas.get((ns, name))
            if rec is None:
                raise not_found("serviceaccounts", name)
            sa = rec.render()
        try:
            answer, _ = kube_identity.token_request(self.server.signer, self._issuer(), ns, sa, obj)
        except kube_identity.IdentityError as e:
            raise self._identity_error(e)
        return 201, answer

    def _list_pods(self, ns):
        st = self.server.state
        fsel = self._parse_selector(self.q.get("fieldSelector", ""), fields=True)
        lsel = self._parse_selector(self.q.get("labelSelector", ""), fields=False)
        with st.lock:
            items = []
            for key in sorted(st.pods):
                if ns is not None and key[0] != ns:
                    continue
                pod = copy.deepcopy(st.pods[key])
                for k, op, v in fsel:
                    actual = kube_identity.pod_field(pod, k)
                    if actual is KeyError:
                        raise bad_request('field label not supported: %s' % k)
                    if (op == "=") != (actual == v):
                        break
                else:
                    if self._match(pod, [], lsel):
                        pod.pop("kind", None)
                        pod.pop("apiVersion", None)
                        items.append(pod)
            return 200, {"kind": "PodList", "apiVersion": "v1",
                         "metadata": {"resourceVersion": str(st.rv)}, "items": items}

    def _create_pod(self, ns, body, ctype):
        st = self.server.state
        obj = self._decode_object(body, ctype)
        try:
            pod = kube_identity.validate_pod(obj, ns)
        except kube_identity.IdentityError as e:
            raise self._identity_error(e)
        name = pod["metadata"]["name"]
        with st.lock:
            self._require_ns(ns)
            if (ns, name) in st.pods:
                raise ApiError(409, "AlreadyExists", 'pods "%s" already exists' % name,
                               {"name": name, "kind": "pods"})
            sa_name = pod["spec"]["serviceAccountName"]
            sa = st.sas.get((ns, sa_name))
            if sa is None:
                raise ApiError(403, "Forbidden", 'pods "%s" is forbidden: error looking up service account '
                               '%s/%s: serviceaccount "%s" not found' % (name, ns, sa_name, sa_name),
                               {"name": name, "kind": "pods"})
            if st.webhook:
                kube_identity.inject_webhook(pod, sa.render())
            if self.q.get("dryRun") == "All":
                return 201, pod
            st.pods[(ns, name)] = kube_identity.finish_pod(pod, now_rfc3339(), st.next_rv())
            return 201, copy.deepcopy(st.pods[(ns, name)])

    def _pod(self, method, ns, name):
        st = self.server.state
        with st.lock:
            pod = st.pods.get((ns, name))
            if pod is None:
                raise not_found("pods", name)
            if method in ("GET", "HEAD"):
                return 200, copy.deepcopy(pod)
            if method == "DELETE":
                if self.q.get("dryRun") != "All":
                    del st.pods[(ns, name)]
                    st.next_rv()
                return 200, copy.deepcopy(pod)
        raise self._method_not_allowed()

    def _route(self, method, path, body, ctype, user):
        segs = [s for s in path.split("/") if s]
        st = self.server.state
        if method == "OPTIONS":
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        if segs == ["version"]:
            self._only(method, "GET", "HEAD")
            return 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-irsactl-emulator",
                         "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
                         "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23", "compiler": "gc",
                         "platform": "linux/amd64"}
        if segs == ["api"]:
            self._only(method, "GET", "HEAD")
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                         "serverAddress": "127.0.0.1:%d" % self.server.server_address[1]}]}
        if segs == ["apis"]:
            self._only(method, "GET", "HEAD")
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []}
        if segs == ["api", "v1"]:
            self._only(method, "GET", "HEAD")
            return 200, RESOURCE_LIST
        if segs[:1] == ["openapi"]:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if segs[:2] != ["api", "v1"]:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        rest = segs[2:]
        if self.q.get("watch") in ("true", "1"):
            raise ApiError(405, "MethodNotAllowed", "watch is not supported by this emulator")
        dry = self.q.get("dryRun")
        if dry is not None and dry != "All":
            raise bad_request("dryRun: Unsupported value: %r: supported values: \"All\"" % dry)
        is_write = method in ("POST", "PUT", "PATCH", "DELETE")
        if is_write:
            with st.lock:
                ro = self._token() in st.readonly
            if ro:
                verb = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[method]
                res = next((r for r in ("pods", "serviceaccounts") if r in rest), "namespaces")
                name = rest[-1] if rest and rest[-1] != res else None
                if len(rest) == 5 and rest[4] == "token":
                    res, name = "serviceaccounts/token", rest[3]
                scope = ""
                if len(rest) >= 2 and rest[0] == "namespaces" and res == "serviceaccounts":
                    scope = ' in the namespace "%s"' % rest[1]
                prefix = '%s "%s" is forbidden' % (res, name) if name else "%s is forbidden" % res
                raise ApiError(403, "Forbidden", '%s: User "%s" cannot %s resource "%s" in API group ""%s'
                               % (prefix, user, verb, res, scope),
                               {"name": name or "", "kind": res} if name else {"kind": res})
        # routes
        if rest == ["namespaces"]:
            return self._namespaces(method, body, ctype, user)
        if len(rest) == 2 and rest[0] == "namespaces":
            return self._namespace(method, rest[1])
        if rest == ["serviceaccounts"]:
            self._only(method, "GET", "HEAD")
            return self._list_sas(None)
        if len(rest) == 3 and rest[0] == "namespaces" and rest[2] == "serviceaccounts":
            ns = rest[1]
            if method in ("GET", "HEAD"):
                return self._list_sas(ns)
            if method == "POST":
                return self._create_sa(ns, body, ctype, user)
            raise self._method_not_allowed()
        if len(rest) == 5 and rest[0] == "namespaces" and rest[2] == "serviceaccounts" and rest[4] == "token":
            self._only(method, "POST")
            return self._token_request(rest[1], rest[3], body, ctype)
        if rest == ["pods"]:
            self._only(method, "GET", "HEAD")
            return self._list_pods(None)
        if len(rest) == 3 and rest[0] == "namespaces" and rest[2] == "pods":
            if method in ("GET", "HEAD"):
                return self._list_pods(rest[1])
            if method == "POST":
                return self._create_pod(rest[1], body, ctype)
            raise self._method_not_allowed()
        if len(rest) == 4 and rest[0] == "namespaces" and rest[2] == "pods":
            return self._pod(method, rest[1], rest[3])
        if len(rest) == 4 and rest[0] == "namespaces" and rest[2] == "serviceaccounts":
            ns, name = rest[1], rest[3]
            if method in ("GET", "HEAD"):
                with st.lock:
                    rec = st.sas.get((ns, name))
                    if rec is None:
                        raise not_found("serviceaccounts", name)
                    return 200, rec.render()
            if method == "PUT":
                return self._put_sa(ns, name, body, ctype, user)
            if method == "PATCH":
                return self._patch_sa(ns, name, body, ctype, user)
            if method == "DELETE":
                return self._delete_sa(ns, name)
            raise self._method_not_allowed()
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    def _token(self):
        authz = self.headers.get("Authorization") or ""
        scheme, _, cred = authz.partition(" ")
        return cred.strip() if scheme.lower() == "bearer" else None

    def _method_not_allowed(self):
        return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _only(self, method, *allowed):
        if method not in allowed:
            raise self._method_not_allowed()

    def _manager(self, required=False):
        fm = self.q.get("fieldManager")
        if fm is not None:
            if fm == "" and required:
                raise bad_request("PATCH requests for apply must specify a fieldManager (fieldManager is required for apply requests)")
            if len(fm) > 128:
                raise ApiError(422, "Invalid", "fieldManager: Too long: may not be more than 128 bytes")
            return fm
        if required:
            raise bad_request("PATCH requests for apply must specify a fieldManager (fieldManager is required for apply requests)")
        ua = self.headers.get("User-Agent") or ""
        name = ua.split("/")[0].strip()
        return name[:128] or DEFAULT_MANAGER_FALLBACK

    # -- body decoding -----------------------------------------------------
    def _decode_object(self, body, ctype):
        base = ctype.split(";")[0].strip().lower()
        if base in ("", CT_JSON, "*/*"):
            if base == "" and not body:
                raise bad_request("request body is required")
            try:
                return json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                raise bad_request("error decoding JSON body: %s" % e)
        if base == CT_PROTOBUF:
            try:
                return decode_k8s_protobuf(body)
            except ProtoError as e:
                raise bad_request("error decoding protobuf body: %s" % e)
        if base in (CT_YAML, "application/x-yaml", "text/yaml"):
            try:
                return parse_yaml(body)
            except YamlError as e:
                raise bad_request("error decoding YAML body: %s" % e)
        raise ApiError(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - accepted '
                       'media types include: application/json, application/yaml, '
                       'application/vnd.kubernetes.protobuf')

    # -- namespaces --------------------------------------------------------
    def _namespaces(self, method, body, ctype, user):
        st = self.server.state
        if method in ("GET", "HEAD"):
            with st.lock:
                items = [copy.deepcopy(st.namespaces[n]) for n in sorted(st.namespaces)]
                for it in items:
                    it.pop("kind", None)
                    it.pop("apiVersion", None)
                return 200, {"kind": "NamespaceList", "apiVersion": "v1",
                             "metadata": {"resourceVersion": str(st.rv)}, "items": items}
        if method == "POST":
            obj = self._decode_object(body, ctype)
            if not isinstance(obj, dict):
                raise bad_request("body must be a JSON object")
            if obj.get("kind") not in (None, "Namespace") or obj.get("apiVersion") not in (None, "v1"):
                raise bad_request("the body kind/apiVersion must be Namespace/v1")
            md = obj.get("metadata") or {}
            if not isinstance(md, dict):
                raise bad_request("metadata must be an object")
            name = md.get("name")
            if not isinstance(name, str) or not name:
                raise invalid("Namespace", "namespaces", "", [cause_required("metadata.name")])
            errs = label_errors(name)
            if errs:
                raise invalid("Namespace", "namespaces", name,
                              [cause_invalid("metadata.name", name, e) for e in errs])
            causes = self._meta_causes(md)
            if causes:
                raise invalid("Namespace", "namespaces", name, causes)
            with st.lock:
                if name in st.namespaces:
                    raise ApiError(409, "AlreadyExists", 'namespaces "%s" already exists' % name,
                                   {"name": name, "kind": "namespaces"})
                if self.q.get("dryRun") == "All":
                    return 201, {"kind": "Namespace", "apiVersion": "v1",
                                 "metadata": {"name": name, "labels": md.get("labels") or {}},
                                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
                ns = st.create_namespace(name, labels=md.get("labels"), annotations=md.get("annotations"))
                return 201, copy.deepcopy(ns)
        raise self._method_not_allowed()

    def _namespace(self, method, name):
        st = self.server.state
        with st.lock:
            ns = st.namespaces.get(name)
            if ns is None:
                raise not_found("namespaces", name)
            if method in ("GET", "HEAD"):
                return 200, copy.deepcopy(ns)
            if method == "DELETE":
                out = copy.deepcopy(ns)
                out["status"] = {"phase": "Terminating"}
                if self.q.get("dryRun") != "All":
                    del st.namespaces[name]
                    for k in [k for k in st.sas if k[0] == name]:
                        del st.sas[k]
                    for k in [k for k in st.pods if k[0] == name]:
                        del st.pods[k]
                    st.next_rv()
                return 200, out
        raise self._method_not_allowed()

    # -- service accounts ----------------------------------------------------
    def _list_sas(self, ns):
        st = self.server.state
        fsel = self._parse_selector(self.q.get("fieldSelector", ""), fields=True)
        lsel = self._parse_selector(self.q.get("labelSelector", ""), fields=False)
        with st.lock:
            items = []
            for (n, name) in sorted(st.sas):
                if ns is not None and n != ns:
                    continue
                o = st.sas[(n, name)].render()
                if not self._match(o, fsel, lsel):
                    continue
                o.pop("kind", None)
                o.pop("apiVersion", None)
                items.append(o)
            return 200, {"kind": "ServiceAccountList", "apiVersion": "v1",
                         "metadata": {"resourceVersion": str(st.rv)}, "items": items}

    @staticmethod
    def _parse_selector(s, fields):
        out = []
        if not s:
            return out
        for term in s.split(","):
            term = term.strip()
            if not term:
                continue
            m = re.fullmatch(r"([^!=\s]+)\s*(==|=|!=)\s*(.*)", term)
            if m:
                out.append((m.group(1), "!=" if m.group(2) == "!=" else "=", m.group(3)))
            elif not fields and term.startswith("!"):
                out.append((term[1:], "absent", None))
            elif not fields:
                out.append((term, "exists", None))
            else:
                raise bad_request("invalid field selector %r" % term)
        return out

    @staticmethod
    def _match(o, fsel, lsel):
        md = o["metadata"]
        for k, op, v in fsel:
            if k == "metadata.name":
                actual = md.get("name")
            elif k == "metadata.namespace":
                actual = md.get("namespace")
            else:
                raise bad_request('field label not supported: %s' % k)
            if (op == "=") != (actual == v):
                return False
        labels = md.get("labels") or {}
        for k, op, v in lsel:
            if op == "exists" and k not in labels:
                return False
            if op == "absent" and k in labels:
                return False
            if op == "=" and labels.get(k) != v:
                return False
            if op == "!=" and labels.get(k) == v:
                return False
        return True

    def _meta_causes(self, md):
        causes = []
        for kind in ("annotations", "labels"):
            m = md.get(kind)
            if m is None:
                continue
            if not isinstance(m, dict):
                raise bad_request("json: cannot unmarshal %s into Go struct field ObjectMeta.metadata.%s of "
                                  "type map[string]string" % (type(m).__name__, kind))
            total = 0
            for k, v in m.items():
                if not isinstance(v, str):
                    jt = {bool: "bool", int: "number", float: "number", dict: "object",
                          list: "array"}.get(type(v), "null" if v is None else type(v).__name__)
                    raise bad_request("json: cannot unmarshal %s into Go struct field ObjectMeta.metadata.%s "
                                      "of type string (key %r)" % (jt, kind, k))
                errs = qualified_name_errors(k.lower() if kind == "annotations" else k)
                for e in errs:
                    causes.append(cause_invalid("metadata.%s" % kind, k, e))
                if kind == "labels":
                    for e in label_value_errors(v):
                        causes.append(cause_invalid("metadata.labels", v, e))
                total += len(k) + len(v)
            if kind == "annotations" and total > TOTAL_ANNOTATION_SIZE:
                causes.append(cause_too_long("metadata.annotations",
                                             "may not be more than %d bytes" % TOTAL_ANNOTATION_SIZE))
        return causes

    def _validate_sa(self, obj, ns, name, url_name=None):
        """Validate a full SA object; return normalized object (server fields dropped)."""
        if not isinstance(obj, dict):
            raise bad_request("body must be a JSON object")
        if obj.get("kind") not in (None, "ServiceAccount"):
            raise bad_request("the kind of the object (%s) does not match ServiceAccount" % obj.get("kind"))
        if obj.get("apiVersion") not in (None, "v1"):
            raise bad_request("the apiVersion of the object (%s) does not match v1" % obj.get("apiVersion"))
        md = obj.get("metadata")
        if md is None:
            md = {}
        if not isinstance(md, dict):
            raise bad_request("metadata must be an object")
        oname = md.get("name")
        if oname is not None and not isinstance(oname, str):
            raise bad_request("metadata.name must be a string")
        if not oname and md.get("generateName") and url_name is None:
            oname = md["generateName"] + uuid.uuid4().hex[:5]
        if not oname:
            raise invalid("ServiceAccount", "serviceaccounts", "", [cause_required("metadata.name")])
        causes = []
        if url_name is not None and oname != url_name:
            causes.append(cause_invalid("metadata.name", oname,
                                        "the name of the object (%s) does not match the name on the URL (%s)"
                                        % (oname, url_name)))
        onamespace = md.get("namespace")
        if onamespace not in (None, "") and onamespace != ns:
            causes.append(cause_invalid("metadata.namespace", onamespace,
                                        "the namespace of the provided object does not match the namespace "
                                        "sent on the request"))
        for e in subdomain_errors(oname):
            causes.append(cause_invalid("metadata.name", oname, e))
        causes += self._meta_causes(md)
        for f in obj:
            if f not in SA_ALLOWED_TOP:
                if self.q.get("fieldValidation") == "Strict":
                    raise bad_request('strict decoding error: unknown field "%s"' % f)
        if "automountServiceAccountToken" in obj and obj["automountServiceAccountToken"] is not None \
                and not isinstance(obj["automountServiceAccountToken"], bool):
            raise bad_request("automountServiceAccountToken must be a boolean")
        for f in ("secrets", "imagePullSecrets"):
            if f in obj and obj[f] is not None and not isinstance(obj[f], list):
                raise bad_request("%s must be a list" % f)
        if causes:
            raise invalid("ServiceAccount", "serviceaccounts", oname, causes)
        clean = {"metadata": {"name": oname, "namespace": ns}}
        for kind in ("labels", "annotations"):
            if md.get(kind):
                clean["metadata"][kind] = dict(md[kind])
        for f in SA_TOP_FIELDS:
            if obj.get(f) is not None:
                clean[f] = copy.deepcopy(obj[f])
        return clean, md

    def _require_ns(self, ns):
        if ns not in self.server.state.namespaces:
            raise not_found("namespaces", ns)

    def _create_sa(self, ns, body, ctype, user):
        st = self.server.state
        obj = self._decode_object(body, ctype)
        clean, _ = self._validate_sa(obj, ns, None)
        name = clean["metadata"]["name"]
        manager = self._manager()
        with st.lock:
            self._require_ns(ns)
            if (ns, name) in st.sas:
                raise ApiError(409, "AlreadyExists", 'serviceaccounts "%s" already exists' % name,
                               {"name": name, "kind": "serviceaccounts"})
            rec = Record(clean)
            self._server_meta(rec, None)
            fields = set(leaf_fields(clean))
            if fields:
                rec.mf.append({"manager": manager, "operation": "Update", "time": now_rfc3339(),
                               "fields": fields})
            if self.q.get("dryRun") != "All":
                rec.obj["metadata"]["resourceVersion"] = st.next_rv()
                st.sas[(ns, name)] = rec
            return 201, rec.render()

    def _server_meta(self, rec, old):
        md = rec.obj.setdefault("metadata", {})
        if old is None:
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = now_rfc3339()
            md["resourceVersion"] = ""
        else:
            for k in ("uid", "creationTimestamp", "resourceVersion"):
                md[k] = old.obj["metadata"][k]

    def _commit_update(self, ns, name, old, new_clean, manager):
        """Shared by PUT and non-apply PATCH: apply Update managed-fields rules, store."""
        st = self.server.state
        rec = Record(new_clean, [dict(e, fields=set(e["fields"])) for e in old.mf])
        self._server_meta(rec, old)
        before = leaf_fields(old.obj)
        after = leaf_fields(rec.obj)
        changed = {p for p, v in after.items() if p not in before or before[p] != v}
        removed = {p for p in before if p not in after}
        for e in rec.mf:
            e["fields"] -= removed
            if not (e["manager"] == manager and e["operation"] == "Update"):
                e["fields"] -= changed
        if changed:
            e = rec.entry(manager, "Update")
            if e is None:
                e = {"manager": manager, "operation": "Update", "time": now_rfc3339(), "fields": set()}
                rec.mf.append(e)
            e["fields"] |= changed
            e["time"] = now_rfc3339()
        rec.mf = [e for e in rec.mf if e["fields"]]
        if rec.state_key() == old.state_key():
            return 200, old.render()
        if self.q.get("dryRun") == "All":
            return 200, rec.render()
        rec.obj["metadata"]["resourceVersion"] = st.next_rv()
        st.sas[(ns, name)] = rec
        return 200, rec.render()

    def _conflict_rv(self, name):
        return ApiError(409, "Conflict", 'Operation cannot be fulfilled on serviceaccounts "%s": the object has '
                        'been modified; please apply your changes to the latest version and try again' % name,
                        {"name": name, "kind": "serviceaccounts"})

    def _put_sa(self, ns, name, body, ctype, user):
        st = self.server.state
        obj = self._decode_object(body, ctype)
        clean, md = self._validate_sa(obj, ns, name, url_name=name)
        manager = self._manager()
        with st.lock:
            old = st.sas.get((ns, name))
            if old is None:
                raise not_found("serviceaccounts", name)
            rv = md.get("resourceVersion")
            if rv not in (None, "") and rv != old.obj["metadata"]["resourceVersion"]:
                raise self._conflict_rv(name)
            return self._commit_update(ns, name, old, clean, manager)

    def _delete_sa(self, ns, name):
        st = self.server.state
        with st.lock:
            rec = st.sas.get((ns, name))
            if rec is None:
                raise not_found("serviceaccounts", name)
            out = rec.render()
            if self.q.get("dryRun") != "All":
                del st.sas[(ns, name)]
                st.next_rv()
            return 200, out

    def _patch_sa(self, ns, name, body, ctype, user):
        st = self.server.state
        base = ctype.split(";")[0].strip().lower()
        force = self.q.get("force")
        if base == CT_APPLY:
            if force not in (None, "true", "false"):
                raise bad_request("invalid force value %r" % force)
            return self._apply_sa(ns, name, body, force == "true")
        if force is not None:
            raise bad_request("force: Invalid value: %r: may not be specified for non-apply patch" % force)
        if base not in (CT_MERGE, CT_SMP, CT_JSONPATCH):
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                           "accepted media types include: application/json-patch+json, "
                           "application/merge-patch+json, application/apply-patch+yaml, "
                           "application/strategic-merge-patch+json")
        try:
            patch = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise bad_request("error decoding patch: %s" % e)
        manager = self._manager()
        with st.lock:
            old = st.sas.get((ns, name))
            if old is None:
                raise not_found("serviceaccounts", name)
            current = old.render()
            if base == CT_JSONPATCH:
                if not isinstance(patch, list):
                    raise bad_request("json patch must be a JSON array of operations")
                try:
                    new = json_patch(current, patch)
                except JsonPatchError as e:
                    raise ApiError(422, "Invalid", str(e))
            else:
                if not isinstance(patch, dict):
                    raise bad_request("merge patch must be a JSON object")
                new = merge_patch(current, patch, strategic=(base == CT_SMP))
            if not isinstance(new, dict):
                raise ApiError(422, "Invalid", "patched object is not a JSON object")
            nmd = new.get("metadata") or {}
            if isinstance(nmd, dict):
                rv = nmd.get("resourceVersion")
                if rv not in (None, "") and rv != old.obj["metadata"]["resourceVersion"]:
                    raise self._conflict_rv(name)
                if nmd.get("namespace") in (None, ""):
                    nmd["namespace"] = ns
            clean, _ = self._validate_sa(new, ns, name, url_name=name)
            return self._commit_update(ns, name, old, clean, manager)

    def _apply_sa(self, ns, name, body, force):
        st = self.server.state
        manager = self._manager(required=True)
        text = body.decode("utf-8", errors="replace") if body else ""
        if not text.strip():
            raise bad_request("apply patch body is empty")
        if text.lstrip().startswith("{"):
            try:
                obj = json.loads(text)
            except ValueError as e:
                raise bad_request("error decoding JSON apply patch: %s" % e)
        else:
            try:
                obj = parse_yaml(body)
            except YamlError as e:
                raise bad_request("error decoding YAML apply patch: %s" % e)
        if not isinstance(obj, dict):
            raise bad_request("apply patch must be a mapping")
        if not obj.get("apiVersion"):
            raise bad_request("invalid object type: apiVersion must be set in an apply patch")
        if not obj.get("kind"):
            raise bad_request("invalid object type: kind must be set in an apply patch")
        for f in obj:
            if f not in SA_ALLOWED_TOP:
                raise bad_request('failed to create typed patch object (/%s, Kind=ServiceAccount): .%s: '
                                  'field not declared in schema' % (name, f))
        md = obj.get("metadata")
        if not isinstance(md, dict):
            raise bad_request("apply patch must contain metadata")
        if not md.get("name"):
            md = dict(md, name=name)
        clean, md = self._validate_sa(dict(obj, metadata=md), ns, name, url_name=name)
        applied = leaf_fields(clean)
        with st.lock:
            old = st.sas.get((ns, name))
            created = old is None
            if created:
                self._require_ns(ns)
                rec = Record({"metadata": {"name": name, "namespace": ns}})
                self._server_meta(rec, None)
                old_state = None
            else:
                rv = md.get("resourceVersion")
                if rv not in (None, "") and rv != old.obj["metadata"]["resourceVersion"]:
                    raise self._conflict_rv(name)
                rec = old.clone()
                old_state = old.state_key()
            current = leaf_fields(rec.obj)
            # conflicts
            conflicts = []
            for p, v in applied.items():
                for e in rec.mf:
                    if e["manager"] == manager and e["operation"] == "Apply":
                        continue
                    if p in e["fields"] and current.get(p, object()) != v:
                        conflicts.append((e["manager"], p))
            if conflicts and not force:
                causes = [{"reason": "FieldManagerConflict",
                           "message": 'conflict with "%s" using v1: %s' % (m, path_str(p)),
                           "field": path_str(p)} for m, p in conflicts]
                if len(conflicts) == 1:
                    msg = 'Apply failed with 1 conflict: conflict with "%s" using v1: %s' % (
                        conflicts[0][0], path_str(conflicts[0][1]))
                else:
                    msg = "Apply failed with %d conflicts: %s" % (
                        len(conflicts), "\n".join('conflict with "%s" using v1: %s' % (m, path_str(p))
                                                  for m, p in conflicts))
                raise ApiError(409, "Conflict", msg, {"causes": causes})
            if force:
                for e in rec.mf:
                    if not (e["manager"] == manager and e["operation"] == "Apply"):
                        e["fields"] -= set(applied)
            mine = rec.entry(manager, "Apply")
            prev = set(mine["fields"]) if mine else set()
            # fields this manager owned and no longer applies: remove unless someone else owns them
            for p in prev - set(applied):
                others = any(p in e["fields"] for e in rec.mf
                             if not (e["manager"] == manager and e["operation"] == "Apply"))
                if not others:
                    del_field(rec.obj, p)
            for p, v in applied.items():
                set_field(rec.obj, p, copy.deepcopy(v))
            if mine is None:
                mine = {"manager": manager, "operation": "Apply", "time": now_rfc3339(), "fields": set()}
                rec.mf.append(mine)
            mine["fields"] = set(applied)
            # drop ownership of fields that no longer exist
            existing = set(leaf_fields(rec.obj))
            for e in rec.mf:
                e["fields"] &= existing
            rec.mf = [e for e in rec.mf if e["fields"]]   # empty managers are dropped, as in SSA
            if not created and rec.state_key() == old_state:
                return 200, old.render()
            if mine in rec.mf:
                mine["time"] = now_rfc3339()
            if self.q.get("dryRun") == "All":
                return (201 if created else 200), rec.render()
            rec.obj["metadata"]["resourceVersion"] = st.next_rv()
            st.sas[(ns, name)] = rec
            return (201 if created else 200), rec.render()


# ---------------------------------------------------------------------------
# main


def write_port_file(path, port):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="irsactl test Kubernetes API server emulator")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--certs-dir", required=True)
    ap.add_argument("--accounts", default=DEFAULT_ACCOUNTS)
    ap.add_argument("--log-file")
    ap.add_argument("--cluster-name", default=DEFAULT_CLUSTER)
    args = ap.parse_args(argv)

    with open(args.accounts) as f:
        accounts = json.load(f)
    ensure_certs(args.certs_dir)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(os.path.join(args.certs_dir, "server.crt"), os.path.join(args.certs_dir, "server.key"))
    ctx.load_verify_locations(os.path.join(args.certs_dir, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])

    state = State(args.cluster_name, accounts.get("access_keys", {}))
    signer = kube_identity.Signer(args.certs_dir)
    server = Server(("127.0.0.1", args.port), Handler, ctx, state, args.log_file, signer)
    port = server.server_address[1]

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    t.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    sys.stderr.write("kube-emulator listening on https://127.0.0.1:%d\n" % port)
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
