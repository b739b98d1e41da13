"""botocore service models: parse Query and REST-JSON input, validate it, serialize output.

The botocore JSON models (``botocore/data/{iam,sts,eks}/*/service-2.json``) are the
source of truth for parameter names, constraints and response shapes.  Debian's
botocore is 1.29 (December 2022); ``model_overlay.json`` (made by
``make_overlay.py`` from a recent botocore) replaces the operations and shapes
that changed since, so the emulator enforces today's rules.

Requests are parsed against the operation's input shape; a parameter the shape
does not know is refused.  Every constraint of the model is checked the way AWS
checks it: required members, min/max length, ``pattern`` with Java's regex
semantics (the whole value must match, ``\\w`` is ASCII, ``\\p{L}`` and the
other Unicode classes work), enums and integer ranges.  Responses are serialized
member by member in the model's order, so an unknown member is a bug that raises
here instead of reaching a client.
"""

import datetime
import json
import os
import re
import threading
import unicodedata
from urllib.parse import unquote

from botocore.loaders import Loader

_LOADER = Loader()
_LOCK = threading.Lock()
_MODELS = {}
OVERLAY_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model_overlay.json")


def _overlay():
    with open(OVERLAY_PATH) as f:
        return json.load(f)


class ServiceModel:
    def __init__(self, name, overlay=None):
        self.name = name
        self.raw = _LOADER.load_service_model(name, "service-2")
        over = (overlay if overlay is not None else _overlay()).get(name, {})
        self.raw["operations"].update(over.get("operations", {}))
        self.raw["shapes"].update(over.get("shapes", {}))
        self.shapes = self.raw["shapes"]
        self.operations = self.raw["operations"]
        self.metadata = self.raw["metadata"]
        self.namespace = self.metadata.get("xmlNamespace", "")
        self.api_version = self.metadata["apiVersion"]
        self._routes = None

    def shape(self, name):
        return self.shapes[name]

    def input_shape(self, op):
        inp = self.operations[op].get("input")
        return inp["shape"] if inp else None

    def output_shape(self, op):
        out = self.operations[op].get("output")
        return out["shape"] if out else None

    def route(self, method, path):
        """REST services: the operation for METHOD PATH and its URI labels, or (None, {})."""
        if self._routes is None:
            routes = []
            for op, spec in self.operations.items():
                http = spec.get("http", {})
                uri = http.get("requestUri", "/").split("?", 1)[0]
                parts = re.split(r"\{(\w+)\+?\}", uri)  # literal, label, literal, ...
                rx = "".join(re.escape(x) if i % 2 == 0 else f"(?P<{x}>[^/]+)"
                             for i, x in enumerate(parts))
                routes.append((http.get("method", "POST"), re.compile(rx + "/?"), op))
            self._routes = routes
        for m, rx, op in self._routes:
            hit = rx.fullmatch(path)
            if hit and m == method:
                return op, {k: unquote(v) for k, v in hit.groupdict().items()}
        return None, {}


def service(name):
    with _LOCK:
        if name not in _MODELS:
            _MODELS[name] = ServiceModel(name)
        return _MODELS[name]


# ---------------------------------------------------------------------------
# Java regular expressions (the models' ``pattern`` traits) in Python's re

_UNICODE = None
_UNICODE_LOCK = threading.Lock()


def _unicode_classes():
    """General category ('L', 'Lu', ...) -> re class body of its code point ranges."""
    global _UNICODE
    with _UNICODE_LOCK:
        if _UNICODE is None:
            runs = {}
            prev, start = None, 0
            category = unicodedata.category
            for cp in range(0x110001):
                cat = category(chr(cp)) if cp <= 0x10FFFF else None
                if cat != prev:
                    if prev is not None:
                        for key in (prev, prev[0]):
                            runs.setdefault(key, []).append((start, cp - 1))
                    prev, start = cat, cp
            _UNICODE = {}
            for key, ranges in runs.items():
                merged = []
                for a, b in ranges:
                    if merged and merged[-1][1] + 1 == a:
                        merged[-1] = (merged[-1][0], b)
                    else:
                        merged.append((a, b))
                _UNICODE[key] = "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}"
                                        for a, b in merged)
        return _UNICODE


def warm_up():
    """Build the Unicode tables now (about 0.4 s) instead of at the first request."""
    _unicode_classes()


def java_regex(pattern):
    """Translate a Java pattern to Python's re syntax (only what differs).

    Java's \\uXXXX, classes, escapes and lookarounds read the same in Python;
    ``\\p{X}`` (a Unicode general category) is spelt out as code point ranges.
    Anything else Java-only (class intersection ``&&``, other ``\\p`` names) raises,
    so a new model cannot be checked with a wrong rule silently.
    """
    out = []
    depth = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt in "pP":
                m = re.match(r"\{(\w+)\}", pattern[i + 2:])
                name = m.group(1) if m else ""
                body = _unicode_classes().get(name) if re.fullmatch(r"[A-Z][a-z]?", name) else None
                if body is None:
                    raise ValueError(f"unsupported Java regex class \\{nxt}{{{name}}} in {pattern!r}")
                if depth and nxt == "P":
                    raise ValueError(f"unsupported negated class inside [...] in {pattern!r}")
                out.append(body if depth else f"[{'^' if nxt == 'P' else ''}{body}]")
                i += 2 + len(m.group(0))
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if c == "[":
            if depth and pattern[i - 1] != "&":
                raise ValueError(f"unsupported nested Java class in {pattern!r}")
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        elif c == "&" and depth and pattern[i + 1:i + 2] == "&":
            raise ValueError(f"unsupported Java class intersection in {pattern!r}")
        out.append(c)
        i += 1
    # Java's \\w, \\d, \\s and \\b are ASCII unless UNICODE_CHARACTER_CLASS is set.
    return re.compile("".join(out), re.ASCII)


_PATTERN_CACHE = {}


def _pattern(p):
    with _LOCK:
        rx = _PATTERN_CACHE.get(p)
    if rx is None:
        rx = java_regex(p)
        with _LOCK:
            _PATTERN_CACHE[p] = rx
    return rx


# ---------------------------------------------------------------------------
# Query protocol input parsing

class ParseError(Exception):
    pass


# Parameters of every Query request that no operation's input shape lists.
QUERY_COMMON = ("Action", "Version")


def _index_keys(params, prefix):
    """Sorted distinct N for keys 'prefix.N' or 'prefix.N.rest' (N a positive integer)."""
    found = set()
    plen = len(prefix) + 1
    for key in params:
        if key.startswith(prefix + "."):
            head = key[plen:].split(".", 1)[0]
            if head.isdigit() and not head.startswith("0"):
                found.add(int(head))
    return sorted(found)


def _has_prefix(params, prefix):
    return any(k == prefix or k.startswith(prefix + ".") for k in params)


def parse_query(model, shape_name, params):
    """Turn flat Query params ({'Tags.member.1.Key': 'k', ...}) into a dict.

    Returns (args, unknown): unknown lists the parameters no member of the
    input shape reads (the common Action, Version and X-Amz-* excepted).
    """
    used = set()
    args = _parse_struct(model, shape_name, params, "", used) if shape_name else {}
    unknown = sorted(k for k in params if k not in used and k not in QUERY_COMMON
                     and not k.startswith("X-Amz-"))
    return args, unknown


def _parse_struct(model, shape_name, params, prefix, used):
    shape = model.shape(shape_name)
    out = {}
    for member, ref in shape["members"].items():
        key = prefix + ref.get("locationName", member)
        val = _parse_value(model, ref["shape"], params, key, used)
        if val is not None:
            out[member] = val
    return out


def _parse_value(model, shape_name, params, key, used):
    shape = model.shape(shape_name)
    t = shape["type"]
    if t == "structure":
        if not _has_prefix(params, key):
            return None
        return _parse_struct(model, shape_name, params, key + ".", used)
    if t == "list":
        member = shape["member"]
        base = key if shape.get("flattened") else key + "." + member.get("locationName", "member")
        idx = _index_keys(params, base)
        if key in params and params[key] == "" and not idx:
            used.add(key)
            return []  # "Name=" is how the Query protocol sends an empty list
        if not idx:
            return None
        return [_parse_value(model, member["shape"], params, f"{base}.{n}", used) for n in idx]
    if t == "map":
        base = key + ".entry"
        result = {}
        for n in _index_keys(params, base):
            k = params.get(f"{base}.{n}.key")
            used.add(f"{base}.{n}.key")
            v = _parse_value(model, shape["value"]["shape"], params, f"{base}.{n}.value", used)
            if k is not None:
                result[k] = v
        return result or None
    if key not in params:
        return None
    used.add(key)
    return _scalar(t, params[key], _camel(key))


def _scalar(t, raw, where):
    if t in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise ParseError(f"Value '{raw}' at '{where}' failed to satisfy constraint: "
                             "Member must be a number") from None
    if t == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ParseError(f"Value '{raw}' at '{where}' failed to satisfy constraint: "
                             "Member must be a boolean")
        return raw.lower() == "true"
    return raw


def _camel(name):
    return ".".join(p[:1].lower() + p[1:] for p in name.split("."))


# ---------------------------------------------------------------------------
# REST-JSON input parsing (EKS)

def parse_rest_json(model, op, labels, query_pairs, body):
    """Input of a REST-JSON request: URI labels, query string and JSON body.

    Returns (args, unknown) like parse_query.  Raises ParseError when the body is
    not a JSON object or a value has the wrong type.
    """
    shape_name = model.input_shape(op)
    if shape_name is None:
        return {}, [k for k, _ in query_pairs]
    shape = model.shape(shape_name)
    args, used, body_members = {}, set(), {}
    query = {}
    for k, v in query_pairs:
        query.setdefault(k, []).append(v)
    for member, ref in shape["members"].items():
        loc = ref.get("location")
        name = ref.get("locationName", member)
        t = model.shape(ref["shape"])["type"]
        if loc == "uri":
            if name in labels:
                args[member] = _scalar(t, labels[name], member)
        elif loc == "querystring":
            if name in query:
                used.add(name)
                if t == "list":
                    inner = model.shape(model.shape(ref["shape"])["member"]["shape"])["type"]
                    args[member] = [_scalar(inner, v, member) for v in query[name]]
                else:
                    args[member] = _scalar(t, query[name][0], member)
        elif loc in ("header", "headers"):
            continue
        else:
            body_members[name] = member
    unknown = sorted(k for k in query if k not in used)
    if body and body.strip():
        try:
            doc = json.loads(body)
        except ValueError:
            raise ParseError("The request body is not valid JSON") from None
        if not isinstance(doc, dict):
            raise ParseError("The request body must be a JSON object")
        for k, v in doc.items():
            if k in body_members:
                args[body_members[k]] = v
            else:
                unknown.append(k)
    return args, unknown


# ---------------------------------------------------------------------------
# Validation against the model's constraints (the messages are AWS's)

def validate(model, shape_name, value):
    """Return the list of AWS-style constraint messages (empty when valid)."""
    errors = []
    if shape_name:
        _validate_struct(model, shape_name, value, "", errors)
    return errors


def _java(v):
    """A value as Java's toString() writes it in AWS's messages."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_java(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_java(x)}" for k, x in v.items()) + "}"
    return str(v)


def _validate_struct(model, shape_name, value, path, errors):
    shape = model.shape(shape_name)
    if not isinstance(value, dict):
        errors.append(f"Value '{_java(value)}' at '{path.rstrip('.')}' failed to satisfy "
                      "constraint: Member must be a structure")
        return
    required = set(shape.get("required", []))
    for member, ref in shape["members"].items():
        p = path + member[:1].lower() + member[1:]
        v = value.get(member)
        if v is None:
            if member in required:
                errors.append(f"Value null at '{p}' failed to satisfy constraint: "
                              "Member must not be null")
            continue
        _validate_value(model, ref["shape"], v, p, errors)


_PY_TYPES = {"string": str, "integer": int, "long": int, "boolean": bool, "list": list,
             "map": dict, "double": (int, float), "float": (int, float),
             "timestamp": (int, float, str), "blob": str}


def _validate_value(model, shape_name, v, p, errors):
    shape = model.shape(shape_name)
    t = shape["type"]
    if t == "structure":
        _validate_struct(model, shape_name, v, p + ".", errors)
        return
    want = _PY_TYPES.get(t)
    if want is not None and (not isinstance(v, want) or (t in ("integer", "long")
                                                          and isinstance(v, bool))):
        errors.append(f"Value '{_java(v)}' at '{p}' failed to satisfy constraint: "
                      f"Member must be of type {t}")
        return
    # AWS does not echo sensitive values (tokens, secrets) in its messages.
    pre = (f"Value at '{p}'" if shape.get("sensitive") else f"Value '{_java(v)}' at '{p}'") \
        + " failed to satisfy constraint: "
    if t in ("list", "map", "string"):
        if "min" in shape and len(v) < shape["min"]:
            errors.append(pre + f"Member must have length greater than or equal to {shape['min']}")
        if "max" in shape and len(v) > shape["max"]:
            errors.append(pre + f"Member must have length less than or equal to {shape['max']}")
    if t == "list":
        for i, item in enumerate(v, 1):
            _validate_value(model, shape["member"]["shape"], item, f"{p}.{i}.member", errors)
    elif t == "map":
        for k, item in v.items():
            _validate_value(model, shape["key"]["shape"], k, f"{p}.key", errors)
            _validate_value(model, shape["value"]["shape"], item, f"{p}.{k}.value", errors)
    elif t == "string":
        if "pattern" in shape and not _pattern(shape["pattern"]).fullmatch(v):
            errors.append(pre + f"Member must satisfy regular expression pattern: "
                          f"{shape['pattern']}")
        if "enum" in shape and v not in shape["enum"]:
            errors.append(pre + "Member must satisfy enum value set: ["
                          + ", ".join(shape["enum"]) + "]")
    elif t in ("integer", "long"):
        if "min" in shape and v < shape["min"]:
            errors.append(pre + f"Member must have value greater than or equal to {shape['min']}")
        if "max" in shape and v > shape["max"]:
            errors.append(pre + f"Member must have value less than or equal to {shape['max']}")


# ---------------------------------------------------------------------------
# Output serialization

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value, where=None):
    """Escape text for an XML element.  CR is written as &#13; so it survives parsing.

    XML 1.0 cannot carry most control characters at all.  Input validation keeps
    them out of what the emulator stores, so meeting one while answering is an
    emulator bug (where names the element); in an error message, they are
    written as \\uXXXX instead.
    """
    text = str(value)
    if _XML_ILLEGAL.search(text):
        if where is not None:
            raise ValueError(f"{where}: {text!r} holds characters XML 1.0 cannot carry")
        text = _XML_ILLEGAL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def iso8601(ts):
    """Epoch seconds (or datetime) -> '2026-11-23T12:00:00Z' as IAM/STS answer it."""
    if isinstance(ts, str):
        return ts
    if isinstance(ts, datetime.datetime):
        ts = ts.timestamp()
    return datetime.datetime.fromtimestamp(int(ts), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_xml(model, shape_name, value, tag):
    parts = []
    _xml_value(model, shape_name, value, tag, parts)
    return "".join(parts)


def _xml_value(model, shape_name, value, tag, out):
    shape = model.shape(shape_name)
    t = shape["type"]
    if t == "structure":
        if not isinstance(value, dict):
            raise TypeError(f"{shape_name}: expected dict, got {type(value).__name__}")
        unknown = set(value) - set(shape["members"])
        if unknown:
            raise KeyError(f"{shape_name}: members {sorted(unknown)} are not in the model")
        inner = []
        for member, ref in shape["members"].items():
            if member in value and value[member] is not None:
                _xml_value(model, ref["shape"], value[member], ref.get("locationName", member), inner)
        out.append(f"<{tag}>{''.join(inner)}</{tag}>" if inner else f"<{tag}/>")
    elif t == "list":
        mref = shape["member"]
        mtag = mref.get("locationName", "member")
        inner = []
        for item in value:
            _xml_value(model, mref["shape"], item, mtag, inner)
        if shape.get("flattened"):
            out.extend(inner)
        else:
            out.append(f"<{tag}>{''.join(inner)}</{tag}>" if inner else f"<{tag}/>")
    elif t == "map":
        inner = []
        for k, v in value.items():
            kv = []
            _xml_value(model, shape["key"]["shape"], k, "key", kv)
            _xml_value(model, shape["value"]["shape"], v, "value", kv)
            inner.append("<entry>" + "".join(kv) + "</entry>")
        out.append(f"<{tag}>{''.join(inner)}</{tag}>")
    elif t == "timestamp":
        out.append(f"<{tag}>{iso8601(value)}</{tag}>")
    elif t == "boolean":
        out.append(f"<{tag}>{'true' if value else 'false'}</{tag}>")
    elif t in ("integer", "long"):
        out.append(f"<{tag}>{int(value)}</{tag}>")
    else:
        out.append(f"<{tag}>{xml_text(value, tag)}</{tag}>")


def query_response(model, op, result, request_id):
    ns = model.namespace
    shape = model.output_shape(op)
    body = ""
    if shape is not None:
        wrapper = model.operations[op]["output"].get("resultWrapper", op + "Result")
        body = to_xml(model, shape, result or {}, wrapper)
    return (f'<{op}Response xmlns="{ns}">{body}'
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            f"</{op}Response>\n")


def query_error(namespace, code, message, request_id, sender=True):
    return (f'<ErrorResponse xmlns="{namespace}">'
            f"<Error><Type>{'Sender' if sender else 'Receiver'}</Type>"
            f"<Code>{xml_text(code)}</Code><Message>{xml_text(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>\n")


def to_json(model, shape_name, value):
    """Check a REST-JSON output value against the model; timestamps become epoch floats."""
    shape = model.shape(shape_name)
    t = shape["type"]
    if t == "structure":
        unknown = set(value) - set(shape["members"])
        if unknown:
            raise KeyError(f"{shape_name}: members {sorted(unknown)} are not in the model")
        return {m: to_json(model, ref["shape"], value[m])
                for m, ref in shape["members"].items() if value.get(m) is not None}
    if t == "list":
        return [to_json(model, shape["member"]["shape"], v) for v in value]
    if t == "map":
        return {k: to_json(model, shape["value"]["shape"], v) for k, v in value.items()}
    if t == "timestamp":
        return float(value)
    return value
