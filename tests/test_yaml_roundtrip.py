#!/usr/bin/python3
"""YAML that irsactl writes reads back the same in every YAML reader (issue #7), and the
hostile-input defects of manifest merge and update-kubeconfig stay fixed (issue #8).

- A table of tricky strings goes through each of irsactl's YAML writers
  (tests/yaml-writers.c: --output yaml, the manifest writer new and merged, the kubeconfig
  writer) and is read back with PyYAML (YAML 1.1) and ruamel.yaml (YAML 1.2): same strings.
- `--output yaml` of the commands loads in both readers to what `--output json` says.
- annotate-sa -f / --output-file and update-kubeconfig on files that used to be damaged."""

import json
import os
import stat
import subprocess
import time
import unittest

import yaml
from ruamel.yaml import YAML

import clitest
from clitest import IRSACTL, main

WRITERS = os.environ.get("IRSACTL_YAML_WRITERS") or os.path.join(
    os.path.dirname(os.path.abspath(IRSACTL)), "..", "..", "tests", "yaml-writers")

ROLE = "arn:aws:iam::111122223333:role/web"
KEY = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER = "https://" + KEY

# Strings that some YAML reader would take for something else, or that need care.
TRICKY = [
    # dates and times (YAML 1.1 timestamps)
    "2012-10-17", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2002-12-14",
    "2001-12-15T02:59:43.1Z", "1999-1-1",
    # numbers in every base and form
    "0", "-0", "+1", "1_000", "0b101", "0B1", "0o17", "017", "0x1F", "0X_1f", "1e3", "1E+3",
    "-1.5e-3", ".5", "5.", "1.2.3", "6.8523015e+5", "685.230_15e+03", "685_230.15",
    # sexagesimal (YAML 1.1)
    "190:20:30", "190:20:30.15", "1:00", "-1:30",
    # infinities and not-a-number
    ".inf", "-.inf", "+.INF", ".Inf", ".nan", ".NaN", ".NAN",
    # booleans in YAML 1.1 and 1.2
    "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
    "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    # null
    "", "~", "null", "Null", "NULL",
    # merge and value keys
    "<<", "=",
    # spaces, comments, indicators
    " leading", "trailing ", "  ", "a: b", "a:", "key: value # c", "a #b", "#comment",
    "- item", "-", "--", "--region", "? x", ":x", "[a, b]", "{a: b}", "a,b", "&anchor", "*alias",
    "!tag", "|", ">", "'single'", '"double"', "%TAG", "@at", "`tick", "a'b", 'a"b',
    "---", "...", "--- x", "... x",
    # line breaks and control characters
    "line\nbreak", "cr\rlf", "tab\there", "trailing\n", "\u0085nel", "ls\u2028ps\u2029",
    "\ufeffbom", "bell\x07", "del\x7f",
    # ordinary and Unicode strings that should stay readable
    "sts.amazonaws.com", "arn:aws:iam::111122223333:role/web", "héllo wörld", "日本語",
    "emoji 😀", "NaN", "Infinity", "0.0.0.0/0", "10Gi", "v1",
]


def load_both(text):
    """(PyYAML, ruamel YAML 1.2) readings of text."""
    ruamel = YAML(typ="safe", pure=True)
    return yaml.safe_load(text), ruamel.load(text)


class WritersRoundTrip(unittest.TestCase):
    """Every tricky string through every writer, read back by both readers."""

    @classmethod
    def setUpClass(cls):
        p = subprocess.run([WRITERS], input=json.dumps(TRICKY), capture_output=True, text=True,
                           timeout=60)
        if p.returncode != 0:
            raise AssertionError("yaml-writers failed: " + p.stderr)
        cls.written = json.loads(p.stdout)

    def test_table_is_large_enough(self):
        self.assertGreaterEqual(len(TRICKY), 60)
        self.assertEqual(len(set(TRICKY)), len(TRICKY))

    def check_each(self, name, extract):
        text = self.written[name]
        for reader, data in zip(("PyYAML (YAML 1.1)", "ruamel.yaml (YAML 1.2)"), load_both(text)):
            got = extract(data)
            for want, value in zip(TRICKY, got):
                self.assertEqual(value, want, "%s read %r back as %r from the %s writer:\n%s"
                                 % (reader, want, value, name, text))
            self.assertEqual(len(got), len(TRICKY))

    def test_output_values(self):
        self.check_each("output", lambda d: d["values"])

    def test_output_keys(self):
        self.check_each("output", lambda d: [k for k in d["keys"]])
        for data in load_both(self.written["output"]):
            self.assertEqual(data["keys"], {s: s for s in TRICKY})

    def annotations(self, d):
        ann = d["metadata"]["annotations"]
        return [ann["example.com/k%d" % i] for i in range(len(TRICKY))]

    def test_manifest_new(self):
        self.check_each("manifest_new", self.annotations)

    def test_manifest_merged(self):
        self.check_each("manifest_merged", self.annotations)
        for data in load_both(self.written["manifest_merged"]):
            self.assertEqual(data["metadata"]["annotations"]["keep"], "me")

    def test_kubeconfig_args_and_env(self):
        exec_of = lambda d: d["users"][0]["user"]["exec"]
        self.check_each("kubeconfig", lambda d: exec_of(d)["args"])
        self.check_each("kubeconfig", lambda d: [e["value"] for e in exec_of(d)["env"]])


class OutputYamlMatchesJson(clitest.AwsEmulatorCase):
    """--output yaml loads (1.1 and 1.2) to what --output json says, for every command."""

    def seed_aws(self):
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER}],
                      oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]}])

    def same(self, *args):
        j = self.run_cli("--output", "json", *args, **self.aws_env())
        y = self.run_cli("--output", "yaml", *args, **self.aws_env())
        self.assertOk(j)
        self.assertOk(y)
        want = json.loads(j.out)
        for reader, data in zip(("PyYAML", "ruamel 1.2"), load_both(y.out)):
            self.assertEqual(data, want, "%s: %s\n%s" % (reader, " ".join(args), y.out))

    def test_policy_show_version_is_a_string(self):
        r = self.run_cli("policy", "show", "s3-read:bucket=bucket-a", "--output", "yaml")
        self.assertOk(r)
        self.assertIn('Version: "2012-10-17"', r.out)
        self.assertEqual(yaml.safe_load(r.out)["Version"], "2012-10-17")

    def test_policy_list_and_every_template(self):
        self.same("policy", "list")
        r = self.run_cli("policy", "list", "--output", "json")
        # a value of the right form for the parameter types that check theirs
        sample = {"hosted-zone": "Z0123456789ABCDEFGHIJ",
                  "kms-key": "1234abcd-12ab-34cd-56ef-1234567890ab",
                  "iam-role-arn": "arn:aws:iam::111122223333:role/x"}
        for t in json.loads(r.out)["templates"]:
            # the required parameters, or the first one of a template that needs
            # "at least one of" its parameters
            needed = [p for p in t["params"] if p.get("required")]
            if not needed and self.run_cli("policy", "show", t["name"]).rc != 0:
                needed = t["params"][:1]
            args = ["%s=%s" % (p["name"], sample.get(p.get("type"), "abc-1")) for p in needed]
            spec = t["name"] + (":" + ",".join(args) if args else "")
            with self.subTest(template=t["name"]):
                self.same("policy", "show", spec, "--account-id", "111122223333", "--cluster", "demo")

    def test_render_trust_policy(self):
        self.same("render-trust-policy", "--issuer-url", ISSUER, "--account-id", "111122223333",
                  "--namespace", "default", "--service-account", "app")

    def test_aws_commands(self):
        self.same("whoami")
        self.same("associate-oidc", "--cluster", "demo", "--dry-run")
        self.same("create-role", "--cluster", "demo", "--namespace", "default", "--service-account",
                  "app", "--policy", "s3-read:bucket=bucket-b", "--dry-run")
        self.same("annotate-sa", "--namespace", "apps", "--service-account", "web", "--role-arn", ROLE,
                  "--sts-regional-endpoints", "true", "--token-expiration", "86400",
                  "--output-file", os.path.join(self.home, "sa.yaml"), "--dry-run")
        # update-kubeconfig for real, one new file each
        runs = [self.run_cli("--output", fmt, "update-kubeconfig", "--cluster", "demo", "--kubeconfig",
                             os.path.join(self.home, "kubeconfig-" + fmt), **self.aws_env())
                for fmt in ("json", "yaml")]
        # the same report but for the file's name (in the subject, the action and its diff)
        want = json.loads(runs[0].out.replace(os.path.join(self.home, "kubeconfig-json"),
                                              os.path.join(self.home, "kubeconfig-yaml")))
        for data in load_both(runs[1].out):
            self.assertEqual(data, want, runs[1].out)
        self.same("disassociate-oidc", "--cluster", "demo", "--dry-run")
        r = self.run_cli("create-role", "--cluster", "demo", "--namespace", "default", "--service-account",
                         "app", "--service-account", "other", "--role-name", "web", **self.aws_env())
        self.assertOk(r)
        self.same("delete-role", "--role-name", "web", "--dry-run")
        self.same("delete-role", "--role-name", "web", "--remove-subject", "default:app", "--dry-run")


SA = ("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: apps\n")


class ManifestDefects(clitest.CliTestCase):
    """annotate-sa -f / --output-file on files that used to be damaged (issue #8)."""

    def annotate(self, *args):
        return self.run_cli("annotate-sa", "--namespace", "apps", "--service-account", "web",
                            "--role-arn", ROLE, *args)

    def read(self, path, mode="r"):
        with open(path, mode, newline="" if mode == "r" else None) as f:
            return f.read()

    def test_bare_cr_remove_keeps_neighbour_key(self):
        # "\n" line breaks, and one bare "\r": a line break for YAML too
        path = os.path.join(self.home, "sa.yaml")
        text = SA + ("  annotations:\n    eks.amazonaws.com/role-arn: %s\r"
                     "automountServiceAccountToken: false\n" % ROLE)
        with open(path, "w", newline="") as f:
            f.write(text)
        r = self.run_cli("annotate-sa", "--namespace", "apps", "--service-account", "web", "--remove",
                         "-f", path)
        self.assertOk(r)
        got = self.read(path)
        self.assertNotIn("role-arn", got)
        data = yaml.safe_load(got)
        self.assertIs(data["automountServiceAccountToken"], False, got)
        self.assertNotIn("annotations", data["metadata"])

    def test_append_after_block_scalar_keeps_its_value(self):
        path = self.write("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
                                    "data:\n  script: |\n    echo hi")
        r = self.annotate("-f", path)
        self.assertOk(r)
        docs = list(yaml.safe_load_all(self.read(path)))
        self.assertEqual(docs[0]["data"]["script"], "echo hi")
        self.assertEqual(docs[1]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], ROLE)

    def test_repeated_annotations_key_is_refused(self):
        text = SA + "  annotations:\n    a: b\n  annotations:\n    c: d\n"
        path = self.write("m.yaml", text)
        r = self.annotate("-f", path)
        self.assertFails(r, 2, "has the key 'annotations' twice")
        self.assertEqual(self.read(path), text)

    def test_flow_metadata_keeps_null(self):
        path = self.write("m.yaml", "apiVersion: v1\nkind: ServiceAccount\n"
                                    "metadata: {name: web, namespace: apps, generateName: }\n")
        r = self.annotate("-f", path)
        self.assertOk(r)
        data = yaml.safe_load(self.read(path))
        self.assertIsNone(data["metadata"]["generateName"])
        self.assertEqual(data["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], ROLE)

    def test_helm_values_file_is_refused(self):
        text = "replicaCount: 1\nserviceAccount:\n  create: true\n  annotations: {}\n"
        path = self.write("values.yaml", text)
        r = self.annotate("-f", path)
        self.assertFails(r, 2, "is not a Kubernetes object")
        self.assertEqual(self.read(path), text)

    def test_billion_laughs_and_deep_nesting_fail_fast(self):
        laughs = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        prev = "a"
        for name in "bcdefghij":
            laughs += "  %s: &%s [%s]\n" % (name, name, ", ".join(["*" + prev] * 10))
            prev = name
        for text, message in ((laughs, "aliases expand to more than"),
                              ("apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 160 * 1024,
                               "nested deeper than 64 levels")):
            path = self.write("hostile.yaml", text)
            start = time.monotonic()
            r = self.annotate("-f", path)
            self.assertFails(r, 2, message)
            self.assertLess(time.monotonic() - start, 5)

    def test_output_to_fifo_without_reader_does_not_hang(self):
        fifo = os.path.join(self.home, "fifo")
        os.mkfifo(fifo)
        r = self.annotate("--output-file", fifo)
        self.assertFails(r, 2, "no process reads from it")
        self.assertTrue(os.path.exists(fifo) and not os.path.isfile(fifo))

    def test_output_to_fifo_with_reader_streams(self):
        fifo = os.path.join(self.home, "fifo")
        os.mkfifo(fifo)
        # read-write: the probe below closing its end is no end of file for the reader
        reader = subprocess.Popen(["/usr/bin/python3", "-c", "import os, sys; fd = os.open(sys.argv[1], "
                                   "os.O_RDWR); sys.stdout.write(os.read(fd, 65536).decode())", fifo],
                                  stdout=subprocess.PIPE, text=True)
        try:
            for _ in range(500):  # until the reader has it open
                try:
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                    break
                except OSError:
                    time.sleep(0.01)
            r = self.annotate("--output-file", fifo)
            self.assertOk(r)
        finally:
            out, _ = reader.communicate(timeout=30)
        self.assertEqual(yaml.safe_load(out)["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
                         ROLE)

    def test_output_to_a_device_streams_into_it(self):
        link = os.path.join(self.home, "null.yaml")
        os.symlink("/dev/null", link)
        r = self.annotate("--output-file", link)
        self.assertOk(r)
        self.assertTrue(os.path.islink(link))
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))

    def test_rewrite_keeps_owner(self):
        if os.geteuid() != 0:
            self.skipTest("only root can give a file to another user")
        path = self.write("sa.yaml", SA)
        os.chown(path, 4321, 4322)
        self.assertOk(self.annotate("-f", path))
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), (4321, 4322))
        self.assertIn("role-arn", self.read(path))

    def test_output_keeps_symlink_and_long_names(self):
        target = self.write("real.yaml", "old\n")
        link = os.path.join(self.home, "link.yaml")
        os.symlink("real.yaml", link)
        self.assertOk(self.annotate("--output-file", link))
        self.assertTrue(os.path.islink(link))
        self.assertIn("kind: ServiceAccount", self.read(target))
        long_name = os.path.join(self.home, "n" * 240 + ".yaml")
        self.assertOk(self.annotate("--output-file", long_name))
        self.assertIn("kind: ServiceAccount", self.read(long_name))


class KubeconfigDefects(clitest.AwsEmulatorCase):
    """update-kubeconfig on files that used to be damaged (issue #8)."""
    arn = "arn:aws:eks:us-east-1:111122223333:cluster/demo"

    def seed_aws(self):
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER, "endpoint": "https://demo.example",
                                 "ca_data": "Y2E="}])

    def update(self, *args):
        return self.run_cli("update-kubeconfig", "--cluster", "demo", *args, **self.aws_env())

    def read(self, path):
        with open(path) as f:
            return f.read()

    def test_symlinked_config_updates_the_target(self):
        target = self.write("dotfiles/kubeconfig", "apiVersion: v1\nkind: Config\n")
        os.makedirs(os.path.join(self.home, ".kube"))
        link = os.path.join(self.home, ".kube", "config")
        os.symlink(target, link)
        r = self.update()
        self.assertOk(r)
        self.assertTrue(os.path.islink(link))
        self.assertEqual(yaml.safe_load(self.read(target))["current-context"], self.arn)

    def test_flow_null_second_document_and_numbers(self):
        path = self.write("config", "apiVersion: v1\nkind: Config\nclusters:\n"
                                    "- name: x\n  cluster: {server: 'https://x', insecure-skip-tls-verify: }\n"
                                    "---\nsecond: document\n")
        r = self.update("--kubeconfig", path, "--alias", "1_000")
        self.assertOk(r)
        text = self.read(path)
        docs = list(yaml.safe_load_all(text))
        self.assertEqual(len(docs), 2, text)
        self.assertEqual(docs[1], {"second": "document"})
        self.assertIsNone(docs[0]["clusters"][0]["cluster"]["insecure-skip-tls-verify"])
        self.assertEqual(docs[0]["current-context"], "1_000")
        self.assertEqual([c["name"] for c in docs[0]["contexts"]], ["1_000"])
        # irsactl reads its own file again (the bool still parses)
        r = self.update("--kubeconfig", path, "--alias", "1_000")
        self.assertOk(r)
        self.assertTrue(r.out.endswith("' unchanged\n"), r.out)

    def test_context_with_repeated_name_key_is_replaced(self):
        path = self.write("config", "apiVersion: v1\nkind: Config\ncontexts:\n"
                                    "- name: %s\n  name: %s\n" % (self.arn, self.arn))
        r = self.update("--kubeconfig", path)
        self.assertOk(r)
        ctx = yaml.safe_load(self.read(path))["contexts"][0]
        self.assertEqual(ctx["context"]["cluster"], self.arn)

    def test_rewrite_keeps_owner(self):
        if os.geteuid() != 0:
            self.skipTest("only root can give a file to another user")
        path = self.write("config", "apiVersion: v1\nkind: Config\n")
        os.chown(path, 4321, 4322)
        self.assertOk(self.update("--kubeconfig", path))
        st = os.stat(path)
        self.assertEqual((st.st_uid, st.st_gid), (4321, 4322))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)

    def test_fifo_kubeconfig_does_not_hang(self):
        fifo = os.path.join(self.home, "fifo")
        os.mkfifo(fifo)
        start = time.monotonic()
        r = self.update("--kubeconfig", fifo)
        self.assertFails(r, 2, "not a regular file")
        self.assertLess(time.monotonic() - start, 20)
        self.assertEqual(self.emu.log(), [])
        self.assertTrue(os.path.exists(fifo) and not os.path.isfile(fifo))


if __name__ == "__main__":
    main()
