#!/usr/bin/python3
"""Cross-account access with two emulated accounts: a pod's web identity gets
the source role in account A, which assumes the target role in account B
whose trust irsactl rendered (irsa_trust_render: the source role alone, with
an external ID). irsactl's own credential chain makes both hops
(web_identity_token_file, then role_arn + source_profile + external_id), and
the emulator checks B's trust and A's permission at each AssumeRole."""

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


class CrossAccountTest(AwsEmulatorCase):
    def trust(self, *args):
        p = subprocess.run([DRIVER, "trust-cross", B, *args], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def setUp(self):
        super().setUp()
        self.emu.seed(web_identity_tokens=[TOKEN], roles=[
            {"name": "source", "inline_policies": {"assume-target": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": TARGET}]}}},
            {"account": B, "name": "target", "trust": self.trust(SOURCE, "team-a:build")}])
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


if __name__ == "__main__":
    main()
