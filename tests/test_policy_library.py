"""The policy library against the upstream policies it follows.

tests/data/upstream-policies/ holds a copy of each upstream policy document
(see its README.md) and manifest.json, which says for each copy which
template spec renders the comparable policy, how to fill the copy's
placeholders, and every difference irsactl makes on purpose, with the
reason. This test renders each spec with `irsactl policy show`, compares it
with the copy grant by grant (action x resource, with conditions) and fails
on any difference the manifest does not document, and on any documented
difference that no longer exists.

Kinds of difference, template against upstream:
  narrowed  upstream grants the action more widely (resources, conditions)
  dropped   upstream grants an action the template does not grant at all
  added     the template grants an action upstream does not grant
  widened   the template grants an upstream action beyond upstream's grant
"added" and "widened" are allowed only where the manifest says why (an
upstream copy older than the policy the template follows)."""
import fnmatch
import json
import os
import unittest

import clitest

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "upstream-policies")
TEMPLATES = os.path.join(HERE, "..", "src", "domain", "templates")
REGION = "us-east-1"
ACCOUNT = "111122223333"
KINDS = ("narrowed", "dropped", "added", "widened")


def as_list(v):
    return v if isinstance(v, list) else [v]


def grants(doc):
    """(action, resource, condition) for every Allow statement of doc;
    actions lower-cased, the condition a frozenset of (operator, key,
    values)."""
    out = []
    for st in as_list(doc["Statement"]):
        if st.get("Effect") != "Allow":
            continue
        cond = frozenset(
            (op, key, tuple(sorted(as_list(values))))
            for op, keys in st.get("Condition", {}).items()
            for key, values in keys.items())
        for action in as_list(st["Action"]):
            for resource in as_list(st["Resource"]):
                out.append((action.lower(), resource, cond))
    return out


def covers(big, small):
    """Every request small allows, big allows too."""
    if not fnmatch.fnmatchcase(small[0], big[0]):
        return False
    if not fnmatch.fnmatchcase(small[1], big[1]):
        return False
    small_cond = {(op, key): set(values) for op, key, values in small[2]}
    return all((op, key) in small_cond and small_cond[(op, key)] <= set(values)
               for op, key, values in big[2])


def differences(template_doc, upstream_doc):
    """{(kind, action): an example resource}"""
    t, u = grants(template_doc), grants(upstream_doc)
    out = {}
    for g in t:
        if not any(covers(x, g) for x in u):
            kind = "widened" if any(fnmatch.fnmatchcase(g[0], x[0]) for x in u) else "added"
            out.setdefault((kind, g[0]), g[1])
    for g in u:
        if not any(covers(x, g) for x in t):
            kind = "narrowed" if any(fnmatch.fnmatchcase(x[0], g[0]) for x in t) else "dropped"
            out.setdefault((kind, g[0]), g[1])
    return out


def load_manifest():
    with open(os.path.join(DATA, "manifest.json")) as f:
        return json.load(f)


class UpstreamPolicyTest(clitest.CliTestCase):
    def render(self, spec, cluster=None):
        args = ["--region", REGION, "policy", "show", spec, "--account-id", ACCOUNT,
                "--output", "json"]
        if cluster:
            args += ["--cluster", cluster]
        r = self.run_cli(*args)
        self.assertOk(r)
        return r.json()

    def upstream(self, entry):
        with open(os.path.join(DATA, entry["upstream"])) as f:
            text = f.read()
        for placeholder, value in entry.get("substitute", {}).items():
            self.assertIn(placeholder, text, entry["upstream"])
            text = text.replace(placeholder, value)
        return json.loads(text)

    def test_manifest_is_complete(self):
        manifest = load_manifest()
        files = {f for f in os.listdir(DATA) if f.endswith(".json") and f != "manifest.json"}
        self.assertEqual(files, {e["upstream"] for e in manifest})
        for e in manifest:
            self.assertTrue(e["source"].startswith("https://"), e)
            self.assertTrue(e["version"], e)
            for d in e.get("differences", []):
                self.assertIn(d["kind"], KINDS, e["id"])
                self.assertTrue(len(d.get("why", "")) > 10, (e["id"], d))
            # the template names the same upstream source
            with open(os.path.join(TEMPLATES, e["template"] + ".json")) as f:
                tpl = json.load(f)
            self.assertIn("source", tpl, e["template"])

    def test_every_addon_with_a_source_has_an_upstream_copy(self):
        compared = {e["template"] for e in load_manifest()}
        for name in os.listdir(TEMPLATES):
            with open(os.path.join(TEMPLATES, name)) as f:
                tpl = json.load(f)
            if tpl.get("group") == "addon":
                self.assertIn(name[:-len(".json")], compared)

    def test_templates_against_upstream(self):
        problems = []
        for e in load_manifest():
            with self.subTest(e["id"]):
                rendered = self.render(e["spec"], e.get("cluster"))
                found = differences(rendered, self.upstream(e))
                documented = {(d["kind"], d["action"].lower()) for d in e.get("differences", [])}
                for key in sorted(set(found) - documented):
                    problems.append("%s: undocumented difference: %s %s (e.g. %s)" %
                                    (e["id"], key[0], key[1], found[key]))
                for key in sorted(documented - set(found)):
                    problems.append("%s: documented difference not found: %s %s" %
                                    (e["id"], key[0], key[1]))
        self.assertEqual(problems, [], "\n" + "\n".join(problems))


class DifferenceTest(unittest.TestCase):
    """The comparison itself."""

    def doc(self, *statements):
        return {"Version": "2012-10-17", "Statement": list(statements)}

    def test_kinds(self):
        up = self.doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": "*"},
                      {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
                       "Condition": {"StringEquals": {"aws:ResourceTag/a": ["x", "y"]}}})
        tpl = self.doc({"Effect": "Allow", "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::b/*"},
                       {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
                       {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"})
        self.assertEqual(set(differences(tpl, up)), {
            ("narrowed", "s3:getobject"), ("dropped", "s3:listbucket"),
            ("widened", "sqs:sendmessage"), ("added", "kms:decrypt")})

    def test_same_and_narrower_conditions(self):
        up = self.doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*",
                       "Condition": {"StringEquals": {"k": ["a", "b"]}}})
        tpl = self.doc({"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
                        "Condition": {"StringEquals": {"k": "a"}, "Null": {"j": "false"}}})
        self.assertEqual(set(differences(tpl, up)), {("narrowed", "ec2:*")})
        self.assertEqual(differences(up, up), {})


if __name__ == "__main__":
    clitest.main()
