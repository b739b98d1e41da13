"""botocore service models: parse Query-protocol input, validate it, serialize output.

The botocore JSON models (``botocore/data/{iam,sts,eks}/*/service-2.json``) are the
source of truth for parameter names, constraints and response shapes: requests are
parsed and validated against the operation's input shape and responses are
serialized member by member in the model's order, so an unknown member is a bug
that raises here instead of reaching a client.
"""

import datetime
import re
import threading
from xml.sax.saxutils import escape

from botocore.loaders import Loader

_LOADER = Loader()
_LOCK = threading.Lock()
_MODELS = {}


class ServiceModel:
    def __init__(self, name):
        self.name = name
        self.raw = _LOADER.load_service_model(name, "service-2")
        self.shapes = self.raw["shapes"]
        self.operations = self.raw["operations"]
        self.metadata = self.raw["metadata"]
        self.namespace = self.metadata.get("xmlNamespace", "")
        self.api_version = self.metadata["apiVersion"]

    def shape(self, name):
        return self.shapes[name]

    def input_shape(self, op):
        inp = self.operations[op].get("input")
        return inp["shape"] if inp else None

    def output_shape(self, op):
        out = self.operations[op].get("output")
        return out["shape"] if out else None


def service(name):
    with _LOCK:
        if name not in _MODELS:
            _MODELS[name] = ServiceModel(name)
        return _MODELS[name]


# ---------------------------------------------------------------------------
# Query protocol input parsing

class ParseError(Exception):
    pass


def _index_keys(params, prefix):
    """Sorted distinct N for keys 'prefix.N' or 'prefix.N.rest'."""
    found = set()
    plen = len(prefix) + 1
    for key in params:
        if key.startswith(prefix + "."):
            head = key[plen:].split(".", 1)[0]
            if head.isdigit():
                found.add(int(head))
    return sorted(found)


def _has_prefix(params, prefix):
    return any(k == prefix or k.startswith(prefix + ".") for k in params)


def parse_query(model, shape_name, params):
    """Turn flat Query params ({'Tags.member.1.Key': 'k', ...}) into a dict."""
    if shape_name is None:
        return {}
    return _parse_struct(model, shape_name, params, "")


def _parse_struct(model, shape_name, params, prefix):
    shape = model.shape(shape_name)
    out = {}
    for member, ref in shape["members"].items():
        key = prefix + ref.get("locationName", member)
        val = _parse_value(model, ref["shape"], params, key)
        if val is not None:
            out[member] = val
    return out


def _parse_value(model, shape_name, params, key):
    shape = model.shape(shape_name)
    t = shape["type"]
    if t == "structure":
        if not _has_prefix(params, key):
            return None
        return _parse_struct(model, shape_name, params, key + ".")
    if t == "list":
        member = shape["member"]
        base = key if shape.get("flattened") else key + "." + member.get("locationName", "member")
        if key in params and params[key] == "" and not _index_keys(params, base):
            return []  # "Name=" is how the Query protocol sends an empty list
        idx = _index_keys(params, base)
        if not idx:
            return None
        return [_parse_value(model, member["shape"], params, f"{base}.{n}") for n in idx]
    if t == "map":
        base = key + ".entry"
        result = {}
        for n in _index_keys(params, base):
            k = params.get(f"{base}.{n}.key")
            v = _parse_value(model, shape["value"]["shape"], params, f"{base}.{n}.value")
            if k is not None:
                result[k] = v
        return result or None
    if key not in params:
        return None
    raw = params[key]
    if t in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise ParseError(f"Value '{raw}' at '{_camel(key)}' failed to satisfy constraint: "
                             "Member must be a number")
    if t == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ParseError(f"Value '{raw}' at '{_camel(key)}' failed to satisfy constraint: "
                             "Member must be a boolean")
        return raw.lower() == "true"
    return raw


def _camel(name):
    return ".".join(p[:1].lower() + p[1:] for p in name.split("."))


# ---------------------------------------------------------------------------
# Validation against the model's constraints (the messages are AWS's)

_PATTERN_CACHE = {}


def _pattern(p):
    if p in _PATTERN_CACHE:
        return _PATTERN_CACHE[p]
    rx = None
    # Java-only constructs (\p{..}, astral \u10000 ranges) are not checked.
    if "\\p{" not in p and "\\u10000" not in p:
        try:
            rx = re.compile(p, re.ASCII if "\\w" in p else 0)
        except re.error:
            rx = None
    _PATTERN_CACHE[p] = rx
    return rx


def validate(model, shape_name, value, overrides=None):
    """Return the list of AWS-style constraint messages (empty when valid)."""
    errors = []
    if shape_name:
        _validate_struct(model, shape_name, value, "", errors, overrides or {})
    return errors


def _fmt(v):
    return "null" if v is None else f"'{v}'"


def _validate_struct(model, shape_name, value, path, errors, overrides):
    shape = model.shape(shape_name)
    required = set(shape.get("required", [])) - set(overrides.get("optional", ()))
    for member, ref in shape["members"].items():
        p = path + member[:1].lower() + member[1:]
        v = value.get(member)
        if v is None:
            if member in required:
                errors.append(f"Value null at '{p}' failed to satisfy constraint: Member must not be null")
            continue
        _validate_value(model, ref["shape"], v, p, errors, overrides)


def _validate_value(model, shape_name, v, p, errors, overrides):
    shape = model.shape(shape_name)
    t = shape["type"]
    pre = f"Value {_fmt(v) if t in ('string', 'integer', 'long') else '[...]'} at '{p}' failed to satisfy constraint: "
    if t == "structure":
        _validate_struct(model, shape_name, v, p + ".", errors, overrides)
        return
    if t == "list":
        if "max" in shape and len(v) > shape["max"]:
            errors.append(pre + f"Member must have length less than or equal to {shape['max']}")
        if "min" in shape and len(v) < shape["min"]:
            errors.append(pre + f"Member must have length greater than or equal to {shape['min']}")
        for i, item in enumerate(v, 1):
            _validate_value(model, shape["member"]["shape"], item, f"{p}.{i}.member", errors, overrides)
        return
    if t == "string":
        if "min" in shape and len(v) < shape["min"]:
            errors.append(pre + f"Member must have length greater than or equal to {shape['min']}")
        elif "max" in shape and len(v) > shape["max"]:
            errors.append(pre + f"Member must have length less than or equal to {shape['max']}")
        elif "pattern" in shape and v:
            rx = _pattern(shape["pattern"])
            if rx is not None and not rx.fullmatch(v):
                errors.append(pre + f"Member must satisfy regular expression pattern: {shape['pattern']}")
        if "enum" in shape and v not in shape["enum"]:
            errors.append(pre + "Member must satisfy enum value set: [" + ", ".join(shape["enum"]) + "]")
        return
    if t in ("integer", "long"):
        if "min" in shape and v < shape["min"]:
            errors.append(pre + f"Member must have value greater than or equal to {shape['min']}")
        if "max" in shape and v > shape["max"]:
            errors.append(pre + f"Member must have value less than or equal to {shape['max']}")


# ---------------------------------------------------------------------------
# Output serialization

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
        out.append(f"<{tag}>{escape(str(value))}</{tag}>")


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
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
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
