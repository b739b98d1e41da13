#!/usr/bin/python3
"""Embed the permission templates (src/domain/templates/*.json) into a C
source file at build time, so irsactl needs no data files at run time.

    embed.py OUTPUT.c TEMPLATE.json...

Each file becomes one entry of `irsa_template_files` (see
src/domain/templates_data.h), named after the file without ".json", sorted
by name. Every file is checked here, so a broken template fails the build:
valid JSON, an object with
  "description" (string),
  "group" ("addon" or "workload"),
  "source" ({"url", "version"} strings: the upstream policy the template
      follows; required for add-ons, JSON having no comments),
  "params" (object of objects with a known "type"; an "enum" has "values"),
  "one_of" (optional list of parameter names, at least one needed),
  "policy" (object with "Version" and "Statement"), whose ${NAME}s are
      parameters or partition/region/account (a ${...} with a ':' is an
      IAM policy variable, kept) and whose "$if"s name parameters."""
import json
import os
import re
import sys

# The value forms src/domain/templates.c validates (value_problem()).
TYPES = {
    "s3-bucket", "s3-prefix", "dynamodb-table", "secret", "hosted-zone",
    "cluster-name", "arn", "sqs-queue", "sns-topic", "kms-key", "ssm-parameter",
    "ecr-repository", "log-group", "iam-role-arn", "iam-role-name",
    "aps-workspace", "appmesh-name", "enum", "string",
}
CONTEXT_VARS = {"partition", "region", "account"}
GROUPS = {"addon", "workload"}


def check(path, doc):
    def fail(msg):
        sys.exit(f"{path}: {msg}")

    if not isinstance(doc, dict):
        fail("not a JSON object")
    if not isinstance(doc.get("description"), str):
        fail("no \"description\" string")
    params = doc.get("params")
    if not isinstance(params, dict):
        fail("no \"params\" object")
    for name, p in params.items():
        if not isinstance(p, dict) or not isinstance(p.get("type"), str):
            fail(f"parameter '{name}' has no \"type\"")
    policy = doc.get("policy")
    if not isinstance(policy, dict) or policy.get("Version") != "2012-10-17" \
            or not isinstance(policy.get("Statement"), list):
        fail("no \"policy\" with Version 2012-10-17 and a Statement list")
    if doc.get("group") not in GROUPS:
        fail(f"\"group\" must be one of {sorted(GROUPS)}")
    source = doc.get("source")
    if source is not None or doc["group"] == "addon":
        if not isinstance(source, dict) or not isinstance(source.get("url"), str) \
                or not isinstance(source.get("version"), str):
            fail("no \"source\" object with \"url\" and \"version\" strings")
    for name, p in params.items():
        if p["type"] not in TYPES:
            fail(f"parameter '{name}' has the unknown type '{p['type']}'")
        if p["type"] == "enum":
            values = p.get("values")
            if not isinstance(values, list) or not values \
                    or not all(isinstance(v, str) for v in values):
                fail(f"enum parameter '{name}' has no \"values\" list")
            if "default" in p and p["default"] not in values:
                fail(f"the default of '{name}' is not one of its values")
    for name in doc.get("one_of", []):
        if name not in params:
            fail(f"\"one_of\" names the unknown parameter '{name}'")
    check_policy(policy, params, fail)


def check_policy(node, params, fail):
    """Every ${NAME} and "$if" of the policy refers to something known."""
    if isinstance(node, str):
        for var in re.findall(r"\$\{([^}]*)\}", node):
            if ":" in var:
                continue  # an IAM policy variable (${aws:PrincipalTag/...}), kept as written
            if var not in params and var not in CONTEXT_VARS:
                fail(f"the policy uses the unknown variable '${{{var}}}'")
    elif isinstance(node, list):
        for item in node:
            check_policy(item, params, fail)
    elif isinstance(node, dict):
        cond = node.get("$if")
        if cond is not None:
            name = cond.lstrip("!").split("=", 1)[0]
            if name not in params:
                fail(f"\"$if\": \"{cond}\" names the unknown parameter '{name}'")
        for key, value in node.items():
            check_policy(key, params, fail)
            check_policy(value, params, fail)


def c_string(text):
    out = []
    for line in text.splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
        esc = esc.replace("?", "\\?")  # no trigraphs
        out.append(f"\t\t\"{esc}\"")
    return "\n".join(out) if out else "\t\t\"\""


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: embed.py OUTPUT.c TEMPLATE.json...")
    output, inputs = argv[1], argv[2:]
    entries = []
    for path in inputs:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            doc = json.loads(text)
        except ValueError as e:
            sys.exit(f"{path}: invalid JSON: {e}")
        check(path, doc)
        name = os.path.basename(path)[:-len(".json")]
        entries.append((name, text))
    entries.sort()
    lines = [
        "/* Generated by scripts/embed.py from the template files in src/domain/templates; do not edit. */",
        "#include \"src/domain/templates_data.h\"",
        "",
        "const struct irsa_embedded_file irsa_template_files[] = {",
    ]
    for name, text in entries:
        lines.append(f"\t{{ \"{name}\",")
        lines.append(c_string(text) + " },")
    lines.append("};")
    lines.append("const size_t irsa_template_files_n = %d;" % len(entries))
    tmp = output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, output)


if __name__ == "__main__":
    main(sys.argv)
