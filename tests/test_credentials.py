#!/usr/bin/python3
"""The credential chain end to end: `irsactl whoami --output json` with each
provider against the local AWS emulator (STS, IMDSv2 and container endpoints
on one port), bad configurations that must fail before any request, and
--debug runs that must never show a secret."""
import json
import os
import re
import time
import urllib.request
import unittest

import clitest

ALICE = "AKIAIRSATESTALICE01"
BOB = "AKIAIRSATESTBOB0002"
ACCOUNT = "111122223333"
KEYS = ("account", "arn", "user_id", "region", "partition", "provider")
# The emulator's session tokens all start like this (tests/emulator/aws/state.py).
TOKEN_PREFIX = "IQoJb3JpZ2luX2VjE"
# A JWT-shaped web identity token; only its payload matters to the emulator.
WEB_TOKEN = ("eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ."
             "eyJpc3MiOiJodHRwczovL29pZGMuZXhhbXBsZS9pZC8xIiwic3ViIjoic3lzdGVtOnNlcnZpY2Vh"
             "Y2NvdW50OmRlZmF1bHQ6YXBwIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ."
             "c2VjcmV0LXNpZ25hdHVyZS1mb3ItdGVzdHMtb25seQ")
# Anything that looks like a secret access key: 40 base64 characters with
# upper, lower and digits.
SECRET_RX = re.compile(r"(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[0-9])(?=[A-Za-z0-9+/]*[a-z])"
                       r"(?=[A-Za-z0-9+/]*[A-Z])[A-Za-z0-9+/]{40}(?![A-Za-z0-9+/=])")


def role_arn(name):
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


class CredentialsTest(clitest.AwsEmulatorCase):
    def setUp(self):
        super().setUp()
        self.extra_env = {"AWS_ENDPOINT_URL": self.emu.url, "AWS_REGION": "us-east-1"}
        self.config_path = os.path.join(self.home, "aws-config")
        self.credentials_path = os.path.join(self.home, "aws-credentials")

    # -- helpers ---------------------------------------------------------------
    def secret(self, key):
        return self.accounts[key]["secret"]

    def config(self, text):
        self.write("aws-config", text)

    def credentials(self, text):
        self.write("aws-credentials", text)

    def static_keys(self, key):
        return f"aws_access_key_id = {key}\naws_secret_access_key = {self.secret(key)}\n"

    def whoami(self, *args, **env):
        r = self.run_cli("whoami", "--output", "json", *args, **env)
        self.assertOk(r)
        doc = r.json()
        for k in KEYS:
            self.assertIn(k, doc, repr(r))
        self.assertEqual(doc["region"], "us-east-1")
        self.assertEqual(doc["partition"], "aws")
        self.assertEqual(doc["account"], ACCOUNT)
        return doc

    def actions(self):
        return [(e["service"], e["action"]) for e in self.emu.log()]

    def assertNoRequest(self):
        self.assertEqual(self.emu.log(), [])

    def assertNoSecrets(self, r, *secrets):
        text = r.out + r.err
        for s in secrets:
            self.assertNotIn(s, text, "a secret leaked into the --debug output")
        self.assertNotIn(TOKEN_PREFIX, text, "a session token leaked into the output")
        self.assertEqual(SECRET_RX.findall(text), [], "something like a secret key leaked")

    def debug_run(self, *args, **env):
        r = self.run_cli("--debug", "whoami", "--output", "json", *args, **env)
        self.assertOk(r)
        self.assertIn("debug", r.err)
        return r

    # -- one test per provider ---------------------------------------------------
    def test_environment(self):
        doc = self.whoami(AWS_ACCESS_KEY_ID=ALICE, AWS_SECRET_ACCESS_KEY=self.secret(ALICE))
        self.assertEqual(doc["provider"], "environment")
        self.assertEqual(doc["arn"], self.accounts[ALICE]["arn"])
        self.assertEqual(doc["user_id"], self.accounts[ALICE]["user_id"])
        self.assertEqual(self.actions(), [("sts", "GetCallerIdentity")])
        self.assertEqual(self.emu.log()[0]["access_key"], ALICE)

    def test_static_profile(self):
        self.config("[default]\nregion = eu-west-1\n")
        self.credentials("[default]\n" + self.static_keys(ALICE) + "[bob]\n" +
                         self.static_keys(BOB))
        doc = self.whoami()
        self.assertEqual(doc["provider"], "profile")
        self.assertEqual(doc["arn"], self.accounts[ALICE]["arn"])
        # --profile wins over the environment keys, as in the AWS CLI
        r = self.run_cli("whoami", "--output", "json", "--profile", "bob", "--region",
                         "us-east-1", AWS_ACCESS_KEY_ID=ALICE,
                         AWS_SECRET_ACCESS_KEY=self.secret(ALICE))
        self.assertOk(r)
        self.assertEqual(r.json()["provider"], "profile")
        self.assertEqual(r.json()["arn"], self.accounts[BOB]["arn"])

    def test_assume_role_profile(self):
        self.emu.seed(assumable_roles=[role_arn("deployer"), role_arn("admin")])
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\nsource_profile = base\n"
                    f"role_session_name = ci-job\n"
                    f"[profile chained]\nrole_arn = {role_arn('admin')}\nsource_profile = ci\n")
        self.credentials("[base]\n" + self.static_keys(ALICE))
        doc = self.whoami("--profile", "ci")
        self.assertEqual(doc["provider"], "assume-role")
        self.assertEqual(doc["arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-job")
        log = self.emu.log()
        self.assertEqual(self.actions(), [("sts", "AssumeRole"), ("sts", "GetCallerIdentity")])
        self.assertEqual(log[0]["access_key"], ALICE)
        self.assertTrue(log[1]["access_key"].startswith("ASIA"), log[1])

        self.emu.clear_log()
        doc = self.whoami("--profile", "chained")
        self.assertRegex(doc["arn"], rf"^arn:aws:sts::{ACCOUNT}:assumed-role/admin/irsactl-\d+$")
        self.assertEqual(self.actions(), [("sts", "AssumeRole"), ("sts", "AssumeRole"),
                                          ("sts", "GetCallerIdentity")])

    def test_assume_role_from_environment_source(self):
        self.emu.seed(assumable_roles=[role_arn("deployer")])
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\n"
                    "credential_source = Environment\n")
        doc = self.whoami("--profile", "ci", AWS_ACCESS_KEY_ID=ALICE,
                          AWS_SECRET_ACCESS_KEY=self.secret(ALICE))
        self.assertEqual(doc["provider"], "assume-role")
        self.assertIn(":assumed-role/deployer/", doc["arn"])

    def test_credential_process(self):
        helper = self.write("helper.py", "import json\nprint(json.dumps({'Version': 1, "
                            f"'AccessKeyId': '{ALICE}', 'SecretAccessKey': "
                            f"'{self.secret(ALICE)}', 'Expiration': '2999-01-01T00:00:00Z'}}))\n")
        self.config(f"[default]\ncredential_process = /usr/bin/python3 {helper}\n")
        doc = self.whoami()
        self.assertEqual(doc["provider"], "credential-process")
        self.assertEqual(doc["arn"], self.accounts[ALICE]["arn"])

    def test_web_identity_from_environment(self):
        self.emu.seed(web_identity_tokens=[WEB_TOKEN], assumable_roles=[role_arn("irsa-app")])
        token = self.write("token", WEB_TOKEN)
        doc = self.whoami(AWS_WEB_IDENTITY_TOKEN_FILE=token, AWS_ROLE_ARN=role_arn("irsa-app"),
                          AWS_ROLE_SESSION_NAME="pod-session")
        self.assertEqual(doc["provider"], "web-identity")
        self.assertEqual(doc["arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/irsa-app/pod-session")
        log = self.emu.log()
        self.assertEqual(self.actions(), [("sts", "AssumeRoleWithWebIdentity"),
                                          ("sts", "GetCallerIdentity")])
        self.assertFalse(log[0]["signed"], log[0])

    def test_web_identity_from_profile(self):
        self.emu.seed(web_identity_tokens=[WEB_TOKEN], assumable_roles=[role_arn("irsa-app")])
        token = self.write("token", WEB_TOKEN + "\n")
        self.config(f"[profile pod]\nrole_arn = {role_arn('irsa-app')}\n"
                    f"web_identity_token_file = {token}\n")
        doc = self.whoami("--profile", "pod")
        self.assertEqual(doc["provider"], "web-identity")
        self.assertRegex(doc["arn"], r":assumed-role/irsa-app/irsactl-\d+$")

    def container_env(self, **extra):
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.emu.url + "/v2/credentials/task-1"}
        env.update(extra)
        return env

    def test_container_with_token(self):
        self.emu.seed(container_token="pod-identity-token-1", container_role="pod-role")
        doc = self.whoami(**self.container_env(
            AWS_CONTAINER_AUTHORIZATION_TOKEN="pod-identity-token-1"))
        self.assertEqual(doc["provider"], "container")
        self.assertIn(":assumed-role/pod-role/", doc["arn"])
        self.assertEqual(self.actions(), [("container", "GetCredentials"),
                                          ("sts", "GetCallerIdentity")])

    def test_container_with_token_file(self):
        self.emu.seed(container_token="pod-identity-token-2", container_role="pod-role")
        token = self.write("eks-pod-identity-token", "pod-identity-token-2")
        # the file wins over the variable
        doc = self.whoami(**self.container_env(
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=token,
            AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong-token"))
        self.assertEqual(doc["provider"], "container")

    def test_imds(self):
        self.emu.seed(instance_role="node-role")
        doc = self.whoami(AWS_EC2_METADATA_DISABLED="false",
                          AWS_EC2_METADATA_SERVICE_ENDPOINT=self.emu.url)
        self.assertEqual(doc["provider"], "imds")
        self.assertIn(":assumed-role/node-role/", doc["arn"])
        self.assertEqual(self.actions(), [("imds", "PutToken"), ("imds", "GetRoleName"),
                                          ("imds", "GetCredentials"),
                                          ("sts", "GetCallerIdentity")])

    # -- bad input: a one-line error, the right exit code, no request --------------
    def test_unknown_profile(self):
        self.config("[profile a]\n[profile b]\n")
        r = self.run_cli("whoami", "--profile", "nope")
        self.assertFails(r, 2, "profile 'nope'")
        self.assertIn("not found", r.err)
        self.assertIn("a, b", r.err)
        r = self.run_cli("whoami", AWS_PROFILE="also-nope")
        self.assertFails(r, 2, "profile 'also-nope'")
        self.assertNoRequest()

    def test_source_profile_loop(self):
        self.config("[profile a]\nrole_arn = arn:aws:iam::111122223333:role/a\n"
                    "source_profile = b\n"
                    "[profile b]\nrole_arn = arn:aws:iam::111122223333:role/b\n"
                    "source_profile = a\n")
        r = self.run_cli("whoami", "--profile", "a")
        self.assertFails(r, 2, "profile 'a' has a source_profile loop: a -> b -> a")
        self.assertNoRequest()

    def test_source_profile_without_credentials(self):
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\nsource_profile = base\n"
                    "[profile base]\nregion = us-east-1\n")
        r = self.run_cli("whoami", "--profile", "ci")
        self.assertFails(r, 2, f"profile 'ci' assumes role '{role_arn('deployer')}' from "
                         "source_profile 'base', which has no credentials")
        self.assertNoRequest()

    def test_unreadable_token_file(self):
        missing = os.path.join(self.home, "no-such-token")
        r = self.run_cli("whoami", AWS_WEB_IDENTITY_TOKEN_FILE=missing,
                         AWS_ROLE_ARN=role_arn("irsa-app"))
        self.assertFails(r, 3, f"cannot read web identity token file '{missing}'")
        # a directory is not a token file either
        r = self.run_cli("whoami", AWS_WEB_IDENTITY_TOKEN_FILE=self.home,
                         AWS_ROLE_ARN=role_arn("irsa-app"))
        self.assertFails(r, 3, "web identity token file")
        self.assertNoRequest()

    def test_malformed_credential_process_output(self):
        secret = self.secret(ALICE)
        self.config(f"[profile bad]\ncredential_process = echo 'AccessKeyId={ALICE} "
                    f"SecretAccessKey={secret}'\n")
        r = self.run_cli("whoami", "--profile", "bad")
        self.assertFails(r, 3, "credential_process for profile 'bad' printed malformed JSON")
        self.assertNotIn(secret, r.out + r.err)
        self.config("[profile v2]\ncredential_process = echo '{\"Version\": 2}'\n")
        r = self.run_cli("whoami", "--profile", "v2")
        self.assertFails(r, 3, "credential_process for profile 'v2' printed no \"Version\": 1")
        self.assertNoRequest()

    def test_failing_credential_process(self):
        self.config("[profile sso]\ncredential_process = echo 'helper: session expired' >&2; "
                    "exit 3\n")
        r = self.run_cli("whoami", "--profile", "sso")
        self.assertFails(r, 3, "credential_process for profile 'sso' failed with exit status 3")
        self.assertIn("helper: session expired", r.err)  # its stderr passes through
        self.assertNoRequest()

    def test_credential_process_output_bounded(self):
        # endless output: stopped at the limit, not read until memory runs out
        self.config("[profile chatty]\ncredential_process = yes '{}'\n")
        r = self.run_cli("whoami", "--profile", "chatty")
        self.assertFails(r, 3, "credential_process for profile 'chatty' printed more than 65536 bytes")
        self.assertNoRequest()

    def test_credential_process_leaving_a_background_process(self):
        # a helper may start something that outlives it (a cache daemon):
        # once the helper exits with its answer, irsactl neither waits for
        # it nor kills it
        helper = self.write("helper.sh", "#!/bin/sh\n(sleep 30 >/dev/null 2>&1 &)\n"
                            "printf '{\"Version\": 1, \"AccessKeyId\": \"%s\", "
                            "\"SecretAccessKey\": \"%s\"}' '" + ALICE + "' '"
                            + self.secret(ALICE) + "'\n", mode=0o755)
        self.config(f"[default]\ncredential_process = {helper}\n")
        start = time.monotonic()
        doc = self.whoami()
        self.assertLess(time.monotonic() - start, 20)
        self.assertEqual(doc["provider"], "credential-process")

    def test_container_url_not_allowed(self):
        r = self.run_cli("whoami", AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.10/creds")
        self.assertFails(r, 2, "AWS_CONTAINER_CREDENTIALS_FULL_URI 'http://192.0.2.10/creds' "
                         "is not allowed")
        self.assertNoRequest()

    def test_no_credentials(self):
        r = self.run_cli("whoami")
        self.assertFails(r, 3, "no AWS credentials found")
        self.assertNoRequest()

    # -- --debug never shows a secret ---------------------------------------------
    def test_debug_environment_and_profile(self):
        alice, bob = self.secret(ALICE), self.secret(BOB)
        r = self.debug_run(AWS_ACCESS_KEY_ID=ALICE, AWS_SECRET_ACCESS_KEY=alice)
        self.assertNoSecrets(r, alice)
        self.credentials("[bob]\n" + self.static_keys(BOB))
        r = self.debug_run("--profile", "bob")
        self.assertNoSecrets(r, bob)
        # temporary credentials with a session token, from the container endpoint
        self.emu.seed(container_role="pod-role")
        creds = json.loads(self.fetch("/v2/credentials/task-1", {}))
        r = self.debug_run(AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
                           AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
                           AWS_SESSION_TOKEN=creds["Token"])
        self.assertEqual(r.json()["provider"], "environment")
        self.assertNoSecrets(r, creds["SecretAccessKey"], creds["Token"])

    def test_debug_assume_role_and_process(self):
        alice = self.secret(ALICE)
        self.emu.seed(assumable_roles=[role_arn("deployer")])
        helper = self.write("helper.sh", "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": "
                            f"\"{ALICE}\", \"SecretAccessKey\": \"{alice}\"}}'\n", 0o755)
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\nsource_profile = proc\n"
                    f"[profile proc]\ncredential_process = {helper}\n")
        r = self.debug_run("--profile", "ci")
        self.assertEqual(r.json()["provider"], "assume-role")
        self.assertNoSecrets(r, alice)
        r = self.debug_run("--profile", "proc")
        self.assertEqual(r.json()["provider"], "credential-process")
        self.assertNoSecrets(r, alice)

    def test_debug_web_identity(self):
        self.emu.seed(web_identity_tokens=[WEB_TOKEN])
        token = self.write("token", WEB_TOKEN)
        r = self.debug_run(AWS_WEB_IDENTITY_TOKEN_FILE=token, AWS_ROLE_ARN=role_arn("irsa-app"))
        self.assertEqual(r.json()["provider"], "web-identity")
        self.assertNoSecrets(r, WEB_TOKEN, WEB_TOKEN.split(".")[2])

    def fetch(self, path, headers, method="GET"):
        req = urllib.request.Request(self.emu.url + path, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.read().decode()

    def test_debug_container(self):
        self.emu.seed(container_token="pod-identity-token-3", container_role="pod-role")
        r = self.debug_run(**self.container_env(
            AWS_CONTAINER_AUTHORIZATION_TOKEN="pod-identity-token-3"))
        self.assertEqual(r.json()["provider"], "container")
        # the emulator hands out the same credentials again: ask for them
        creds = json.loads(self.fetch("/v2/credentials/task-1",
                                      {"Authorization": "pod-identity-token-3"}))
        self.assertNoSecrets(r, creds["SecretAccessKey"], creds["Token"],
                             "pod-identity-token-3")

    def test_debug_imds(self):
        self.emu.seed(instance_role="node-role")
        r = self.debug_run(AWS_EC2_METADATA_DISABLED="false",
                           AWS_EC2_METADATA_SERVICE_ENDPOINT=self.emu.url + "/")
        self.assertEqual(r.json()["provider"], "imds")
        self.assertIn("imds", r.err)
        token = self.fetch("/latest/api/token",
                           {"X-aws-ec2-metadata-token-ttl-seconds": "60"}, "PUT")
        creds = json.loads(self.fetch("/latest/meta-data/iam/security-credentials/node-role",
                                      {"X-aws-ec2-metadata-token": token}))
        self.assertNoSecrets(r, creds["SecretAccessKey"], creds["Token"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
