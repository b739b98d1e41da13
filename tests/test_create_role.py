#!/usr/bin/python3
"""render-trust-policy, create-role, delete-role and policy against the local
AWS emulator: the IAM state read back and compared with the expected documents
exactly, idempotence (no mutating request on a second run), --dry-run, merging
into hand-written trust, faults and interrupted runs, and input errors that
must fail before any request."""
import json
import os

import clitest

ACCOUNT = "111122223333"
KEY = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER = "https://" + KEY
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{KEY}"
KEY2 = "oidc.eks.eu-west-1.amazonaws.com/id/0FEDCBA9876543210FEDCBA987654321"
ISSUER2 = "https://" + KEY2
PROVIDER2 = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{KEY2}"
ROLE = "irsa-demo-default-app"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
OWNER_TAG = {"Key": "managed-by", "Value": "irsactl"}  # on what irsactl creates

SEED_POLICIES = ["--policy", "s3-read:bucket=demo-bucket,prefix=reports",
                 "--policy", "secretsmanager-read:secrets=prod/db",
                 "--policy", "dynamodb-read:tables=orders;users"]


def fnv1a(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "%08x" % h


def oidc_statement(provider, key, subs, aud="sts.amazonaws.com"):
    """The statement irsactl documents: Sid IrsactlOidc + FNV-1a(ARN\\nAUD)."""
    sub = subs[0] if len(subs) == 1 else subs
    like = any("*" in s or "?" in s for s in subs)
    cond = {"StringEquals": {f"{key}:aud": aud}}
    if like:
        cond["StringLike"] = {f"{key}:sub": sub}
    else:
        cond["StringEquals"][f"{key}:sub"] = sub
    return {"Sid": "IrsactlOidc" + fnv1a(provider + "\n" + aud), "Effect": "Allow",
            "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": cond}


MUTATING_ACTIONS = {"CreateRole", "PutRolePolicy", "AttachRolePolicy", "DetachRolePolicy",
                    "DeleteRolePolicy", "DeleteRole", "UpdateAssumeRolePolicy", "TagRole",
                    "UpdateRole", "PutRolePermissionsBoundary"}


def sa(ns, name):
    return f"system:serviceaccount:{ns}:{name}"


def trust(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


EXPECTED_INLINE = {
    "irsactl-s3-read": {"Version": "2012-10-17", "Statement": [
        {"Sid": "ListBucket", "Effect": "Allow",
         "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
         "Resource": "arn:aws:s3:::demo-bucket",
         "Condition": {"StringLike": {"s3:prefix": ["reports/", "reports/*"]}}},
        {"Sid": "ReadObjects", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
         "Resource": "arn:aws:s3:::demo-bucket/reports/*"}]},
    "irsactl-secretsmanager-read": {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadSecrets", "Effect": "Allow",
         "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
         "Resource": [f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-??????"]}]},
    "irsactl-dynamodb-read": {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadTables", "Effect": "Allow",
         "Action": ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
                    "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query",
                    "dynamodb:Scan"],
         "Resource": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders",
                      f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/users",
                      f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders/index/*",
                      f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/users/index/*"]}]},
}

HAND_WRITTEN = {"Sid": "Ec2", "Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]},
                "Action": "sts:AssumeRole"}


class RoleTestCase(clitest.AwsEmulatorCase):
    aws_page_size = 1

    def seed_aws(self):
        self.emu.seed(
            clusters=[{"name": "demo", "issuer": ISSUER},
                      {"name": "other", "issuer": ISSUER2}],
            oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]},
                            {"url": ISSUER2, "client_ids": ["sts.amazonaws.com"]}])

    def aws(self, *args, region="us-east-1", **extra):
        return self.run_cli(*args, **dict(self.aws_env(region=region), **extra))

    def roles(self):
        return self.emu.state()["accounts"].get(ACCOUNT, {}).get("roles", {})

    def role(self, name=ROLE):
        return self.roles()[name]

    def mutating(self):
        return [r["action"] for r in self.emu.log() if r.get("mutating")]

    def create_seed_role(self, *extra):
        return self.aws("create-role", "--cluster", "demo", "--namespace", "default",
                        "--service-account", "app", *SEED_POLICIES, *extra)

    def assertSeedState(self):
        role = self.role()
        self.assertEqual(role["trust"], trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")])))
        self.assertEqual(role["inline_policies"], EXPECTED_INLINE)
        self.assertEqual(role["attached_policies"], [])
        self.assertEqual(role["path"], "/")


class SeedFlowTest(RoleTestCase):
    def test_create_then_unchanged(self):
        r = self.create_seed_role()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} created\n")
        self.assertSeedState()
        self.assertEqual(self.mutating(), ["CreateRole", "PutRolePolicy", "PutRolePolicy",
                                           "PutRolePolicy"])
        self.emu.clear_log()
        r = self.create_seed_role()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} unchanged\n")
        self.assertEqual(self.mutating(), [])
        self.assertSeedState()

    def test_json_output_and_render_trust_policy(self):
        r = self.create_seed_role("--output", "json")
        self.assertOk(r)
        out = r.json()
        self.assertEqual(list(out)[:7], ["role_arn", "role_name", "status", "dry_run", "actions",
                                         "trust_policy", "policies"])
        self.assertEqual(out["status"], "created")
        self.assertFalse(out["dry_run"])
        self.assertEqual(out["trust_policy"], self.role()["trust"])
        self.assertEqual(out["policies"]["inline"], EXPECTED_INLINE)
        self.emu.clear_log()
        r = self.aws("render-trust-policy", "--cluster", "demo", "--namespace", "default",
                     "--service-account", "app")
        self.assertOk(r)
        self.assertEqual(json.loads(r.out), self.role()["trust"])
        self.assertEqual(self.mutating(), [])

    def test_dry_run_sends_nothing(self):
        r = self.create_seed_role("--dry-run", "--output", "json")
        self.assertOk(r)
        out = r.json()
        self.assertTrue(out["dry_run"])
        self.assertEqual(out["status"], "create", "a dry run names the planned change")
        self.assertEqual([(a["verb"], a["target"]) for a in out["actions"]],
                         [("create-role", ROLE), ("put-role-policy", "irsactl-s3-read"),
                          ("put-role-policy", "irsactl-secretsmanager-read"),
                          ("put-role-policy", "irsactl-dynamodb-read")])
        self.assertEqual(out["actions"][0]["document"],
                         trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")])))
        self.assertEqual(out["actions"][1]["document"], EXPECTED_INLINE["irsactl-s3-read"])
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.roles(), {})
        r = self.create_seed_role("--dry-run")
        self.assertOk(r)
        self.assertIn("would be created (dry run)", r.out)
        self.assertIn("put-role-policy irsactl-dynamodb-read", r.out)
        self.assertEqual(self.mutating(), [])

    def test_settings_and_managed_policies(self):
        args = ["--role-name", "app-role", "--path", "/irsa/", "--description", "demo app",
                "--tag", "team=payments", "--max-session-duration", "7200",
                "--attach-policy-arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                "--permissions-boundary", "arn:aws:iam::aws:policy/ReadOnlyAccess"]
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:app", *args)
        self.assertOk(r)
        self.assertEqual(r.out, f"arn:aws:iam::{ACCOUNT}:role/irsa/app-role created\n")
        role = self.role("app-role")
        self.assertEqual(role["path"], "/irsa/")
        self.assertEqual(role["description"], "demo app")
        self.assertEqual(role["max_session_duration"], 7200)
        self.assertEqual(role["tags"], [{"Key": "team", "Value": "payments"}, OWNER_TAG])
        self.assertEqual(role["permissions_boundary"], "arn:aws:iam::aws:policy/ReadOnlyAccess")
        self.assertEqual(role["attached_policies"], ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
        self.emu.clear_log()
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:app", *args)
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        # a changed setting: one UpdateRole, one TagRole
        self.emu.clear_log()
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:app",
                     "--role-name", "app-role", "--description", "new", "--tag", "team=core")
        self.assertOk(r)
        self.assertIn("updated", r.out)
        self.assertEqual(self.mutating(), ["UpdateRole", "TagRole"])
        self.assertEqual(self.role("app-role")["description"], "new")
        # a hand-attached policy is kept without --prune, detached with it
        self.assertIn("AmazonS3ReadOnlyAccess", r.err)
        self.emu.clear_log()
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:app",
                     "--role-name", "app-role", "--prune")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["DetachRolePolicy"])
        self.assertEqual(self.role("app-role")["attached_policies"], [])


class SeedFromClusterTest(RoleTestCase):
    """The whole flow from an account where only the EKS cluster exists: associate-oidc,
    create-role with three templates, render-trust-policy; then all three again."""
    TP = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

    def setUp(self):
        super().setUp()
        self.emu.reset()
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER}])
        self.emu.clear_log()

    def flow(self):
        """Run the three commands; returns their results."""
        oidc = self.aws("associate-oidc", "--cluster", "demo", "--thumbprint", self.TP)
        role = self.create_seed_role()
        render = self.aws("render-trust-policy", "--cluster", "demo", "--namespace", "default",
                          "--service-account", "app")
        for r in (oidc, role, render):
            self.assertOk(r)
            self.assertEqual(r.err, "", repr(r))
        return oidc, role, render

    def assertAccountState(self):
        account = json.loads(json.dumps(self.emu.state()["accounts"][ACCOUNT]))
        role = account["roles"][ROLE]
        # server-generated values: checked for shape, then left out of the comparison
        self.assertRegex(role.pop("role_id"), r"^AROA[A-Z0-9]{17}$")
        self.assertRegex(role.pop("create_date"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(json.loads(role.pop("trust_raw")), role["trust"])
        provider = account["oidc_providers"][PROVIDER]
        self.assertRegex(provider.pop("create_date"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        expected_trust = trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")]))
        self.assertEqual(account, {
            "oidc_providers": {PROVIDER: {"url": ISSUER, "client_ids": ["sts.amazonaws.com"],
                                          "thumbprints": [self.TP], "tags": [OWNER_TAG]}},
            "roles": {ROLE: {"arn": ROLE_ARN, "path": "/", "description": None,
                             "max_session_duration": 3600, "permissions_boundary": None,
                             "tags": [OWNER_TAG], "trust": expected_trust,
                             "attached_policies": [],
                             "inline_policies": EXPECTED_INLINE}},
            "policies": {}})
        self.assertEqual(list(role["inline_policies"]), list(EXPECTED_INLINE))
        self.assertSeedState()
        return expected_trust

    def test_associate_create_render_then_unchanged(self):
        self.assertNotIn(ACCOUNT, self.emu.state()["accounts"])
        oidc, role, render = self.flow()
        self.assertEqual(oidc.out, f"{PROVIDER} created\n")
        self.assertEqual(role.out, f"{ROLE_ARN} created\n")
        expected_trust = self.assertAccountState()
        self.assertEqual(json.loads(render.out), expected_trust)
        self.assertEqual(self.mutating(), ["CreateOpenIDConnectProvider", "CreateRole",
                                           "PutRolePolicy", "PutRolePolicy", "PutRolePolicy"])
        before = self.emu.state()["accounts"]
        # all three again: nothing to do, not one mutating request
        self.emu.clear_log()
        oidc, role, render = self.flow()
        self.assertEqual(oidc.out, f"{PROVIDER} unchanged\n")
        self.assertEqual(role.out, f"{ROLE_ARN} unchanged\n")
        self.assertEqual(json.loads(render.out), expected_trust)
        self.assertTrue(self.emu.log())
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.emu.state()["accounts"], before)
        self.assertAccountState()


class TrustTest(RoleTestCase):
    def test_merge_keeps_hand_written_statement(self):
        recipe = {"Effect": "Allow", "Principal": {"Federated": PROVIDER},
                  "Action": "sts:AssumeRoleWithWebIdentity",
                  "Condition": {"StringEquals": {f"{KEY}:aud": "sts.amazonaws.com",
                                                 f"{KEY}:sub": sa("default", "legacy")}}}
        self.emu.seed(roles=[{"name": "shared", "trust": trust(HAND_WRITTEN, recipe)}])
        self.emu.clear_log()
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "shared",
                     "--subject", "jobs:worker", "--subject", "default:legacy")
        self.assertOk(r)
        self.assertEqual(r.out, f"arn:aws:iam::{ACCOUNT}:role/shared updated\n")
        self.assertEqual(self.role("shared")["trust"], trust(
            HAND_WRITTEN, recipe, oidc_statement(PROVIDER, KEY, [sa("jobs", "worker")])))
        self.assertEqual(self.mutating(), ["UpdateAssumeRolePolicy"])
        self.emu.clear_log()
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "shared",
                     "--subject", "jobs:worker", "--subject", "default:legacy")
        self.assertOk(r)
        self.assertEqual(r.out, f"arn:aws:iam::{ACCOUNT}:role/shared unchanged\n")
        self.assertEqual(self.mutating(), [])

    def test_several_accounts_and_wildcard(self):
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "multi",
                     "--namespace", "jobs", "--service-account", "a", "--service-account", "b",
                     "--subject", "team-a:*")
        self.assertOk(r)
        self.assertEqual(self.role("multi")["trust"], trust(oidc_statement(
            PROVIDER, KEY, [sa("jobs", "a"), sa("jobs", "b"), sa("team-a", "*")])))
        self.assertIn("StringLike", self.role("multi")["trust"]["Statement"][0]["Condition"])

    def test_two_clusters_one_role(self):
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "shared",
                     "--subject", "default:app")
        self.assertOk(r)
        self.emu.clear_log()
        r = self.aws("create-role", "--cluster", "other", "--role-name", "shared",
                     "--subject", "default:app")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["UpdateAssumeRolePolicy"])
        expected = trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")]),
                         oidc_statement(PROVIDER2, KEY2, [sa("default", "app")]))
        self.assertEqual(self.role("shared")["trust"], expected)
        # both at once renders the same document
        r = self.aws("render-trust-policy", "--cluster", "demo", "--cluster", "other",
                     "--subject", "default:app")
        self.assertOk(r)
        self.assertEqual(json.loads(r.out), expected)

    def test_cross_account_statement(self):
        arn = "arn:aws:iam::444455556666:role/ci"
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "chain",
                     "--subject", "default:app", "--trust-role-arn", arn)
        self.assertOk(r)
        self.assertEqual(self.role("chain")["trust"], trust(
            oidc_statement(PROVIDER, KEY, [sa("default", "app")]),
            {"Sid": "IrsactlAssumeRole" + fnv1a(arn), "Effect": "Allow",
             "Principal": {"AWS": arn}, "Action": "sts:AssumeRole"}))

    def test_render_is_what_create_role_sends_with_an_external_id(self):
        ci = "arn:aws:iam::444455556666:role/ci"
        assume = {"Sid": "IrsactlAssumeRole" + fnv1a(ci), "Effect": "Allow",
                  "Principal": {"AWS": ci}, "Action": "sts:AssumeRole",
                  "Condition": {"StringEquals": {"sts:ExternalId": "team-a:build"}}}
        alone = ["--trust-role-arn", ci, "--external-id", "team-a:build"]
        with_sa = ["--cluster", "demo", "--subject", "default:app", *alone]
        for name, args, expected in (
                ("target", alone, trust(assume)),
                ("chain", with_sa, trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")]),
                                         assume))):
            with self.subTest(name):
                self.assertOk(self.aws("create-role", "--role-name", name, *args))
                self.assertEqual(self.role(name)["trust"], expected)
                self.emu.clear_log()
                r = self.aws("render-trust-policy", *args)
                self.assertOk(r)
                self.assertEqual(json.loads(r.out), self.role(name)["trust"])
                self.assertEqual(self.mutating(), [])
        # the principals alone name no account: nothing to ask, even offline
        self.emu.clear_log()
        r = self.aws("render-trust-policy", *alone, "--output", "yaml")
        self.assertOk(r)
        self.assertIn("sts:ExternalId: team-a:build", r.out)
        self.assertEqual(self.emu.log(), [])

    def test_render_offline_partitions(self):
        for region, partition, key in (
                ("cn-north-1", "aws-cn", "oidc.eks.cn-north-1.amazonaws.com.cn/id/C1"),
                ("us-gov-west-1", "aws-us-gov", "oidc.eks.us-gov-west-1.amazonaws.com/id/G1")):
            r = self.aws("render-trust-policy", "--region", region, "--account-id", ACCOUNT,
                         "--issuer-url", "https://" + key, "--subject", "default:app")
            self.assertOk(r)
            provider = f"arn:{partition}:iam::{ACCOUNT}:oidc-provider/{key}"
            self.assertEqual(json.loads(r.out), trust(oidc_statement(provider, key,
                                                                     [sa("default", "app")])))
        self.assertEqual(self.emu.log(), [])

    def test_trust_over_limit(self):
        subjects = []
        for i in range(40):
            subjects += ["--subject", f"default:service-account-{i:02d}"]
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "big", *subjects)
        self.assertFails(r, 2, "IAM allows 2048")
        self.assertIn("4096", r.err)
        self.assertEqual(self.mutating(), [])
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "big", *subjects,
                     "--trust-policy-limit", "4096", "--dry-run")
        self.assertOk(r)


class DeleteTest(RoleTestCase):
    def test_remove_subject(self):
        r = self.aws("create-role", "--cluster", "demo", "--cluster", "other",
                     "--role-name", "shared", "--subject", "default:app", "--subject", "jobs:worker")
        self.assertOk(r)
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", "shared", "--remove-subject", "jobs:worker",
                     "--cluster", "demo")
        self.assertOk(r)
        self.assertEqual(r.out, f"arn:aws:iam::{ACCOUNT}:role/shared updated\n")
        self.assertEqual(self.role("shared")["trust"], trust(
            oidc_statement(PROVIDER, KEY, [sa("default", "app")]),
            oidc_statement(PROVIDER2, KEY2, [sa("default", "app"), sa("jobs", "worker")])))
        self.assertEqual(self.mutating(), ["UpdateAssumeRolePolicy"])
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", "shared", "--remove-subject", "jobs:worker",
                     "--cluster", "demo")
        self.assertOk(r)
        self.assertIn("unchanged", r.out)
        self.assertEqual(self.mutating(), [])
        # one cluster's statement
        r = self.aws("delete-role", "--role-name", "shared", "--cluster", "other")
        self.assertOk(r)
        self.assertEqual(self.role("shared")["trust"],
                         trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")])))
        # the last statement: refused, the role is never deleted implicitly
        r = self.aws("delete-role", "--role-name", "shared", "--remove-subject", "default:app")
        self.assertFails(r, 5, "delete-role --role-name shared")
        self.assertIn("shared", self.roles())

    def test_remove_subject_dry_run(self):
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "shared",
                     "--subject", "default:app", "--subject", "jobs:worker")
        self.assertOk(r)
        before = self.role("shared")
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", "shared", "--remove-subject", "jobs:worker",
                     "--cluster", "demo", "--dry-run")
        self.assertOk(r)
        self.assertEqual(r.out.splitlines()[:2],
                         [f"arn:aws:iam::{ACCOUNT}:role/shared would be updated (dry run)",
                          "  update-trust-policy shared"])
        self.assertTrue(self.emu.log())
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.role("shared"), before)
        # the same with --output json: the planned trust, still nothing sent
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", "shared", "--remove-subject", "jobs:worker",
                     "--cluster", "demo", "--dry-run", "--output", "json")
        self.assertOk(r)
        out = r.json()
        self.assertTrue(out["dry_run"])
        self.assertEqual(out["status"], "update")
        planned = trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")]))
        self.assertEqual(len(out["actions"]), 1)
        action = out["actions"][0]
        self.assertEqual((action["verb"], action["object"], action["target"], action["done"]),
                         ("update-trust-policy", "shared", "shared", False))
        self.assertEqual(action["document"], planned)
        # the update shows what changes: the subject taken out, as a unified diff
        self.assertTrue(action["diff"].startswith("--- before\n+++ after\n@@ "), action["diff"])
        lines = action["diff"].splitlines()
        self.assertTrue(any(l.startswith("-") and "jobs:worker" in l for l in lines), lines)
        self.assertFalse(any(l.startswith("+") and "jobs:worker" in l for l in lines), lines)
        self.assertEqual(out["trust_policy"], planned)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.role("shared"), before)

    def test_remove_keeps_hand_written(self):
        self.emu.seed(roles=[{"name": "mixed", "trust": trust(
            HAND_WRITTEN, oidc_statement(PROVIDER, KEY, [sa("default", "app")]))}])
        r = self.aws("delete-role", "--role-name", "mixed", "--remove-subject", "default:app")
        self.assertOk(r)
        self.assertEqual(self.role("mixed")["trust"], trust(HAND_WRITTEN))
        self.assertIn("no irsactl trust statement left", r.err)

    def test_delete_role(self):
        r = self.create_seed_role("--attach-policy-arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        self.assertOk(r)
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", ROLE, "--dry-run")
        self.assertOk(r)
        self.assertIn("would be deleted (dry run)", r.out)
        self.assertEqual(self.mutating(), [])
        r = self.aws("delete-role", "--role-name", ROLE)
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} deleted\n")
        self.assertEqual(sorted(self.mutating()), sorted(
            ["DetachRolePolicy", "DeleteRolePolicy", "DeleteRolePolicy", "DeleteRolePolicy",
             "DeleteRole"]))
        self.assertEqual(self.roles(), {})
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", ROLE)
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE} absent\n")
        self.assertEqual(self.mutating(), [])


class FaultTest(RoleTestCase):
    def test_throttling_and_5xx_retried(self):
        self.emu.faults([{"service": "iam", "action": "CreateRole", "kind": "throttle", "count": 2},
                         {"service": "iam", "action": "PutRolePolicy", "kind": "status",
                          "status": 503, "count": 2},
                         {"service": "iam", "action": "GetRole", "kind": "status",
                          "status": 500, "count": 1}])
        r = self.create_seed_role()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} created\n")
        self.assertSeedState()
        faulted = [x["action"] for x in self.emu.log() if x.get("fault")]
        self.assertEqual(sorted(faulted), sorted(["CreateRole", "CreateRole", "PutRolePolicy",
                                                  "PutRolePolicy", "GetRole"]))

    def test_killed_midway_converges(self):
        self.emu.faults([{"service": "iam", "action": "PutRolePolicy", "kind": "drop",
                          "count": 100}])
        r = self.create_seed_role()
        self.assertFails(r, 7, "put-role-policy 'irsactl-s3-read'")  # network
        self.assertIn(ROLE, self.roles())
        self.emu.faults([])
        self.emu.clear_log()
        r = self.create_seed_role()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} updated\n")
        self.assertSeedState()
        self.assertEqual(self.mutating(), ["PutRolePolicy"] * 3)

    def test_partial_failure_says_what_was_done(self):
        self.emu.faults([{"service": "iam", "action": "PutRolePolicy", "kind": "drop",
                          "count": 100}])
        r = self.create_seed_role()
        self.assertFails(r, 7, "put-role-policy 'irsactl-s3-read'")
        self.assertIn(f"already done: create-role '{ROLE}'; run the same command again to "
                      "complete the rest", r.err)
        self.emu.faults([])
        r = self.create_seed_role()
        self.assertOk(r)
        self.assertSeedState()

    def test_attach_dropped_then_converges(self):
        extra = ["--attach-policy-arn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
        self.emu.faults([{"service": "iam", "action": "AttachRolePolicy", "kind": "drop",
                          "count": 100}])
        r = self.create_seed_role(*extra)
        self.assertFails(r, 7, "attach-role-policy 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'")  # network
        self.emu.faults([])
        r = self.create_seed_role(*extra)
        self.assertOk(r)
        self.assertEqual(self.role()["attached_policies"],
                         ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
        self.assertEqual(self.role()["inline_policies"], EXPECTED_INLINE)
        self.emu.clear_log()
        r = self.create_seed_role(*extra)
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])


class PreconditionTest(RoleTestCase):
    def test_missing_provider_fails_dry_run_too(self):
        self.emu.seed(clusters=[{"name": "bare", "issuer": "https://oidc.example.com/bare"}])
        self.emu.clear_log()
        for extra in (["--dry-run"], []):
            r = self.aws("create-role", "--cluster", "bare", "--subject", "default:app", *extra)
            self.assertFails(r, 4, "create the provider first: irsactl associate-oidc --cluster bare")
            self.assertEqual(r.out, "")
        r = self.aws("create-role", "--issuer-url", "https://oidc.example.com/other",
                     "--subject", "default:app", "--role-name", "x", "--dry-run")
        self.assertFails(r, 4, "irsactl associate-oidc --issuer-url https://oidc.example.com/other")
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.roles(), {})

    def test_account_from_the_provider_no_sts(self):
        r = self.create_seed_role()
        self.assertOk(r)
        actions = [x["action"] for x in self.emu.log()]
        self.assertNotIn("GetCallerIdentity", actions)
        self.assertEqual(actions.count("ListOpenIDConnectProviders"), 1)

    def test_everything_missing_named_at_once(self):
        r = self.aws("create-role")
        self.assertFails(r, 2, "which service account and which cluster?")
        self.assertIn("--cluster NAME", r.err)
        self.assertIn("--subject NS:SA", r.err)
        self.assertEqual(self.emu.log(), [])

    def test_custom_audience_missing_from_provider(self):
        args = ["create-role", "--cluster", "demo", "--subject", "default:app", "--audience", "my-aud"]
        r = self.aws(*args, "--dry-run")
        self.assertOk(r)
        self.assertIn("warning: the OIDC provider '%s' does not list the audience 'my-aud'" % PROVIDER,
                      r.err)
        self.assertIn("irsactl associate-oidc --cluster demo --audience my-aud", r.err)
        r = self.aws(*args, "--dry-run", "--output", "json")
        self.assertEqual(len(r.json()["warnings"]), 1)
        r = self.aws("associate-oidc", "--cluster", "demo", "--audience", "my-aud", "--no-thumbprint")
        self.assertOk(r)
        self.assertEqual(r.out, f"{PROVIDER} updated\n")
        clients = self.emu.state()["accounts"][ACCOUNT]["oidc_providers"][PROVIDER]["client_ids"]
        self.assertIn("my-aud", clients)
        r = self.aws(*args)
        self.assertOk(r)
        self.assertNotIn("warning", r.err)

    def test_messages_escape_control_characters(self):
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:app",
                     "--role-name", "bad\x1b[31mname\nnext")
        self.assertFails(r, 2)
        self.assertNotIn("\x1b", r.err)
        self.assertIn("bad\\x1b[31mname\\nnext", r.err)
        self.assertEqual(len(r.err.splitlines()), 1, r.err)


class DeleteSubjectFlagsTest(RoleTestCase):
    def test_same_subject_flags_as_create_role(self):
        r = self.aws("create-role", "--cluster", "demo", "--role-name", "shared",
                     "-n", "jobs", "-s", "worker", "-s", "batch", "--subject", "default:app")
        self.assertOk(r)
        r = self.aws("delete-role", "--role-name", "shared", "-n", "jobs", "-s", "worker", "-s", "batch")
        self.assertOk(r)
        self.assertEqual(self.role("shared")["trust"],
                         trust(oidc_statement(PROVIDER, KEY, [sa("default", "app")])))


class BadInputTest(RoleTestCase):
    def check(self, args, part):
        r = self.aws(*args)
        self.assertFails(r, 2, part)
        self.assertEqual(self.emu.log(), [], "a request was sent for " + " ".join(args))

    def test_bad_input_sends_nothing(self):
        base = ["create-role", "--cluster", "demo", "--subject", "default:app"]
        self.check(base + ["--attach-policy-arn", "arn:aws:iam:123:policy/x"], "--attach-policy-arn")
        self.check(base + ["--permissions-boundary", "not-an-arn"], "is not an ARN")
        self.check(base + ["--trust-role-arn", "arn:aws:iam::12345:role/x"], "12 digits")
        self.check(["create-role", "--cluster", "demo", "--namespace", "Default",
                    "--service-account", "app"], "DNS-1123 label")
        self.check(["create-role", "--cluster", "demo", "--subject", "default:app",
                    "--role-name", "r" * 65], "at most 64")
        self.check(base + ["--policy", "s3-reed:bucket=x"], "unknown policy template 's3-reed'; did you mean 's3-read'?")
        self.check(base + ["--policy", "s3-read:bucket=demo-bucket,colour=red"],
                   "has no parameter 'colour'")
        self.check(base + ["--policy", "s3-read"], "needs the parameter 'bucket'")
        self.check(base + ["--policy-file", os.path.join(self.home, "missing.json")],
                   "missing.json")
        bad = self.write("bad.json", "{ not json")
        self.check(base + ["--policy-file", bad], "is not valid JSON")
        # unreadable: a directory cannot be read as a file even by root, so this
        # runs in CI (root) as well; the chmod 000 file only fails for other users
        directory = os.path.join(self.home, "dir-policy.json")
        os.mkdir(directory)
        self.check(base + ["--policy-file", directory],
                   f"cannot read policy file '{directory}': it is a directory")
        self.assertEqual(self.roles(), {})
        noperm = self.write("noperm.json", '{"Statement":[]}', mode=0o000)
        if os.geteuid() != 0:
            self.check(base + ["--policy-file", noperm], f"'{noperm}'")
            self.assertEqual(self.roles(), {})
        self.check(base + ["--max-session-duration", "60"], "3600")
        self.check(base + ["--path", "irsa"], "IAM path")
        self.check(base + ["--tag", "novalue"], "KEY=VALUE")
        self.check(["create-role", "--cluster", "demo", "--subject", "default:a",
                    "--subject", "default:b"], "--role-name")
        self.check(["delete-role", "--role-name", "x", "--remove-subject", "nocolon"],
                   "NAMESPACE:SERVICEACCOUNT")
        self.check(["render-trust-policy", "--issuer-url", "http://x", "--subject", "a:b",
                    "--account-id", ACCOUNT], "")
        self.check(["render-trust-policy", "--issuer-url", ISSUER, "--subject", "a:b",
                    "--account-id", "123"], "12 digits")
        self.check(["policy", "show", "nope"], "unknown policy template 'nope'")
        self.check(["policy", "frobnicate"], "'list' or 'show'")

    def test_render_refuses_what_create_role_refuses(self):
        ci = "arn:aws:iam::444455556666:role/ci"
        for args, part in (
                (["--external-id", "team-a"], "which service account and which cluster?"),
                (["--subject", "a:b", "--cluster", "demo", "--external-id", "team-a"],
                 "give the role with --trust-role-arn"),
                (["--trust-role-arn", ci, "--external-id", "team a"], "the character ' '"),
                (["--trust-role-arn", ci, "--external-id", "x"], "STS takes 2 to 1224"),
                (["--trust-role-arn", "arn:aws:s3:::bucket"], "--trust-role-arn")):
            with self.subTest(args):
                rendered = self.aws("render-trust-policy", *args)
                self.assertFails(rendered, 2, part)
                created = self.aws("create-role", "--role-name", "t", *args)
                self.assertFails(created, 2, part)
                self.assertEqual(rendered.err, created.err)
                self.assertEqual(self.emu.log(), [])

    def test_policy_file(self):
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage",
             "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"}]}
        path = self.write("send-jobs.json", json.dumps(doc))
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:app",
                     "--policy-file", path)
        self.assertOk(r)
        self.assertEqual(self.role()["inline_policies"], {"irsactl-file-send-jobs": doc})


class IamRulesTest(RoleTestCase):
    """What IAM would reject is refused locally: exit 2, one error line naming
    the rule and the fix, and no request at all (or, for the rules that need
    the role's state, no mutating request)."""
    BASE = ["create-role", "--cluster", "demo", "--subject", "default:app"]

    def check(self, args, part, region="us-east-1"):
        r = self.aws(*args, region=region)
        self.assertFails(r, 2, part)
        self.assertEqual(self.emu.log(), [], "a request was sent for " + " ".join(args))
        return r

    def test_tag_keys_differing_only_in_case(self):
        self.check(self.BASE + ["--tag", "Team=a", "--tag", "team=b"], "differ only in case")

    def test_tags_converge_case_insensitively(self):
        self.emu.seed(roles=[{"name": "tagged", "trust": trust(HAND_WRITTEN),
                              "tags": {"Team": "payments"}}])
        self.emu.clear_log()
        r = self.aws(*self.BASE, "--role-name", "tagged", "--tag", "team=payments")
        self.assertOk(r)
        self.assertNotIn("TagRole", self.mutating())

    def test_description_characters_not_bytes(self):
        r = self.aws(*self.BASE, "--description", "é" * 501)
        self.assertOk(r)
        self.assertEqual(self.role()["description"], "é" * 501)
        self.emu.reset()
        self.check(self.BASE + ["--description", "x" * 1001], "1001 characters")
        self.check(self.BASE + ["--description", "price in €"], "U+20AC")

    def test_trust_policy_limit_above_maximum(self):
        self.check(self.BASE + ["--trust-policy-limit", "5000"], "at most 4096")

    def test_policy_arn_of_another_partition(self):
        r = self.check(self.BASE + ["--attach-policy-arn",
                                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                       "use 'arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess'",
                       region="cn-north-1")
        self.assertIn("partition 'aws'", r.err)
        self.check(self.BASE + ["--permissions-boundary",
                                "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"],
                   "use 'arn:aws:iam::aws:policy/ReadOnlyAccess'")

    def test_policy_file_grammar(self):
        stmt = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        principal = self.write("principal.json", json.dumps(
            {"Version": "2012-10-17", "Statement": [dict(stmt, Principal="*")]}))
        self.check(self.BASE + ["--policy-file", principal], "must not have")
        sid = self.write("sid.json", json.dumps(
            {"Version": "2012-10-17", "Statement": [dict(stmt, Sid="read-all")]}))
        self.check(self.BASE + ["--policy-file", sid], "letters and digits")
        no_resource = self.write("nores.json", json.dumps(
            {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}))
        self.check(self.BASE + ["--policy-file", no_resource], "Resource")

    def test_policy_file_non_latin1_and_name(self):
        doc = {"Version": "2012-10-17", "Statement": [
            {"Sid": "Zurich", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::bucket/Zürich/東京/*"}]}
        path = self.write("politique-café.json", json.dumps(doc, ensure_ascii=False))
        r = self.aws(*self.BASE, "--policy-file", path)
        self.assertOk(r)
        (name, stored), = self.role()["inline_policies"].items()
        self.assertEqual(stored, doc)
        self.assertRegex(name, r"^irsactl-file-politique-cafe-[0-9a-f]{8}$")
        sent = [x for x in self.emu.log() if x["action"] == "PutRolePolicy"]
        self.assertEqual(len(sent), 1)
        # the second run reads it back equal: nothing sent
        self.emu.clear_log()
        r = self.aws(*self.BASE, "--policy-file", path)
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])

    def test_issuer_url_non_ascii_or_port(self):
        self.check(["render-trust-policy", "--issuer-url", "https://oidc.example.com/id/é",
                    "--subject", "a:b", "--account-id", ACCOUNT], "non-ASCII")
        self.check(self.BASE[:1] + ["--issuer-url", "https://oidc.example.com:8443/id/1",
                                    "--subject", "a:b"], "IAM does not accept")

    def test_audience_not_utf8_keeps_condition(self):
        bad = os.fsdecode(b"aud\xff")
        self.check(["render-trust-policy", "--issuer-url", ISSUER, "--subject", "a:b",
                    "--account-id", ACCOUNT, "--audience", bad], "not valid UTF-8")

    def test_inline_total_counts_policies_on_the_role(self):
        big = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": ["arn:aws:s3:::bucket-%04d/*" % i for i in range(300)]}]}
        self.emu.seed(roles=[{"name": "busy", "trust": trust(HAND_WRITTEN),
                              "inline_policies": {"by-hand": big}}])
        self.emu.clear_log()
        path = self.write("more.json", json.dumps(big))
        r = self.aws(*self.BASE, "--role-name", "busy", "--policy-file", path)
        self.assertFails(r, 2, "'by-hand' already on the role")
        self.assertIn("10240", r.err)
        self.assertEqual(self.mutating(), [])

    def test_tag_count_includes_existing_tags(self):
        self.emu.seed(roles=[{"name": "tagged", "trust": trust(HAND_WRITTEN),
                              "tags": {"k%d" % i: "v" for i in range(49)}}])
        self.emu.clear_log()
        r = self.aws(*self.BASE, "--role-name", "tagged", "--tag", "a=1", "--tag", "b=2")
        self.assertFails(r, 2, "has 49 tags and 2 new keys")
        self.assertEqual(self.mutating(), [])
        r = self.aws(*self.BASE, "--role-name", "tagged", "--tag", "K1=changed")
        self.assertOk(r)

    def test_hand_written_statement_without_aud_taken_over(self):
        recipe = {"Effect": "Allow", "Principal": {"Federated": PROVIDER},
                  "Action": "sts:AssumeRoleWithWebIdentity",
                  "Condition": {"StringEquals": {f"{KEY}:sub": sa("default", "app")}}}
        self.emu.seed(roles=[{"name": "legacy", "trust": trust(recipe)}])
        self.emu.clear_log()
        r = self.aws(*self.BASE, "--role-name", "legacy")
        self.assertOk(r)
        self.assertEqual(r.out, f"arn:aws:iam::{ACCOUNT}:role/legacy unchanged\n")
        self.assertEqual(self.role("legacy")["trust"], trust(recipe))
        self.assertEqual(self.mutating(), [])


class DeleteGuardTest(RoleTestCase):
    def test_hand_made_role_needs_force(self):
        self.emu.seed(roles=[{"name": "admin", "trust": trust(HAND_WRITTEN),
                              "attached_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}])
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", "admin")
        self.assertFails(r, 5, "was not made by irsactl")
        self.assertIn("--force", r.err)
        self.assertEqual(self.mutating(), [])
        self.assertIn("admin", self.roles())
        r = self.aws("delete-role", "--role-name", "admin", "--force")
        self.assertOk(r)
        self.assertEqual(r.out, f"arn:aws:iam::{ACCOUNT}:role/admin deleted\n")
        self.assertEqual(self.mutating(), ["DetachRolePolicy", "DeleteRole"])
        self.assertEqual(self.roles(), {})

    def test_role_with_irsactl_statement_is_deletable(self):
        statement = oidc_statement(PROVIDER, KEY, [sa("default", "app")])
        self.emu.seed(roles=[{"name": "older", "trust": trust(HAND_WRITTEN, statement)}])
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", "older")
        self.assertOk(r)
        self.assertEqual(self.roles(), {})


class PolicyCommandTest(RoleTestCase):
    def test_list_and_show(self):
        r = self.aws("policy", "list", "--output", "json")
        self.assertOk(r)
        names = [t["name"] for t in r.json()["templates"]]
        for n in ("s3-read", "s3-readwrite", "secretsmanager-read", "dynamodb-read",
                  "dynamodb-readwrite", "cluster-autoscaler", "ebs-csi", "efs-csi",
                  "external-dns", "cert-manager", "aws-load-balancer-controller"):
            self.assertIn(n, names)
        r = self.aws("policy", "show", "s3-read:bucket=demo-bucket,prefix=reports")
        self.assertOk(r)
        self.assertEqual(json.loads(r.out), EXPECTED_INLINE["irsactl-s3-read"])
        r = self.aws("policy", "show", "secretsmanager-read:secrets=x", "--region", "cn-north-1")
        self.assertOk(r)
        self.assertIn("arn:aws-cn:secretsmanager:cn-north-1:*:secret:x-??????", r.out)
        self.assertEqual(self.emu.log(), [])

    def test_completion(self):
        r = self.run_cli("__complete", "")
        for c in ("create-role", "delete-role", "policy", "render-trust-policy"):
            self.assertIn(c, r.out.split())
        r = self.run_cli("__complete", "create-role", "--")
        for o in ("--policy", "--attach-policy-arn", "--prune"):
            self.assertIn(o, r.out.split())
        r = self.run_cli("__complete", "render-trust-policy", "--")
        for o in ("--trust-role-arn", "--external-id"):
            self.assertIn(o, r.out.split())
        r = self.run_cli("__complete", "policy", "")
        self.assertEqual(r.out.split()[:2], ["list", "show"])
        r = self.run_cli("__complete", "policy", "show", "")
        self.assertIn("s3-read", r.out.split())


LATENCY_MS = 100  # requests of one round overlap, rounds do not


class RequestEconomyTest(RoleTestCase):
    """How many requests each command sends and in how many rounds (groups
    of requests sent in parallel), counted from the emulator's log with
    latency added to every request. The default page size: one page per
    List call."""
    aws_page_size = None

    def slow(self):
        self.emu.clear_log()
        self.emu.faults([{"kind": "latency", "ms": LATENCY_MS}])

    def rounds(self):
        return clitest.request_rounds(self.emu.log())

    def read_rounds(self):
        """The rounds before the first mutating request."""
        out = []
        for r in self.rounds():
            if any(a in MUTATING_ACTIONS for a in r):
                break
            out.append(r)
        return out

    def test_first_run_reads_in_one_round(self):
        self.slow()
        self.assertOk(self.create_seed_role())
        self.assertSeedState()
        # the cluster, the providers and the role at once; an absent role
        # is read no further, and the providers' ARNs name the account
        self.assertEqual(self.read_rounds(),
                         [["DescribeCluster", "GetRole", "ListOpenIDConnectProviders"]])
        self.assertNotIn("GetCallerIdentity", [r["action"] for r in self.emu.log()])

    def test_unchanged_run_reads_in_three_rounds(self):
        self.assertOk(self.create_seed_role())
        self.slow()
        r = self.create_seed_role()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} unchanged\n")
        self.assertEqual(self.rounds(), [
            ["DescribeCluster", "GetRole", "ListOpenIDConnectProviders"],
            ["ListAttachedRolePolicies", "ListRolePolicies"],
            ["GetRolePolicy"] * 3,
        ])
        self.assertEqual(len(self.emu.log()), 8)

    def test_plan_from_the_rounds_has_what_was_read(self):
        """A plan against a role with a second provider's statement, an extra
        managed policy and a changed template: each part of it comes from
        one of the three rounds."""
        self.assertOk(self.create_seed_role())
        self.assertOk(self.aws("create-role", "--issuer-url", ISSUER2, "--namespace", "default",
                               "--service-account", "app", "--role-name", ROLE,
                               "--attach-policy-arn",
                               "arn:aws:iam::aws:policy/ReadOnlyAccess"))
        self.slow()
        r = self.aws("create-role", "--cluster", "demo", "--namespace", "default",
                     "--service-account", "app", "--policy", "s3-read:bucket=other-bucket",
                     "--output", "json", "--dry-run")
        self.assertOk(r)
        plan = r.json()
        self.assertEqual(plan["status"], "update")
        self.assertEqual([a["verb"] for a in plan["actions"]], ["put-role-policy"])
        # the document it replaces was read in round 3
        self.assertIn('-      "Resource": "arn:aws:s3:::demo-bucket/reports/*",',
                      plan["actions"][0]["diff"])
        # round 2: the attached policy and the inline names
        self.assertEqual(plan["policies"]["managed"], ["arn:aws:iam::aws:policy/ReadOnlyAccess"])
        self.assertEqual(len([n for n in plan["notes"] if "was not asked for" in n]), 3)
        # round 1: the trust policy of the role, both statements kept
        self.assertEqual(len(plan["trust_policy"]["Statement"]), 2)
        self.assertEqual(len(self.rounds()), 3)
        self.assertEqual(self.rounds()[2], ["GetRolePolicy"] * 3)

    def test_custom_audience_reads_the_provider_in_round_two(self):
        self.slow()
        r = self.aws("create-role", "--cluster", "demo", "--namespace", "default",
                     "--service-account", "app", "--audience", "vault", "--dry-run")
        self.assertOk(r)
        self.assertIn("does not list the audience 'vault'", r.err + r.out)
        self.assertEqual(self.rounds(), [
            ["DescribeCluster", "GetRole", "ListOpenIDConnectProviders"],
            ["GetOpenIDConnectProvider"],
        ])

    def test_unknown_cluster_fails_before_more_reads(self):
        self.slow()
        r = self.aws("create-role", "--cluster", "nope", "--namespace", "default",
                     "--service-account", "app", "--role-name", ROLE)
        self.assertFails(r, 4, "EKS cluster 'nope' not found")
        self.assertEqual(self.rounds(),
                         [["DescribeCluster", "GetRole", "ListOpenIDConnectProviders"]])

    def test_delete_role_reads_in_two_rounds(self):
        self.assertOk(self.create_seed_role("--service-account", "other", "--role-name", ROLE))
        self.slow()
        r = self.aws("delete-role", "--role-name", ROLE, "--cluster", "demo",
                     "--subject", "default:app", "--dry-run")
        self.assertOk(r)
        self.assertEqual(self.rounds(), [["DescribeCluster", "GetRole"],
                                         ["ListAttachedRolePolicies", "ListRolePolicies"]])
        self.emu.clear_log()
        self.assertOk(self.aws("delete-role", "--role-name", ROLE))
        rounds = self.rounds()
        self.assertEqual(rounds[:2], [["GetRole"], ["ListAttachedRolePolicies",
                                                     "ListRolePolicies"]])
        self.assertNotIn(ROLE, self.roles())

    def test_delete_absent_role_reads_it_once(self):
        self.slow()
        r = self.aws("delete-role", "--role-name", "irsa-nothing-here")
        self.assertOk(r)
        self.assertEqual(self.rounds(), [["GetRole"]])

    def test_role_trusted_only_by_a_role_reads_in_one_round(self):
        """No issuer: no provider to list; the account comes from STS, asked
        with GetRole (an absent role) in one round."""
        self.slow()
        r = self.aws("create-role", "--role-name", "cross-reader", "--trust-role-arn",
                     "arn:aws:iam::444455556666:role/source", "--dry-run")
        self.assertOk(r)
        self.assertEqual(self.rounds(), [["GetCallerIdentity", "GetRole"]])

    def test_render_trust_policy_asks_for_the_account_with_the_cluster(self):
        self.slow()
        r = self.aws("render-trust-policy", "--cluster", "demo", "--namespace", "default",
                     "--service-account", "app")
        self.assertOk(r)
        self.assertEqual(self.rounds(), [["DescribeCluster", "GetCallerIdentity"]])


if __name__ == "__main__":
    clitest.main()
