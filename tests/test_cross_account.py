#!/usr/bin/python3
"""Cross-account access with two emulated accounts: a pod's web identity gets
the source role in account A, which assumes the target role in account B
whose trust irsactl rendered (irsa_trust_render: the source role alone, with
an external ID). irsactl's own credential chain makes both hops
(web_identity_token_file, then role_arn + source_profile + external_id), and
the emulator checks B's trust and A's permission at each AssumeRole. The
same chain with both roles made by irsactl (create-role --trust-role-arn
alone, --external-id, the assume-role template)."""

import json
import os
import subprocess
import unittest

from clitest import IRSACTL, AwsEmulatorCase, main

DRIVER = os.environ.get("IRSACTL_AWS_DRIVER") or os.path.join(
    os.path.dirname(os.path.abspath(IRSACTL)), "..", "..", "tests", "aws-service-driver")
A = "111122223333"
B = "444455556666"
SOURCE = f"arn:aws:iam::{A}:role/source"
TARGET = f"arn:aws:iam::{B}:role/target"
TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXBwczp3ZWIifQ.sig"


class ProfileChainCase(AwsEmulatorCase):
    """The AWS config of the chain: profile 'pod' (the pod's web identity
    token, role 'source' in A), whose role chains to 'target' in B as
    profile 'target' (the right external ID), 'wrong-id' and 'no-id'."""

    def setUp(self):
        super().setUp()
        token = self.write("token", TOKEN)
        self.config_path = self.write("aws-config", (
            f"[profile pod]\nrole_arn = {SOURCE}\nweb_identity_token_file = {token}\n"
            f"role_session_name = web\n\n"
            f"[profile target]\nrole_arn = {TARGET}\nsource_profile = pod\n"
            f"external_id = team-a:build\nrole_session_name = cross\n\n"
            f"[profile wrong-id]\nrole_arn = {TARGET}\nsource_profile = pod\n"
            f"external_id = team-a:other\n\n"
            f"[profile no-id]\nrole_arn = {TARGET}\nsource_profile = pod\n"))

    def whoami(self, profile):
        env = self.env(**self.emu.env())
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(k, None)
        env["AWS_CONFIG_FILE"] = self.config_path
        return self.run_cli("whoami", "--profile", profile, "--output", "json", env=env)


class CrossAccountTest(ProfileChainCase):
    def trust(self, *args):
        p = subprocess.run([DRIVER, "trust-cross", B, *args], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def seed_aws(self):
        self.emu.seed(web_identity_tokens=[TOKEN], roles=[
            {"name": "source", "inline_policies": {"assume-target": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": TARGET}]}}},
            {"account": B, "name": "target", "trust": self.trust(SOURCE, "team-a:build")}])

    def test_rendered_trust(self):
        self.assertEqual(self.trust(SOURCE, "team-a:build")["Statement"], [{
            "Sid": self.trust(SOURCE)["Statement"][0]["Sid"], "Effect": "Allow",
            "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "team-a:build"}}}])

    def test_pod_to_source_to_target(self):
        r = self.whoami("target")
        self.assertOk(r)
        doc = r.json()
        self.assertEqual(doc["account"], B)
        self.assertEqual(doc["arn"], f"arn:aws:sts::{B}:assumed-role/target/cross")
        actions = [(e["service"], e["action"]) for e in self.emu.log()]
        self.assertEqual(actions, [("sts", "AssumeRoleWithWebIdentity"), ("sts", "AssumeRole"),
                                   ("sts", "GetCallerIdentity")])

    def test_wrong_or_missing_external_id_is_refused(self):
        for profile in ("wrong-id", "no-id"):
            r = self.whoami(profile)
            self.assertFails(r, 3, "not authorized to perform: sts:AssumeRole")

    def test_source_without_permission_is_refused(self):
        self.emu.seed(roles=[{"name": "source"}])  # the same role, no policy now
        self.assertFails(self.whoami("target"), 3, "not authorized to perform: sts:AssumeRole")


class IrsactlMadeRolesTest(ProfileChainCase):
    """The same chain with both roles made by irsactl: the target in B with
    `create-role --trust-role-arn` alone (no service account, no cluster)
    and --external-id, the source in A as the pod's IRSA role with the
    assume-role template."""
    ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/CROSSACCOUNT0000000000000000000"
    TARGET_ARGS = ["create-role", "--role-name", "target", "--trust-role-arn", SOURCE,
                   "--external-id", "team-a:build", "--policy", "s3-read:bucket=b-data"]
    SOURCE_ARGS = ["create-role", "--cluster", "demo", "--namespace", "apps",
                   "--service-account", "web", "--role-name", "source",
                   "--policy", f"assume-role:roles={TARGET}"]

    def seed_aws(self):
        self.emu.seed(web_identity_tokens=[TOKEN],
                      clusters=[{"name": "demo", "issuer": self.ISSUER}],
                      oidc_providers=[{"url": self.ISSUER}])

    def irsactl(self, account_key, *args):
        return self.run_cli(*args, **self.emu.env(key=account_key))

    def in_b(self, *args):
        return self.irsactl("AKIAIRSATESTBOB0002", *args)

    def in_a(self, *args):
        return self.irsactl("AKIAIRSATESTALICE01", *args)

    def mutating(self):
        return [e["action"] for e in self.emu.log() if e.get("mutating")]

    def make_roles(self):
        r = self.in_b(*self.TARGET_ARGS)
        self.assertOk(r)
        self.assertEqual(r.out, f"{TARGET} created\n")
        r = self.in_a(*self.SOURCE_ARGS)
        self.assertOk(r)
        self.emu.clear_log()

    def test_target_role_alone_plan_then_unchanged(self):
        r = self.in_b(*self.TARGET_ARGS, "--dry-run", "--output", "json")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        # no service account, no cluster: no OIDC provider is looked for
        self.assertNotIn("ListOpenIDConnectProviders", [e["action"] for e in self.emu.log()])
        out = r.json()
        self.assertEqual([a["verb"] for a in out["actions"]], ["create-role", "put-role-policy"])
        self.assertEqual(out["trust_policy"]["Statement"], [{
            "Sid": out["trust_policy"]["Statement"][0]["Sid"], "Effect": "Allow",
            "Principal": {"AWS": SOURCE}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "team-a:build"}}}])
        self.make_roles()
        role = self.emu.state()["accounts"][B]["roles"]["target"]
        self.assertEqual(role["trust"], out["trust_policy"])
        r = self.in_b(*self.TARGET_ARGS)
        self.assertOk(r)
        self.assertEqual(r.out, f"{TARGET} unchanged\n")
        self.assertEqual(self.mutating(), [])

    def test_pod_to_source_to_target(self):
        self.make_roles()
        source = self.emu.state()["accounts"][A]["roles"]["source"]
        self.assertEqual(source["inline_policies"]["irsactl-assume-role"]["Statement"][0]
                         ["Resource"], [TARGET])
        r = self.whoami("target")
        self.assertOk(r)
        self.assertEqual(r.json()["account"], B)
        self.assertEqual(r.json()["arn"], f"arn:aws:sts::{B}:assumed-role/target/cross")
        self.assertEqual([(e["service"], e["action"]) for e in self.emu.log()],
                         [("sts", "AssumeRoleWithWebIdentity"), ("sts", "AssumeRole"),
                          ("sts", "GetCallerIdentity")])
        for profile in ("wrong-id", "no-id"):
            self.assertFails(self.whoami(profile), 3, "not authorized to perform: sts:AssumeRole")

    def test_a_new_external_id_replaces_the_old_one(self):
        self.make_roles()
        args = [a if a != "team-a:build" else "team-a:v2" for a in self.TARGET_ARGS]
        r = self.in_b(*args)
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["UpdateAssumeRolePolicy"])
        self.assertFails(self.whoami("target"), 3, "not authorized to perform: sts:AssumeRole")

    def test_bad_input_sends_nothing(self):
        cases = [
            (["create-role", "--role-name", "target", "--external-id", "team-a"],
             "which service account and which cluster?"),
            (["create-role", "--role-name", "t", "--subject", "a:b", "--cluster", "demo",
              "--external-id", "team-a"], "give the role with --trust-role-arn"),
            (self.TARGET_ARGS[:-4] + ["--external-id", "team a"], "the character ' '"),
            (self.TARGET_ARGS[:1] + self.TARGET_ARGS[3:], "give --role-name"),
            (["create-role", "--role-name", "t", "--trust-role-arn", "arn:aws:s3:::bucket"],
             "--trust-role-arn"),
        ]
        for args, message in cases:
            with self.subTest(args):
                self.emu.clear_log()
                self.assertFails(self.in_b(*args), 2, message)
                self.assertEqual(self.emu.log(), [])


if __name__ == "__main__":
    main()
