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
from test_create_role import ACCOUNT, RoleTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data", "upstream-policies")
TEMPLATES = os.path.join(HERE, "..", "src", "domain", "templates")
REGION = "us-east-1"
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


class PolicyListTest(clitest.CliTestCase):
    def test_grouped_json(self):
        r = self.run_cli("policy", "list", "--output", "json")
        self.assertOk(r)
        doc = r.json()
        groups = {g["group"]: g for g in doc["groups"]}
        self.assertEqual([g["group"] for g in doc["groups"]], ["addon", "workload"])
        self.assertEqual(groups["addon"]["title"], "Add-ons")
        for t in doc["templates"]:
            self.assertIn(t["name"], groups[t["group"]]["templates"])
        listed = groups["addon"]["templates"] + groups["workload"]["templates"]
        self.assertEqual(sorted(listed), sorted(t["name"] for t in doc["templates"]))
        for name in ("karpenter", "vpc-cni", "velero", "appmesh", "image-builder"):
            self.assertIn(name, groups["addon"]["templates"])
        for name in ("sqs-consume", "sns-publish", "kms-decrypt", "ecr-pull", "assume-role"):
            self.assertIn(name, groups["workload"]["templates"])
        vpc = next(t for t in doc["templates"] if t["name"] == "vpc-cni")
        self.assertEqual(vpc["params"][0]["values"], ["ipv4", "ipv6"])
        self.assertTrue(vpc["source"]["url"].startswith("https://github.com/aws/amazon-vpc-cni-k8s"))

    def test_grouped_text_and_yaml(self):
        r = self.run_cli("policy", "list")
        self.assertOk(r)
        lines = r.out.splitlines()
        addons, workloads = lines.index("Add-ons:"), lines.index("Workloads:")
        self.assertLess(addons, workloads)
        names = lambda part: [l.split()[0] for l in part if l.startswith("  ") and not l.startswith("   ")]
        self.assertIn("karpenter", names(lines[addons:workloads]))
        self.assertNotIn("s3-read", names(lines[addons:workloads]))
        self.assertIn("s3-read", names(lines[workloads:]))
        self.assertIn("    upstream: https://github.com/aws/karpenter-provider-aws/", r.out)
        self.assertIn("one of ipv4, ipv6", r.out)
        r = self.run_cli("policy", "list", "--output", "yaml")
        self.assertOk(r)
        self.assertIn("\ngroups:\n- group: addon\n  title: Add-ons\n", r.out)


class CompletionTest(clitest.CliTestCase):
    def complete(self, *words):
        r = self.run_cli("__complete", *words)
        self.assertOk(r)
        return r.out.split()

    def test_policy_values(self):
        names = self.complete("create-role", "--policy", "")
        self.assertIn("karpenter", names)
        self.assertIn("s3-read", names)
        self.assertEqual(self.complete("create-role", "-p", "s3-read:"),
                         ["s3-read:bucket=", "s3-read:prefix=", "s3-read:prefix-by-namespace="])
        self.assertEqual(self.complete("create-role", "--policy", "s3-read:bucket=b1,p"),
                         ["s3-read:bucket=b1,bucket=", "s3-read:bucket=b1,prefix=",
                          "s3-read:bucket=b1,prefix-by-namespace="])
        self.assertEqual(self.complete("create-role", "--policy",
                                       "s3-readwrite:bucket=b1,prefix-by-namespace="),
                         ["s3-readwrite:bucket=b1,prefix-by-namespace=false",
                          "s3-readwrite:bucket=b1,prefix-by-namespace=true"])
        # --managed-policy takes the same templates
        self.assertEqual(self.complete("create-role", "--managed-policy", "s3-read:"),
                         self.complete("create-role", "--policy", "s3-read:"))
        self.assertEqual(self.complete("create-role", "--policy", "vpc-cni:ip-family="),
                         ["vpc-cni:ip-family=ipv4", "vpc-cni:ip-family=ipv6"])
        self.assertEqual(self.complete("create-role", "--policy", "nope:"), [])
        self.assertIn("vpc-cni", self.complete("policy", "show", "v"))
        self.assertEqual(self.complete("policy", "show", "karpenter:"),
                         ["karpenter:cluster=", "karpenter:node-role=", "karpenter:queue="])

    def test_bash_script(self):
        """The bash script keeps 'NAME:' in the word and gives bash only the
        part after the last ':' or '=' (COMP_WORDBREAKS)."""
        script = os.path.join(HERE, "..", "completions", "bash", "irsactl")
        prog = ('source "$1"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; '
                'read -r -a COMP_WORDS <<< "$2"; COMP_CWORD=$((${#COMP_WORDS[@]}-1)); '
                '_irsactl; printf "%s\\n" "${COMPREPLY[@]}"')
        env = self.env(PATH=os.path.dirname(os.path.abspath(clitest.IRSACTL)) + ":" +
                       os.environ.get("PATH", "/usr/bin:/bin"))

        def bash(line):
            import subprocess
            p = subprocess.run(["bash", "-c", prog, "bash", script, line], env=env,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stdout.split()

        self.assertEqual(bash("irsactl create-role --policy s3-read:b"), ["bucket="])
        self.assertEqual(bash("irsactl create-role --policy s3-read:bucket=x,pr"),
                         ["x,prefix=", "x,prefix-by-namespace="])
        self.assertEqual(bash("irsactl create-role --managed-policy s3-read:b"), ["bucket="])
        self.assertEqual(bash("irsactl policy show vpc-cni:ip-family=ipv6"), ["ipv6"])
        self.assertEqual(bash("irsactl create-role --policy kms-de"), ["kms-decrypt"])
        self.assertIn("create-role", bash("irsactl cre"))


class EmbedCheckTest(unittest.TestCase):
    """scripts/embed.py refuses a broken template, so it cannot reach the binary."""

    GOOD = {"description": "d", "group": "workload",
            "params": {"queues": {"type": "sqs-queue", "list": True}},
            "policy": {"Version": "2012-10-17", "Statement": [
                {"$if": "queues", "Effect": "Allow", "Action": "sqs:SendMessage",
                 "Resource": ["${queues}", "arn:${partition}:sqs:${region}:${account}:x"]}]}}

    def embed(self, doc):
        import subprocess
        import sys
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "t.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            return subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "embed.py"),
                                   os.path.join(tmp, "out.c"), path],
                                  capture_output=True, text=True)

    def broken(self, change):
        doc = json.loads(json.dumps(self.GOOD))
        change(doc)
        return self.embed(doc)

    def test_good(self):
        self.assertEqual(self.embed(self.GOOD).returncode, 0)

    def test_iam_policy_variables_are_kept(self):
        """${aws:...} is IAM's (a ':' in the name), not a template variable."""
        r = self.broken(lambda d: d["policy"]["Statement"][0].update(
            Resource="arn:aws:s3:::b/${aws:PrincipalTag/kubernetes-namespace}/*"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_broken(self):
        cases = {
            "\"group\"": lambda d: d.update(group="other"),
            "\"source\"": lambda d: d.update(group="addon"),
            "unknown type 'queue'": lambda d: d["params"]["queues"].update(type="queue"),
            "no \"values\"": lambda d: d["params"]["queues"].update(type="enum"),
            "unknown variable '${queue}'": lambda d: d["policy"]["Statement"][0].update(
                Resource="${queue}"),
            "names the unknown parameter 'topics'": lambda d: d["policy"]["Statement"][0].update(
                {"$if": "topics=a|b"}),
            "\"one_of\" names": lambda d: d.update(one_of=["topics"]),
        }
        for message, change in cases.items():
            r = self.broken(change)
            self.assertNotEqual(r.returncode, 0, message)
            self.assertIn(message, r.stderr)


class LibraryOnRoleTest(RoleTestCase):
    """New templates on a role through the AWS emulator: plan, create,
    unchanged second run, bad input refused before any request."""

    SPECS = ["karpenter", "vpc-cni:ip-family=ipv6", "sqs-consume:queues=jobs;jobs-dlq",
             "sns-publish:topics=events", "kms-decrypt:keys=1234abcd-12ab-34cd-56ef-1234567890ab",
             "assume-role:roles=arn:aws:iam::444455556666:role/target"]
    NAMES = ["irsactl-karpenter", "irsactl-vpc-cni", "irsactl-sqs-consume", "irsactl-sns-publish",
             "irsactl-kms-decrypt", "irsactl-assume-role"]

    def create(self, *extra, specs=None):
        args = ["create-role", "--cluster", "demo", "--namespace", "kube-system",
                "--service-account", "karpenter", "--role-name", "library-test"]
        for spec in specs or self.SPECS:
            args += ["--policy", spec]
        return self.aws(*args, *extra)

    def test_plan_create_unchanged(self):
        r = self.create("--dry-run", "--output", "json")
        self.assertOk(r)
        planned = [a["target"] for a in r.json()["actions"] if a["verb"] == "put-role-policy"]
        self.assertEqual(planned, self.NAMES)
        self.assertEqual(self.mutating(), [])
        r = self.create()
        self.assertOk(r)
        inline = self.role("library-test")["inline_policies"]
        self.assertEqual(sorted(inline), sorted(self.NAMES))
        shown = self.aws("policy", "show", "karpenter", "--cluster", "demo", "--account-id",
                         ACCOUNT, "--output", "json")
        self.assertOk(shown)
        self.assertEqual(inline["irsactl-karpenter"], shown.json())
        self.assertEqual(inline["irsactl-sqs-consume"]["Statement"][0]["Resource"],
                         [f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs",
                          f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs-dlq"])
        self.emu.clear_log()
        r = self.create()
        self.assertOk(r)
        self.assertIn("unchanged", r.out)
        self.assertEqual(self.mutating(), [])

    def test_bad_input_sends_nothing(self):
        cases = [
            (["sqs-consume"], "template 'sqs-consume' needs the parameter 'queues'"),
            (["external-secrets"], "needs at least one of the parameters secrets, parameters"),
            (["vpc-cni:ip-family=ipv5"], "expected one of: ipv4, ipv6"),
            (["kms-decrypt:keys=alias/app"], "a KMS key id"),
            (["karpentr"], "did you mean 'karpenter'?"),
        ]
        for specs, message in cases:
            with self.subTest(specs):
                self.emu.clear_log()
                r = self.create(specs=specs)
                self.assertFails(r, 2, message)
                self.assertEqual(self.emu.log(), [])


class PrefixByNamespaceTest(RoleTestCase):
    """s3-readwrite with prefix-by-namespace=true: one role for many
    namespaces, IAM's session-tag variable in the documents IAM stores, as
    an inline and as a customer-managed policy; unchanged second run."""

    NS = "${aws:PrincipalTag/kubernetes-namespace}"

    def create(self, *extra):
        return self.aws("create-role", "--cluster", "demo", "--subject", "team-a:app",
                        "--subject", "team-b:app", "--role-name", "shared-data", *extra)

    def test_inline_and_managed(self):
        spec = "s3-readwrite:bucket=shared-data,prefix=tenants,prefix-by-namespace=true"
        for _ in ("first", "second"):
            self.emu.clear_log()
            r = self.create("--policy", spec, "--managed-policy", spec)
            self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        inline = self.role("shared-data")["inline_policies"]["irsactl-s3-readwrite"]
        self.assertEqual([st["Sid"] for st in inline["Statement"]],
                         ["ListBucketByNamespace", "ReadWriteObjectsByNamespace"])
        self.assertEqual(inline["Statement"][0]["Condition"]["StringLike"]["s3:prefix"],
                         [f"tenants/{self.NS}/", f"tenants/{self.NS}/*"])
        self.assertEqual(inline["Statement"][1]["Resource"],
                         f"arn:aws:s3:::shared-data/tenants/{self.NS}/*")
        policies = self.emu.state()["accounts"][ACCOUNT]["policies"]
        (arn,) = [a for a in policies if "irsactl-s3-readwrite-" in a]
        self.assertEqual(policies[arn]["versions"][policies[arn]["default_version"]]["document"],
                         inline)

    def test_described(self):
        r = self.run_cli("policy", "list", "--output", "json")
        self.assertOk(r)
        (tpl,) = [t for t in r.json()["templates"] if t["name"] == "s3-readwrite"]
        (param,) = [p for p in tpl["params"] if p["name"] == "prefix-by-namespace"]
        self.assertEqual((param["values"], param["default"]), (["false", "true"], "false"))
        self.assertIn("kubernetes-namespace", tpl["description"])


class ClusterAddonsExampleTest(RoleTestCase):
    """examples/cluster-addons.sh runs as written, twice; the second run
    changes nothing."""

    def test_example(self):
        import subprocess
        script = os.path.join(HERE, "..", "examples", "cluster-addons.sh")
        env = self.emu.env(region="us-east-1")
        env.pop("AWS_CONFIG_FILE")
        env.pop("AWS_SHARED_CREDENTIALS_FILE")
        env = self.env(**env)
        env.update(CLUSTER="demo", ZONE="Z1EXAMPLE",
                   PATH=os.path.dirname(os.path.abspath(clitest.IRSACTL)) + ":/usr/bin:/bin")
        for run in ("first", "second"):
            self.emu.clear_log()
            r = subprocess.run(["sh", script], env=env, capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, "%s run:\n%s%s" % (run, r.stdout, r.stderr))
        self.assertEqual(self.mutating(), [])
        roles = self.roles()
        self.assertEqual(sorted(roles["irsa-demo-kube-system-karpenter"]["inline_policies"]),
                         ["irsactl-karpenter"])
        dns = roles["irsa-demo-kube-system-external-dns"]["inline_policies"]["irsactl-external-dns"]
        self.assertIn("arn:aws:route53:::hostedzone/Z1EXAMPLE", json.dumps(dns))
        self.assertEqual(len(roles), 7)


if __name__ == "__main__":
    clitest.main()
