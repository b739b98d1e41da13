#!/usr/bin/python3
"""The Kubernetes connection: `irsactl token`, `irsactl update-kubeconfig`, and the
client in src/services/kube*.c (every auth method, native EKS tokens, errors)
against the Kubernetes and AWS emulators. The client is driven through
tests/kube-client-driver.c (built next to the tests), not through a CLI command."""

import base64
import datetime
import json
import os
import shutil
import stat
import subprocess
import time
import unittest

from clitest import IRSACTL, KubeEmulatorCase, main

from aws_harness import AwsEmulator, load_accounts

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ.get("IRSACTL_KUBE_DRIVER") or os.path.join(
    os.path.dirname(os.path.abspath(IRSACTL)), "..", "..", "tests", "kube-client-driver")
IRSACTL_DIR = os.path.dirname(os.path.abspath(IRSACTL))

ACCOUNTS = load_accounts()["access_keys"]
ALICE = "AKIAIRSATESTALICE01"
BOB = "AKIAIRSATESTBOB0002"
ALICE_ARN = ACCOUNTS[ALICE]["arn"]
BOB_ARN = ACCOUNTS[BOB]["arn"]
ROLE = "arn:aws:iam::111122223333:role/web"
EXEC_V1B1 = "client.authentication.k8s.io/v1beta1"
EXEC_V1 = "client.authentication.k8s.io/v1"


def alice_env():
    return {"AWS_ACCESS_KEY_ID": ALICE, "AWS_SECRET_ACCESS_KEY": ACCOUNTS[ALICE]["secret"],
            "AWS_REGION": "us-east-1"}


def kubeconfig_yaml(cluster, user, context="test", namespace=None):
    """A kubeconfig as JSON text (JSON is YAML)."""
    ctx = {"cluster": "c", "user": "u"}
    if namespace:
        ctx["namespace"] = namespace
    return json.dumps({"apiVersion": "v1", "kind": "Config",
                       "clusters": [{"name": "c", "cluster": cluster}],
                       "users": [{"name": "u", "user": user}],
                       "contexts": [{"name": context, "context": ctx}],
                       "current-context": context}, indent=1)


class KubeCase(KubeEmulatorCase):

    def cluster(self):
        return {"server": self.kube.url, "certificate-authority": self.kube.ca_path}

    def driver(self, *args, env=None, **extra):
        e = env if env is not None else self.env(**extra)
        proc = subprocess.run([DRIVER] + list(args), env=e, capture_output=True, text=True,
                              timeout=90)

        class R:
            pass
        r = R()
        r.rc, r.out, r.err = proc.returncode, proc.stdout, proc.stderr
        r.__repr__ = None
        return r

    def assertDriverFails(self, r, rc, part=None):
        msg = "rc=%d\nstdout=%s\nstderr=%s" % (r.rc, r.out, r.err)
        self.assertEqual(r.rc, rc, msg)
        lines = [l for l in r.err.splitlines() if l.startswith("irsactl: error: ")]
        self.assertEqual(len(lines), 1, msg)
        if part:
            self.assertIn(part, lines[0], msg)
        return lines[0]

    def assertNoRequest(self):
        self.assertEqual(self.kube.log(), [])


# ---------------------------------------------------------------------------


class TokenTest(KubeCase):
    def token(self, *args, **extra):
        env = alice_env()
        env.update(extra)
        return self.run_cli("token", "--cluster", "test-cluster", *args, **env)

    def check_exec_credential(self, r, api=EXEC_V1B1):
        self.assertOk(r)
        self.assertTrue(r.out.endswith("\n"), repr(r))
        self.assertEqual(r.out.count("\n"), 1, repr(r))
        cred = json.loads(r.out)
        self.assertEqual(list(cred), ["kind", "apiVersion", "spec", "status"])
        self.assertEqual(cred["kind"], "ExecCredential")
        self.assertEqual(cred["apiVersion"], api)
        self.assertEqual(cred["spec"], {})
        self.assertEqual(list(cred["status"]), ["expirationTimestamp", "token"])
        ts = cred["status"]["expirationTimestamp"]
        self.assertRegex(ts, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        exp = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        self.assertAlmostEqual(exp, time.time() + 14 * 60, delta=60)
        self.assertRegex(cred["status"]["token"], r"^k8s-aws-v1\.[A-Za-z0-9_-]+$")
        self.assertEqual(r.err, "")
        return cred

    def test_stdout_is_exactly_an_exec_credential(self):
        self.check_exec_credential(self.token())
        # whatever --output says (it is an exec plugin), and with --debug too
        self.check_exec_credential(self.run_cli("--output", "yaml", "token", "--cluster", "test-cluster",
                                                **alice_env()))
        self.check_exec_credential(self.token("--output", "json"))
        r = self.token("--debug")
        self.assertEqual(r.rc, 0, repr(r))
        json.loads(r.out)
        self.assertNotIn(ACCOUNTS[ALICE]["secret"], r.err)
        self.assertNotIn("k8s-aws-v1", r.err)

    def test_api_version(self):
        self.check_exec_credential(self.token("--api-version", EXEC_V1), EXEC_V1)
        info = json.dumps({"apiVersion": EXEC_V1, "kind": "ExecCredential", "spec": {"interactive": False}})
        self.check_exec_credential(self.token(KUBERNETES_EXEC_INFO=info), EXEC_V1)
        r = self.token("--api-version", "client.authentication.k8s.io/v1alpha1")
        self.assertFails(r, 2, "--api-version")
        self.assertEqual(r.out, "")

    def test_accepted_by_the_emulator(self):
        for extra in ({}, {"AWS_SESSION_TOKEN": "FQoGZXIvYXdzEXAMPLE/session+token="},
                      {"AWS_REGION": "eu-west-1"}):
            self.kube.clear_log()
            tok = self.check_exec_credential(self.token(**extra))["status"]["token"]
            status, obj, _ = self.kube.request("GET", "/api/v1/namespaces/default/serviceaccounts/default",
                                               token=tok)
            self.assertEqual(status, 200, (extra, obj))
            log = self.kube.log()
            self.assertEqual(log[-1]["auth"], "eks-token", log)
            self.assertEqual(log[-1]["user"], ALICE_ARN, log)

    def test_token_for_another_cluster_rejected(self):
        tok = json.loads(self.run_cli("token", "--cluster", "other", **alice_env()).out)["status"]["token"]
        status, _, _ = self.kube.request("GET", "/api/v1/namespaces", token=tok)
        self.assertEqual(status, 401)

    @unittest.skipUnless(shutil.which("faketime"), "faketime is not installed")
    def test_token_matches_aws_iam_authenticator_vector(self):
        """Under faketime at the vector's signing time, `irsactl token` prints exactly the
        token aws-iam-authenticator makes (TestGetWithSTS), expiring 14 minutes later."""
        with open(os.path.join(HERE, "data", "sigv4", "eks-token",
                               "aws-iam-authenticator-get-with-sts.json")) as f:
            vec = json.load(f)
        creds = vec["credentials"]
        self.assertIsNone(creds["session_token"])
        signed = datetime.datetime.strptime(vec["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
        self.assertEqual(signed.timestamp(), vec["unix_time"])
        # clean_env: no AWS_ENDPOINT_URL*, AWS_EC2_METADATA_DISABLED=true, HOME and the AWS
        # config and credentials files in an empty temporary directory
        env = self.env(AWS_ACCESS_KEY_ID=base64.b64decode(creds["access_key_id_base64"]).decode(),
                       AWS_SECRET_ACCESS_KEY=base64.b64decode(creds["secret_access_key_base64"]).decode(),
                       TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1")
        self.assertFalse([k for k in env if k.startswith("AWS_ENDPOINT_URL")])
        self.assertEqual(env["AWS_EC2_METADATA_DISABLED"], "true")
        self.assertEqual(os.listdir(self.home), [])
        # libfaketime is preloaded ahead of the ASan runtime, which an ASan build refuses
        # unless told not to check (harmless for a build without ASan)
        asan = env.get("ASAN_OPTIONS")
        env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"
        # a frozen clock (the absolute form, interpreted in TZ): the signing second cannot
        # tick over however slowly the binary starts
        fake = signed.strftime("%Y-%m-%d %H:%M:%S")
        proc = subprocess.run(["faketime", "-f", fake, IRSACTL, "token", "--cluster", vec["cluster_id"],
                               "--region", vec["region"]],
                              env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, "")
        cred = json.loads(proc.stdout)
        self.assertEqual(cred["kind"], "ExecCredential")
        self.assertEqual(cred["apiVersion"], EXEC_V1B1)
        self.assertEqual(cred["status"]["token"], vec["expected_token"])
        self.assertEqual(cred["status"]["expirationTimestamp"],
                         (signed + datetime.timedelta(minutes=14)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(cred["status"]["expirationTimestamp"], "2023-04-28T00:14:00Z")

    def test_bad_input(self):
        r = self.run_cli("token", **alice_env())
        self.assertFails(r, 2, "--cluster")
        self.assertEqual(r.out, "")
        # no credentials at all
        r = self.run_cli("token", "--cluster", "test-cluster")
        self.assertEqual(r.out, "")
        self.assertNotEqual(r.rc, 0, repr(r))
        self.assertEqual(len([l for l in r.err.splitlines() if l.startswith("irsactl: error: ")]), 1, repr(r))


# ---------------------------------------------------------------------------


class ClientAuthTest(KubeCase):
    def test_each_auth_method(self):
        expected = {"token": ("token", "token"), "token-file": ("token", "token file"),
                    "client-cert": ("client-cert", "client certificate"),
                    "client-cert-data": ("client-cert", "client certificate"),
                    "basic": ("basic", "basic"),
                    "exec-v1": ("token", "exec (exec-credential"),
                    "exec-v1beta1": ("token", "exec (exec-credential")}
        for auth, (log_auth, method) in expected.items():
            for ca in ("file", "data"):
                with self.subTest(auth=auth, ca=ca):
                    self.kube.clear_log()
                    cfg = self.kube.write_kubeconfig(os.path.join(self.home, "kc-%s-%s" % (auth, ca)),
                                                     auth=auth, ca=ca, namespace="apps")
                    r = self.driver("--kubeconfig", cfg, "apply", "apps", "web", ROLE)
                    self.assertEqual(r.rc, 0, r.err)
                    obj = json.loads(r.out)
                    self.assertEqual(obj["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], ROLE)
                    self.assertTrue(obj["_auth"].startswith(method), obj["_auth"])
                    r = self.driver("--kubeconfig", cfg, "get", "apps", "web")
                    self.assertEqual(r.rc, 0, r.err)
                    log = self.kube.log()
                    self.assertEqual([e["auth"] for e in log], [log_auth, log_auth])
                    self.assertEqual(log[0]["method"], "PATCH")
                    self.assertEqual(log[0]["content_type"], "application/apply-patch+yaml")
                    self.assertIn("fieldManager=irsactl", log[0]["query"])

    def test_kubeconfig_env_merge_and_context(self):
        a = self.kube.write_kubeconfig(os.path.join(self.home, "a"), auth="token", context="ctx-a",
                                       namespace="apps")
        b = self.kube.write_kubeconfig(os.path.join(self.home, "b"), auth="basic", context="ctx-b")
        missing = os.path.join(self.home, "missing")
        r = self.driver("open", KUBECONFIG=":".join([missing, a, b]))
        self.assertEqual(r.rc, 0, r.err)
        obj = json.loads(r.out)
        self.assertEqual(obj["context"], "ctx-a")   # current-context of the first file
        self.assertEqual(obj["namespace"], "apps")
        self.assertEqual(obj["auth"], "token")      # user 'emulator-user' from the first file wins
        r = self.driver("--context", "ctx-b", "open", KUBECONFIG=":".join([a, b]))
        self.assertEqual(json.loads(r.out)["namespace"], "default")
        # ~/.kube/config by default
        os.makedirs(os.path.join(self.home, ".kube"))
        shutil.copy(b, os.path.join(self.home, ".kube", "config"))
        r = self.driver("open")
        self.assertEqual(json.loads(r.out)["context"], "ctx-b", r.err)

    def test_relative_paths(self):
        d = os.path.join(self.home, "rel")
        os.makedirs(os.path.join(d, "pki"))
        shutil.copy(self.kube.ca_path, os.path.join(d, "pki", "ca.crt"))
        shutil.copy(self.kube.client_cert_path, os.path.join(d, "pki", "client.crt"))
        shutil.copy(self.kube.client_key_path, os.path.join(d, "pki", "client.key"))
        cfg = self.write("rel/config", kubeconfig_yaml(
            {"server": self.kube.url, "certificate-authority": "pki/ca.crt"},
            {"client-certificate": "pki/client.crt", "client-key": "./pki/client.key"}))
        r = self.driver("--kubeconfig", cfg, "ns-exists", "apps", env=self.env())
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(json.loads(r.out)["exists"], True)
        self.assertEqual(self.kube.log()[-1]["auth"], "client-cert")

    def test_tls_server_name_and_insecure(self):
        cfg = self.write("kc", kubeconfig_yaml(
            {"server": self.kube.url.replace("127.0.0.1", "localhost"),
             "certificate-authority": self.kube.ca_path, "tls-server-name": "kubernetes.default"},
            {"token": "irsactl-test-token"}))
        r = self.driver("--kubeconfig", cfg, "ns-exists", "apps")
        self.assertEqual(r.rc, 0, r.err)
        # the wrong CA fails the handshake...
        other = os.path.join(self.kube.certs_dir, "other-ca.crt")
        cfg = self.write("kc", kubeconfig_yaml({"server": self.kube.url, "certificate-authority": other},
                                              {"token": "irsactl-test-token"}))
        r = self.driver("--kubeconfig", cfg, "ns-exists", "apps")
        self.assertDriverFails(r, 7)
        # ...unless the kubeconfig turns verification off, which is warned about
        cfg = self.write("kc", kubeconfig_yaml({"server": self.kube.url, "insecure-skip-tls-verify": True},
                                              {"token": "irsactl-test-token"}))
        r = self.driver("--kubeconfig", cfg, "ns-exists", "apps")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("warning: TLS certificate of cluster 'c' is not verified", r.err)

    def test_secrets_not_shown(self):
        cfg = self.kube.write_kubeconfig(os.path.join(self.home, "kc"), auth="token", token="wrong-token-xyz")
        r = self.driver("--debug", "--kubeconfig", cfg, "get", "apps", "web")
        self.assertDriverFails(r, 3, "rejected the credentials")
        self.assertNotIn("wrong-token-xyz", r.err + r.out)
        cfg = self.kube.write_kubeconfig(os.path.join(self.home, "kc"), auth="basic")
        r = self.driver("--debug", "--kubeconfig", cfg, "get", "apps", "nope")
        self.assertNotIn("irsactl-test-password", r.err + r.out)


class NativeEksTokenTest(KubeCase):
    def exec_config(self, command, args, env=None, hint="install it"):
        user = {"exec": {"apiVersion": EXEC_V1B1, "command": command, "args": args,
                         "env": env, "installHint": hint}}
        return self.write("kc", kubeconfig_yaml(self.cluster(), user, namespace="apps"))

    def test_native_for_known_plugins(self):
        cases = [
            ("aws", ["--region", "us-east-1", "eks", "get-token", "--cluster-name", "test-cluster",
                     "--output", "json"], "aws eks get-token"),
            ("/usr/local/bin/aws-iam-authenticator", ["token", "-i", "test-cluster"],
             "aws-iam-authenticator token"),
            ("irsactl", ["token", "--cluster", "test-cluster", "--region", "eu-west-1"], "irsactl token"),
        ]
        for command, args, tool in cases:
            with self.subTest(tool=tool):
                self.kube.clear_log()
                cfg = self.exec_config(command, args)
                # PATH has none of these commands: only the native path can work
                r = self.driver("--aws", "--kubeconfig", cfg, "apply", "apps", "web", ROLE,
                                PATH="/nonexistent", **alice_env())
                self.assertEqual(r.rc, 0, r.err)
                self.assertEqual(json.loads(r.out)["_auth"], "exec (%s, native EKS token)" % tool)
                log = self.kube.log()
                self.assertEqual([(e["auth"], e["user"]) for e in log], [("eks-token", ALICE_ARN)])

    def test_profile_from_plugin_env(self):
        self.write("aws-credentials",
                   "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   "[ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   % (ALICE, ACCOUNTS[ALICE]["secret"], BOB, ACCOUNTS[BOB]["secret"]))
        cfg = self.exec_config("aws", ["eks", "get-token", "--cluster-name", "test-cluster"],
                               env=[{"name": "AWS_PROFILE", "value": "ci"}])
        r = self.driver("--aws", "--kubeconfig", cfg, "ns-exists", "apps", PATH="/nonexistent",
                        AWS_REGION="us-east-1")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(self.kube.log()[-1]["user"], BOB_ARN)

    def test_fallback_runs_the_plugin(self):
        # --role-arn: the plugin must run; it is not installed, so its hint is shown
        cfg = self.exec_config("aws", ["eks", "get-token", "--cluster-name", "test-cluster",
                                       "--role-arn", "arn:aws:iam::111122223333:role/admin"],
                               hint="see https://aws.amazon.com/cli/\nfor how to install it")
        r = self.driver("--aws", "--kubeconfig", cfg, "ns-exists", "apps", PATH="/nonexistent",
                        **alice_env())
        line = self.assertDriverFails(r, 2, "exec plugin 'aws' of user 'u'")
        self.assertIn("was not found in PATH: see https://aws.amazon.com/cli/ for how to install it", line)
        self.assertNoRequest()
        # no AWS session given: the plugin runs (here: irsactl itself, from PATH)
        cfg = self.exec_config("irsactl", ["token", "--cluster", "test-cluster"])
        r = self.driver("--kubeconfig", cfg, "ns-exists", "apps",
                        PATH=IRSACTL_DIR + ":/usr/bin:/bin", **alice_env())
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(json.loads(r.out)["_auth"], "exec (irsactl token, plugin run: no AWS session)")
        self.assertEqual(self.kube.log()[-1]["auth"], "eks-token")


class ClientErrorTest(KubeCase):
    def plugin(self, body, api=EXEC_V1):
        script = self.write("plugin.sh", "#!/bin/sh\n" + body, mode=0o755)
        user = {"exec": {"apiVersion": api, "command": script, "args": ["a b", "$HOME"],
                         "env": [{"name": "PLUGIN_VAR", "value": "x y"}], "interactiveMode": "Never"}}
        return self.write("kc", kubeconfig_yaml(self.cluster(), user))

    def test_bad_kubeconfigs(self):
        kc = self.kube.write_kubeconfig(os.path.join(self.home, "good"), auth="token")
        cases = [
            (["--kubeconfig", os.path.join(self.home, "missing")], {}, 2, "cannot read kubeconfig"),
            (["--kubeconfig", self.home], {}, 2, "is a directory"),
            (["--kubeconfig", self.write("bad", "clusters:\n- name: x\n  cluster: {server: [\n")],
             {}, 2, "is not valid YAML: line "),
            (["--kubeconfig", self.write("notmap", "- a\n- b\n")], {}, 2, "the top level is not a mapping"),
            (["--kubeconfig", kc, "--context", "nope"], {}, 2, "context 'nope' not found"),
            ([], {"KUBECONFIG": os.path.join(self.home, "missing")}, 2, "none of the files in KUBECONFIG"),
            ([], {}, 2, "no kubeconfig"),
            (["--kubeconfig", self.write("noserver", kubeconfig_yaml({}, {"token": "t"}))], {}, 2,
             "cluster 'c' has no 'server'"),
            (["--kubeconfig", self.write("badca", kubeconfig_yaml(
                {"server": self.kube.url, "certificate-authority": "nope.crt"}, {"token": "t"}))], {}, 2,
             "cannot read certificate-authority"),
            (["--kubeconfig", self.write("halfcert", kubeconfig_yaml(
                self.cluster(), {"client-certificate": self.kube.client_cert_path}))], {}, 2,
             "client-certificate is set without client-key"),
        ]
        for args, env, rc, part in cases:
            with self.subTest(part=part):
                r = self.driver(*args, "ns-exists", "apps", **env)
                line = self.assertDriverFails(r, rc, part)
                self.assertNotIn("\n", line)
        self.assertNoRequest()

    def test_exec_plugin_failures(self):
        cases = [
            ("echo 'plugin: no credentials' >&2; exit 3\n", "failed with exit status 3"),
            ("echo 'this is not json {'\n", "printed something that is not an ExecCredential"),
            ('echo \'{"kind":"Other","apiVersion":"%s"}\'\n' % EXEC_V1, "kind is not ExecCredential"),
            ('echo \'{"kind":"ExecCredential","apiVersion":"%s","status":{"token":"t"}}\'\n' % EXEC_V1B1,
             "answered with apiVersion"),
            ('echo \'{"kind":"ExecCredential","apiVersion":"%s","status":{}}\'\n' % EXEC_V1,
             "without status.token"),
            ("kill -9 $$\n", "killed by signal 9"),
        ]
        for body, part in cases:
            with self.subTest(part=part):
                r = self.driver("--kubeconfig", self.plugin(body), "ns-exists", "apps")
                self.assertDriverFails(r, 3, part)
        r = self.driver("--kubeconfig", self.plugin("exit 0\n", api="client.authentication.k8s.io/v1alpha1"),
                        "ns-exists", "apps")
        self.assertDriverFails(r, 2, "irsactl supports")
        self.assertNoRequest()

    def test_exec_plugin_env_and_args(self):
        out = os.path.join(self.home, "seen.json")
        body = ('printf \'%%s\\n\' "$1" "$2" "$PLUGIN_VAR" "$KUBERNETES_EXEC_INFO" > %s\n'
                'printf \'{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"irsactl-test-token"}}\'\n'
                % (out, EXEC_V1))
        r = self.driver("--kubeconfig", self.plugin(body), "ns-exists", "apps")
        self.assertEqual(r.rc, 0, r.err)
        with open(out) as f:
            a1, a2, var, info = f.read().splitlines()
        self.assertEqual((a1, a2, var), ("a b", "$HOME", "x y"))
        self.assertEqual(json.loads(info), {"kind": "ExecCredential", "apiVersion": EXEC_V1,
                                            "spec": {"interactive": False}})
        # a client certificate from the plugin
        with open(self.kube.client_cert_path) as f:
            cert = f.read()
        with open(self.kube.client_key_path) as f:
            key = f.read()
        cred = json.dumps({"apiVersion": EXEC_V1, "kind": "ExecCredential",
                           "status": {"clientCertificateData": cert, "clientKeyData": key}})
        r = self.driver("--kubeconfig", self.plugin("cat <<'EOF'\n%s\nEOF\n" % cred), "ns-exists", "apps")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(self.kube.log()[-1]["auth"], "client-cert")

    def test_status_errors(self):
        kc = self.kube.write_kubeconfig(os.path.join(self.home, "kc"), auth="token")
        r = self.driver("--kubeconfig", kc, "get", "apps", "nope")
        line = self.assertDriverFails(r, 4, 'serviceaccounts "nope" not found')
        self.assertIn("code=NotFound status=404", r.err)
        r = self.driver("--kubeconfig", kc, "apply", "missing-ns", "web", ROLE)
        self.assertDriverFails(r, 4, 'namespaces "missing-ns" not found')
        # conflict with another field manager, then --force takes over
        self.kube.seed(serviceaccounts=[{"namespace": "apps", "name": "web",
                                         "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/old"}}])
        r = self.driver("--kubeconfig", kc, "apply", "apps", "web", ROLE)
        line = self.assertDriverFails(r, 5, "'.metadata.annotations.eks.amazonaws.com/role-arn' "
                                            "(owned by 'kubectl-client-side-apply')")
        self.assertIn("--force-conflicts", line)
        r = self.driver("--kubeconfig", kc, "--force", "apply", "apps", "web", ROLE)
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("force=true", self.kube.log()[-1]["query"])
        # dry run: dryRun=All, no write
        r = self.driver("--kubeconfig", kc, "--dry-run", "apply", "apps", "web2", ROLE)
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("dryRun=All", self.kube.log()[-1]["query"])
        self.assertFalse(self.kube.log()[-1]["write"])
        # 422 from the server, with its causes
        r = self.driver("--kubeconfig", kc, "--label", "team=not a valid value!", "apply", "apps", "web3", ROLE)
        line = self.assertDriverFails(r, 2, "rejected it as invalid: metadata.labels: Invalid value")
        self.assertIn("code=Invalid status=422", r.err)
        # invalid names never reach the server
        self.kube.clear_log()
        r = self.driver("--kubeconfig", kc, "get", "Apps", "web")
        self.assertDriverFails(r, 2, "invalid namespace 'Apps'")
        r = self.driver("--kubeconfig", kc, "get", "apps", "web/../x")
        self.assertDriverFails(r, 2, "invalid service account name")
        self.assertNoRequest()

    def test_namespaces(self):
        kc = self.kube.write_kubeconfig(os.path.join(self.home, "kc"), auth="token")
        r = self.driver("--kubeconfig", kc, "ns-exists", "newns")
        self.assertEqual(json.loads(r.out)["exists"], False)
        r = self.driver("--kubeconfig", kc, "ns-create", "newns")
        self.assertEqual(r.rc, 0, r.err)
        r = self.driver("--kubeconfig", kc, "ns-create", "newns")  # already there: fine
        self.assertEqual(r.rc, 0, r.err)
        r = self.driver("--kubeconfig", kc, "ns-exists", "newns")
        self.assertEqual(json.loads(r.out)["exists"], True)
        # a read-only token: 403 is an auth error
        self.kube.seed(readonly_tokens=["ro-token"])
        kc = self.kube.write_kubeconfig(os.path.join(self.home, "ro"), auth="token", token="ro-token")
        r = self.driver("--kubeconfig", kc, "ns-create", "other")
        self.assertDriverFails(r, 3, "forbidden")


# ---------------------------------------------------------------------------


class UpdateKubeconfigTest(KubeCase):
    aws = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.aws = AwsEmulator().start()

    @classmethod
    def tearDownClass(cls):
        cls.aws.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.aws.reset()
        with open(self.kube.ca_path, "rb") as f:
            ca = base64.b64encode(f.read()).decode()
        self.aws.seed(clusters=[{"name": "test-cluster", "region": "us-east-1", "endpoint": self.kube.url,
                                 "ca_data": ca},
                                {"name": "creating", "region": "us-east-1", "status": "CREATING"}])
        self.aws.clear_log()
        self.extra_env = dict(self.aws.env())
        self.extra_env["AWS_CONFIG_FILE"] = os.path.join(self.home, "aws-config")
        self.extra_env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(self.home, "aws-credentials")
        self.arn = "arn:aws:eks:us-east-1:111122223333:cluster/test-cluster"

    def update(self, *args, **extra):
        return self.run_cli("update-kubeconfig", "--cluster", "test-cluster", *args, **extra)

    def test_writes_a_valid_file_and_second_run_is_identical(self):
        path = os.path.join(self.home, "out", "config")
        r = self.update("--kubeconfig", path)
        self.assertOk(r)
        self.assertEqual(r.out, "context '%s' in '%s' created\n" % (self.arn, path))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path, "rb") as f:
            first = f.read()
        mtime = os.stat(path).st_mtime_ns
        r = self.update("--kubeconfig", path)
        self.assertOk(r)
        self.assertTrue(r.out.endswith("' unchanged\n"), r.out)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), first)
        self.assertEqual(os.stat(path).st_mtime_ns, mtime)
        # the client reads it: exec plugin `irsactl token`, made natively with a session...
        r = self.driver("--aws", "--kubeconfig", path, "apply", "apps", "web", ROLE, PATH="/nonexistent")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(json.loads(r.out)["_auth"], "exec (irsactl token, native EKS token)")
        self.assertEqual(self.kube.log()[-1]["auth"], "eks-token")
        # ...and by running `irsactl token` without one
        r = self.driver("--kubeconfig", path, "get", "apps", "web", PATH=IRSACTL_DIR + ":/usr/bin:/bin")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(self.kube.log()[-1]["auth"], "eks-token")
        # kubectl reads it too, and authenticates through `irsactl token`
        kubectl = shutil.which("kubectl")
        if kubectl:
            env = self.env(PATH=IRSACTL_DIR + ":" + os.environ.get("PATH", "/usr/bin:/bin"))
            p = subprocess.run([kubectl, "config", "view", "--kubeconfig", path, "-o", "json"], env=env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            view = json.loads(p.stdout)
            self.assertEqual(view["current-context"], self.arn)
            self.assertEqual(view["users"][0]["user"]["exec"]["command"], "irsactl")
            self.assertEqual(view["users"][0]["user"]["exec"]["args"],
                             ["token", "--cluster", "test-cluster", "--region", "us-east-1"])
            self.assertEqual(view["clusters"][0]["cluster"]["server"], self.kube.url)
            p = subprocess.run([kubectl, "--kubeconfig", path, "get", "serviceaccount", "web", "-n", "apps",
                                "-o", "json"], env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], ROLE)

    def test_merges_into_an_existing_file(self):
        path = self.kube.write_kubeconfig(os.path.join(self.home, ".kube", "config"), auth="basic",
                                          context="mine", namespace="apps")
        self.write("aws-credentials", "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   % (ALICE, ACCOUNTS[ALICE]["secret"]))
        r = self.update("--alias", "tc", "--profile", "default")
        self.assertOk(r)
        self.assertEqual(r.out, "context 'tc' in '%s' created\n" % path)
        r = self.driver("--context", "mine", "open")
        self.assertEqual(json.loads(r.out)["auth"], "basic", r.err)
        with open(path) as f:
            text = f.read()
        self.assertIn("current-context: tc\n", text)
        self.assertIn("name: AWS_PROFILE\n", text)
        # a changed endpoint replaces the entries, nothing is duplicated
        self.aws.seed(clusters=[{"name": "test-cluster", "region": "us-east-1",
                                 "endpoint": "https://changed.example"}])
        r = self.update("--alias", "tc", KUBECONFIG=path + ":" + os.path.join(self.home, "other"))
        self.assertOk(r)
        self.assertEqual(r.out, "context 'tc' in '%s' updated\n" % path)
        with open(path) as f:
            text = f.read()
        self.assertEqual(text.count("name: tc\n"), 1)
        self.assertEqual(text.count("server: https://changed.example\n"), 1)
        self.assertNotIn("AWS_PROFILE", text)

    def test_dry_run(self):
        path = os.path.join(self.home, "config")
        r = self.update("--kubeconfig", path, "--dry-run")
        self.assertOk(r)
        self.assertTrue(r.out.startswith("context '%s' in '%s' would be created (dry run)\n"
                                         "  write-kubeconfig %s\n" % (self.arn, path, path)), r.out)
        self.assertIn("+current-context: %s\n" % self.arn, r.out)
        self.assertFalse(os.path.exists(path))
        r = self.update("--kubeconfig", path, "--dry-run", "-o", "json")
        self.assertOk(r)
        out = r.json()
        self.assertEqual((out["status"], out["dry_run"], out["context"]), ("create", True, self.arn))
        self.assertEqual(out["actions"][0]["verb"], "write-kubeconfig")
        self.assertIn("+current-context: %s" % self.arn, out["actions"][0]["diff"])
        self.assertFalse(os.path.exists(path))
        # -n is --namespace everywhere; update-kubeconfig has no -n
        r = self.update("--kubeconfig", path, "-n")
        self.assertFails(r, 2, "unknown option '-n'")

    def test_bad_input(self):
        path = self.write("config", "clusters: [\n")
        r = self.update("--kubeconfig", path)
        self.assertFails(r, 2, "is not valid YAML: line ")
        with open(path) as f:
            self.assertEqual(f.read(), "clusters: [\n")
        self.assertEqual(self.aws.log(), [])
        r = self.update("--kubeconfig", self.home)
        self.assertFails(r, 2, "is a directory")
        r = self.run_cli("update-kubeconfig", "--cluster", "nope", "--kubeconfig", os.path.join(self.home, "x"))
        self.assertFails(r, 4)
        r = self.run_cli("update-kubeconfig", "--cluster", "creating", "--kubeconfig", os.path.join(self.home, "x"))
        self.assertFails(r, 5, "CREATING")
        r = self.run_cli("update-kubeconfig")
        self.assertFails(r, 2, "--cluster")
        self.assertFalse(os.path.exists(os.path.join(self.home, "x")))


if __name__ == "__main__":
    main()
