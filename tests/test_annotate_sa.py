#!/usr/bin/python3
"""irsactl annotate-sa: YAML on stdout (checked against PyYAML and `kubectl annotate
--local`), -o, -f (merge into a multi-document manifest, byte for byte), --apply against
the Kubernetes emulator with every auth method, conflicts, namespaces, --remove, bad input."""

import json
import os
import shutil
import stat
import subprocess
import unittest

from clitest import CliTestCase, IRSACTL, KubeEmulatorCase, main, request_rounds

from aws_harness import AwsEmulator, load_accounts

try:
    import yaml  # python3-yaml
except ImportError:  # pragma: no cover
    yaml = None

ACCOUNTS = load_accounts()["access_keys"]
ALICE = "AKIAIRSATESTALICE01"
ROLE = "arn:aws:iam::111122223333:role/web"
ROLE2 = "arn:aws:iam::111122223333:role/web-v2"
ROLE_CN = "arn:aws-cn:iam::111122223333:role/irsa/web"
RA = "eks.amazonaws.com/role-arn"
AUD = "eks.amazonaws.com/audience"
STS = "eks.amazonaws.com/sts-regional-endpoints"
EXP = "eks.amazonaws.com/token-expiration"
KUBECTL = shutil.which("kubectl")
IRSACTL_DIR = os.path.dirname(os.path.abspath(IRSACTL))

MANIFEST = """\
# The web application
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  replicas: 2   # two is enough
  template:
    spec:
      serviceAccountName: web
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: apps}
spec:
  ports: [{port: 80}]
---
# the ServiceAccount irsactl edits
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: apps
  labels:
    app: web    # owned by the team
  annotations:
    team.example.com/owner: "payments"
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: worker
  namespace: apps
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/worker
"""


def split_docs(text):
    """Documents as the exact text between '---' lines."""
    return text.split("\n---\n")


def alice_env():
    return {"AWS_ACCESS_KEY_ID": ALICE, "AWS_SECRET_ACCESS_KEY": ACCOUNTS[ALICE]["secret"],
            "AWS_REGION": "us-east-1"}


class Base(CliTestCase):
    def sa(self, *args, **extra):
        return self.run_cli("annotate-sa", *args, **extra)

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def kubectl(self, *args, stdin=None):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
               "KUBECONFIG": os.path.join(self.home, "no-kubeconfig")}
        p = subprocess.run([KUBECTL] + list(args), env=env, input=stdin, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        objs, text, dec = [], p.stdout.strip(), json.JSONDecoder()
        while text:
            obj, end = dec.raw_decode(text)
            objs.append(obj)
            text = text[end:].strip()
        return objs[0] if len(objs) == 1 else objs


# ---------------------------------------------------------------------------


# (arguments, annotations, labels, namespace, name) printed on stdout; each is checked
# exactly below, parsed with PyYAML and compared with kubectl in their own tests
STDOUT_CASES = {
    "role_arn_only": (["--role-arn", ROLE], {RA: ROLE}, None, "apps", "web"),
    "all_four": (["--role-arn", ROLE, "--audience", "sts.amazonaws.com",
                  "--sts-regional-endpoints", "true", "--token-expiration", "86400"],
                 {RA: ROLE, AUD: "sts.amazonaws.com", STS: "true", EXP: "86400"}, None, "apps", "web"),
    "sts_false": (["--role-arn", ROLE, "--sts-regional-endpoints", "false"], {RA: ROLE, STS: "false"},
                  None, "apps", "web"),
    "extra_labels_and_annotations": (
        ["--role-arn", ROLE, "--label", "app.kubernetes.io/name=web", "-l", "tier=",
         "--annotation", "example.com/note=yes: really", "-a", "example.com/n=0x1F"],
        {RA: ROLE, "example.com/note": "yes: really", "example.com/n": "0x1F"},
        {"app.kubernetes.io/name": "web", "tier": ""}, "apps", "web"),
    "aws_cn_arn": (["--role-arn", ROLE_CN], {RA: ROLE_CN}, None, "kube-system", "ebs-csi.controller"),
}


class StdoutTest(Base):
    """The YAML on stdout parses as a v1 ServiceAccount whose annotations are all strings,
    and equals what kubectl makes from the same input."""

    def check(self, case):
        args, annotations, labels, ns, name = STDOUT_CASES[case]
        r = self.sa("-n", ns, "-s", name, *args)
        self.assertOk(r)
        self.assertEqual(r.err, "", repr(r))
        self.assertFalse(r.out.startswith("---"), r.out)
        # --output json prints the same object
        j = self.sa("-n", ns, "-s", name, *args, "--output", "json")
        self.assertOk(j)
        obj = j.json()
        self.assertEqual(obj["metadata"]["annotations"], annotations)
        self.assertEqual(obj["metadata"].get("labels"), labels)
        return r

    @unittest.skipUnless(yaml, "PyYAML (python3-yaml) is not installed")
    def test_parses_as_yaml(self):
        for case, (args, annotations, labels, ns, name) in STDOUT_CASES.items():
            with self.subTest(case=case):
                r = self.check(case)
                docs = list(yaml.safe_load_all(r.out))
                self.assertEqual(len(docs), 1)
                obj = docs[0]
                self.assertEqual(obj["apiVersion"], "v1")
                self.assertEqual(obj["kind"], "ServiceAccount")
                self.assertEqual(obj["metadata"]["name"], name)
                self.assertEqual(obj["metadata"]["namespace"], ns)
                self.assertEqual(obj["metadata"]["annotations"], annotations)
                for k, v in obj["metadata"]["annotations"].items():
                    self.assertIsInstance(v, str, k)
                self.assertEqual(obj["metadata"].get("labels"), labels)
                self.assertEqual(sorted(obj), ["apiVersion", "kind", "metadata"])

    @unittest.skipUnless(KUBECTL, "kubectl is not installed")
    def test_same_object_as_kubectl(self):
        for case, (args, annotations, labels, ns, name) in STDOUT_CASES.items():
            with self.subTest(case=case):
                r = self.check(case)
                plain = os.path.join(self.home, "plain.yaml")
                ours = os.path.join(self.home, "ours.yaml")
                self.write("plain.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n"
                           "  name: %s\n  namespace: %s\n" % (name, ns))
                self.write("ours.yaml", r.out)
                want = self.kubectl("annotate", "--local", "-f", plain, "-o", "json",
                                    *["%s=%s" % kv for kv in annotations.items()])
                if labels:
                    self.write("plain.yaml", json.dumps(want))
                    want = self.kubectl("label", "--local", "-f", plain, "-o", "json",
                                        *["%s=%s" % kv for kv in labels.items()])
                # kubectl reads our YAML into the very same object (removing a key that
                # is not there is a no-op that makes kubectl print it)
                got = self.kubectl("annotate", "--local", "-f", ours, "-o", "json", "irsactl.test/none-")
                self.assertEqual(got["metadata"]["annotations"], want["metadata"]["annotations"])
                self.assertEqual(got, want)

    def test_role_arn_only(self):
        r = self.check("role_arn_only")
        self.assertEqual(r.out,
                         "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"
                         "  namespace: apps\n  annotations:\n"
                         "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/web\n")

    def test_all_four_annotations(self):
        r = self.check("all_four")
        self.assertIn('eks.amazonaws.com/sts-regional-endpoints: "true"\n', r.out)
        self.assertIn('eks.amazonaws.com/token-expiration: "86400"\n', r.out)
        r = self.check("sts_false")
        self.assertIn('eks.amazonaws.com/sts-regional-endpoints: "false"\n', r.out)

    def test_extra_labels_and_annotations(self):
        self.check("extra_labels_and_annotations")

    def test_aws_cn_arn(self):
        r = self.check("aws_cn_arn")
        self.assertIn("eks.amazonaws.com/role-arn: %s\n" % ROLE_CN, r.out)

    def test_token_expiration_warnings(self):
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--token-expiration", "300")
        self.assertOk(r)
        self.assertIn('token-expiration: "300"', r.out)
        self.assertEqual(r.err.strip(), "irsactl: warning: token expiration 300 is below 600 seconds; "
                         "the pod identity webhook raises it to 600")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--token-expiration", "90000")
        self.assertIn("caps it at 86400", r.err)
        r = self.sa("-q", "-n", "apps", "-s", "web", "--role-arn", ROLE, "--token-expiration", "90000")
        self.assertEqual(r.err, "")

    def test_remove_prints_bare_service_account(self):
        r = self.sa("-n", "apps", "-s", "web", "--remove")
        self.assertOk(r)
        self.assertEqual(r.out, "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"
                         "  namespace: apps\n")

    def test_help_and_completion(self):
        r = self.run_cli("annotate-sa", "--help")
        self.assertOk(r)
        for opt in ("--namespace", "--service-account", "--role-arn", "--role-name", "--path",
                    "--audience", "--sts-regional-endpoints", "--token-expiration", "--label",
                    "--annotation", "--overwrite", "--remove", "--output-file", "--manifest",
                    "--apply", "--kubeconfig", "--context", "--create-namespace",
                    "--force-conflicts", "--dry-run"):
            self.assertIn(opt, r.out)
        r = self.run_cli("__complete", "annotate-sa", "--sts-regional-endpoints", "")
        self.assertOk(r)
        self.assertIn("true", r.out)
        man = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "man",
                           "irsactl-annotate-sa.1.scd")
        with open(man) as f:
            text = f.read()
        for opt in ("--namespace", "--service-account", "--role-arn", "--role-name", "--path",
                    "--audience", "--sts-regional-endpoints", "--token-expiration", "--label",
                    "--annotation", "--overwrite", "--remove", "--output-file", "--manifest",
                    "--apply", "--kubeconfig", "--context", "--create-namespace",
                    "--force-conflicts", "--dry-run"):
            self.assertIn("*%s*" % opt, text)


class RoleNameTest(Base):
    """--role-name: the ARN from IAM GetRole (so a path or a partition is the role's own)."""

    @classmethod
    def setUpClass(cls):
        cls.aws = AwsEmulator().start()

    @classmethod
    def tearDownClass(cls):
        cls.aws.stop()

    def setUp(self):
        super().setUp()
        self.aws.reset()
        self.aws.clear_log()

    def test_role_name_and_path(self):
        self.aws.seed(roles=[{"name": "web", "path": "/irsa/"}])
        self.aws.clear_log()
        env = self.aws.env()
        # the role's path comes from IAM: no --path needed, and the ARN is right
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "web", **env)
        self.assertOk(r)
        self.assertIn("eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/irsa/web\n", r.out)
        actions = [e.get("action") for e in self.aws.log()]
        self.assertEqual(actions, ["GetRole"])
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "web", "--path", "/irsa/", **env)
        self.assertOk(r)
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "web", "--path", "/other/", **env)
        self.assertFails(r, 2, "role 'web' has the path '/irsa/', not '/other/'")

    def test_missing_role_is_an_error(self):
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "nope", **self.aws.env())
        self.assertFails(r, 4, "role 'nope' does not exist")
        self.assertEqual(r.out, "")

    def test_role_name_in_china(self):
        self.aws.seed(roles=[{"name": "web", "partition": "aws-cn"}])
        env = self.aws.env(region="cn-north-1")
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "web", **env)
        self.assertOk(r)
        self.assertIn("eks.amazonaws.com/role-arn: arn:aws-cn:iam::111122223333:role/web\n", r.out)

    def test_bad_role_name_sends_nothing(self):
        env = self.aws.env()
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "bad name", **env)
        self.assertFails(r, 2, "role name 'bad name'")
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "web", "--path", "irsa", **env)
        self.assertFails(r, 2, "IAM path 'irsa'")
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "web", "-l", "bad key=x", **env)
        self.assertFails(r, 2, "label key 'bad key'")
        self.assertEqual(self.aws.log(), [])

    def test_no_credentials(self):
        r = self.sa("-n", "apps", "-s", "web", "--role-name", "web")
        self.assertFails(r, 3)


# ---------------------------------------------------------------------------


class FileTest(Base):
    def test_output_file(self):
        path = os.path.join(self.home, "sa.yaml")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--output-file", path)
        self.assertOk(r)
        self.assertEqual(r.out, "service account 'apps/web' created in '%s'\n" % path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644)
        first = self.read(path)
        plain = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE)
        self.assertEqual(first.decode(), plain.out)
        mtime = os.stat(path).st_mtime_ns
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--output-file", path, "-o", "json")
        self.assertOk(r)
        self.assertEqual(r.json(), {"namespace": "apps", "service_account": "web", "role_arn": ROLE,
                                    "target": "file:" + path, "status": "unchanged", "dry_run": False,
                                    "actions": [], "annotations": {RA: ROLE}, "labels": {},
                                    "notes": [], "warnings": []})
        self.assertEqual(os.stat(path).st_mtime_ns, mtime)
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE2, "--output-file", path, "--dry-run")
        self.assertOk(r)
        self.assertIn("would be updated", r.out)
        # the dry run shows the change as a diff of the file
        self.assertIn("-    %s: %s\n" % (RA, ROLE), r.out)
        self.assertIn("+    %s: %s\n" % (RA, ROLE2), r.out)
        self.assertEqual(self.read(path), first)
        self.assertEqual([f for f in os.listdir(self.home) if "irsactl" in f], [])

    def merge_web(self):
        """Merge the IRSA annotations for apps/web into MANIFEST; returns (path, result)."""
        path = self.write("app.yaml", MANIFEST) or os.path.join(self.home, "app.yaml")
        os.chmod(path, 0o600)
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--sts-regional-endpoints", "true",
                    "-l", "irsa=enabled", "-f", path)
        return path, r

    @unittest.skipUnless(yaml, "PyYAML (python3-yaml) is not installed")
    def test_merged_manifest_parses_as_yaml(self):
        path, r = self.merge_web()
        self.assertOk(r)
        after = self.read(path).decode()
        docs = list(yaml.safe_load_all(after))
        self.assertEqual(len(docs), 4)
        self.assertEqual(docs[2]["metadata"]["annotations"],
                         {"team.example.com/owner": "payments", RA: ROLE, STS: "true"})
        before = list(yaml.safe_load_all(MANIFEST))
        for i in (0, 1, 3):
            self.assertEqual(docs[i], before[i])

    @unittest.skipUnless(KUBECTL, "kubectl is not installed")
    def test_kubectl_reads_merged_manifest(self):
        path, r = self.merge_web()
        self.assertOk(r)
        got = self.kubectl("annotate", "--local", "-f", path, "-o", "json", "irsactl.test/none-")
        self.assertEqual(len(got), 4)
        self.assertEqual(got[2]["metadata"]["annotations"][RA], ROLE)
        self.assertEqual(got[1]["kind"], "Service")

    def test_merge_into_multi_document_manifest(self):
        path, r = self.merge_web()
        self.assertOk(r)
        self.assertEqual(r.out, "service account 'apps/web' updated in '%s' (document 3)\n" % path)
        self.assertEqual(r.err, "")
        after = self.read(path).decode()
        before_docs, after_docs = split_docs(MANIFEST), split_docs(after)
        self.assertEqual(len(after_docs), 4)
        for i in (0, 1, 3):
            self.assertEqual(after_docs[i], before_docs[i], "document %d changed" % (i + 1))
        self.assertEqual(after_docs[2],
                         "# the ServiceAccount irsactl edits\n"
                         "apiVersion: v1\n"
                         "kind: ServiceAccount\n"
                         "metadata:\n"
                         "  name: web\n"
                         "  namespace: apps\n"
                         "  labels:\n"
                         "    app: web    # owned by the team\n"
                         "    irsa: enabled\n"
                         "  annotations:\n"
                         "    team.example.com/owner: \"payments\"\n"
                         "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/web\n"
                         "    eks.amazonaws.com/sts-regional-endpoints: \"true\"")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        # a second run leaves the file byte-identical and untouched
        mtime = os.stat(path).st_mtime_ns
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--sts-regional-endpoints", "true",
                    "-l", "irsa=enabled", "-f", path)
        self.assertOk(r)
        self.assertIn("unchanged", r.out)
        self.assertEqual(self.read(path).decode(), after)
        self.assertEqual(os.stat(path).st_mtime_ns, mtime)

    def test_merge_conflict_and_overwrite(self):
        path = self.write("app.yaml", MANIFEST) or os.path.join(self.home, "app.yaml")
        r = self.sa("-n", "apps", "-s", "worker", "--role-arn", ROLE, "-f", path)
        self.assertFails(r, 5, "already has eks.amazonaws.com/role-arn "
                               "'arn:aws:iam::111122223333:role/worker'; pass --overwrite")
        self.assertEqual(self.read(path).decode(), MANIFEST)
        r = self.sa("-n", "apps", "-s", "worker", "--role-arn", ROLE, "-f", path, "--overwrite",
                    "--output", "json")
        self.assertOk(r)
        self.assertEqual(r.json()["status"], "updated")
        self.assertEqual(r.json()["target"], "manifest:" + path)
        after = self.read(path).decode()
        self.assertEqual(after, MANIFEST.replace("role/worker", "role/web"))

    def test_merge_appends_and_removes(self):
        path = self.write("app.yaml", MANIFEST) or os.path.join(self.home, "app.yaml")
        r = self.sa("-n", "other", "-s", "web", "--role-arn", ROLE, "-f", path)
        self.assertOk(r)
        self.assertIn("created in '%s' (document 5)" % path, r.out)
        after = self.read(path).decode()
        self.assertTrue(after.startswith(MANIFEST + "---\napiVersion: v1\nkind: ServiceAccount\n"), after)
        # --remove takes them off again: back to the original bytes for 'worker'
        r = self.sa("-n", "apps", "-s", "worker", "--remove", "-f", path)
        self.assertOk(r)
        self.assertIn("updated", r.out)
        docs = split_docs(self.read(path).decode())
        self.assertEqual(docs[3], "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: worker\n"
                         "  namespace: apps")
        r = self.sa("-n", "apps", "-s", "worker", "--remove", "-f", path)
        self.assertIn("unchanged", r.out)

    def test_merge_dry_run_and_missing_file(self):
        path = self.write("app.yaml", MANIFEST) or os.path.join(self.home, "app.yaml")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "-f", path, "--dry-run")
        self.assertOk(r)
        self.assertIn("would be updated", r.out)
        self.assertEqual(self.read(path).decode(), MANIFEST)
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "-f", os.path.join(self.home, "no.yaml"))
        self.assertFails(r, 4, "does not exist; use -o")

    def test_malformed_manifest(self):
        bad = MANIFEST.replace("ports: [{port: 80}]", "ports: [{port: 80}")
        path = self.write("app.yaml", bad) or os.path.join(self.home, "app.yaml")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "-f", path)
        self.assertFails(r, 2, "manifest '%s' is not valid YAML: line 18, column" % path)
        self.assertEqual(self.read(path).decode(), bad)
        self.assertEqual(sorted(os.listdir(self.home)), ["app.yaml"])


# ---------------------------------------------------------------------------


class ApplyTest(Base, KubeEmulatorCase):
    def setUp(self):
        super().setUp()
        self.kube.clear_log()

    def config(self, auth="token", **kw):
        return self.kube.write_kubeconfig(os.path.join(self.home, "kubeconfig-" + auth), auth=auth, **kw)

    def state_sa(self, ns, name):
        for sa in self.kube.state()["serviceaccounts"]:
            if sa["metadata"]["namespace"] == ns and sa["metadata"]["name"] == name:
                return sa
        return None

    def writes(self):
        return [e for e in self.kube.log() if e["write"]]

    def apply(self, *args, cfg=None, **extra):
        return self.sa("--apply", "--kubeconfig", cfg or self.config(), *args, **extra)

    def test_every_auth_method(self):
        for auth, logged in (("token", "token"), ("token-file", "token"), ("client-cert", "client-cert"),
                             ("client-cert-data", "client-cert"), ("basic", "basic"),
                             ("exec-v1", "token"), ("exec-v1beta1", "token")):
            with self.subTest(auth=auth):
                self.kube.clear_log()
                name = "sa-" + auth
                cfg = self.config(auth)
                r = self.apply("-n", "apps", "-s", name, "--role-arn", ROLE, "--audience", "sts.amazonaws.com",
                               cfg=cfg)
                self.assertOk(r)
                self.assertTrue(r.out.startswith("service account 'apps/%s' created in context 'test'" % name),
                                r.out)
                self.assertEqual(len(self.writes()), 1, self.kube.log())
                self.assertEqual({e["auth"] for e in self.kube.log()}, {logged})
                sa = self.state_sa("apps", name)
                self.assertEqual(sa["metadata"]["annotations"], {RA: ROLE, AUD: "sts.amazonaws.com"})
                self.assertEqual([m["manager"] for m in sa["metadata"]["managedFields"]], ["irsactl"])
                # second run: unchanged, and no write request at all
                self.kube.clear_log()
                r = self.apply("-n", "apps", "-s", name, "--role-arn", ROLE, "--audience", "sts.amazonaws.com",
                               cfg=cfg)
                self.assertOk(r)
                self.assertIn("unchanged", r.out)
                self.assertEqual(self.writes(), [])
                self.assertTrue(self.kube.log())

    def test_output_json_and_context_namespace(self):
        cfg = self.config(namespace="apps")
        r = self.apply("-s", "web", "--role-arn", ROLE, "--output", "json", cfg=cfg)
        self.assertOk(r)
        out = r.json()
        self.assertEqual(list(out), ["namespace", "service_account", "role_arn", "target", "status",
                                     "dry_run", "actions", "annotations", "labels", "notes", "warnings"])
        self.assertEqual({k: out[k] for k in ("namespace", "service_account", "role_arn", "target",
                                              "status", "dry_run", "annotations")},
                         {"namespace": "apps", "service_account": "web", "role_arn": ROLE,
                          "annotations": {RA: ROLE}, "status": "created",
                          "target": "cluster:test", "dry_run": False})
        self.assertEqual([(a["verb"], a["target"], a["done"]) for a in out["actions"]],
                         [("apply-service-account", "apps/web", True)])
        # an earlier annotation irsactl wrote is kept when not asked for again
        r = self.apply("-s", "web", "--role-arn", ROLE, "--token-expiration", "3600", cfg=cfg)
        self.assertIn("updated", r.out)
        r = self.apply("-s", "web", "--role-arn", ROLE, cfg=cfg, **{"NO_COLOR": "1"})
        self.assertIn("unchanged", r.out)
        self.assertEqual(self.state_sa("apps", "web")["metadata"]["annotations"], {RA: ROLE, EXP: "3600"})

    def test_existing_service_account_keeps_other_fields(self):
        self.kube.seed(serviceaccounts=[{"namespace": "apps", "name": "web", "labels": {"app": "web"},
                                         "annotations": {"team": "payments"}, "manager": "kubectl-create"}])
        r = self.apply("-n", "apps", "-s", "web", "--role-arn", ROLE, "-l", "irsa=yes")
        self.assertOk(r)
        self.assertIn("updated", r.out)
        md = self.state_sa("apps", "web")["metadata"]
        self.assertEqual(md["annotations"], {"team": "payments", RA: ROLE})
        self.assertEqual(md["labels"], {"app": "web", "irsa": "yes"})

    def test_conflicts(self):
        self.kube.seed(serviceaccounts=[{"namespace": "apps", "name": "web",
                                         "annotations": {RA: "arn:aws:iam::111122223333:role/old"},
                                         "manager": "kubectl-client-side-apply"}])
        self.kube.clear_log()
        r = self.apply("-n", "apps", "-s", "web", "--role-arn", ROLE)
        # one error names everything a takeover needs
        self.assertFails(r, 5, "already has eks.amazonaws.com/role-arn 'arn:aws:iam::111122223333:role/old'; "
                               "pass --overwrite --force-conflicts")
        self.assertIn("kubectl-client-side-apply", r.err)
        self.assertEqual(self.writes(), [])
        r = self.apply("-n", "apps", "-s", "web", "--role-arn", ROLE, "--force-conflicts")
        self.assertFails(r, 5, "pass --overwrite to replace it")
        self.assertEqual(self.writes(), [])
        r = self.apply("-n", "apps", "-s", "web", "--role-arn", ROLE, "--overwrite")
        self.assertFails(r, 5, "kubectl-client-side-apply")
        self.assertIn("--force-conflicts", r.err)
        self.assertEqual(r.err.count("--force-conflicts"), 1, r.err)
        self.assertEqual(self.state_sa("apps", "web")["metadata"]["annotations"][RA],
                         "arn:aws:iam::111122223333:role/old")
        r = self.apply("-n", "apps", "-s", "web", "--role-arn", ROLE, "--overwrite", "--force-conflicts")
        self.assertOk(r)
        self.assertIn("updated", r.out)
        sa = self.state_sa("apps", "web")
        self.assertEqual(sa["metadata"]["annotations"][RA], ROLE)
        self.assertEqual([m["manager"] for m in sa["metadata"]["managedFields"]], ["irsactl"])

    def test_namespaces(self):
        r = self.apply("-n", "missing", "-s", "web", "--role-arn", ROLE)
        self.assertFails(r, 4, "namespace 'missing' does not exist in context 'test'; create it or pass "
                               "--create-namespace")
        self.assertEqual(self.writes(), [])
        r = self.apply("-n", "missing", "-s", "web", "--role-arn", ROLE, "--create-namespace", "--dry-run")
        self.assertOk(r)
        self.assertIn("would be created", r.out)
        self.assertEqual(self.writes(), [])
        r = self.apply("-n", "missing", "-s", "web", "--role-arn", ROLE, "--create-namespace")
        self.assertOk(r)
        self.assertIn("created namespace 'missing'", r.err)
        self.assertEqual(self.state_sa("missing", "web")["metadata"]["annotations"], {RA: ROLE})

    def test_remove(self):
        self.apply("-n", "apps", "-s", "web", "--role-arn", ROLE, "--audience", "sts.amazonaws.com",
                   "-a", "example.com/x=1")
        self.kube.clear_log()
        r = self.apply("-n", "apps", "-s", "web", "--remove", "-a", "example.com/x", "--output", "json")
        self.assertOk(r)
        self.assertEqual(r.json()["status"], "updated")
        self.assertIsNone(r.json()["role_arn"])
        self.assertEqual(r.json()["annotations"], {})
        self.assertEqual(self.state_sa("apps", "web")["metadata"].get("annotations", {}), {})
        self.kube.clear_log()
        r = self.apply("-n", "apps", "-s", "web", "--remove")
        self.assertIn("unchanged", r.out)
        self.assertEqual(self.writes(), [])

    def test_remove_annotation_another_manager_owns(self):
        # written by `kubectl annotate` first, then adopted by irsactl: server-side
        # apply could not take it off, the merge patch does
        self.kube.seed(serviceaccounts=[{"namespace": "apps", "name": "old",
                                         "annotations": {RA: ROLE, "team": "payments"},
                                         "labels": {"app": "old"}, "manager": "kubectl-annotate"}])
        r = self.apply("-n", "apps", "-s", "old", "--role-arn", ROLE, "--audience", "sts.amazonaws.com")
        self.assertOk(r)
        managers = {m["manager"] for m in self.state_sa("apps", "old")["metadata"]["managedFields"]}
        self.assertEqual(managers, {"kubectl-annotate", "irsactl"})
        before = self.state_sa("apps", "old")
        # --dry-run: the server is asked with dryRun=All, nothing changes
        self.kube.clear_log()
        r = self.apply("-n", "apps", "-s", "old", "--remove", "--dry-run")
        self.assertOk(r)
        self.assertEqual(self.writes(), [])
        patches = [e for e in self.kube.log() if e["method"] == "PATCH"]
        self.assertEqual(len(patches), 1, self.kube.log())
        self.assertIn("dryRun=All", patches[0]["query"])
        self.assertEqual(patches[0]["content_type"], "application/merge-patch+json")
        self.assertEqual(self.state_sa("apps", "old"), before)
        # for real: one merge patch, exit 0, only the IRSA annotations go
        self.kube.clear_log()
        r = self.apply("-n", "apps", "-s", "old", "--remove", "--output", "json")
        self.assertOk(r)
        self.assertEqual(r.json()["status"], "updated")
        self.assertEqual(r.json()["annotations"], {"team": "payments"})
        writes = self.writes()
        self.assertEqual(len(writes), 1, writes)
        self.assertEqual(writes[0]["method"], "PATCH")
        self.assertEqual(writes[0]["content_type"], "application/merge-patch+json")
        self.assertIn("fieldManager=irsactl", writes[0]["query"])
        md = self.state_sa("apps", "old")["metadata"]
        self.assertEqual(md["annotations"], {"team": "payments"})
        self.assertEqual(md["labels"], {"app": "old"})
        # second run: unchanged, no write
        self.kube.clear_log()
        r = self.apply("-n", "apps", "-s", "old", "--remove")
        self.assertOk(r)
        self.assertIn("unchanged", r.out)
        self.assertEqual(self.writes(), [])
        self.assertEqual(self.state_sa("apps", "old")["metadata"]["annotations"], {"team": "payments"})

    def test_remove_extra_keys_another_manager_owns(self):
        self.kube.seed(serviceaccounts=[{"namespace": "apps", "name": "web",
                                         "annotations": {RA: ROLE, "example.com/x": "1", "keep": "k"},
                                         "labels": {"irsa": "yes", "app": "web"},
                                         "manager": "kubectl-client-side-apply"}])
        self.kube.clear_log()
        r = self.apply("-n", "apps", "-s", "web", "--remove", "-a", "example.com/x", "-l", "irsa")
        self.assertOk(r)
        self.assertIn("updated", r.out)
        self.assertEqual(len(self.writes()), 1)
        md = self.state_sa("apps", "web")["metadata"]
        self.assertEqual(md["annotations"], {"keep": "k"})
        self.assertEqual(md["labels"], {"app": "web"})

    def test_dry_run_writes_nothing(self):
        r = self.apply("-n", "apps", "-s", "web", "--role-arn", ROLE, "--dry-run")
        self.assertOk(r)
        self.assertIn("would be created", r.out)
        self.assertEqual(self.writes(), [])
        self.assertIsNone(self.state_sa("apps", "web"))

    def test_role_name_is_one_request(self):
        """--role-name with --apply: one GetRole, nothing else of AWS (the
        kubeconfig's token needs no AWS session)."""
        with AwsEmulator() as aws:
            aws.seed(roles=[{"name": "web", "path": "/irsa/"}])
            aws.clear_log()
            aws.faults([{"kind": "latency", "ms": 100}])
            r = self.apply("-n", "apps", "-s", "web", "--role-name", "web", **aws.env())
            self.assertOk(r)
            sa = self.state_sa("apps", "web")
            self.assertEqual(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
                             "arn:aws:iam::111122223333:role/irsa/web")
            self.assertEqual(request_rounds(aws.log()), [["GetRole"]])

    def test_eks_token_through_irsactl_token(self):
        with AwsEmulator() as aws:
            env = dict(aws.env())
            user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "irsactl",
                             "args": ["token", "--cluster", "test-cluster"], "env": None}}
            cfg = self.kube.write_kubeconfig(os.path.join(self.home, "eks-config"), auth="exec-v1beta1",
                                             extra_user=user)
            # natively (irsactl makes the token itself)...
            r = self.sa("--apply", "--kubeconfig", cfg, "-n", "apps", "-s", "web", "--role-arn", ROLE,
                        "--debug", **env)
            self.assertOk(r)
            self.assertIn("native EKS token", r.err)
            self.assertEqual({e["auth"] for e in self.kube.log()}, {"eks-token"})
            # ...and through the plugin, when there is no AWS session
            self.kube.clear_log()
            r = self.sa("--apply", "--kubeconfig", cfg, "--profile", "nosuchprofile", "-n", "apps", "-s", "web",
                        "--role-arn", ROLE, PATH=IRSACTL_DIR + ":/usr/bin:/bin", **env)
            self.assertOk(r)
            self.assertIn("unchanged", r.out)
            self.assertEqual({e["auth"] for e in self.kube.log()}, {"eks-token"})


# ---------------------------------------------------------------------------


class BadInputTest(Base, KubeEmulatorCase):
    def setUp(self):
        super().setUp()
        self.kube.clear_log()

    def test_invalid_values(self):
        cfg = self.kube.write_kubeconfig(os.path.join(self.home, "config"), auth="token")
        path = self.write("app.yaml", MANIFEST) or os.path.join(self.home, "app.yaml")
        cases = [
            (["-n", "Apps", "-s", "web", "--role-arn", ROLE], "namespace 'Apps'"),
            (["-n", "apps", "-s", "web_1", "--role-arn", ROLE], "service account name 'web_1'"),
            (["-n", "apps", "-s", "web", "--role-arn", "arn:aws:iam::1:role/x"], "12 digits"),
            (["-n", "apps", "-s", "web", "--role-arn", "arn:aws-mars:iam::111122223333:role/x"],
             "unknown partition 'aws-mars'"),
            (["-n", "apps", "-s", "web", "--role-arn", "arn:aws:iam::111122223333:user/x"], "not an IAM role ARN"),
            (["-n", "apps", "-s", "web", "--role-arn", ROLE, "--sts-regional-endpoints", "yes"],
             "use 'true' or 'false'"),
            (["-n", "apps", "-s", "web", "--role-arn", ROLE, "--token-expiration", "1h"], "token expiration '1h'"),
            (["-n", "apps", "-s", "web", "--role-arn", ROLE, "-l", "app=has space"],
             "value 'has space' of label 'app'"),
            (["-n", "apps", "-s", "web", "--role-arn", ROLE, "-a", "Bad_Prefix/x=1"], "invalid prefix"),
            (["-n", "apps", "-s", "web", "--role-arn", ROLE, "-a", "novalue"], "needs a value"),
            (["-n", "apps", "-s", "web", "--role-arn", ROLE, "-a", RA + "=x"], "is written by --role-arn"),
            (["-n", "apps", "-s", "web"], "--role-arn or --role-name is required"),
            (["-n", "apps", "--role-arn", ROLE], "--service-account is required"),
            (["-n", "apps", "-s", "web", "--remove", "--role-arn", ROLE], "--remove takes"),
        ]
        for args, part in cases:
            for target in (["--apply", "--kubeconfig", cfg], ["-f", path], []):
                with self.subTest(args=args, target=target):
                    r = self.sa(*args, *target)
                    self.assertFails(r, 2, part)
                    self.assertEqual(r.out, "")
        self.assertEqual(self.kube.log(), [])
        self.assertEqual(self.read(path).decode(), MANIFEST)
        self.assertEqual(sorted(os.listdir(self.home)), ["app.yaml", "config"])

    def test_bad_combinations(self):
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--output-file", "x.yaml")
        self.assertFails(r, 2, "only one of --output-file FILE, -f MANIFEST and --apply")
        # -o is --output, as in kubectl: never a file name
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "-o", "x.yaml")
        self.assertFails(r, 2, "unknown output format 'x.yaml'")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--context", "x")
        self.assertFails(r, 2, "--context goes with --apply")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--force-conflicts", "--output-file", "x.yaml")
        self.assertFails(r, 2, "--force-conflicts goes with --apply")
        self.assertFalse(os.path.exists(os.path.join(self.home, "x.yaml")))

    def test_bad_kubeconfig(self):
        missing = os.path.join(self.home, "nope")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--kubeconfig", missing)
        self.assertFails(r, 2, "cannot read kubeconfig '%s'" % missing)
        garbage = self.write("garbage", "clusters: [\n") or os.path.join(self.home, "garbage")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--kubeconfig", garbage)
        self.assertFails(r, 2, garbage)
        cfg = self.kube.write_kubeconfig(os.path.join(self.home, "config"), auth="token")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--kubeconfig", cfg,
                    "--context", "nosuch")
        self.assertFails(r, 2, "nosuch")
        self.assertEqual(self.kube.log(), [])

    def test_unreadable_kubeconfig(self):
        # a directory cannot be read as a file even by root, so this runs in CI (root)
        # as well; the chmod 000 file below only fails for other users
        directory = os.path.join(self.home, "kubeconfig.d")
        os.mkdir(directory)
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--kubeconfig", directory)
        self.assertFails(r, 2, "cannot read kubeconfig '%s': it is a directory" % directory)
        self.assertEqual(r.out, "")
        self.assertEqual(os.listdir(directory), [])
        cfg = self.kube.write_kubeconfig(os.path.join(self.home, "config"), auth="token")
        os.chmod(cfg, 0)
        if os.geteuid() != 0:
            before = os.stat(cfg)
            r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--kubeconfig", cfg)
            self.assertFails(r, 2, "'%s'" % cfg)
            self.assertEqual(r.out, "")
            after = os.stat(cfg)
            self.assertEqual((after.st_mtime_ns, after.st_size, stat.S_IMODE(after.st_mode)),
                             (before.st_mtime_ns, before.st_size, 0))
        self.assertEqual(sorted(os.listdir(self.home)), ["config", "kubeconfig.d"])
        self.assertEqual(self.kube.log(), [])

    def exec_kubeconfig(self, body):
        """A kubeconfig for the emulator whose user runs a shell-script exec plugin."""
        script = self.write("plugin.sh", "#!/bin/sh\n" + body, mode=0o755)
        user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": script, "args": [],
                         "interactiveMode": "Never"}}
        return self.kube.write_kubeconfig(os.path.join(self.home, "config"), auth="exec-v1",
                                          extra_user=user), script

    def test_exec_plugin_fails(self):
        cfg, script = self.exec_kubeconfig("echo 'plugin: no credentials' >&2\nexit 1\n")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--kubeconfig", cfg)
        # auth: the exec plugin could not give a credential
        self.assertFails(r, 3, "exec plugin '%s' of user 'emulator-user' (kubeconfig '%s') failed with "
                               "exit status 1" % (script, cfg))
        self.assertIn("plugin: no credentials\n", r.err)
        self.assertEqual(r.out, "")
        self.assertEqual(self.kube.log(), [])

    def test_exec_plugin_prints_garbage(self):
        cfg, script = self.exec_kubeconfig("echo 'this is not json {'\n")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--kubeconfig", cfg)
        self.assertFails(r, 3, "exec plugin '%s' of user 'emulator-user' (kubeconfig '%s') printed "
                               "something that is not an ExecCredential" % (script, cfg))
        self.assertEqual(r.out, "")
        self.assertEqual(self.kube.log(), [])

    def test_exec_plugin_expiration_with_huge_offset(self):
        # This timestamp once overflowed parse_time() (undefined behaviour,
        # caught by the sanitizer pass); now the expiration is just unknown.
        cfg, _ = self.exec_kubeconfig(
            "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":"
            "\"ExecCredential\",\"status\":{\"token\":\"irsactl-test-token\","
            "\"expirationTimestamp\":\"2030-01-01T00:00:00+99999999999999999999:00\"}}'\n")
        r = self.sa("-n", "apps", "-s", "web", "--role-arn", ROLE, "--apply", "--create-namespace",
                    "--kubeconfig", cfg)
        self.assertOk(r)
        sa = [sa for sa in self.kube.state()["serviceaccounts"]
              if (sa["metadata"]["namespace"], sa["metadata"]["name"]) == ("apps", "web")]
        self.assertEqual(sa[0]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], ROLE)

if __name__ == "__main__":
    main()
