"""OIDC ID tokens for STS AssumeRoleWithWebIdentity: decode a JWT, fetch the
issuer's JWKS over HTTPS (discovery document first), verify RS256.

Debian's python3-cryptography does the RSA work."""

import base64
import http.client
import json
import socket
import ssl
import urllib.parse

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

FETCH_TIMEOUT = 5
MAX_DOCUMENT = 1 << 20


class FetchError(Exception):
    pass


def _b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Jwt:
    def __init__(self, header, claims, signed, signature):
        self.header, self.claims, self.signed, self.signature = header, claims, signed, signature

    def verify(self, jwks):
        """RS256 against the key named by kid (or the only RSA key when there is no kid)."""
        if self.header.get("alg") != "RS256":
            return False
        keys = [k for k in jwks.get("keys") or [] if isinstance(k, dict) and k.get("kty") == "RSA"]
        kid = self.header.get("kid")
        if kid is not None:
            keys = [k for k in keys if k.get("kid") == kid]
        elif len(keys) != 1:
            return False
        for k in keys:
            try:
                pub = rsa.RSAPublicNumbers(int.from_bytes(_b64(k["e"]), "big"),
                                           int.from_bytes(_b64(k["n"]), "big")).public_key()
                pub.verify(self.signature, self.signed, padding.PKCS1v15(), hashes.SHA256())
                return True
            except (InvalidSignature, KeyError, ValueError, TypeError):
                continue
        return False


def decode(token):
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(_b64(parts[0]))
        claims = json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return Jwt(header, claims, (parts[0] + "." + parts[1]).encode(), signature)


def issuer_key(iss):
    """The provider's name in IAM: the issuer without https://, host lower-cased."""
    rest = iss[len("https://"):].rstrip("/")
    host, _, path = rest.partition("/")
    return host.lower() + ("/" + path if path else "")


class _Connection(http.client.HTTPSConnection):
    """HTTPS to `address` (host, port) while verifying the certificate for the URL's
    host: how a test's issuer name (no port, as IAM wants) reaches a loopback server."""

    def __init__(self, host, port, address, context):
        super().__init__(host, port, context=context, timeout=FETCH_TIMEOUT)
        self._address = address

    def connect(self):
        raw = socket.create_connection(self._address, self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def _get_json(url, ca_bundle, host_map=None):
    u = urllib.parse.urlsplit(url)
    if u.scheme != "https" or not u.hostname:
        raise FetchError("not https: " + url)
    port = u.port or 443
    mapped = (host_map or {}).get(u.hostname)
    address = (mapped.rsplit(":", 1)[0], int(mapped.rsplit(":", 1)[1])) if mapped else (u.hostname, port)
    ctx = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    conn = _Connection(u.hostname, port, address, ctx)
    try:
        conn.request("GET", (u.path or "/") + ("?" + u.query if u.query else ""),
                     headers={"Accept": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            raise FetchError("HTTP %d from %s" % (resp.status, url))
        return json.loads(resp.read(MAX_DOCUMENT))
    except (OSError, ValueError, http.client.HTTPException) as e:
        raise FetchError(str(e)) from None
    finally:
        conn.close()


def fetch_jwks(iss, ca_bundle=None, host_map=None):
    """host_map: {"issuer.host": "127.0.0.1:PORT"}, where to connect for a host (tests)."""
    disco = _get_json(iss.rstrip("/") + "/.well-known/openid-configuration", ca_bundle, host_map)
    if not isinstance(disco, dict) or disco.get("issuer") != iss or not isinstance(disco.get("jwks_uri"), str):
        raise FetchError("bad discovery document")
    jwks = _get_json(disco["jwks_uri"], ca_bundle, host_map)
    if not isinstance(jwks, dict):
        raise FetchError("bad JWKS")
    return jwks
