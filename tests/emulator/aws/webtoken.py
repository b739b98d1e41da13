"""OIDC ID tokens for STS AssumeRoleWithWebIdentity: decode a JWT, fetch the
issuer's JWKS over HTTPS (discovery document first), verify RS256.

Debian's python3-cryptography does the RSA work."""

import base64
import json
import ssl
import urllib.error
import urllib.request

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


def _get_json(url, ca_bundle):
    if not url.startswith("https://"):
        raise FetchError("not https: " + url)
    ctx = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    try:
        with urllib.request.urlopen(url, context=ctx, timeout=FETCH_TIMEOUT) as r:
            return json.loads(r.read(MAX_DOCUMENT))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise FetchError(str(e)) from None


def fetch_jwks(iss, ca_bundle=None):
    disco = _get_json(iss.rstrip("/") + "/.well-known/openid-configuration", ca_bundle)
    if not isinstance(disco, dict) or disco.get("issuer") != iss or not isinstance(disco.get("jwks_uri"), str):
        raise FetchError("bad discovery document")
    jwks = _get_json(disco["jwks_uri"], ca_bundle)
    if not isinstance(jwks, dict):
        raise FetchError("bad JWKS")
    return jwks
