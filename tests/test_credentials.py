#!/usr/bin/python3
"""The credential chain end to end: `irsactl whoami --output json` with each
provider against the local AWS emulator (STS, IMDSv2, container, SSO portal
and SSO OIDC endpoints on one port), each precedence pair of botocore's chain
side by side with the real AWS CLI (/usr/bin/aws, pointed at the emulator
through AWS_DATA_PATH endpoint rule sets: it must pick the same identity), SSO
token caches, bad configurations that must fail before any request, and
--debug runs that must never show a secret."""
import hashlib
import json
import os
import re
import stat
import subprocess
import time
import urllib.error
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


AWS_CLI = "/usr/bin/aws"
AWS_CLI_DATA = "/usr/lib/python3/dist-packages/awscli/botocore/data"
HAVE_AWS_CLI = os.path.exists(AWS_CLI) and os.path.isdir(AWS_CLI_DATA)


def write_endpoint_rules(dest, url):
    """AWS_DATA_PATH files that send the aws CLI's STS, SSO and SSO OIDC clients to url
    (awscli 2.9 ignores AWS_ENDPOINT_URL_*; its clients read these rule sets)."""
    for model in ("sts/2011-06-15", "sso/2019-06-10", "sso-oidc/2019-06-10"):
        with open(os.path.join(AWS_CLI_DATA, model, "endpoint-rule-set-1.json")) as f:
            rules = json.load(f)
        rules["rules"] = [{"conditions": [], "type": "endpoint",
                           "endpoint": {"url": url, "properties": {}, "headers": {}}}]
        os.makedirs(os.path.join(dest, model), exist_ok=True)
        with open(os.path.join(dest, model, "endpoint-rule-set-1.json"), "w") as f:
            json.dump(rules, f)


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


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

    def aws_cli_run(self, *args, **env):
        """/usr/bin/aws sts get-caller-identity with this environment, at the emulator."""
        data = os.path.join(self.home, "aws-cli-data")
        if not os.path.isdir(data):
            write_endpoint_rules(data, self.emu.url)
        full = self.env(AWS_DATA_PATH=data, AWS_PAGER="", AWS_MAX_ATTEMPTS="1", **env)
        full.pop("AWS_ENDPOINT_URL", None)
        return subprocess.run([AWS_CLI, "sts", "get-caller-identity", "--output", "json"] +
                              list(args), env=full, capture_output=True, text=True, timeout=60)

    def aws_cli_identity(self, *args, **env):
        """The ARN the aws CLI reports with this environment."""
        proc = self.aws_cli_run(*args, **env)
        self.assertEqual(proc.returncode, 0, f"aws CLI failed:\n{proc.stderr}")
        return json.loads(proc.stdout)["Arn"]

    def side_by_side(self, *args, **env):
        """irsactl whoami and the aws CLI, same files and environment: the same identity."""
        r = self.run_cli("whoami", "--output", "json", *args, **env)
        self.assertOk(r)
        doc = r.json()
        if HAVE_AWS_CLI:
            self.assertEqual(self.aws_cli_identity(*args, **env), doc["arn"],
                             "irsactl and the aws CLI chose different credentials")
        return doc

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

    # -- botocore's order, pair by pair, side by side with the aws CLI -------------
    def web_identity_env(self, role="irsa-app"):
        self.emu.seed(web_identity_tokens=[WEB_TOKEN],
                      assumable_roles=[role_arn("irsa-app"), role_arn("other")])
        return {"AWS_WEB_IDENTITY_TOKEN_FILE": self.write("token", WEB_TOKEN),
                "AWS_ROLE_ARN": role_arn(role), "AWS_ROLE_SESSION_NAME": "pod"}

    def process_helper(self, key):
        helper = self.write(f"helper-{key}.py", "import json\nprint(json.dumps({'Version': 1, "
                            f"'AccessKeyId': '{key}', 'SecretAccessKey': "
                            f"'{self.secret(key)}'}}))\n")
        return f"/usr/bin/python3 {helper}"

    def sso_profile(self, name="dev", role="Admin", session="corp"):
        return (f"[profile {name}]\nsso_session = {session}\nsso_account_id = {ACCOUNT}\n"
                f"sso_role_name = {role}\n"
                f"[sso-session {session}]\nsso_start_url = https://{session}.awsapps.com/start\n"
                "sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n")

    def test_order_environment_before_assume_role(self):
        self.emu.seed(assumable_roles=[role_arn("deployer")])
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\nsource_profile = base\n"
                    "role_session_name = ci-job\n")
        self.credentials("[base]\n" + self.static_keys(ALICE))
        env = {"AWS_ACCESS_KEY_ID": BOB, "AWS_SECRET_ACCESS_KEY": self.secret(BOB)}
        doc = self.side_by_side(AWS_PROFILE="ci", **env)
        self.assertEqual((doc["provider"], doc["arn"]), ("environment",
                                                         self.accounts[BOB]["arn"]))
        # --profile turns the environment keys off
        doc = self.side_by_side("--profile", "ci", **env)
        self.assertEqual(doc["provider"], "assume-role")
        self.assertEqual(doc["arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-job")

    def test_order_assume_role_before_web_identity(self):
        env = self.web_identity_env()
        self.emu.seed(assumable_roles=[role_arn("deployer")])
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\nsource_profile = base\n"
                    "role_session_name = ci-job\n")
        self.credentials("[base]\n" + self.static_keys(ALICE))
        doc = self.side_by_side(AWS_PROFILE="ci", **env)
        self.assertEqual(doc["provider"], "assume-role")
        self.assertEqual(doc["arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci-job")

    def test_order_web_identity_from_environment_before_profile(self):
        env = self.web_identity_env()
        self.config(self.sso_profile() + "[profile proc]\ncredential_process = " +
                    self.process_helper(BOB) + "\n")
        self.credentials("[default]\n" + self.static_keys(ALICE) + "[dev]\n" +
                         self.static_keys(ALICE))
        want = f"arn:aws:sts::{ACCOUNT}:assumed-role/irsa-app/pod"
        for profile in ("default", "dev", "proc"):
            with self.subTest(profile=profile):
                doc = self.side_by_side(AWS_PROFILE=profile, **env)
                self.assertEqual((doc["provider"], doc["arn"]), ("web-identity", want))
        # an explicit --profile turns the environment's web identity off too
        doc = self.side_by_side("--profile", "default", **env)
        self.assertEqual((doc["provider"], doc["arn"]), ("profile", self.accounts[ALICE]["arn"]))

    def test_web_identity_environment_wins_key_by_key(self):
        env = self.web_identity_env(role="other")
        token = env.pop("AWS_WEB_IDENTITY_TOKEN_FILE")
        self.config(f"[profile pod]\nrole_arn = {role_arn('irsa-app')}\n"
                    f"web_identity_token_file = {token}\nrole_session_name = from-profile\n")
        doc = self.side_by_side(AWS_PROFILE="pod", AWS_ROLE_ARN=role_arn("other"))
        self.assertEqual(doc["arn"], f"arn:aws:sts::{ACCOUNT}:assumed-role/other/from-profile")
        doc = self.side_by_side("--profile", "pod", AWS_ROLE_ARN=role_arn("other"))
        self.assertEqual(doc["arn"],
                         f"arn:aws:sts::{ACCOUNT}:assumed-role/irsa-app/from-profile")

    def test_order_sso_before_credentials_file(self):
        self.sso_seed()
        self.config(self.sso_profile())
        self.credentials("[dev]\n" + self.static_keys(ALICE))
        self.sso_cache("corp", self.fresh_token())
        doc = self.side_by_side("--profile", "dev")
        self.assertEqual(doc["provider"], "sso")
        self.assertIn(":assumed-role/AWSReservedSSO_Admin_", doc["arn"])

    def test_order_credentials_file_before_credential_process(self):
        self.config("[profile p]\ncredential_process = " + self.process_helper(ALICE) + "\n")
        self.credentials("[p]\n" + self.static_keys(BOB))
        doc = self.side_by_side("--profile", "p")
        self.assertEqual((doc["provider"], doc["arn"]), ("profile", self.accounts[BOB]["arn"]))

    def test_order_credential_process_before_config_keys(self):
        self.config("[profile p]\ncredential_process = " + self.process_helper(ALICE) + "\n" +
                    self.static_keys(BOB))
        doc = self.side_by_side("--profile", "p")
        self.assertEqual((doc["provider"], doc["arn"]),
                         ("credential-process", self.accounts[ALICE]["arn"]))

    def test_each_file_keys_read_apart(self):
        # the credentials file's lone secret does not complete the config file's key
        self.config("[profile s]\n" + self.static_keys(ALICE))
        self.credentials("[s]\naws_secret_access_key = " + self.secret(BOB) + "\n")
        doc = self.side_by_side("--profile", "s")
        self.assertEqual(doc["arn"], self.accounts[ALICE]["arn"])

    def test_order_config_keys_before_container_before_imds(self):
        self.emu.seed(container_role="pod-role", instance_role="node-role")
        self.config("[default]\n" + self.static_keys(ALICE))
        container = self.container_env()
        imds = {"AWS_EC2_METADATA_DISABLED": "false",
                "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.emu.url + "/"}
        doc = self.side_by_side(**container, **imds)
        self.assertEqual((doc["provider"], doc["arn"]), ("profile", self.accounts[ALICE]["arn"]))
        self.config("[default]\nregion = us-east-1\n")
        doc = self.side_by_side(**container, **imds)
        self.assertEqual(doc["provider"], "container")
        self.assertIn(":assumed-role/pod-role/", doc["arn"])
        doc = self.side_by_side(**imds)
        self.assertEqual(doc["provider"], "imds")
        self.assertIn(":assumed-role/node-role/", doc["arn"])

    # -- SSO (IAM Identity Center) ---------------------------------------------------
    def sso_seed(self, **kw):
        spec = {"clients": {"client-1": "client-secret-1"},
                "refresh_tokens": {"refresh-token-1": "client-1"},
                "access_tokens": {"access-token-fresh": None},
                "assignments": [{"account_id": ACCOUNT, "role_name": "Admin"}]}
        spec.update(kw)
        self.emu.call("POST", "/__emu/sso/seed", spec)

    def sso_cache_path(self, key):
        name = hashlib.sha1(key.encode()).hexdigest() + ".json"
        return os.path.join(self.home, ".aws", "sso", "cache", name)

    def sso_cache(self, key, doc, mode=0o600):
        path = self.sso_cache_path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(doc, f)
        os.chmod(path, mode)
        return path

    def fresh_token(self, start_url="https://corp.awsapps.com/start"):
        return {"startUrl": start_url, "region": "us-east-1",
                "accessToken": "access-token-fresh", "expiresAt": iso(time.time() + 3600)}

    def expired_token(self):
        return {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
                "accessToken": "access-token-expired", "expiresAt": iso(time.time() - 60),
                "clientId": "client-1", "clientSecret": "client-secret-1",
                "registrationExpiresAt": iso(time.time() + 86400),
                "refreshToken": "refresh-token-1"}

    def test_sso_fresh_token(self):
        self.sso_seed()
        self.config(self.sso_profile())
        self.sso_cache("corp", self.fresh_token())
        doc = self.side_by_side("--profile", "dev")
        self.assertEqual(doc["provider"], "sso")
        self.assertRegex(doc["arn"], rf"^arn:aws:sts::{ACCOUNT}:assumed-role/"
                         r"AWSReservedSSO_Admin_[0-9a-f]{16}/alice@example.com$")
        acts = self.actions()
        self.assertNotIn(("sso-oidc", "CreateToken"), acts)
        self.assertEqual(acts[:2], [("sso", "GetRoleCredentials"), ("sts", "GetCallerIdentity")])

    def test_sso_legacy_profile(self):
        self.sso_seed()
        url = "https://legacy.awsapps.com/start"
        self.config(f"[profile old]\nsso_start_url = {url}\nsso_region = us-east-1\n"
                    f"sso_account_id = {ACCOUNT}\nsso_role_name = Admin\n")
        self.sso_cache(url, self.fresh_token(url))
        doc = self.side_by_side("--profile", "old")
        self.assertEqual(doc["provider"], "sso")

    def test_sso_expired_token_refreshed(self):
        self.sso_seed(access_tokens={"access-token-expired": time.time() - 60})
        self.config(self.sso_profile())
        expired = self.expired_token()
        path = self.sso_cache("corp", expired, mode=0o644)
        before = os.stat(path)
        doc = self.whoami("--profile", "dev")
        self.assertEqual(doc["provider"], "sso")
        self.assertEqual(self.actions(), [("sso-oidc", "CreateToken"),
                                          ("sso", "GetRoleCredentials"),
                                          ("sts", "GetCallerIdentity")])
        after = os.stat(path)
        self.assertNotEqual(before.st_ino, after.st_ino, "the cache was not replaced atomically")
        self.assertEqual(stat.S_IMODE(after.st_mode), 0o600)
        with open(path) as f:
            cache = json.load(f)
        seeded = self.emu.call("GET", "/__emu/sso/state")
        self.assertIn(cache["accessToken"], seeded["access_tokens"])
        self.assertIn(cache["refreshToken"], seeded["refresh_tokens"])
        self.assertNotEqual(cache["refreshToken"], "refresh-token-1")
        self.assertGreater(cache["expiresAt"], iso(time.time() + 3600))
        for k in ("startUrl", "region", "clientId", "clientSecret", "registrationExpiresAt"):
            self.assertEqual(cache[k], expired[k], k)
        self.assertEqual([n for n in os.listdir(os.path.dirname(path))],
                         [os.path.basename(path)], "a temporary file was left behind")
        # the aws CLI reads the rewritten cache as its own, with no refresh
        if HAVE_AWS_CLI:
            self.emu.clear_log()
            self.assertEqual(self.aws_cli_identity("--profile", "dev"), doc["arn"])
            self.assertNotIn(("sso-oidc", "CreateToken"), self.actions())

    def test_sso_refresh_by_the_aws_cli_is_read(self):
        if not HAVE_AWS_CLI:
            self.skipTest("no /usr/bin/aws")
        self.sso_seed(access_tokens={})
        self.config(self.sso_profile())
        self.sso_cache("corp", self.expired_token())
        arn = self.aws_cli_identity("--profile", "dev")
        self.emu.clear_log()
        doc = self.whoami("--profile", "dev")
        self.assertEqual(doc["arn"], arn)
        self.assertEqual(self.actions(), [("sso", "GetRoleCredentials"),
                                          ("sts", "GetCallerIdentity")])

    def test_sso_endpoint_variables(self):
        self.sso_seed(access_tokens={})
        self.config(self.sso_profile())
        self.sso_cache("corp", self.expired_token())
        doc = self.whoami("--profile", "dev", AWS_ENDPOINT_URL="http://127.0.0.1:9",
                          AWS_ENDPOINT_URL_STS=self.emu.url, AWS_ENDPOINT_URL_SSO=self.emu.url,
                          AWS_ENDPOINT_URL_SSO_OIDC=self.emu.url)
        self.assertEqual(doc["provider"], "sso")
        self.assertEqual(len(self.actions()), 3)

    def test_sso_without_a_valid_token(self):
        self.sso_seed()
        self.config(self.sso_profile())
        r = self.run_cli("whoami", "--profile", "dev")
        self.assertFails(r, 3, "profile 'dev' uses SSO, but no SSO token is cached for it; "
                         "run 'aws sso login --profile dev'")
        # expired and nothing to refresh it with
        token = self.fresh_token()
        token["expiresAt"] = iso(time.time() - 60)
        self.sso_cache("corp", token)
        r = self.run_cli("whoami", "--profile", "dev")
        self.assertFails(r, 3, "profile 'dev' uses SSO, but its SSO token has expired; run "
                         "'aws sso login --profile dev'")
        self.assertNoRequest()
        # a refresh that the portal refuses leaves the expired token: same advice
        self.sso_seed(refresh_tokens={})
        self.sso_cache("corp", self.expired_token())
        r = self.run_cli("whoami", "--profile", "dev")
        self.assertFails(r, 3, "run 'aws sso login --profile dev'")
        self.assertEqual(self.actions(), [("sso-oidc", "CreateToken")])
        # a token the portal no longer accepts
        self.emu.clear_log()
        token["expiresAt"] = iso(time.time() + 3600)
        token["accessToken"] = "access-token-revoked"
        self.sso_cache("corp", token)
        r = self.run_cli("whoami", "--profile", "dev")
        self.assertFails(r, 3, "profile 'dev' uses SSO, but the SSO portal no longer accepts "
                         "its token; run 'aws sso login --profile dev'")
        self.assertEqual(self.actions(), [("sso", "GetRoleCredentials")])

    def sso_raw(self, method, path, headers=None, body=None):
        """(status, error type, JSON) of a raw request to the emulated SSO endpoints."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.emu.url + path, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, None, json.loads(resp.read())
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("x-amzn-ErrorType"), json.loads(e.read())

    def test_emulated_sso_endpoints_answer_like_aws(self):
        self.sso_seed()
        self.emu.reset()
        self.assertEqual(self.emu.call("GET", "/__emu/sso/state")["access_tokens"], {})
        self.sso_seed()
        path = f"/federation/credentials?role_name=Admin&account_id={ACCOUNT}"
        bearer = {"x-amz-sso_bearer_token": "access-token-fresh"}
        status, _, doc = self.sso_raw("GET", path, bearer)
        self.assertEqual(status, 200)
        self.assertEqual(sorted(doc["roleCredentials"]),
                         ["accessKeyId", "expiration", "secretAccessKey", "sessionToken"])
        self.assertGreater(doc["roleCredentials"]["expiration"], time.time() * 1000)
        cases = [
            ("GET", path, {}, None, 401, "UnauthorizedException"),
            ("GET", path, {"x-amz-sso_bearer_token": "nope"}, None, 401,
             "UnauthorizedException"),
            ("GET", "/federation/credentials?role_name=Other&account_id=" + ACCOUNT, bearer,
             None, 403, "ForbiddenException"),
            ("GET", "/federation/credentials?role_name=Admin", bearer, None, 400,
             "InvalidRequestException"),
            ("POST", "/token", {}, {"clientId": "client-1", "clientSecret": "wrong",
                                    "grantType": "refresh_token",
                                    "refreshToken": "refresh-token-1"},
             401, "InvalidClientException"),
            ("POST", "/token", {}, {"clientId": "client-1", "clientSecret": "client-secret-1",
                                    "grantType": "refresh_token", "refreshToken": "spent"},
             400, "InvalidGrantException"),
            ("POST", "/token", {}, {"clientId": "client-1", "clientSecret": "client-secret-1",
                                    "grantType": "authorization_code", "code": "x"},
             400, "UnsupportedGrantTypeException"),
            ("POST", "/token", {}, {"clientId": "client-1"}, 400, "InvalidRequestException"),
        ]
        for method, p, headers, body, want_status, want_type in cases:
            with self.subTest(path=p, body=body):
                status, etype, _ = self.sso_raw(method, p, headers, body)
                self.assertEqual((status, etype), (want_status, want_type))
        # a refresh token works once; the new one works next
        grant = {"clientId": "client-1", "clientSecret": "client-secret-1",
                 "grantType": "refresh_token", "refreshToken": "refresh-token-1"}
        status, _, doc = self.sso_raw("POST", "/token", {}, grant)
        self.assertEqual(status, 200)
        self.assertEqual(doc["tokenType"], "Bearer")
        self.assertEqual(self.sso_raw("POST", "/token", {}, grant)[0], 400)
        self.assertEqual(self.sso_raw("POST", "/token", {}, dict(
            grant, refreshToken=doc["refreshToken"]))[0], 200)
        self.assertEqual(self.sso_raw("GET", path, {
            "x-amz-sso_bearer_token": doc["accessToken"]})[0], 200)

    def test_debug_sso(self):
        self.sso_seed(access_tokens={})
        self.config(self.sso_profile())
        path = self.sso_cache("corp", self.expired_token())
        r = self.debug_run("--profile", "dev")
        with open(path) as f:
            cache = json.load(f)
        self.assertNoSecrets(r, cache["accessToken"], cache["refreshToken"], "client-secret-1",
                             "refresh-token-1", "access-token-expired")

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

    def test_credential_process_time_limit(self):
        self.config("[profile slow]\ncredential_process = exec sleep 30\n")
        start = time.monotonic()
        r = self.run_cli("whoami", "--profile", "slow",
                         IRSACTL_CREDENTIAL_PROCESS_TIMEOUT_MS="500")
        self.assertFails(r, 3, "credential_process for profile 'slow' did not finish within "
                         "0.5 seconds")
        self.assertLess(time.monotonic() - start, 15)
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

    def test_role_session_name_refused_locally(self):
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\nsource_profile = base\n"
                    "role_session_name = ci job/1\n")
        self.credentials("[base]\n" + self.static_keys(ALICE))
        r = self.run_cli("whoami", "--profile", "ci")
        self.assertFails(r, 2, "profile 'ci' has role_session_name 'ci job/1', which STS "
                         "refuses; use 2 to 64 letters, digits or any of _+=,.@-")
        if HAVE_AWS_CLI:
            # the aws CLI sends it, and STS (the emulator) refuses it
            proc = self.aws_cli_run("--profile", "ci")
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("ValidationError", proc.stderr)
            self.assertEqual(self.actions(), [("sts", "AssumeRole")])
            self.emu.clear_log()
        token = self.write("token", WEB_TOKEN)
        r = self.run_cli("whoami", AWS_WEB_IDENTITY_TOKEN_FILE=token,
                         AWS_ROLE_ARN=role_arn("irsa-app"), AWS_ROLE_SESSION_NAME="x")
        self.assertFails(r, 2, "AWS_WEB_IDENTITY_TOKEN_FILE has role session name 'x', which "
                         "STS refuses")
        self.assertNoRequest()
        # every character the rule allows passes both
        self.emu.seed(assumable_roles=[role_arn("deployer")])
        self.config(f"[profile ci]\nrole_arn = {role_arn('deployer')}\nsource_profile = base\n"
                    "role_session_name = a@b=c,d.e+f-g_h9\n")
        doc = self.side_by_side("--profile", "ci")
        self.assertEqual(doc["arn"],
                         f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/a@b=c,d.e+f-g_h9")

    def test_credential_process_bad_expiration_not_quoted(self):
        secret = self.secret(ALICE)
        self.config("[profile p]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": "
                    f"\"{ALICE}\", \"SecretAccessKey\": \"{secret}\", "
                    "\"Expiration\": \"soon-XYZZY-marker\"}'\n")
        r = self.run_cli("whoami", "--profile", "p")
        self.assertFails(r, 3, "credential_process for profile 'p' returned an invalid "
                         "'Expiration' (want ISO 8601")
        self.assertNotIn("XYZZY", r.out + r.err)
        self.assertNotIn(secret, r.out + r.err)
        self.assertNoRequest()

    def test_container_uri_secrets_redacted(self):
        self.emu.seed(container_role="pod-role")
        uri = self.emu.url + "/v2/credentials/task-1?token=uriSecretXYZZY&x=1"
        r = self.debug_run(AWS_CONTAINER_CREDENTIALS_FULL_URI=uri)
        self.assertEqual(r.json()["provider"], "container")
        self.assertNotIn("uriSecretXYZZY", r.err)
        self.assertIn("/v2/credentials/task-1?REDACTED", r.err)
        # in errors too: an answer that fails, and a URI with user:password
        self.emu.faults([{"service": "container", "kind": "status", "status": 500}])
        r = self.run_cli("--debug", "whoami", AWS_CONTAINER_CREDENTIALS_FULL_URI=uri)
        self.assertNotEqual(r.rc, 0)
        self.assertNotIn("uriSecretXYZZY", r.out + r.err)
        self.assertIn("?REDACTED", r.err)
        self.emu.faults([])
        r = self.run_cli("--debug", "whoami", AWS_CONTAINER_CREDENTIALS_FULL_URI=(
            "http://user:passXYZZY@127.0.0.1:1/creds?token=uriSecretXYZZY"))
        self.assertFails(r, 2, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
                         "'http://REDACTED@127.0.0.1:1/creds?REDACTED' has a user name or "
                         "password")
        self.assertNotIn("XYZZY", r.out + r.err)

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
