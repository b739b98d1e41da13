"""Service-account identity for the Kubernetes emulator: the cluster's
token signing key, TokenRequest (real RS256 JWTs), the OIDC issuer's
discovery document and JWKS, and pods with or without the EKS pod identity
webhook's injection (env AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE and
the projected volume aws-iam-token).

Debian's python3-cryptography does the RSA work (scripts/install-deps.sh).
"""

import base64
import copy
import datetime
import fcntl
import hashlib
import json
import os
import re
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNER_KEY_FILE = "sa-signer.key"
DEFAULT_TOKEN_EXPIRATION = 3600
MIN_TOKEN_EXPIRATION = 600
MAX_TOKEN_EXPIRATION = 1 << 32

ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
AUDIENCE_ANNOTATION = "eks.amazonaws.com/audience"
REGIONAL_ANNOTATION = "eks.amazonaws.com/sts-regional-endpoints"
EXPIRATION_ANNOTATION = "eks.amazonaws.com/token-expiration"
WEBHOOK_TOKEN_DIR = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
WEBHOOK_VOLUME = "aws-iam-token"
WEBHOOK_DEFAULT_AUDIENCE = "sts.amazonaws.com"
WEBHOOK_DEFAULT_EXPIRATION = 86400

DNS1123_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_bytes(n):
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class Signer:
    """The cluster's service-account signing key (RSA 2048, RS256), kept
    in certs_dir so every emulator run of a test uses the same key."""

    def __init__(self, certs_dir):
        path = os.path.join(certs_dir, SIGNER_KEY_FILE)
        with open(os.path.join(certs_dir, ".kube-signer.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.exists(path):
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
                tmp = path + ".tmp"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(pem)
                os.replace(tmp, path)
        with open(path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        der = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        # the API server's key id: base64url(SHA-256(DER public key))
        self.kid = b64url(hashlib.sha256(der).digest())

    def jwks(self):
        pub = self.key.public_key().public_numbers()
        return {"keys": [{"use": "sig", "kty": "RSA", "kid": self.kid, "alg": "RS256",
                          "n": b64url(_int_bytes(pub.n)), "e": b64url(_int_bytes(pub.e))}]}

    def sign(self, claims):
        header = {"alg": "RS256", "kid": self.kid}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)


def discovery_document(issuer):
    return {"issuer": issuer, "jwks_uri": issuer.rstrip("/") + "/keys",
            "authorization_endpoint": "urn:kubernetes:programmatic_authorization",
            "response_types_supported": ["id_token"], "subject_types_supported": ["public"],
            "claims_supported": ["sub", "iss"], "id_token_signing_alg_values_supported": ["RS256"]}


def rfc3339(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class IdentityError(Exception):
    """code, reason, message, causes (list of (field, message)) for the emulator's ApiError."""

    def __init__(self, code, reason, message, causes=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.causes = code, reason, message, causes or []


def token_request(signer, issuer, ns, sa_obj, body, now=None):
    """Answer a TokenRequest for sa_obj (its rendered object): (TokenRequest, claims)."""
    now = int(now if now is not None else time.time())
    if not isinstance(body, dict):
        raise IdentityError(400, "BadRequest", "the body must be a TokenRequest object")
    if body.get("kind") not in (None, "TokenRequest") or \
            body.get("apiVersion") not in (None, "authentication.k8s.io/v1"):
        raise IdentityError(400, "BadRequest", "the body kind/apiVersion must be TokenRequest/authentication.k8s.io/v1")
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise IdentityError(400, "BadRequest", "spec must be an object")
    audiences = spec.get("audiences")
    if audiences is None or audiences == []:
        audiences = [issuer]
    if not isinstance(audiences, list) or not all(isinstance(a, str) and a for a in audiences):
        raise IdentityError(400, "BadRequest", "spec.audiences must be a list of non-empty strings")
    exp_s = spec.get("expirationSeconds", DEFAULT_TOKEN_EXPIRATION)
    if not isinstance(exp_s, int) or isinstance(exp_s, bool):
        raise IdentityError(400, "BadRequest", "spec.expirationSeconds must be an integer")
    if exp_s < MIN_TOKEN_EXPIRATION:
        raise IdentityError(422, "Invalid", "spec.expirationSeconds: Invalid value: %d: may not specify a "
                            "duration less than 10 minutes" % exp_s,
                            [("spec.expirationSeconds", "may not specify a duration less than 10 minutes")])
    if exp_s > MAX_TOKEN_EXPIRATION:
        raise IdentityError(422, "Invalid", "spec.expirationSeconds: Invalid value: %d: may not specify a "
                            "duration larger than 2^32 seconds" % exp_s,
                            [("spec.expirationSeconds", "may not specify a duration larger than 2^32 seconds")])
    md = sa_obj["metadata"]
    claims = {"aud": audiences, "exp": now + exp_s, "iat": now, "iss": issuer, "jti": str(uuid.uuid4()),
              "kubernetes.io": {"namespace": ns,
                                "serviceaccount": {"name": md["name"], "uid": md.get("uid", "")}},
              "nbf": now, "sub": "system:serviceaccount:%s:%s" % (ns, md["name"])}
    answer = {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
              "metadata": {"name": md["name"], "namespace": ns, "creationTimestamp": None},
              "spec": {"audiences": audiences, "expirationSeconds": exp_s,
                       "boundObjectRef": spec.get("boundObjectRef")},
              "status": {"token": signer.sign(claims), "expirationTimestamp": rfc3339(now + exp_s)}}
    return answer, claims


# ---------------------------------------------------------------------------
# pods


def _env_names(container):
    return {e.get("name") for e in container.get("env") or [] if isinstance(e, dict)}


def inject_webhook(pod, sa_obj):
    """What the EKS pod identity webhook does to a pod whose service
    account has the role-arn annotation. Returns True when it injected."""
    ann = (sa_obj.get("metadata") or {}).get("annotations") or {}
    role = ann.get(ROLE_ARN_ANNOTATION)
    if not role:
        return False
    spec = pod["spec"]
    containers = spec.get("containers") or []
    if any("AWS_ROLE_ARN" in _env_names(c) for c in containers):
        return False
    audience = ann.get(AUDIENCE_ANNOTATION) or WEBHOOK_DEFAULT_AUDIENCE
    try:
        expiration = int(ann.get(EXPIRATION_ANNOTATION) or WEBHOOK_DEFAULT_EXPIRATION)
    except ValueError:
        expiration = WEBHOOK_DEFAULT_EXPIRATION
    expiration = max(3600, min(expiration, 86400))  # the webhook clamps it
    env = [{"name": "AWS_ROLE_ARN", "value": role},
           {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": WEBHOOK_TOKEN_DIR + "/token"}]
    if str(ann.get(REGIONAL_ANNOTATION, "")).lower() == "true":
        env.append({"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"})
    for c in containers + (spec.get("initContainers") or []):
        c.setdefault("env", []).extend(copy.deepcopy(env))
        c.setdefault("volumeMounts", []).append({"name": WEBHOOK_VOLUME, "readOnly": True,
                                                 "mountPath": WEBHOOK_TOKEN_DIR})
    spec.setdefault("volumes", []).append({
        "name": WEBHOOK_VOLUME,
        "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {
            "audience": audience, "expirationSeconds": expiration, "path": "token"}}]}})
    return True


def validate_pod(obj, ns):
    """A clean pod object from a create body, or IdentityError."""
    if not isinstance(obj, dict):
        raise IdentityError(400, "BadRequest", "the body must be a Pod object")
    if obj.get("kind") not in (None, "Pod") or obj.get("apiVersion") not in (None, "v1"):
        raise IdentityError(400, "BadRequest", "the body kind/apiVersion must be Pod/v1")
    md = copy.deepcopy(obj.get("metadata") or {})
    spec = copy.deepcopy(obj.get("spec") or {})
    if not isinstance(md, dict) or not isinstance(spec, dict):
        raise IdentityError(400, "BadRequest", "metadata and spec must be objects")
    causes = []
    name = md.get("name")
    if not name and md.get("generateName"):
        name = md["generateName"] + uuid.uuid4().hex[:5]
    if not isinstance(name, str) or not name:
        causes.append(("metadata.name", "Required value: name or generateName is required"))
    elif len(name) > 253 or not DNS1123_SUBDOMAIN_RE.match(name):
        causes.append(("metadata.name", "Invalid value: %r: a lowercase RFC 1123 subdomain" % name))
    if md.get("namespace") not in (None, ns):
        raise IdentityError(400, "BadRequest", "the namespace of the provided object does not match "
                            "the namespace sent on the request")
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        causes.append(("spec.containers", "Required value"))
    else:
        for i, c in enumerate(containers):
            if not isinstance(c, dict) or not c.get("name"):
                causes.append(("spec.containers[%d].name" % i, "Required value"))
            elif not c.get("image"):
                causes.append(("spec.containers[%d].image" % i, "Required value"))
    if causes:
        raise IdentityError(422, "Invalid", 'Pod "%s" is invalid: %s' % (
            name or "", "; ".join("%s: %s" % c for c in causes)), causes)
    md["name"] = name
    md["namespace"] = ns
    md.pop("generateName", None)
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    return {"kind": "Pod", "apiVersion": "v1", "metadata": md, "spec": spec}


def finish_pod(pod, now_text, rv):
    md = pod["metadata"]
    md["uid"] = str(uuid.uuid4())
    md["resourceVersion"] = rv
    md.setdefault("creationTimestamp", now_text)
    pod["status"] = {"phase": "Running", "podIP": "10.0.0.%d" % (int(rv) % 250 + 2),
                     "startTime": md["creationTimestamp"]}
    return pod


def pod_field(pod, key):
    md, spec = pod["metadata"], pod["spec"]
    return {"metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
            "spec.serviceAccountName": spec.get("serviceAccountName"),
            "spec.nodeName": spec.get("nodeName", ""),
            "status.phase": (pod.get("status") or {}).get("phase")}.get(key, KeyError)
