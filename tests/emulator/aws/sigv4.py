"""SigV4 verification with botocore's own signer.

The request as received (method, raw path, query, the Host header the client
sent, the headers listed in SignedHeaders, the body) is rebuilt as a botocore
``AWSRequest`` and signed again with ``SigV4Auth`` / ``SigV4QueryAuth`` using the
secret of the access key, the credential scope's region and service and the
request's X-Amz-Date; the result is compared with the signature sent.  botocore is
an independent implementation, so every request irsactl sends checks its signer.
"""

import calendar
import hashlib
import hmac
import re
import time
from urllib.parse import unquote

from botocore.auth import SigV4Auth, SigV4QueryAuth, UNSIGNED_PAYLOAD
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from .errors import AwsError

MAX_SKEW_SECONDS = 300
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult "
                      "the service documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"

_SCOPE_RX = re.compile(r"^([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request$")


class SigInfo:
    """What the request says about its own signature (parsed, not yet verified)."""

    def __init__(self):
        self.kind = None          # 'header' | 'query' | None (unsigned)
        self.access_key = None
        self.date = None          # scope date YYYYMMDD
        self.region = None
        self.service = None
        self.signed_headers = []
        self.signature = None
        self.amz_date = None
        self.expires = None
        self.token = None
        self.scope_ok = False
        self.error = None         # AwsError describing a malformed Authorization


def _split_pairs(query):
    pairs = []
    if query:
        for part in query.split("&"):
            if part == "":
                continue
            k, _, v = part.partition("=")
            pairs.append((unquote(k), unquote(v)))
    return pairs


def parse(method, query, headers):
    """Find the signature in the Authorization header or the query string."""
    info = SigInfo()
    auth = headers.get("Authorization")
    qpairs = _split_pairs(query)
    qdict = {}
    for k, v in qpairs:
        qdict.setdefault(k, v)
    if auth is not None:
        info.kind = "header"
        algo, _, rest = auth.strip().partition(" ")
        fields = {}
        for item in rest.split(","):
            k, _, v = item.strip().partition("=")
            if k:
                fields[k.strip()] = v.strip()
        cred = fields.get("Credential")
        info.signed_headers = [h for h in fields.get("SignedHeaders", "").split(";") if h]
        info.signature = fields.get("Signature")
        info.amz_date = headers.get("X-Amz-Date")
        info.token = headers.get("X-Amz-Security-Token")
        if algo != "AWS4-HMAC-SHA256":
            info.error = AwsError("IncompleteSignature",
                                  f"Unsupported AWS 'algorithm': '{algo}'", 400)
        else:
            missing = [n for n in ("Credential", "Signature", "SignedHeaders") if n not in fields]
            if missing:
                info.error = AwsError(
                    "IncompleteSignature",
                    f"Authorization header requires '{missing[0]}' parameter. Authorization header "
                    "requires 'Credential' parameter. Authorization header requires 'Signature' "
                    "parameter. Authorization header requires 'SignedHeaders' parameter. "
                    f"Authorization={auth}", 400)
    elif "X-Amz-Credential" in qdict or "X-Amz-Signature" in qdict:
        info.kind = "query"
        cred = qdict.get("X-Amz-Credential")
        info.signed_headers = [h for h in qdict.get("X-Amz-SignedHeaders", "").split(";") if h]
        info.signature = qdict.get("X-Amz-Signature")
        info.amz_date = qdict.get("X-Amz-Date")
        info.token = qdict.get("X-Amz-Security-Token")
        info.expires = qdict.get("X-Amz-Expires")
        if qdict.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            info.error = AwsError("IncompleteSignature",
                                  "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"", 400)
        else:
            for n in ("X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"):
                if n not in qdict:
                    info.error = AwsError("IncompleteSignature",
                                          f"AWS query-string parameters must include '{n}'. "
                                          "Re-examine the query-string parameters.", 400)
                    break
    else:
        return info
    if cred:
        m = _SCOPE_RX.match(cred)
        if m:
            info.access_key, info.date, info.region, info.service = m.groups()
            info.scope_ok = True
        else:
            parts = cred.split("/")
            info.access_key = parts[0] or None
            if len(parts) >= 4:
                info.region, info.service = parts[2], parts[3]
            if info.error is None:
                info.error = AwsError(
                    "IncompleteSignature",
                    f"Credential should be scoped to a valid region, service and terminated by "
                    f"'aws4_request'. Credential={cred}", 400)
    return info


def _fmt(ts):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ts))


class _Verifier(SigV4Auth):
    """SigV4Auth that signs exactly the headers the client listed."""

    def __init__(self, credentials, service, region, signed_headers, query_pairs):
        super().__init__(credentials, service, region)
        self._names = signed_headers
        self._pairs = query_pairs

    def headers_to_sign(self, request):
        hm = HTTPHeaders()
        for name in self._names:
            for value in request.headers.get_all(name) or []:
                hm[name] = value
        return hm

    def canonical_query_string(self, request):
        return self._canonical_query_string_params(self._pairs)


class _QueryVerifier(_Verifier, SigV4QueryAuth):
    pass


def verify(info, method, path, query, header_items, body, secret, now):
    """Raise AwsError unless the signature is right.  Returns debug details dict."""
    if info.error is not None:
        raise info.error
    if not info.amz_date:
        raise AwsError("IncompleteSignature",
                       "Authorization header requires existence of either a 'X-Amz-Date' or a "
                       "'Date' header.", 400)
    try:
        req_ts = calendar.timegm(time.strptime(info.amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise AwsError("IncompleteSignature",
                       f"Date must be in ISO-8601 'basic format'. Got '{info.amz_date}'. "
                       "See http://en.wikipedia.org/wiki/ISO_8601", 400)
    if info.amz_date[:8] != info.date:
        raise AwsError("SignatureDoesNotMatch",
                       f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                       f"of date from HTTP: '{info.date}' != '{info.amz_date[:8]}', from "
                       f"'{info.amz_date}'.", 403)
    if info.kind == "query":
        try:
            expires = int(info.expires or "900")
        except ValueError:
            raise AwsError("AuthorizationQueryParametersError",
                           "X-Amz-Expires should be a number", 400)
        if expires < 1 or expires > 604800:
            raise AwsError("AuthorizationQueryParametersError",
                           "X-Amz-Expires must be less than a week (in seconds) that is 604800", 400)
        if now > req_ts + expires:
            raise AwsError("SignatureDoesNotMatch",
                           f"Signature expired: {info.amz_date} is now earlier than "
                           f"{_fmt(now - expires)} ({_fmt(now)} - {expires} sec.)", 403)
        if req_ts > now + MAX_SKEW_SECONDS:
            raise AwsError("SignatureDoesNotMatch",
                           f"Signature not yet current: {info.amz_date} is still later than "
                           f"{_fmt(now + MAX_SKEW_SECONDS)} ({_fmt(now)} + 5 min.)", 403)
    else:
        if req_ts < now - MAX_SKEW_SECONDS:
            raise AwsError("SignatureDoesNotMatch",
                           f"Signature expired: {info.amz_date} is now earlier than "
                           f"{_fmt(now - MAX_SKEW_SECONDS)} ({_fmt(now)} - 5 min.)", 403)
        if req_ts > now + MAX_SKEW_SECONDS:
            raise AwsError("SignatureDoesNotMatch",
                           f"Signature not yet current: {info.amz_date} is still later than "
                           f"{_fmt(now + MAX_SKEW_SECONDS)} ({_fmt(now)} + 5 min.)", 403)

    names = [h.strip().lower() for h in info.signed_headers]
    if "host" not in names:
        raise AwsError("SignatureDoesNotMatch",
                       "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
                       403)
    hdrs = HTTPHeaders()
    for k, v in header_items:
        hdrs[k.lower()] = v
    for n in names:
        if not hdrs.get_all(n):
            raise AwsError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403,
                           extra={"detail": f"signed header '{n}' is not in the request"})
    # SigV4: every x-amz-* header sent must be signed, else a relay could change it.
    unsigned = sorted({k.lower() for k, _ in header_items
                       if k.lower().startswith("x-amz-") and k.lower() not in names})
    if unsigned:
        raise AwsError("SignatureDoesNotMatch", "There were headers present in the request "
                       f"which were not signed (HeadersNotSigned: {', '.join(unsigned)})", 403)
    content_sha = hdrs.get("x-amz-content-sha256")
    if (info.kind == "header" and content_sha is not None and content_sha != UNSIGNED_PAYLOAD
            and content_sha != hashlib.sha256(body or b"").hexdigest()):
        raise AwsError("SignatureDoesNotMatch",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.",
                       403)

    pairs = _split_pairs(query)
    if info.kind == "query":
        pairs = [(k, v) for k, v in pairs if k != "X-Amz-Signature"]
    url = "http://" + (hdrs.get("host") or "localhost") + path
    request = AWSRequest(method=method, url=url, data=body or b"")
    request.headers = hdrs
    request.context["timestamp"] = info.amz_date
    creds = Credentials(info.access_key, secret, None)
    cls = _QueryVerifier if info.kind == "query" else _Verifier
    signer = cls(creds, info.service, info.region, names, pairs)
    canonical = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical)
    expected = signer.signature(string_to_sign, request)
    details = {"canonical_request": canonical, "string_to_sign": string_to_sign}
    if not info.signature or not hmac.compare_digest(expected, info.signature):
        raise AwsError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403, extra=details)
    return details
