"""Minimal, safe YAML subset parser used by the Kubernetes emulator.

Supported subset (enough for what a client sends for a ServiceAccount or a
kubeconfig-like document):

* one document; an optional leading ``---`` and trailing ``...``;
* block mappings (``key: value``) nested by indentation (spaces only);
* block sequences (``- item``), including ``- key: value`` items and a
  sequence written at the same indentation as its parent key;
* plain scalars, possibly continued on more-indented lines (folded with a
  space);
* single-quoted (``''`` escape) and double-quoted scalars (``\\"``, ``\\\\``,
  ``\\n``, ``\\t``, ``\\r``, ``\\0``, ``\\/``, ``\\xNN``, ``\\uNNNN``,
  ``\\UNNNNNNNN``, escaped line breaks), both may span lines (folded);
* block scalars ``|``, ``|-``, ``|+``, ``>``, ``>-``, ``>+``;
* flow collections on one line: ``{}``, ``[]``, ``{a: b, c: "d"}``, ``[a, 'b']``;
* comments (``#`` at line start or after whitespace);
* the ``!!str`` tag on a scalar.

Plain scalars are resolved like go-yaml v2 / sigs.k8s.io/yaml (YAML 1.1), which
is what the Kubernetes API server uses: ``~``/``null``/empty -> None,
``true/false/yes/no/on/off/y/n`` (in their usual cases) -> bool, integers
(decimal, ``0x``, ``0o``, leading-zero octal) -> int, floats (incl. ``.inf``,
``.nan``) -> float; everything else is a string.  So ``key: 600`` is a number
and ``key: "600"`` a string, as on a real cluster.

Not supported (raises YamlError): anchors/aliases, other tags, tabs used for
indentation, multiple documents, complex keys, duplicate keys, multi-line flow
collections.
"""

import re

__all__ = ["YamlError", "parse_yaml"]


class YamlError(ValueError):
    pass


_BOOL_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_BOOL_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_NULLS = {"", "~", "null", "Null", "NULL"}
_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_OCT_RE = re.compile(r"^[-+]?0[0-7_]+$")
_OCT2_RE = re.compile(r"^[-+]?0o[0-7_]+$")
_HEX_RE = re.compile(r"^[-+]?0x[0-9a-fA-F_]+$")
_BIN_RE = re.compile(r"^[-+]?0b[01_]+$")
_FLOAT_RE = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")
_INF_RE = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN_RE = re.compile(r"^\.(nan|NaN|NAN)$")

MAX_DEPTH = 64


def resolve_plain(s):
    if s in _NULLS:
        return None
    if s in _BOOL_TRUE:
        return True
    if s in _BOOL_FALSE:
        return False
    try:
        if _INT_RE.match(s):
            return int(s.replace("_", ""))
        if _HEX_RE.match(s):
            return int(s.replace("_", ""), 16)
        if _OCT2_RE.match(s):
            return int(s.replace("_", "").replace("0o", ""), 8)
        if _OCT_RE.match(s):
            return int(s.replace("_", ""), 8)
        if _BIN_RE.match(s):
            return int(s.replace("_", ""), 2)
        if _FLOAT_RE.match(s) and s not in (".", "-.", "+."):
            return float(s.replace("_", ""))
    except ValueError:
        pass
    if _INF_RE.match(s):
        return float("-inf") if s.startswith("-") else float("inf")
    if _NAN_RE.match(s):
        return float("nan")
    return s


def _strip_comment(s):
    """Remove a trailing comment from a line fragment, respecting quotes."""
    quote = None
    i = 0
    while i < len(s):
        c = s[i]
        if quote == '"':
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = None
        elif quote == "'":
            if c == "'":
                if i + 1 < len(s) and s[i + 1] == "'":
                    i += 2
                    continue
                quote = None
        else:
            if c == "#" and (i == 0 or s[i - 1] in " \t"):
                return s[:i].rstrip()
            if c in "\"'" and (i == 0 or s[i - 1] in " \t[{,:"):
                quote = c
        i += 1
    return s.rstrip()


_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
    "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}


def _fold_lines(parts):
    """YAML flow folding: single line break -> space, n empty lines -> n newlines."""
    out = ""
    empties = 0
    for idx, p in enumerate(parts):
        if idx == 0:
            out = p
            continue
        if p == "":
            empties += 1
            continue
        if empties:
            out += "\n" * empties
        else:
            out += " "
        empties = 0
        out += p
    if empties:
        out += "\n" * empties
    return out


class _Parser:
    def __init__(self, text):
        if "\t" in "".join(l[: len(l) - len(l.lstrip())] for l in text.split("\n")):
            raise YamlError("tabs are not allowed for indentation")
        self.raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        # significant lines: [indent, content, raw_index]
        self.lines = []
        seen_doc = False
        seen_content = False
        for n, raw in enumerate(self.raw):
            stripped = raw.strip()
            if stripped == "" or stripped.startswith("#"):
                continue
            if raw.startswith("---") and (len(raw) == 3 or raw[3] in " \t#"):
                if seen_doc or seen_content:
                    raise YamlError("multiple YAML documents are not supported")
                seen_doc = True
                rest = _strip_comment(raw[3:]).strip()
                if rest:
                    raise YamlError("content after '---' is not supported (line %d)" % (n + 1))
                continue
            if raw.startswith("...") and (len(raw) == 3 or raw[3] in " \t#"):
                # end of document; anything afterwards must be blank/comments
                for later in self.raw[n + 1:]:
                    if later.strip() and not later.strip().startswith("#"):
                        raise YamlError("multiple YAML documents are not supported")
                break
            if stripped.startswith("%"):
                raise YamlError("YAML directives are not supported (line %d)" % (n + 1))
            seen_content = True
            indent = len(raw) - len(raw.lstrip(" "))
            self.lines.append([indent, raw[indent:], n])
        self.pos = 0

    # -- helpers -----------------------------------------------------------
    def _err(self, msg, line=None):
        if line is None and self.pos < len(self.lines):
            line = self.lines[self.pos][2]
        if line is not None:
            msg = "line %d: %s" % (line + 1, msg)
        raise YamlError(msg)

    def parse(self):
        if not self.lines:
            return None
        value = self._block(self.lines[0][0], 0)
        if self.pos < len(self.lines):
            self._err("unexpected content (bad indentation?)")
        return value

    def _block(self, indent, depth):
        if depth > MAX_DEPTH:
            self._err("document nested too deeply")
        ind, content, _ = self.lines[self.pos]
        if ind != indent:
            self._err("bad indentation")
        if content == "-" or content.startswith("- "):
            return self._sequence(indent, depth)
        if self._split_key(content) is not None:
            return self._mapping(indent, depth)
        # a lone scalar document
        value = self._inline_value(content, indent - 1, depth)
        return value

    def _sequence(self, indent, depth):
        out = []
        while self.pos < len(self.lines):
            ind, content, n = self.lines[self.pos]
            if ind < indent:
                break
            if ind > indent:
                self._err("bad indentation in sequence")
            if not (content == "-" or content.startswith("- ")):
                break
            rest = content[1:]
            stripped = rest.lstrip(" ")
            if _strip_comment(stripped) == "":
                self.pos += 1
                if self.pos < len(self.lines) and self.lines[self.pos][0] > indent:
                    out.append(self._block(self.lines[self.pos][0], depth + 1))
                else:
                    out.append(None)
                continue
            off = 1 + (len(rest) - len(stripped))
            if stripped == "-" or stripped.startswith("- ") or self._split_key(stripped) is not None:
                # nested block collection starting on the dash line
                self.lines[self.pos] = [indent + off, stripped, n]
                out.append(self._block(indent + off, depth + 1))
            else:
                value = self._inline_value(stripped, indent, depth)
                out.append(value)
        return out

    def _split_key(self, content):
        """Return (key, rest) if content is 'key: ...' or 'key:', else None."""
        if content[:1] in ('"', "'"):
            q = content[0]
            i = 1
            while i < len(content):
                c = content[i]
                if q == '"' and c == "\\":
                    i += 2
                    continue
                if c == q:
                    if q == "'" and i + 1 < len(content) and content[i + 1] == "'":
                        i += 2
                        continue
                    break
                i += 1
            else:
                return None
            after = content[i + 1:]
            a = after.lstrip(" ")
            if not a.startswith(":") or (len(a) > 1 and a[1] not in " "):
                return None
            key = self._quoted(content[: i + 1])
            return key, a[1:]
        if content[:1] in ("{", "[", "#", "&", "*", "!", "|", ">", "%", "@", "`", "?"):
            return None
        m = re.search(r":( |$)", content)
        if not m:
            return None
        key = content[: m.start()].rstrip()
        if " #" in key:
            return None
        if not key:
            self._err("empty mapping key")
        return key, content[m.end():] if m.group(1) else ""

    def _mapping(self, indent, depth):
        out = {}
        while self.pos < len(self.lines):
            ind, content, n = self.lines[self.pos]
            if ind < indent:
                break
            if ind > indent:
                self._err("bad indentation in mapping")
            kv = self._split_key(content)
            if kv is None:
                if content == "-" or content.startswith("- "):
                    break
                self._err("expected 'key: value'")
            key, rest = kv
            if key in out:
                self._err("duplicate mapping key %r" % key)
            if key.startswith("&") or key.startswith("*") or key.startswith("!"):
                self._err("anchors, aliases and tags are not supported")
            rest_s = _strip_comment(rest.strip(" "))
            if rest_s == "":
                self.pos += 1
                if self.pos < len(self.lines):
                    nind, ncontent, _ = self.lines[self.pos]
                    if nind > indent:
                        out[key] = self._block(nind, depth + 1)
                        continue
                    if nind == indent and (ncontent == "-" or ncontent.startswith("- ")):
                        out[key] = self._sequence(indent, depth + 1)
                        continue
                out[key] = None
                continue
            value = self._inline_value(rest.strip(" "), indent, depth)
            out[key] = value
        return out

    def _inline_value(self, text, parent_indent, depth):
        """Parse a value starting on the current line; consumes continuation lines."""
        start_line = self.lines[self.pos][2]
        text_nc = _strip_comment(text)
        if text.startswith("&") or text.startswith("*"):
            self._err("anchors and aliases are not supported")
        tag = None
        if text.startswith("!"):
            m = re.match(r"!!str( +|$)", text)
            if not m:
                self._err("tags are not supported (only !!str)")
            tag = "str"
            text = text[m.end():]
            text_nc = _strip_comment(text)
        if text[:1] in ('"', "'"):
            return self._multiline_quoted(text, start_line)
        if text_nc[:1] in ("|", ">"):
            return self._block_scalar(text_nc, parent_indent)
        if text_nc[:1] in ("{", "["):
            self.pos += 1
            v, rest = _FlowParser(text_nc, depth).parse()
            if rest.strip():
                self._err("unexpected text after flow collection", start_line)
            return v
        # plain scalar, possibly continued on more-indented lines
        parts = [text_nc.strip()]
        self.pos += 1
        while self.pos < len(self.lines):
            ind, content, _ = self.lines[self.pos]
            if ind <= parent_indent:
                break
            if self._split_key(content) is not None or content.startswith("- ") or content == "-":
                break
            parts.append(_strip_comment(content).strip())
            self.pos += 1
        s = " ".join(p for p in parts if p != "")
        if re.search(r": |:$", parts[0]):
            self._err("mapping values are not allowed here (quote the value)", start_line)
        if tag == "str":
            return s
        if re.search(r"(^|\s)[&*]\w", s) and s[:1] in "&*":
            self._err("anchors and aliases are not supported")
        return resolve_plain(s)

    def _quoted(self, token):
        q = token[0]
        body = token[1:-1]
        if q == "'":
            return body.replace("''", "'")
        out = []
        i = 0
        while i < len(body):
            c = body[i]
            if c == "\\":
                if i + 1 >= len(body):
                    raise YamlError("bad escape in double-quoted string")
                e = body[i + 1]
                if e in _ESCAPES:
                    out.append(_ESCAPES[e])
                    i += 2
                    continue
                width = {"x": 2, "u": 4, "U": 8}.get(e)
                if width:
                    hexs = body[i + 2: i + 2 + width]
                    if len(hexs) != width or not re.fullmatch(r"[0-9a-fA-F]+", hexs):
                        raise YamlError("bad \\%s escape" % e)
                    out.append(chr(int(hexs, 16)))
                    i += 2 + width
                    continue
                raise YamlError("unknown escape \\%s" % e)
            out.append(c)
            i += 1
        return "".join(out)

    def _multiline_quoted(self, text, start_line):
        """Quoted scalar starting at `text` on raw line start_line; may span lines."""
        q = text[0]
        # gather raw text from here until the closing quote
        segments = [text[1:]]
        raw_idx = start_line
        while True:
            seg = segments[-1]
            end = self._find_close(seg, q)
            if end is not None:
                after = seg[end + 1:]
                segments[-1] = seg[:end]
                break
            raw_idx += 1
            if raw_idx >= len(self.raw):
                raise YamlError("line %d: unterminated quoted string" % (start_line + 1))
            segments.append(self.raw[raw_idx])
        if _strip_comment(after).strip():
            raise YamlError("line %d: unexpected text after quoted string" % (raw_idx + 1))
        # advance self.pos past all significant lines up to raw_idx
        while self.pos < len(self.lines) and self.lines[self.pos][2] <= raw_idx:
            self.pos += 1
        if len(segments) == 1:
            return self._quoted(q + segments[0] + q)
        # fold: handle escaped line breaks in double quotes
        pieces = []
        for k, seg in enumerate(segments):
            if k > 0:
                seg = seg.lstrip(" \t")
            if k < len(segments) - 1:
                seg = seg.rstrip(" \t")
            pieces.append(seg)
        if q == '"':
            # an escaped line break joins without a space
            cur = [pieces[0]]
            for k in range(1, len(pieces)):
                prev = cur[-1]
                if prev.endswith("\\") and not prev.endswith("\\\\"):
                    cur[-1] = prev[:-1] + pieces[k]
                else:
                    cur.append(pieces[k])
            text = _fold_lines(cur)
            return self._quoted('"' + text + '"')
        return self._quoted("'" + _fold_lines(pieces) + "'")

    @staticmethod
    def _find_close(seg, q):
        i = 0
        while i < len(seg):
            c = seg[i]
            if q == '"' and c == "\\":
                i += 2
                continue
            if c == q:
                if q == "'" and i + 1 < len(seg) and seg[i + 1] == "'":
                    i += 2
                    continue
                return i
            i += 1
        return None

    def _block_scalar(self, header, parent_indent):
        m = re.fullmatch(r"([|>])([-+]?)([1-9]?)([-+]?)", header.strip())
        if not m:
            self._err("bad block scalar header")
        style = m.group(1)
        chomp = m.group(2) or m.group(4)
        explicit = m.group(3)
        start_raw = self.lines[self.pos][2]
        self.pos += 1
        # collect raw lines that belong to the scalar
        raw_idx = start_raw + 1
        body = []
        block_indent = None
        if explicit:
            block_indent = max(parent_indent, 0) + int(explicit)
        while raw_idx < len(self.raw):
            line = self.raw[raw_idx]
            if line.strip() == "":
                body.append("")
                raw_idx += 1
                continue
            ind = len(line) - len(line.lstrip(" "))
            if block_indent is None:
                if ind <= parent_indent:
                    break
                block_indent = ind
            if ind < block_indent:
                break
            body.append(line[block_indent:])
            raw_idx += 1
        while self.pos < len(self.lines) and self.lines[self.pos][2] < raw_idx:
            self.pos += 1
        # trailing empty lines
        trail = 0
        while body and body[-1] == "":
            body.pop()
            trail += 1
        if style == "|":
            text = "\n".join(body)
        else:
            text = ""
            prev_more = False
            for k, line in enumerate(body):
                more = line.startswith(" ")
                if k == 0:
                    text = line
                elif line == "":
                    text += "\n"
                elif body[k - 1] == "" or more or prev_more:
                    text += ("\n" if body[k - 1] != "" else "") + line
                else:
                    text += " " + line
                prev_more = more
        if not body:
            return "" if chomp != "+" else "\n" * trail
        if chomp == "-":
            return text
        if chomp == "+":
            return text + "\n" + "\n" * trail
        return text + "\n"


class _FlowParser:
    def __init__(self, s, depth):
        self.s = s
        self.i = 0
        self.depth = depth

    def parse(self):
        v = self._value(self.depth)
        return v, self.s[self.i:]

    def _ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def _value(self, depth):
        if depth > MAX_DEPTH:
            raise YamlError("document nested too deeply")
        self._ws()
        if self.i >= len(self.s):
            raise YamlError("unterminated flow collection")
        c = self.s[self.i]
        if c == "{":
            self.i += 1
            out = {}
            while True:
                self._ws()
                if self.i < len(self.s) and self.s[self.i] == "}":
                    self.i += 1
                    return out
                k = self._scalar(key=True)
                self._ws()
                if self.i < len(self.s) and self.s[self.i] == ":":
                    self.i += 1
                    self._ws()
                    if self.i < len(self.s) and self.s[self.i] in ",}":
                        v = None
                    else:
                        v = self._value(depth + 1)
                else:
                    v = None
                if not isinstance(k, str):
                    k = str(k) if not isinstance(k, bool) else ("true" if k else "false")
                if k in out:
                    raise YamlError("duplicate mapping key %r" % k)
                out[k] = v
                self._ws()
                if self.i < len(self.s) and self.s[self.i] == ",":
                    self.i += 1
                    continue
                if self.i < len(self.s) and self.s[self.i] == "}":
                    self.i += 1
                    return out
                raise YamlError("bad flow mapping")
        if c == "[":
            self.i += 1
            out = []
            while True:
                self._ws()
                if self.i < len(self.s) and self.s[self.i] == "]":
                    self.i += 1
                    return out
                out.append(self._value(depth + 1))
                self._ws()
                if self.i < len(self.s) and self.s[self.i] == ",":
                    self.i += 1
                    continue
                if self.i < len(self.s) and self.s[self.i] == "]":
                    self.i += 1
                    return out
                raise YamlError("bad flow sequence")
        return self._scalar(key=False)

    def _scalar(self, key):
        self._ws()
        c = self.s[self.i] if self.i < len(self.s) else ""
        if c in ('"', "'"):
            end = _Parser._find_close(self.s[self.i + 1:], c)
            if end is None:
                raise YamlError("unterminated quoted string")
            tok = self.s[self.i: self.i + end + 2]
            self.i += end + 2
            return _Parser._quoted(None, tok)
        start = self.i
        while self.i < len(self.s):
            ch = self.s[self.i]
            if ch in ",]}[{":
                break
            if ch == ":" and (self.i + 1 >= len(self.s) or self.s[self.i + 1] in " ,]}"):
                break
            self.i += 1
        tok = self.s[start:self.i].strip()
        if tok[:1] in ("&", "*", "!"):
            raise YamlError("anchors, aliases and tags are not supported")
        return tok if key else resolve_plain(tok)


def parse_yaml(text):
    """Parse the supported YAML subset; raises YamlError on anything else."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise YamlError("document is not valid UTF-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return _Parser(text).parse()
