#!/usr/bin/python3
"""associate-oidc / disassociate-oidc against the local AWS emulator, and the
thumbprint against a loopback TLS server with a known three-certificate chain."""
import os
import shutil
import subprocess
import tempfile
import unittest

import clitest
from issuer_harness import ISSUER_HOST, ConnectProxy, TlsServer

ACCOUNT = "111122223333"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"
ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/" + ISSUER[len("https://"):]
TP = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
# IAM takes no port in a provider URL, so the loopback issuer is reached as
# https://TEST_ISSUER_HOST (port 443) through a CONNECT proxy (HTTPS_PROXY)
# that forwards to the TLS server's port.
TEST_ISSUER_HOST = ISSUER_HOST


def trust_for(arn, key):
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{key}:sub": "system:serviceaccount:default:app",
                                       f"{key}:aud": "sts.amazonaws.com"}}}]}


class OidcTestCase(clitest.AwsEmulatorCase):
    aws_page_size = 1
    region = "us-east-1"

    def run_aws(self, *args, region=None, **extra):
        return self.run_cli(*args, **dict(self.aws_env(region=region or self.region), **extra))

    def providers(self):
        return self.emu.state()["accounts"].get(ACCOUNT, {}).get("oidc_providers", {})

    def mutating(self):
        return [r["action"] for r in self.emu.log() if r.get("mutating")]

    def seed_cluster(self, name="demo", issuer=ISSUER, **kw):
        self.emu.seed(clusters=[dict(name=name, issuer=issuer, **kw)])


class AssociateTest(OidcTestCase):
    def test_create_then_unchanged(self):
        self.seed_cluster()
        r = self.run_aws("associate-oidc", "--cluster", "demo", "--no-thumbprint",
                         "--tag", "team=platform", "--tag", "env=dev")
        self.assertOk(r)
        self.assertEqual(r.out, f"{ARN} created\n")
        p = self.providers()[ARN]
        self.assertEqual(p["url"], ISSUER)
        self.assertEqual(p["client_ids"], ["sts.amazonaws.com"])
        self.assertEqual(p["thumbprints"], [])
        self.assertEqual(p["tags"], [{"Key": "team", "Value": "platform"},
                                     {"Key": "env", "Value": "dev"},
                                     {"Key": "managed-by", "Value": "irsactl"}])
        self.assertEqual(self.mutating(), ["CreateOpenIDConnectProvider"])

        self.emu.clear_log()
        r = self.run_aws("associate-oidc", "--cluster", "demo", "--no-thumbprint",
                         "--tag", "team=platform", "--tag", "env=dev", "--output", "json")
        self.assertOk(r)
        out = r.json()
        self.assertEqual(out["status"], "unchanged")
        self.assertEqual(out["provider_arn"], ARN)
        self.assertEqual(out["issuer"], ISSUER)
        self.assertEqual(out["client_ids"], ["sts.amazonaws.com"])
        self.assertEqual(out["actions"], [])
        self.assertIs(out["dry_run"], False)
        self.assertEqual(self.mutating(), [])
        self.assertTrue(self.emu.log(), "the second run read the state")

    def test_account_looked_up_at_most_once(self):
        # no provider at all: the new one's ARN needs the account, from STS, once
        r = self.run_aws("associate-oidc", "--issuer-url", ISSUER, "--no-thumbprint")
        self.assertOk(r)
        self.assertEqual([x["action"] for x in self.emu.log()].count("GetCallerIdentity"), 1)
        # another provider exists: its ARN gives the account, no STS call
        self.emu.clear_log()
        r = self.run_aws("associate-oidc", "--issuer-url", "https://oidc.example.com/two",
                         "--no-thumbprint")
        self.assertOk(r)
        self.assertEqual(r.out, f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.example.com/two created\n")
        self.assertNotIn("GetCallerIdentity", [x["action"] for x in self.emu.log()])

    def test_issuer_url_trailing_slash_is_same_provider(self):
        r = self.run_aws("associate-oidc", "--issuer-url", ISSUER + "/", "--no-thumbprint")
        self.assertOk(r)
        self.assertIn(ARN, self.providers())
        self.emu.clear_log()
        r = self.run_aws("associate-oidc", "--issuer-url", ISSUER, "--no-thumbprint")
        self.assertOk(r)
        self.assertEqual(r.out, f"{ARN} unchanged\n")
        self.assertEqual(self.mutating(), [])

    def test_dry_run_sends_no_mutating_request(self):
        self.seed_cluster()
        r = self.run_aws("associate-oidc", "--cluster", "demo", "--thumbprint", TP.upper(),
                         "--dry-run", "--output", "json")
        self.assertOk(r)
        out = r.json()
        self.assertIs(out["dry_run"], True)
        self.assertEqual(out["status"], "create", "a dry run names the planned change")
        self.assertEqual(out["provider_arn"], ARN)
        self.assertEqual(len(out["actions"]), 1)
        self.assertEqual(out["actions"][0]["verb"], "create-oidc-provider")
        self.assertEqual(out["actions"][0]["document"]["thumbprints"], [TP])
        self.assertEqual(out["actions"][0]["document"]["client_ids"], ["sts.amazonaws.com"])
        self.assertIs(out["actions"][0]["done"], False)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.providers(), {})
        r = self.run_aws("associate-oidc", "--cluster", "demo", "--no-thumbprint", "--dry-run")
        self.assertOk(r)
        self.assertIn("would be created (dry run)", r.out)
        self.assertIn("create-oidc-provider", r.out)
        self.assertEqual(self.mutating(), [])

    def test_missing_client_id_is_added(self):
        self.emu.seed(oidc_providers=[{"url": ISSUER, "client_ids": ["my-app"],
                                       "thumbprints": [TP]}])
        r = self.run_aws("associate-oidc", "--issuer-url", ISSUER, "--no-thumbprint")
        self.assertOk(r)
        self.assertEqual(r.out, f"{ARN} updated\n")
        self.assertEqual(self.mutating(), ["AddClientIDToOpenIDConnectProvider"])
        p = self.providers()[ARN]
        self.assertEqual(p["client_ids"], ["my-app", "sts.amazonaws.com"])
        self.assertEqual(p["thumbprints"], [TP], "thumbprints are not touched")
        self.emu.clear_log()
        r = self.run_aws("associate-oidc", "--issuer-url", ISSUER, "--no-thumbprint")
        self.assertEqual(r.out, f"{ARN} unchanged\n")
        self.assertEqual(self.mutating(), [])

    def test_explicit_thumbprint_replaces(self):
        other = "06b25927c42a721631c1efd9431e648fa62e1e39"
        self.emu.seed(oidc_providers=[{"url": ISSUER, "thumbprints": [TP]}])
        r = self.run_aws("associate-oidc", "--issuer-url", ISSUER, "--thumbprint", other,
                         "--output", "json")
        self.assertOk(r)
        out = r.json()
        self.assertEqual(out["status"], "updated")
        self.assertEqual(out["actions"][0]["verb"], "update-thumbprints")
        self.assertEqual(out["actions"][0]["changes"], {"thumbprints": {"from": [TP], "to": [other]}})
        self.assertIs(out["actions"][0]["done"], True)
        self.assertEqual(self.providers()[ARN]["thumbprints"], [other])
        self.assertEqual(self.mutating(), ["UpdateOpenIDConnectProviderThumbprint"])

    def test_partitions(self):
        for region, part, suffix in (("cn-north-1", "aws-cn", "amazonaws.com.cn"),
                                     ("us-gov-west-1", "aws-us-gov", "amazonaws.com")):
            with self.subTest(region=region):
                self.emu.reset()
                self.emu.clear_log()
                issuer = f"https://oidc.eks.{region}.{suffix}/id/ABCDEF"
                self.seed_cluster(name="east", issuer=issuer, region=region)
                r = self.run_aws("--region", region, "associate-oidc", "--cluster", "east",
                                 "--no-thumbprint", "--output", "json", region="us-east-1")
                self.assertOk(r)
                out = r.json()
                arn = f"arn:{part}:iam::{ACCOUNT}:oidc-provider/oidc.eks.{region}.{suffix}/id/ABCDEF"
                self.assertEqual(out["provider_arn"], arn)
                self.assertEqual(out["status"], "created")
                self.assertEqual(out["client_ids"], ["sts.amazonaws.com"])
                p = self.providers()[arn]
                self.assertEqual(p["client_ids"], ["sts.amazonaws.com"])
                r = self.run_aws("--region", region, "associate-oidc", "--cluster", "east",
                                 "--no-thumbprint")
                self.assertEqual(r.out, f"{arn} unchanged\n")
                self.assertEqual(self.mutating(), ["CreateOpenIDConnectProvider"])

    def test_cluster_errors(self):
        self.seed_cluster(name="new", status="CREATING")
        self.seed_cluster(name="noissuer", issuer=None)
        r = self.run_aws("associate-oidc", "--cluster", "new", "--no-thumbprint")
        self.assertFails(r, 5, "EKS cluster 'new' is CREATING, not ACTIVE")
        r = self.run_aws("associate-oidc", "--cluster", "noissuer", "--no-thumbprint")
        self.assertFails(r, 8, "EKS cluster 'noissuer' has no OIDC issuer")
        r = self.run_aws("associate-oidc", "--cluster", "ghost", "--no-thumbprint")
        self.assertFails(r, 4, "EKS cluster 'ghost' not found")
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.providers(), {})

    def test_yaml_output(self):
        r = self.run_aws("associate-oidc", "--issuer-url", ISSUER, "--no-thumbprint",
                         "--output", "yaml")
        self.assertOk(r)
        self.assertIn(f"provider_arn: {ARN}\n", r.out)
        self.assertIn("status: created\n", r.out)
        self.assertIn("dry_run: false\n", r.out)

    def test_bad_input_sends_nothing(self):
        cases = [
            (["--issuer-url", "http://oidc.example.com/id/1"], "must use https://"),
            (["--issuer-url", "https://oidc.example.com/id/1?x=1"], "query"),
            (["--issuer-url", "oidc.example.com"], "must start with https://"),
            (["--issuer-url", ISSUER, "--thumbprint", "abc"], "thumbprint 'abc' is not valid"),
            (["--issuer-url", ISSUER, "--thumbprint", "9E:99:A4"], "40 hexadecimal"),
            (["--issuer-url", ISSUER, "--tag", "novalue"], "tag 'novalue' is not KEY=VALUE"),
            (["--issuer-url", ISSUER, "--tag", "aws:x=1"], "reserved"),
            (["--issuer-url", ISSUER, "--tag", "a=1", "--tag", "a=2"], "given twice"),
            (["--issuer-url", ISSUER, "--thumbprint", TP, "--no-thumbprint"], "contradict"),
            ([], "--cluster NAME or --issuer-url URL"),
            (["--cluster", "demo", "--issuer-url", ISSUER], "not both"),
            (["--cluster", "bad name!"], "cluster name 'bad name!' is not valid"),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                r = self.run_aws("associate-oidc", *args)
                self.assertFails(r, 2, msg)
                self.assertEqual(r.out, "")
        r = self.run_aws("disassociate-oidc", "--issuer-url", "https://x.example/a#b")
        self.assertFails(r, 2, "fragment")
        self.assertEqual(self.emu.log(), [], "no request may be sent for bad input")


class DisassociateTest(OidcTestCase):
    def seed_trusting_role(self):
        key = ISSUER[len("https://"):]
        self.emu.seed(
            oidc_providers=[{"url": ISSUER}],
            roles=[{"name": "a-unrelated"}, {"name": "b-app", "trust": trust_for(ARN, key)},
                   {"name": "c-other", "trust": trust_for(ARN + "0", key + "0")}])

    def test_refuses_while_trusted_then_force(self):
        self.seed_trusting_role()
        self.seed_cluster()
        r = self.run_aws("disassociate-oidc", "--cluster", "demo")
        self.assertFails(r, 5, "role 'b-app' still trusts it")
        self.assertIn("--force", r.err)
        self.assertNotIn("c-other", r.err)
        self.assertIn(ARN, self.providers())
        self.assertEqual(self.mutating(), [])
        # ListRoles was followed page by page (page size 1).
        self.assertGreaterEqual([x["action"] for x in self.emu.log()].count("ListRoles"), 3)

        r = self.run_aws("disassociate-oidc", "--cluster", "demo", "--force", "--dry-run",
                         "--output", "json")
        self.assertOk(r)
        self.assertEqual(r.json()["status"], "delete")
        self.assertEqual(r.json()["trusted_by"], ["b-app"])
        self.assertEqual(self.mutating(), [])

        r = self.run_aws("disassociate-oidc", "--cluster", "demo", "--force")
        self.assertOk(r)
        self.assertEqual(r.out, f"{ARN} deleted\n")
        self.assertIn("warning", r.err)
        self.assertEqual(self.providers(), {})
        self.assertEqual(self.mutating(), ["DeleteOpenIDConnectProvider"])

    def test_absent_is_not_an_error(self):
        self.emu.clear_log()
        r = self.run_aws("disassociate-oidc", "--issuer-url", ISSUER, "--output", "json")
        self.assertOk(r)
        self.assertEqual(r.json()["status"], "absent")
        self.assertEqual(r.json()["provider_arn"], ARN)
        self.assertEqual(self.mutating(), [])

    def test_untrusted_provider_is_deleted(self):
        self.emu.seed(oidc_providers=[{"url": ISSUER}], roles=[{"name": "x"}])
        r = self.run_aws("disassociate-oidc", "--issuer-url", ISSUER)
        self.assertOk(r)
        self.assertEqual(r.out, f"{ARN} deleted\n")
        self.assertEqual(self.providers(), {})


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_chain(d):
    """root CA -> intermediate -> leaf (SAN IP:127.0.0.1)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key",
            "-out", "root.pem", "-days", "2", "-subj", "/CN=irsactl test root",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    with open(os.path.join(d, "int.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE,pathlen:0\n"
                "keyUsage=critical,keyCertSign,cRLSign\n")
    with open(os.path.join(d, "leaf.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:{TEST_ISSUER_HOST},IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr",
            "-subj", "/CN=irsactl test intermediate", cwd=d)
    openssl("x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key",
            "-CAcreateserial", "-out", "int.pem", "-days", "2", "-extfile", "int.ext", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
            "-subj", "/CN=127.0.0.1", cwd=d)
    openssl("x509", "-req", "-in", "leaf.csr", "-CA", "int.pem", "-CAkey", "int.key",
            "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext", cwd=d)
    with open(os.path.join(d, "chain.pem"), "w") as out:
        for name in ("leaf.pem", "int.pem", "root.pem"):  # the order the server sends
            with open(os.path.join(d, name)) as f:
                out.write(f.read())


def openssl_sha1(path):
    out = subprocess.run(["openssl", "x509", "-fingerprint", "-sha1", "-noout", "-in", path],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1].replace(":", "").lower()


@unittest.skipUnless(shutil.which("openssl"), "the openssl command is needed")
class ThumbprintTest(OidcTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.certs = tempfile.TemporaryDirectory(prefix="irsactl-chain-")
        make_chain(cls.certs.name)
        cls.server = TlsServer(os.path.join(cls.certs.name, "chain.pem"),
                               os.path.join(cls.certs.name, "leaf.key"))
        cls.proxy = ConnectProxy(cls.server.port)
        cls.issuer = f"https://{TEST_ISSUER_HOST}/id/test"
        cls.arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{TEST_ISSUER_HOST}/id/test"
        cls.root = os.path.join(cls.certs.name, "root.pem")

    def run_aws(self, *args, **extra):
        for k, v in self.proxy.env().items():
            extra.setdefault(k, v)
        return super().run_aws(*args, **extra)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.close()
        cls.server.close()
        cls.certs.cleanup()
        super().tearDownClass()

    def test_thumbprint_is_last_certificate(self):
        want = openssl_sha1(self.root)
        self.assertNotEqual(want, openssl_sha1(os.path.join(self.certs.name, "leaf.pem")))
        r = self.run_aws("associate-oidc", "--issuer-url", self.issuer, "--output", "json",
                         AWS_CA_BUNDLE=self.root)
        self.assertOk(r)
        self.assertEqual(r.json()["thumbprints"], [want])
        self.assertEqual(r.json()["status"], "created")
        self.assertEqual(self.providers()[self.arn]["thumbprints"], [want])

        # Second run fetches again, finds the same thumbprint: nothing to do.
        self.emu.clear_log()
        r = self.run_aws("associate-oidc", "--issuer-url", self.issuer, AWS_CA_BUNDLE=self.root)
        self.assertOk(r)
        self.assertEqual(r.out, f"{self.arn} unchanged\n")
        self.assertNotIn("warning", r.err)
        self.assertEqual(self.mutating(), [])

    def test_stale_thumbprint_is_reported_not_changed(self):
        self.emu.seed(oidc_providers=[{"url": self.issuer, "thumbprints": [TP]}])
        r = self.run_aws("associate-oidc", "--issuer-url", self.issuer, AWS_CA_BUNDLE=self.root)
        self.assertOk(r)
        self.assertEqual(r.out, f"{self.arn} unchanged\n")
        self.assertIn(openssl_sha1(self.root), r.err)
        self.assertEqual(self.providers()[self.arn]["thumbprints"], [TP])
        self.assertEqual(self.mutating(), [])

    def test_untrusted_chain_fails_without_mutating(self):
        r = self.run_aws("associate-oidc", "--issuer-url", self.issuer)
        self.assertFails(r, 7, "cannot fetch the TLS certificate chain")
        self.assertIn("AWS_CA_BUNDLE", r.err)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.providers(), {})


if __name__ == "__main__":
    clitest.main()
