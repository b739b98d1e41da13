#!/usr/bin/python3
"""Tests for the Kubernetes API emulator (tests/emulator/kube_*.py).

Run: /usr/bin/python3 tests/test_kube_emulator.py    (unittest; non-zero exit on failure)
"""

import base64
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "emulator"))

import kube_emulator as ke  # noqa: E402
from clitest import KubeEmulatorFixture  # noqa: E402
from kube_harness import eks_token, PYTHON, EMULATOR  # noqa: E402
from kube_yaml import YamlError, parse_yaml  # noqa: E402

VECTOR = os.path.join(HERE, "data", "sigv4", "eks-token",
                      "aws-iam-authenticator-get-with-sts.json")
ARN_X = "arn:aws:iam::111122223333:role/x"
ROLE_KEY = "eks.amazonaws.com/role-arn"
ALICE = "AKIAIRSATESTALICE01"
ALICE_ARN = "arn:aws:iam::111122223333:user/alice"


def flip(token, pos=None):
    """Flip one byte in the decoded URL of an EKS token (inside the signature by default)."""
    b64 = token[len("k8s-aws-v1."):]
    url = bytearray(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)))
    if pos is None:
        pos = len(url) - 5
    url[pos] = ord("0") if url[pos] != ord("0") else ord("1")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(bytes(url)).decode().rstrip("=")


# ---------------------------------------------------------------------------
# unit tests (no server)


class EksTokenUnitTest(unittest.TestCase):
    KEYS = {ALICE: {"secret": "aliceSecretKeyForEmulatorTestsOnly0000001", "arn": ALICE_ARN}}

    def verify(self, token, cluster="test-cluster", now=None):
        return ke.verify_eks_token(token, cluster, self.KEYS, now=now)

    def test_botocore_presigned_accepted(self):
        tok = eks_token(ALICE)
        self.assertEqual(self.verify(tok), (ALICE_ARN, ALICE))

    def test_regional_and_cn_and_loopback_hosts(self):
        for region, host in (("eu-west-1", None), ("cn-north-1", "sts.cn-north-1.amazonaws.com.cn"),
                             ("us-east-1", "127.0.0.1:4566"), ("us-east-1", "localhost")):
            tok = eks_token(ALICE, region=region, host=host)
            self.assertEqual(self.verify(tok)[0], ALICE_ARN, host)

    def test_flipped_byte_rejected(self):
        tok = eks_token(ALICE)
        with self.assertRaises(ke.EksTokenError):
            self.verify(flip(tok))
        # a byte flipped in the credential date/region part is rejected too
        with self.assertRaises(ke.EksTokenError):
            self.verify(flip(tok, pos=10))

    def test_rejections(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        cases = {
            "other cluster": eks_token(ALICE, cluster="other"),
            "expired": eks_token(ALICE, timestamp=now - datetime.timedelta(seconds=120), expires=60),
            "expires > 900": eks_token(ALICE, expires=901),
            "unknown key": eks_token("AKIAUNKNOWN000000000", secret_key="x"),
            "bad host": eks_token(ALICE, host="sts.example.com"),
            "wrong secret": eks_token(ALICE, secret_key="not-the-secret"),
            "no prefix": "k8s-aws-v2.abc",
            "garbage": "k8s-aws-v1.!!!",
        }
        for what, tok in cases.items():
            with self.assertRaises(ke.EksTokenError, msg=what):
                self.verify(tok)

    def test_disallowed_query_param_and_missing_signed_header(self):
        import urllib.parse
        tok = eks_token(ALICE)
        b64 = tok[len("k8s-aws-v1."):]
        url = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).decode()
        bad = url + "&X-Amz-Foo=1"
        with self.assertRaisesRegex(ke.EksTokenError, "non-allowlisted"):
            self.verify("k8s-aws-v1." + base64.urlsafe_b64encode(bad.encode()).decode().rstrip("="))
        bad = url.replace("host%3Bx-k8s-aws-id", "host")
        with self.assertRaisesRegex(ke.EksTokenError, "x-k8s-aws-id"):
            self.verify("k8s-aws-v1." + base64.urlsafe_b64encode(bad.encode()).decode().rstrip("="))
        bad = url.replace("/?", "/x?")
        with self.assertRaisesRegex(ke.EksTokenError, "path"):
            self.verify("k8s-aws-v1." + base64.urlsafe_b64encode(bad.encode()).decode().rstrip("="))
        self.assertTrue(urllib.parse.urlsplit(url).query)

    def test_aws_iam_authenticator_vector(self):
        with open(VECTOR) as f:
            v = json.load(f)
        ak = base64.b64decode(v["credentials"]["access_key_id_base64"]).decode()
        sk = base64.b64decode(v["credentials"]["secret_access_key_base64"]).decode()
        keys = {ak: {"secret": sk, "arn": "arn:aws:iam::1:user/vector"}}
        now = v["unix_time"] + 30
        arn, _ = ke.verify_eks_token(v["expected_token"], v["cluster_id"], keys, now=now)
        self.assertEqual(arn, "arn:aws:iam::1:user/vector")
        # the harness's botocore token builder reproduces the vector exactly
        ts = datetime.datetime.fromtimestamp(v["unix_time"], datetime.timezone.utc)
        self.assertEqual(eks_token(ak, sk, cluster=v["cluster_id"], region=v["region"], timestamp=ts,
                                   expires=v["expires_in_seconds"]), v["expected_token"])
        with self.assertRaises(ke.EksTokenError):
            ke.verify_eks_token(flip(v["expected_token"]), v["cluster_id"], keys, now=now)
        with self.assertRaisesRegex(ke.EksTokenError, "expired"):
            ke.verify_eks_token(v["expected_token"], v["cluster_id"], keys, now=now + 60)


class YamlSubsetTest(unittest.TestCase):
    def test_service_account_document(self):
        doc = parse_yaml(
            "---\n"
            "apiVersion: v1\n"
            "kind: ServiceAccount\n"
            "metadata:\n"
            "  name: web   # comment\n"
            "  namespace: 'apps'\n"
            "  annotations:\n"
            "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/x\n"
            "    \"eks.amazonaws.com/token-expiration\": \"86400\"\n"
            "    eks.amazonaws.com/sts-regional-endpoints: \"true\"\n"
            "    quoted: \"a\\\"b\\u00e9\"\n"
            "    single: 'it''s # here'\n"
            "  labels: {}\n"
            "secrets:\n"
            "- name: s\n"
            "...\n")
        self.assertEqual(doc["metadata"]["annotations"], {
            ROLE_KEY: ARN_X, "eks.amazonaws.com/token-expiration": "86400",
            "eks.amazonaws.com/sts-regional-endpoints": "true", "quoted": 'a"b\u00e9', "single": "it's # here"})
        self.assertEqual(doc["metadata"]["namespace"], "apps")
        self.assertEqual(doc["secrets"], [{"name": "s"}])
        self.assertEqual(doc["metadata"]["labels"], {})

    def test_scalar_resolution_like_go_yaml(self):
        doc = parse_yaml("a: 600\nb: true\nc: yes\nd: ~\ne: 1.5\nf: '600'\ng: on\nh: plain text\n")
        self.assertEqual(doc, {"a": 600, "b": True, "c": True, "d": None, "e": 1.5, "f": "600", "g": True,
                               "h": "plain text"})

    def test_rejects_unsupported(self):
        for bad in ("a: 1\na: 2\n", "a: &x 1\n", "a: *x\n", "a: 1\n---\nb: 2\n", "a: \"open\n", "a: b: c\n",
                    "a:\n\tb: 1\n"):
            with self.assertRaises(YamlError, msg=bad):
                parse_yaml(bad)


class ValidationUnitTest(unittest.TestCase):
    def test_qualified_names(self):
        self.assertEqual(ke.qualified_name_errors(ROLE_KEY), [])
        self.assertEqual(ke.qualified_name_errors("plain_Name.1"), [])
        for bad in ("bad key", "a/b/c", "/x", "x/", "Example.COM/x" if False else "-x", "a" * 64,
                    "under_score.com/x"):
            self.assertTrue(ke.qualified_name_errors(bad), bad)
        self.assertTrue(ke.label_value_errors("x" * 64))
        self.assertEqual(ke.label_value_errors(""), [])


# ---------------------------------------------------------------------------
# server tests


class ServerTest(KubeEmulatorFixture, unittest.TestCase):
    # helpers
    def req(self, *a, **kw):
        return self.kube.request(*a, **kw)

    def sa_path(self, name=None, ns="default"):
        p = "/api/v1/namespaces/%s/serviceaccounts" % ns
        return p + "/" + name if name else p

    def apply(self, name, annotations=None, labels=None, manager="irsactl", force=False, ns="default",
              yaml=False, dry=False, extra_query=""):
        md = {"name": name, "namespace": ns}
        if annotations is not None:
            md["annotations"] = annotations
        if labels is not None:
            md["labels"] = labels
        obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": md}
        if yaml:
            lines = ["apiVersion: v1", "kind: ServiceAccount", "metadata:", "  name: %s" % name,
                     "  namespace: %s" % ns]
            for kind, m in (("annotations", annotations), ("labels", labels)):
                if m:
                    lines.append("  %s:" % kind)
                    lines += ["    %s: %s" % (k, json.dumps(v)) for k, v in m.items()]
            body = "\n".join(lines) + "\n"
        else:
            body = json.dumps(obj)
        q = []
        if manager is not None:
            q.append("fieldManager=" + manager)
        if force:
            q.append("force=true")
        if dry:
            q.append("dryRun=All")
        if extra_query:
            q.append(extra_query)
        return self.req("PATCH", self.sa_path(name, ns) + ("?" + "&".join(q) if q else ""), body=body,
                        content_type="application/apply-patch+yaml")

    def assertStatus(self, resp, code, reason=None):
        status, obj, _ = resp
        self.assertEqual(status, code, obj)
        if code >= 400:
            self.assertEqual(obj["kind"], "Status")
            self.assertEqual(obj["apiVersion"], "v1")
            self.assertEqual(obj["status"], "Failure")
            self.assertEqual(obj["code"], code)
            self.assertEqual(obj["metadata"], {})
            if reason:
                self.assertEqual(obj["reason"], reason, obj)
        return obj

    # -- discovery / basics -------------------------------------------------------
    def test_discovery(self):
        self.assertEqual(self.req("GET", "/version")[1]["major"], "1")
        self.assertEqual(self.req("GET", "/api")[1]["versions"], ["v1"])
        self.assertEqual(self.req("GET", "/apis")[1]["kind"], "APIGroupList")
        res = {r["name"]: r for r in self.req("GET", "/api/v1")[1]["resources"]}
        self.assertTrue(res["serviceaccounts"]["namespaced"])
        self.assertIn("patch", res["serviceaccounts"]["verbs"])
        self.assertFalse(res["namespaces"]["namespaced"])
        s, body, _ = self.req("GET", "/healthz")
        self.assertEqual((s, body), (200, "ok"))
        self.assertStatus(self.req("GET", "/openapi/v2"), 404, "NotFound")
        self.assertStatus(self.req("GET", "/apis/apps/v1"), 404, "NotFound")
        self.assertStatus(self.req("POST", "/api/v1", body={}), 405, "MethodNotAllowed")

    def test_initial_state(self):
        st = self.kube.state()
        self.assertEqual([n["metadata"]["name"] for n in st["namespaces"]], ["default", "kube-system"])
        self.assertEqual(sorted((s["metadata"]["namespace"], s["metadata"]["name"]) for s in st["serviceaccounts"]),
                         [("default", "default"), ("kube-system", "default")])

    # -- authentication ------------------------------------------------------------
    def test_auth_methods(self):
        p = self.sa_path()
        self.assertEqual(self.req("GET", p)[0], 200)                                   # static token
        self.assertEqual(self.req("GET", p, basic=("admin", "irsactl-test-password"))[0], 200)
        self.assertEqual(self.req("GET", p, client_cert=True)[0], 200)
        self.assertEqual(self.req("GET", p, token=eks_token(ALICE))[0], 200)
        self.kube.seed(tokens={"tok2": "bob"}, basic_users={"u2": "p2"})
        self.assertEqual(self.req("GET", p, token="tok2")[0], 200)
        self.assertEqual(self.req("GET", p, basic=("u2", "p2"))[0], 200)
        got = [(e["auth"], e["user"]) for e in self.kube.log()]
        self.assertEqual(got, [("token", "admin"), ("basic", "admin"), ("client-cert", "irsactl-test-admin"),
                               ("eks-token", ALICE_ARN), ("token", "bob"), ("basic", "u2")])

    def test_auth_failures(self):
        p = self.sa_path()
        st = self.assertStatus(self.req("GET", p, token="wrong"), 401, "Unauthorized")
        self.assertEqual(st["message"], "Unauthorized")
        self.assertStatus(self.req("GET", p, token=None), 401, "Unauthorized")
        self.assertStatus(self.req("GET", p, basic=("admin", "nope")), 401, "Unauthorized")
        self.assertStatus(self.req("GET", p, token=flip(eks_token(ALICE))), 401, "Unauthorized")
        self.assertStatus(self.req("GET", p, token=eks_token(ALICE, cluster="other")), 401)
        self.assertStatus(self.req("GET", p, token=eks_token("AKIAUNKNOWN", secret_key="s")), 401)
        log = self.kube.log()
        self.assertEqual([e["status"] for e in log], [401] * 6)
        self.assertTrue(all(e["user"] is None for e in log))
        self.assertEqual([e["auth"] for e in log], ["token", "none", "basic", "eks-token", "eks-token", "eks-token"])

    def test_eks_token_cluster_name_seed(self):
        self.kube.seed(cluster_name="prod")
        p = self.sa_path()
        self.assertStatus(self.req("GET", p, token=eks_token(ALICE)), 401)
        self.assertEqual(self.req("GET", p, token=eks_token(ALICE, cluster="prod"))[0], 200)

    def test_untrusted_client_cert_rejected(self):
        d = tempfile.mkdtemp()
        try:
            certs = self.kube.certs_dir
            key, csr, crt = (os.path.join(d, n) for n in ("k.pem", "c.csr", "c.pem"))
            subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=intruder"], check=True,
                           capture_output=True)
            subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(certs, "other-ca.crt"),
                            "-CAkey", os.path.join(certs, "other-ca.key"), "-set_serial", "7", "-days", "1",
                            "-out", crt], check=True, capture_output=True)
            with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
                self.req("GET", self.sa_path(), client_cert=(crt, key))
        finally:
            shutil.rmtree(d)
        # and a client that trusts only the unrelated CA cannot verify the server
        ctx = ssl.create_default_context(cafile=os.path.join(self.kube.certs_dir, "other-ca.crt"))
        conn = http.client.HTTPSConnection("127.0.0.1", self.kube.port, context=ctx, timeout=5)
        with self.assertRaises(ssl.SSLCertVerificationError):
            conn.request("GET", "/healthz")
        conn.close()

    def test_server_cert_names(self):
        for host in ("localhost", "127.0.0.1"):
            ctx = ssl.create_default_context(cafile=self.kube.ca_path)
            conn = http.client.HTTPSConnection(host, self.kube.port, context=ctx, timeout=5)
            conn.request("GET", "/healthz")
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()

    def test_readonly_token(self):
        self.kube.seed(tokens={"ro": "viewer"}, readonly_tokens=["ro", "ro2"])
        self.assertEqual(self.req("GET", self.sa_path(), token="ro")[0], 200)
        self.assertEqual(self.req("GET", self.sa_path(), token="ro2")[0], 200)
        st = self.assertStatus(self.apply("x", {"a": "b"}) if False else
                               self.req("POST", self.sa_path(), token="ro",
                                        body={"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": "x"}}), 403, "Forbidden")
        self.assertIn('User "viewer" cannot create resource "serviceaccounts"', st["message"])
        s = self.req("PATCH", self.sa_path("default") + "?fieldManager=irsactl", token="ro2",
                     body='{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}}',
                     content_type="application/apply-patch+yaml")
        self.assertStatus(s, 403, "Forbidden")
        self.assertEqual(self.req("GET", self.sa_path())[0], 200)
        self.assertEqual(len(self.kube.state()["serviceaccounts"]), 2)

    # -- server-side apply ------------------------------------------------------------
    def test_apply_create_then_unchanged(self):
        s, obj, _ = self.apply("web", {ROLE_KEY: ARN_X})
        self.assertEqual(s, 201, obj)
        md = obj["metadata"]
        self.assertEqual(md["annotations"], {ROLE_KEY: ARN_X})
        self.assertTrue(md["uid"] and md["creationTimestamp"] and md["resourceVersion"])
        mf = md["managedFields"]
        self.assertEqual(len(mf), 1)
        self.assertEqual(mf[0]["manager"], "irsactl")
        self.assertEqual(mf[0]["operation"], "Apply")
        self.assertEqual(mf[0]["fieldsType"], "FieldsV1")
        self.assertEqual(mf[0]["fieldsV1"], {"f:metadata": {"f:annotations": {"f:" + ROLE_KEY: {}}}})
        rv = md["resourceVersion"]
        s2, obj2, _ = self.apply("web", {ROLE_KEY: ARN_X}, yaml=True)
        self.assertEqual(s2, 200, obj2)
        self.assertEqual(obj2["metadata"]["resourceVersion"], rv)
        self.assertEqual(obj2["metadata"]["managedFields"], mf)
        self.assertEqual(self.req("GET", self.sa_path("web"))[1]["metadata"]["resourceVersion"], rv)
        log = self.kube.log()
        self.assertEqual([e["write"] for e in log], [True, True, False])
        self.assertEqual(log[0]["content_type"], "application/apply-patch+yaml")
        self.assertEqual(log[0]["query"], "fieldManager=irsactl")
        # a real change bumps the resourceVersion
        s3, obj3, _ = self.apply("web", {ROLE_KEY: ARN_X, "eks.amazonaws.com/audience": "sts.amazonaws.com"})
        self.assertEqual(s3, 200)
        self.assertGreater(int(obj3["metadata"]["resourceVersion"]), int(rv))

    def test_apply_conflict_force_and_shared(self):
        self.kube.seed(serviceaccounts=[{"namespace": "default", "name": "web",
                                         "annotations": {ROLE_KEY: "arn:aws:iam::111122223333:role/old",
                                                         "keep": "me"},
                                         "manager": "kubectl-client-side-apply", "operation": "Update"}])
        rv0 = self.req("GET", self.sa_path("web"))[1]["metadata"]["resourceVersion"]
        st = self.assertStatus(self.apply("web", {ROLE_KEY: ARN_X}), 409, "Conflict")
        self.assertEqual(st["details"]["causes"], [{
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-client-side-apply" using v1: .metadata.annotations.' + ROLE_KEY,
            "field": ".metadata.annotations." + ROLE_KEY}])
        self.assertIn("Apply failed with 1 conflict", st["message"])
        self.assertEqual(self.req("GET", self.sa_path("web"))[1]["metadata"]["resourceVersion"], rv0)
        # same value as the other manager: shared ownership, no conflict
        s, obj, _ = self.apply("web", {"keep": "me"}, manager="other")
        self.assertEqual(s, 200, obj)
        owners = {e["manager"]: e for e in obj["metadata"]["managedFields"]}
        self.assertIn("f:keep", owners["other"]["fieldsV1"]["f:metadata"]["f:annotations"])
        self.assertIn("f:keep", owners["kubectl-client-side-apply"]["fieldsV1"]["f:metadata"]["f:annotations"])
        # force takes the field over
        s, obj, _ = self.apply("web", {ROLE_KEY: ARN_X}, force=True)
        self.assertEqual(s, 200, obj)
        self.assertEqual(obj["metadata"]["annotations"][ROLE_KEY], ARN_X)
        owners = {e["manager"]: e for e in obj["metadata"]["managedFields"]}
        self.assertEqual(owners["irsactl"]["fieldsV1"], {"f:metadata": {"f:annotations": {"f:" + ROLE_KEY: {}}}})
        self.assertNotIn("f:" + ROLE_KEY,
                         owners["kubectl-client-side-apply"]["fieldsV1"]["f:metadata"]["f:annotations"])
        # now irsactl owns it: no conflict on change without force
        self.assertEqual(self.apply("web", {ROLE_KEY: ARN_X + "2"})[0], 200)

    def test_apply_removes_omitted_field(self):
        self.apply("web", {ROLE_KEY: ARN_X, "eks.amazonaws.com/audience": "sts.amazonaws.com"},
                   labels={"app": "web"})
        s, obj, _ = self.apply("web", {ROLE_KEY: ARN_X})
        self.assertEqual(s, 200)
        self.assertEqual(obj["metadata"]["annotations"], {ROLE_KEY: ARN_X})
        self.assertNotIn("labels", obj["metadata"])
        # a field co-owned by another manager survives when irsactl stops applying it
        self.apply("web", {ROLE_KEY: ARN_X, "shared": "v"})
        self.apply("web", {"shared": "v"}, manager="someone")
        s, obj, _ = self.apply("web", {ROLE_KEY: ARN_X})
        self.assertEqual(obj["metadata"]["annotations"], {ROLE_KEY: ARN_X, "shared": "v"})
        # the remove flow: apply with no annotations takes irsactl's off
        s, obj, _ = self.apply("web", {})
        self.assertEqual(obj["metadata"]["annotations"], {"shared": "v"})
        self.assertEqual([e["manager"] for e in obj["metadata"]["managedFields"]], ["someone"])
        rv = obj["metadata"]["resourceVersion"]
        self.assertEqual(self.apply("web", {})[1]["metadata"]["resourceVersion"], rv)

    def test_apply_dry_run_and_errors(self):
        s, obj, _ = self.apply("web", {ROLE_KEY: ARN_X}, dry=True)
        self.assertEqual(s, 201)
        self.assertEqual(self.req("GET", self.sa_path("web"))[0], 404)
        self.assertFalse(self.kube.log()[0]["write"])
        self.assertStatus(self.apply("web", {ROLE_KEY: ARN_X}, manager=None), 400, "BadRequest")
        st = self.assertStatus(self.apply("web", {ROLE_KEY: ARN_X}, ns="missing"), 404, "NotFound")
        self.assertEqual(st["message"], 'namespaces "missing" not found')
        self.assertStatus(self.apply("web", {"bad key": "x"}), 422, "Invalid")
        self.assertStatus(self.apply("web", {"n": 600}, yaml=False) if False else
                          self.req("PATCH", self.sa_path("web") + "?fieldManager=irsactl",
                                   body="apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"
                                        "  annotations:\n    eks.amazonaws.com/token-expiration: 600\n",
                                   content_type="application/apply-patch+yaml"), 400, "BadRequest")
        self.assertStatus(self.req("PATCH", self.sa_path("web") + "?fieldManager=irsactl",
                                   body="metadata:\n  name: web\n",
                                   content_type="application/apply-patch+yaml"), 400, "BadRequest")
        self.assertStatus(self.req("PATCH", self.sa_path("web") + "?fieldManager=irsactl",
                                   body="apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: other\n",
                                   content_type="application/apply-patch+yaml"), 422, "Invalid")
        self.assertEqual(self.kube.state()["serviceaccounts"].__len__(), 2)

    # -- other patches and PUT -----------------------------------------------------------
    def test_merge_patch(self):
        self.apply("web", {ROLE_KEY: ARN_X, "b": "1"})
        s, obj, _ = self.req("PATCH", self.sa_path("web") + "?fieldManager=kubectl-annotate",
                             body={"metadata": {"annotations": {"b": None, "c": "2"}}},
                             content_type="application/merge-patch+json")
        self.assertEqual(s, 200, obj)
        self.assertEqual(obj["metadata"]["annotations"], {ROLE_KEY: ARN_X, "c": "2"})
        owners = {(e["manager"], e["operation"]): e for e in obj["metadata"]["managedFields"]}
        self.assertEqual(owners[("kubectl-annotate", "Update")]["fieldsV1"],
                         {"f:metadata": {"f:annotations": {".": {}, "f:c": {}}}})
        self.assertEqual(owners[("irsactl", "Apply")]["fieldsV1"],
                         {"f:metadata": {"f:annotations": {"f:" + ROLE_KEY: {}}}})
        # strategic merge patch behaves as a merge patch; default manager comes from the User-Agent
        s, obj, _ = self.req("PATCH", self.sa_path("web"), body={"metadata": {"labels": {"app": "web"}}},
                             content_type="application/strategic-merge-patch+json",
                             headers={"User-Agent": "kubectl/v1.32.4 (linux/amd64)"})
        self.assertEqual(obj["metadata"]["labels"], {"app": "web"})
        self.assertIn(("kubectl", "Update"), {(e["manager"], e["operation"]) for e in obj["metadata"]["managedFields"]})
        # an identical patch changes nothing
        rv = obj["metadata"]["resourceVersion"]
        s, obj, _ = self.req("PATCH", self.sa_path("web"), body={"metadata": {"labels": {"app": "web"}}},
                             content_type="application/merge-patch+json",
                             headers={"User-Agent": "kubectl/v1.32.4 (linux/amd64)"})
        self.assertEqual(obj["metadata"]["resourceVersion"], rv)
        # an Update that changes irsactl's field takes it from the Apply manager
        s, obj, _ = self.req("PATCH", self.sa_path("web") + "?fieldManager=editor",
                             body={"metadata": {"annotations": {ROLE_KEY: "arn:aws:iam::1:role/y"}}},
                             content_type="application/merge-patch+json")
        st = self.assertStatus(self.apply("web", {ROLE_KEY: ARN_X}), 409, "Conflict")
        self.assertIn('conflict with "editor"', st["details"]["causes"][0]["message"])
        self.assertStatus(self.req("PATCH", self.sa_path("missing"), body={},
                                   content_type="application/merge-patch+json"), 404, "NotFound")
        self.assertStatus(self.req("PATCH", self.sa_path("web"), body="[1]",
                                   content_type="application/merge-patch+json"), 400, "BadRequest")

    def test_json_patch(self):
        self.apply("web", {ROLE_KEY: ARN_X})
        ops = [{"op": "test", "path": "/metadata/annotations/eks.amazonaws.com~1role-arn", "value": ARN_X},
               {"op": "replace", "path": "/metadata/annotations/eks.amazonaws.com~1role-arn", "value": "r2"},
               {"op": "add", "path": "/metadata/labels", "value": {"a": "b"}},
               {"op": "remove", "path": "/metadata/labels/a"}]
        s, obj, _ = self.req("PATCH", self.sa_path("web"), body=ops, content_type="application/json-patch+json")
        self.assertEqual(s, 200, obj)
        self.assertEqual(obj["metadata"]["annotations"], {ROLE_KEY: "r2"})
        self.assertStatus(self.req("PATCH", self.sa_path("web"), content_type="application/json-patch+json",
                                   body=[{"op": "test", "path": "/metadata/name", "value": "nope"}]), 422)

    def test_unsupported_media_type(self):
        self.apply("web", {ROLE_KEY: ARN_X})
        self.assertStatus(self.req("PATCH", self.sa_path("web"), body="x", content_type="text/plain"),
                          415, "UnsupportedMediaType")
        self.assertStatus(self.req("POST", self.sa_path(), body="x", content_type="application/xml"),
                          415, "UnsupportedMediaType")

    def test_put(self):
        self.apply("web", {ROLE_KEY: ARN_X})
        cur = self.req("GET", self.sa_path("web"))[1]
        stale = json.loads(json.dumps(cur))
        cur["metadata"]["labels"] = {"a": "b"}
        s, obj, _ = self.req("PUT", self.sa_path("web") + "?fieldManager=editor", body=cur)
        self.assertEqual(s, 200, obj)
        self.assertNotEqual(obj["metadata"]["resourceVersion"], stale["metadata"]["resourceVersion"])
        stale["metadata"]["labels"] = {"a": "c"}
        st = self.assertStatus(self.req("PUT", self.sa_path("web"), body=stale), 409, "Conflict")
        self.assertIn("the object has been modified", st["message"])
        self.assertStatus(self.req("PUT", self.sa_path("nope"), body={"metadata": {"name": "nope"}}), 404)
        self.assertStatus(self.req("PUT", self.sa_path("web"), body={"metadata": {"name": "other"}}), 422, "Invalid")

    # -- CRUD / validation ---------------------------------------------------------------
    def test_create_get_list_delete(self):
        body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "a", "labels": {"x": "y"}}}
        s, obj, _ = self.req("POST", self.sa_path(), body=body)
        self.assertEqual(s, 201)
        self.assertEqual(obj["metadata"]["namespace"], "default")
        self.assertStatus(self.req("POST", self.sa_path(), body=body), 409, "AlreadyExists")
        st = self.assertStatus(self.req("POST", self.sa_path(ns="nope"), body=body), 404, "NotFound")
        self.assertEqual(st["message"], 'namespaces "nope" not found')
        st = self.assertStatus(self.req("GET", self.sa_path("zzz")), 404, "NotFound")
        self.assertEqual(st["message"], 'serviceaccounts "zzz" not found')
        self.assertEqual(st["details"], {"name": "zzz", "kind": "serviceaccounts"})
        lst = self.req("GET", self.sa_path())[1]
        self.assertEqual(lst["kind"], "ServiceAccountList")
        self.assertEqual([i["metadata"]["name"] for i in lst["items"]], ["a", "default"])
        self.assertEqual(len(self.req("GET", "/api/v1/serviceaccounts")[1]["items"]), 3)
        self.assertEqual([i["metadata"]["name"] for i in
                          self.req("GET", self.sa_path() + "?labelSelector=x%3Dy")[1]["items"]], ["a"])
        self.assertEqual([i["metadata"]["name"] for i in
                          self.req("GET", self.sa_path() + "?fieldSelector=metadata.name%3Ddefault")[1]["items"]],
                         ["default"])
        self.assertEqual(self.req("DELETE", self.sa_path("a"))[0], 200)
        self.assertStatus(self.req("DELETE", self.sa_path("a")), 404)

    def test_namespaces(self):
        s, obj, _ = self.req("POST", "/api/v1/namespaces", body={"apiVersion": "v1", "kind": "Namespace",
                                                                  "metadata": {"name": "apps"}})
        self.assertEqual(s, 201)
        self.assertEqual(self.req("GET", "/api/v1/namespaces/apps")[1]["status"]["phase"], "Active")
        self.assertEqual(self.req("GET", self.sa_path("default", ns="apps"))[0], 200)
        self.assertStatus(self.req("POST", "/api/v1/namespaces", body={"metadata": {"name": "apps"}}), 409,
                          "AlreadyExists")
        self.assertStatus(self.req("POST", "/api/v1/namespaces", body={"metadata": {"name": "a.b"}}), 422, "Invalid")
        names = [n["metadata"]["name"] for n in self.req("GET", "/api/v1/namespaces")[1]["items"]]
        self.assertEqual(names, ["apps", "default", "kube-system"])
        self.assertEqual(self.req("DELETE", "/api/v1/namespaces/apps")[0], 200)
        self.assertStatus(self.req("GET", "/api/v1/namespaces/apps"), 404, "NotFound")
        self.assertStatus(self.req("GET", self.sa_path("default", ns="apps")), 404)

    def test_validation(self):
        def post(md):
            return self.req("POST", self.sa_path(), body={"apiVersion": "v1", "kind": "ServiceAccount",
                                                          "metadata": md})
        st = self.assertStatus(post({"name": "a", "annotations": {"bad key": "v"}}), 422, "Invalid")
        self.assertEqual(st["details"]["causes"][0]["field"], "metadata.annotations")
        self.assertEqual(st["details"]["causes"][0]["reason"], "FieldValueInvalid")
        self.assertEqual(st["details"]["name"], "a")
        self.assertStatus(post({"name": "a", "annotations": {"a/b/c": "v"}}), 422, "Invalid")
        self.assertStatus(post({"name": "a", "annotations": {"x" * 64: "v"}}), 422, "Invalid")
        self.assertStatus(post({"name": "a", "labels": {"k": "v" * 64}}), 422, "Invalid")
        self.assertStatus(post({"name": "a", "labels": {"k": "bad value"}}), 422, "Invalid")
        self.assertStatus(post({"name": "Bad_Name"}), 422, "Invalid")
        self.assertStatus(post({"name": "a" * 254}), 422, "Invalid")
        self.assertStatus(post({"name": "a", "namespace": "other"}), 422, "Invalid")
        st = self.assertStatus(post({"name": "a", "annotations": {"big": "x" * (256 * 1024)}}), 422, "Invalid")
        self.assertEqual(st["details"]["causes"][0]["reason"], "FieldValueTooLong")
        self.assertStatus(post({"name": "a", "annotations": {"n": 5}}), 400, "BadRequest")
        self.assertEqual(post({"name": "a.b-c", "annotations": {"Example.com/Upper_Name": "v" * 1000}})[0], 201)

    # -- control API, log, transport ----------------------------------------------------------
    def test_log_and_control(self):
        self.apply("web", {ROLE_KEY: ARN_X}, dry=True)
        self.apply("web", {ROLE_KEY: ARN_X})
        self.req("GET", self.sa_path("web"))
        log = self.kube.log()
        self.assertEqual([e["seq"] for e in log], sorted(e["seq"] for e in log))
        for key in ("seq", "method", "path", "query", "content_type", "status", "user", "auth", "write"):
            self.assertIn(key, log[0])
        self.assertEqual([(e["method"], e["status"], e["write"]) for e in log],
                         [("PATCH", 201, False), ("PATCH", 201, True), ("GET", 200, False)])
        self.kube.clear_log()
        self.assertEqual(self.kube.log(), [])
        st = self.kube.state()
        web = [s for s in st["serviceaccounts"] if s["metadata"]["name"] == "web"][0]
        self.assertEqual(web["metadata"]["managedFields"][0]["manager"], "irsactl")
        self.kube.reset()
        self.assertEqual(len(self.kube.state()["serviceaccounts"]), 2)

    def test_keep_alive_and_limits(self):
        ctx = ssl.create_default_context(cafile=self.kube.ca_path)
        conn = http.client.HTTPSConnection("127.0.0.1", self.kube.port, context=ctx, timeout=5)
        for _ in range(3):
            conn.request("GET", "/api/v1/namespaces", headers={"Authorization": "Bearer irsactl-test-token"})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
        # an error answer keeps the connection usable too
        conn.request("GET", "/api/v1/namespaces/x", headers={"Authorization": "Bearer irsactl-test-token"})
        r = conn.getresponse()
        self.assertEqual(r.status, 404)
        r.read()
        conn.request("GET", "/healthz")
        self.assertEqual(conn.getresponse().read(), b"ok")
        conn.close()
        # a chunked request body is accepted
        conn = http.client.HTTPSConnection("127.0.0.1", self.kube.port, context=ctx, timeout=5)
        body = json.dumps({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "chunky"}}).encode()
        conn.request("POST", "/api/v1/namespaces/default/serviceaccounts", body=iter([body[:10], body[10:]]),
                     headers={"Authorization": "Bearer irsactl-test-token", "Content-Type": "application/json"},
                     encode_chunked=True)
        r = conn.getresponse()
        self.assertEqual(r.status, 201, r.read())
        r.read()
        conn.close()
        big = b"{" + b" " * (3 * 1024 * 1024 + 10) + b"}"
        self.assertStatus(self.req("POST", self.sa_path(), body=big, content_type="application/json"), 413)

    def test_sigterm_stops_cleanly(self):
        d = tempfile.mkdtemp()
        try:
            port_file = os.path.join(d, "port")
            p = subprocess.Popen([PYTHON, EMULATOR, "--port", "0", "--port-file", port_file, "--certs-dir",
                                  self.kube.certs_dir], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.time() + 10
            while not os.path.exists(port_file) and time.time() < deadline:
                time.sleep(0.05)
            self.assertTrue(os.path.exists(port_file))
            # an idle keep-alive connection must not keep it from stopping
            ctx = ssl.create_default_context(cafile=self.kube.ca_path)
            with open(port_file) as f:
                port = int(f.read())
            conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            t0 = time.time()
            p.send_signal(signal.SIGTERM)
            rc = p.wait(5)
            err = p.stderr.read().decode()
            p.stderr.close()
            conn.close()
            self.assertEqual(rc, 0)
            self.assertLess(time.time() - t0, 3)
            self.assertRegex(err, r"kube-emulator listening on https://127\.0\.0\.1:\d+")
        finally:
            shutil.rmtree(d)


# ---------------------------------------------------------------------------
# a real client


@unittest.skipUnless(shutil.which("kubectl"), "kubectl not on PATH")
def kubectl_minor():
    """The kubectl client's minor version (Debian 12 ships 1.20, images newer)."""
    out = subprocess.run(["kubectl", "version", "--client", "-o", "json"], capture_output=True,
                         text=True, timeout=30).stdout
    return int(re.match(r"\d+", json.loads(out)["clientVersion"]["minor"]).group(0))


@unittest.skipUnless(shutil.which("kubectl"), "kubectl is not installed")

def jwt_parts(token):
    h, c, sig = token.split(".")
    dec = lambda t: base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))  # noqa: E731
    return json.loads(dec(h)), json.loads(dec(c)), dec(sig), (h + "." + c).encode()


def jwt_signature_valid(token, jwks):
    """Check an RS256 token against a JWKS with python3-cryptography (independently of the emulator)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    header, _, sig, signed = jwt_parts(token)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    num = lambda t: int.from_bytes(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)), "big")  # noqa: E731
    pub = rsa.RSAPublicNumbers(num(key["e"]), num(key["n"])).public_key()
    try:
        pub.verify(sig, signed, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


class IdentityTest(KubeEmulatorFixture, unittest.TestCase):
    """TokenRequest, the OIDC issuer documents and pods (kube_identity.py)."""

    def setUp(self):
        super().setUp()
        self.kube.seed(namespaces=["apps"], serviceaccounts=[
            {"namespace": "apps", "name": "web", "annotations": {ROLE_KEY: ARN_X}},
            {"namespace": "apps", "name": "plain"}])

    def token(self, name="web", ns="apps", spec=None, token="irsactl-test-token"):
        return self.kube.request("POST", "/api/v1/namespaces/%s/serviceaccounts/%s/token" % (ns, name),
                                 body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                       "spec": spec if spec is not None else {}}, token=token)

    def test_discovery_and_jwks_are_public(self):
        s, doc, _ = self.kube.request("GET", "/.well-known/openid-configuration", token=None)
        self.assertEqual(s, 200)
        self.assertEqual(doc["issuer"], self.kube.url)
        self.assertEqual(doc["jwks_uri"], self.kube.url + "/keys")
        self.assertEqual(doc["id_token_signing_alg_values_supported"], ["RS256"])
        s, jwks, _ = self.kube.request("GET", "/keys", token=None)
        self.assertEqual(s, 200)
        self.assertEqual([(k["kty"], k["alg"], k["use"]) for k in jwks["keys"]], [("RSA", "RS256", "sig")])
        self.assertEqual(self.kube.request("GET", "/openid/v1/jwks", token=None)[1], jwks)

    def test_issuer_with_a_path(self):
        issuer = self.kube.url + "/id/EXAMPLE0123"
        self.kube.seed(issuer=issuer)
        s, doc, _ = self.kube.request("GET", "/id/EXAMPLE0123/.well-known/openid-configuration", token=None)
        self.assertEqual((s, doc["issuer"], doc["jwks_uri"]), (200, issuer, issuer + "/keys"))
        self.assertEqual(self.kube.request("GET", "/id/EXAMPLE0123/keys", token=None)[0], 200)
        # the root discovery path now needs authentication (it is not the issuer's)
        self.assertEqual(self.kube.request("GET", "/.well-known/openid-configuration", token=None)[0], 401)
        _, claims, _, _ = jwt_parts(self.token(spec={"audiences": ["sts.amazonaws.com"]})[1]["status"]["token"])
        self.assertEqual(claims["iss"], issuer)

    def test_token_request_signs_a_real_jwt(self):
        before = int(time.time())
        s, tr, _ = self.token(spec={"audiences": ["sts.amazonaws.com"], "expirationSeconds": 600})
        self.assertEqual(s, 201, tr)
        self.assertEqual((tr["kind"], tr["apiVersion"]), ("TokenRequest", "authentication.k8s.io/v1"))
        tok = tr["status"]["token"]
        header, claims, _, _ = jwt_parts(tok)
        self.assertEqual(header["alg"], "RS256")
        self.assertEqual(claims["sub"], "system:serviceaccount:apps:web")
        self.assertEqual(claims["aud"], ["sts.amazonaws.com"])
        self.assertEqual(claims["iss"], self.kube.url)
        self.assertTrue(before <= claims["iat"] <= claims["nbf"] + 1)
        self.assertEqual(claims["exp"] - claims["iat"], 600)
        self.assertEqual(claims["kubernetes.io"]["serviceaccount"]["name"], "web")
        self.assertEqual(tr["status"]["expirationTimestamp"],
                         datetime.datetime.fromtimestamp(claims["exp"], datetime.timezone.utc)
                         .strftime("%Y-%m-%dT%H:%M:%SZ"))
        jwks = self.kube.request("GET", "/keys", token=None)[1]
        self.assertTrue(jwt_signature_valid(tok, jwks))
        tampered = tok[:-6] + ("AAAAAA" if not tok.endswith("AAAAAA") else "BBBBBB")
        self.assertFalse(jwt_signature_valid(tampered, jwks))
        # the token never reaches the request log
        self.assertNotIn(tok, json.dumps(self.kube.log()))

    def test_token_request_defaults_and_errors(self):
        s, tr, _ = self.token()
        self.assertEqual(s, 201)
        self.assertEqual(tr["spec"]["audiences"], [self.kube.url])
        self.assertEqual(tr["spec"]["expirationSeconds"], 3600)
        s, st, _ = self.token(spec={"expirationSeconds": 599})
        self.assertEqual((s, st["reason"]), (422, "Invalid"))
        self.assertIn("may not specify a duration less than 10 minutes", st["message"])
        s, st, _ = self.token(name="missing")
        self.assertEqual((s, st["reason"]), (404, "NotFound"))
        self.assertEqual(self.token(ns="nowhere")[0], 404)
        self.assertEqual(self.token(token="wrong")[0], 401)
        self.kube.seed(readonly_tokens=["ro-token"])
        s, st, _ = self.token(token="ro-token")
        self.assertEqual(s, 403)
        self.assertIn('cannot create resource "serviceaccounts/token"', st["message"])
        s, _, _ = self.kube.request("GET", "/api/v1/namespaces/apps/serviceaccounts/web/token")
        self.assertEqual(s, 405)

    def pod(self, name, sa, ns="apps"):
        return self.kube.request("POST", "/api/v1/namespaces/%s/pods" % ns, body={
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"serviceAccountName": sa, "containers": [{"name": "c", "image": "busybox"}]}})

    @staticmethod
    def env(pod):
        return {e["name"]: e["value"] for e in pod["spec"]["containers"][0].get("env", [])}

    def test_pod_of_an_annotated_sa_gets_the_webhook_injection(self):
        s, pod, _ = self.pod("web-1", "web")
        self.assertEqual(s, 201, pod)
        self.assertEqual(self.env(pod), {
            "AWS_ROLE_ARN": ARN_X,
            "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"})
        vol = [v for v in pod["spec"]["volumes"] if v["name"] == "aws-iam-token"][0]
        self.assertEqual(vol["projected"]["sources"][0]["serviceAccountToken"],
                         {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"})
        self.assertEqual(pod["status"]["phase"], "Running")
        s, pod, _ = self.pod("plain-1", "plain")
        self.assertEqual((s, self.env(pod)), (201, {}))
        self.assertNotIn("volumes", pod["spec"])

    def test_webhook_off_and_seeded_pods(self):
        self.kube.seed(webhook=False)
        self.assertEqual(self.env(self.pod("web-1", "web")[1]), {})
        self.kube.seed(webhook=True, pods=[
            {"namespace": "apps", "name": "old-1", "serviceAccountName": "web", "inject": False,
             "ownerReferences": [{"kind": "ReplicaSet", "name": "old-5d9c7", "apiVersion": "apps/v1",
                                  "uid": "u", "controller": True}]},
            {"namespace": "apps", "name": "new-1", "serviceAccountName": "web"}])
        pods = {p["metadata"]["name"]: p for p in
                self.kube.request("GET", "/api/v1/namespaces/apps/pods")[1]["items"]}
        self.assertEqual(sorted(pods), ["new-1", "old-1", "web-1"])
        self.assertEqual(self.env(pods["old-1"]), {})
        self.assertEqual(pods["old-1"]["metadata"]["ownerReferences"][0]["name"], "old-5d9c7")
        self.assertEqual(self.env(pods["new-1"])["AWS_ROLE_ARN"], ARN_X)

    def test_pod_list_selectors_get_delete_and_errors(self):
        self.pod("web-1", "web")
        self.pod("plain-1", "plain")
        self.pod("d-1", "default", ns="default")
        lst = self.kube.request("GET", "/api/v1/namespaces/apps/pods?fieldSelector=spec.serviceAccountName%3Dweb")
        self.assertEqual([p["metadata"]["name"] for p in lst[1]["items"]], ["web-1"])
        everywhere = self.kube.request("GET", "/api/v1/pods")[1]
        self.assertEqual(everywhere["kind"], "PodList")
        self.assertEqual(len(everywhere["items"]), 3)
        self.assertEqual(self.kube.request("GET", "/api/v1/pods?fieldSelector=spec.foo%3Dx")[0], 400)
        self.assertEqual(self.kube.request("GET", "/api/v1/namespaces/apps/pods/web-1")[0], 200)
        self.assertEqual(self.pod("web-1", "web")[0], 409)
        s, st, _ = self.pod("x-1", "ghost")
        self.assertEqual(s, 403)
        self.assertIn('serviceaccount "ghost" not found', st["message"])
        s, st, _ = self.kube.request("POST", "/api/v1/namespaces/apps/pods",
                                     body={"metadata": {"name": "bad"}, "spec": {"containers": []}})
        self.assertEqual((s, st["reason"]), (422, "Invalid"))
        self.assertEqual(self.kube.request("DELETE", "/api/v1/namespaces/apps/pods/web-1")[0], 200)
        self.assertEqual(self.kube.request("GET", "/api/v1/namespaces/apps/pods/web-1")[0], 404)
        names = [p["metadata"]["name"] for p in self.kube.state()["pods"]]
        self.assertEqual(sorted(names), ["d-1", "plain-1"])


class KubectlTest(KubeEmulatorFixture, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.home = tempfile.mkdtemp(prefix="kubectl-home-")
        cls.minor = kubectl_minor()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)
        super().tearDownClass()

    def kubectl(self, cfg, *args, check=True, stdin=None):
        env = {"HOME": self.home, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        r = subprocess.run(["kubectl", "--kubeconfig", cfg] + list(args), capture_output=True, text=True,
                           env=env, timeout=30, input=stdin)
        if check:
            self.assertEqual(r.returncode, 0, "kubectl %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r

    def test_get_create_annotate(self):
        cfg = self.kube.write_kubeconfig(os.path.join(self.home, "config"), auth="token")
        out = self.kubectl(cfg, "get", "sa", "-n", "default").stdout
        self.assertIn("default", out)
        self.kubectl(cfg, "create", "sa", "foo", "-n", "default")
        self.kubectl(cfg, "annotate", "sa", "foo", "-n", "default", ROLE_KEY + "=" + ARN_X)
        obj = json.loads(self.kubectl(cfg, "get", "sa", "foo", "-n", "default", "-o", "json").stdout)
        self.assertEqual(obj["metadata"]["annotations"][ROLE_KEY], ARN_X)
        writes = [(e["method"], e["content_type"].split(";")[0]) for e in self.kube.log() if e["write"]]
        self.assertEqual([w[0] for w in writes], ["POST", "PATCH"])
        # newer kubectl posts protobuf, older JSON; annotate is a merge patch
        self.assertIn(writes[0][1], ("application/vnd.kubernetes.protobuf", "application/json", ""))
        self.assertEqual(writes[1][1], "application/merge-patch+json")
        # errors come back as kubectl-readable Status objects
        r = self.kubectl(cfg, "create", "sa", "foo", "-n", "default", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("already exists", r.stderr)
        r = self.kubectl(cfg, "get", "sa", "nope", "-n", "default", check=False)
        self.assertIn('serviceaccounts "nope" not found', r.stderr)

    def test_every_kubeconfig_auth_method(self):
        auths = ["token", "token-file", "client-cert", "client-cert-data", "basic", "exec-v1beta1"]
        if self.minor >= 22:  # client.authentication.k8s.io/v1 is GA since 1.22
            auths.append("exec-v1")
        for auth in auths:
            cfg = self.kube.write_kubeconfig(os.path.join(self.home, "config-" + auth), auth=auth,
                                             ca="data" if auth.endswith("data") else "file", namespace="kube-system")
            out = self.kubectl(cfg, "get", "sa", "-o", "name").stdout
            self.assertEqual(out.strip(), "serviceaccount/default", auth)
            # the kubeconfig is valid YAML of the documented subset
            with open(cfg) as f:
                self.assertEqual(parse_yaml(f.read())["current-context"], "test")
        self.assertEqual(sorted({e["auth"] for e in self.kube.log()}), ["basic", "client-cert", "token"])
        bad = self.kube.write_kubeconfig(os.path.join(self.home, "config-bad"), extra_user={"token": "wrong"})
        r = self.kubectl(bad, "get", "sa", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Unauthorized", r.stderr + r.stdout)

    def test_server_side_apply_conflict(self):
        cfg = self.kube.write_kubeconfig(os.path.join(self.home, "config"), auth="client-cert")
        self.kubectl(cfg, "create", "sa", "web", "-n", "default")
        self.kubectl(cfg, "annotate", "sa", "web", "-n", "default", ROLE_KEY + "=arn:aws:iam::1:role/old")
        doc = ("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: default\n"
               "  annotations:\n    %s: %s\n" % (ROLE_KEY, ARN_X))
        # kubectl needs OpenAPI for client-side validation; the emulator has none, so --validate=false
        r = self.kubectl(cfg, "apply", "--validate=false", "--server-side", "-f", "-", stdin=doc, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('conflict with "kubectl-annotate" using v1: .metadata.annotations.' + ROLE_KEY, r.stderr)
        self.kubectl(cfg, "apply", "--validate=false", "--server-side", "--force-conflicts", "-f", "-", stdin=doc)
        # --show-managed-fields exists since 1.21; older clients always show them
        extra = ["--show-managed-fields"] if self.minor >= 21 else []
        obj = json.loads(self.kubectl(cfg, "get", "sa", "web", "-n", "default", "-o", "json",
                                      *extra).stdout)
        self.assertEqual(obj["metadata"]["annotations"][ROLE_KEY], ARN_X)
        self.assertIn(("kubectl", "Apply"), [(m["manager"], m["operation"]) for m in obj["metadata"]["managedFields"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
