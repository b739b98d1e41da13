#!/usr/bin/python3
"""Customer-managed policies against the local AWS emulator:
create-role --managed-policy / --managed-policy-file (created, shared, new
default versions with the oldest deleted at five, attached, counted in the
ten per role; the plan in a dry run; a second run sends nothing; bad input
fails with exit 2 before any request) and delete-role --delete-policies."""
import json

import clitest
from test_create_role import ACCOUNT, ROLE, ROLE_ARN, RoleTestCase

TEMPLATE = "s3-read:bucket=shared-data,prefix=reports"
OWNER = {"Key": "managed-by", "Value": "irsactl"}


def doc(*actions):
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions) if len(actions) > 1 else actions[0],
         "Resource": "*"}]}


def policy_arn(name):
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


TEAM_ARN = policy_arn("irsactl-file-team")


class ManagedPolicyCase(RoleTestCase):
    def setUp(self):
        super().setUp()
        self.team = self.write("team.json", json.dumps(doc("sqs:SendMessage")))

    def create(self, *extra, sa="app", role=ROLE):
        return self.aws("create-role", "--cluster", "demo", "--namespace", "default",
                        "--service-account", sa, "--role-name", role,
                        "--managed-policy", TEMPLATE, "--managed-policy-file", self.team, *extra)

    def policies(self):
        return self.emu.state()["accounts"].get(ACCOUNT, {}).get("policies", {})

    def template_arn(self):
        (arn,) = [a for a in self.policies() if "/irsactl-s3-read-" in a]
        return arn

    def default_document(self, arn):
        p = self.policies()[arn]
        return p["versions"][p["default_version"]]["document"]

    def log_actions(self):
        return [e["action"] for e in self.emu.log()]


class CreateTest(ManagedPolicyCase):
    def test_create_then_unchanged(self):
        r = self.create()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} created\n")
        self.assertEqual(self.mutating(), ["CreateRole", "CreatePolicy", "CreatePolicy",
                                           "AttachRolePolicy", "AttachRolePolicy"])
        arn = self.template_arn()
        policies = self.policies()
        for a in (arn, TEAM_ARN):
            self.assertIn(OWNER, policies[a]["tags"])
        self.assertEqual(self.default_document(TEAM_ARN), doc("sqs:SendMessage"))
        shown = self.aws("policy", "show", TEMPLATE, "--account-id", ACCOUNT, "--output", "json")
        self.assertOk(shown)
        self.assertEqual(self.default_document(arn), shown.json())
        self.assertEqual(sorted(self.role()["attached_policies"]), sorted([arn, TEAM_ARN]))
        self.assertEqual(self.role()["inline_policies"], {})
        self.emu.clear_log()
        r = self.create()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} unchanged\n")
        self.assertEqual(self.mutating(), [])

    def test_dry_run_prints_the_whole_plan(self):
        r = self.create("--dry-run", "--output", "json")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.policies(), {})
        out = r.json()
        self.assertEqual(out["status"], "create")
        verbs = [(a["verb"], a["target"]) for a in out["actions"]]
        arn = [t for v, t in verbs if v == "create-policy" and "s3-read" in t][0]
        self.assertEqual(verbs, [("create-role", ROLE), ("create-policy", arn),
                                 ("create-policy", TEAM_ARN), ("attach-role-policy", arn),
                                 ("attach-role-policy", TEAM_ARN)])
        created = {a["target"]: a["document"] for a in out["actions"]
                   if a["verb"] == "create-policy"}
        self.assertEqual(created[TEAM_ARN], doc("sqs:SendMessage"))
        self.assertEqual(out["policies"]["customer_managed"], created)
        self.assertEqual(sorted(out["policies"]["managed"]), sorted([arn, TEAM_ARN]))
        text = self.create("--dry-run")
        self.assertOk(text)
        self.assertIn(f"  create-policy {TEAM_ARN}\n", text.out)
        self.assertIn('"sqs:SendMessage"', text.out)

    def test_second_role_shares_the_policies(self):
        self.assertOk(self.create())
        self.emu.clear_log()
        r = self.create(sa="worker", role="second")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["CreateRole", "AttachRolePolicy", "AttachRolePolicy"])
        self.assertEqual(sorted(self.role("second")["attached_policies"]),
                         sorted(self.role()["attached_policies"]))
        # other parameters: another policy
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:third",
                     "--role-name", "third", "--managed-policy", "s3-read:bucket=other-data")
        self.assertOk(r)
        self.assertEqual(len([a for a in self.policies() if "/irsactl-s3-read-" in a]), 2)

    def test_changed_document_gets_a_new_default_version(self):
        self.assertOk(self.create())
        self.write("team.json", json.dumps(doc("sqs:SendMessage", "sqs:GetQueueUrl")))
        self.emu.clear_log()
        r = self.create("--dry-run")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        self.assertIn(f"would be updated (dry run)\n  create-policy-version {TEAM_ARN}: "
                      "as the default version\n", r.out)
        self.assertIn('+        "sqs:GetQueueUrl"\n', r.out)  # a diff, not the whole document
        r = self.create()
        self.assertOk(r)
        self.assertEqual(r.out, f"{ROLE_ARN} updated\n")
        self.assertEqual(self.mutating(), ["CreatePolicyVersion"])
        self.assertEqual(self.policies()[TEAM_ARN]["default_version"], "v2")
        self.assertEqual(self.default_document(TEAM_ARN),
                         doc("sqs:SendMessage", "sqs:GetQueueUrl"))
        self.emu.clear_log()
        self.assertOk(self.create())
        self.assertEqual(self.mutating(), [])

    def test_five_versions_the_oldest_goes_first(self):
        self.assertOk(self.create())
        for i in range(2, 7):
            self.write("team.json", json.dumps(doc("sqs:SendMessage", f"sqs:Action{i}")))
            self.emu.clear_log()
            r = self.create("--output", "json")
            self.assertOk(r)
            expected = ["CreatePolicyVersion"] if i <= 5 else ["DeletePolicyVersion",
                                                               "CreatePolicyVersion"]
            self.assertEqual(self.mutating(), expected, i)
        versions = self.policies()[TEAM_ARN]["versions"]
        self.assertEqual(sorted(versions), ["v2", "v3", "v4", "v5", "v6"])
        self.assertEqual(self.policies()[TEAM_ARN]["default_version"], "v6")
        deleted = [a for a in r.json()["actions"] if a["verb"] == "delete-policy-version"]
        self.assertEqual([(a["target"], a["details"]) for a in deleted], [(TEAM_ARN, "v1")])

    def test_a_policy_irsactl_did_not_make_is_not_changed(self):
        self.emu.seed(policies=[{"name": "irsactl-file-team", "document": doc("s3:GetObject")}])
        self.emu.clear_log()
        r = self.create()
        self.assertFails(r, 5, "irsactl did not make it")
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.default_document(TEAM_ARN), doc("s3:GetObject"))

    def test_counted_in_the_ten_managed_policies(self):
        attached = [f"arn:aws:iam::{ACCOUNT}:policy/p{i}" for i in range(9)]
        self.emu.seed(policies=[{"name": f"p{i}", "document": doc("s3:GetObject")}
                                for i in range(9)],
                      roles=[{"name": ROLE, "attached_policies": attached}])
        self.emu.clear_log()
        r = self.create()
        self.assertFails(r, 5, "would have 11 managed policies attached")
        self.assertEqual(self.mutating(), [])

    def test_bad_input_fails_before_any_request(self):
        big = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": ["arn:aws:s3:::bucket-%04d/*" % i for i in range(300)]}]}
        with_principal = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}
        files = {"big.json": big, "principal.json": with_principal}
        paths = {n: self.write(n, json.dumps(d)) for n, d in files.items()}
        self.write("other/team.json", json.dumps(doc("s3:GetObject")))
        many = ";".join("bucket-%04d" % i for i in range(300))
        base = ["create-role", "--cluster", "demo", "--subject", "default:app"]
        attach = []
        for i in range(10):
            attach += ["--attach-policy-arn", f"arn:aws:iam::aws:policy/P{i}"]
        cases = [
            (["--managed-policy", "s3-reed:bucket=abc"], "did you mean 's3-read'?"),
            (["--managed-policy", "sqs-send"], "needs the parameter 'queues'"),
            (["--managed-policy-file", paths["big.json"]],
             "and IAM allows 6144 for a managed policy"),
            (["--managed-policy", "s3-read:bucket=" + many], "IAM allows 6144"),
            (["--managed-policy-file", paths["principal.json"]], "Principal"),
            (["--managed-policy-file", self.home + "/missing.json"], "missing.json"),
            (["--managed-policy-file", self.team, "--managed-policy-file",
              self.home + "/other/team.json"], "two managed policies would be named"),
            (["--managed-policy", TEMPLATE, "--managed-policy", TEMPLATE],
             "two managed policies would be named"),
            (attach + ["--managed-policy-file", self.team],
             "11 managed policies asked for"),
        ]
        for extra, message in cases:
            with self.subTest(extra[:2]):
                self.emu.clear_log()
                r = self.aws(*base, *extra)
                self.assertFails(r, 2, message)
                self.assertEqual(self.emu.log(), [])

    def test_inline_size_error_suggests_managed_policies(self):
        big = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": ["arn:aws:s3:::bucket-%04d/*" % i for i in range(450)]}]}
        path = self.write("big.json", json.dumps(big))
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:app",
                     "--policy-file", path)
        self.assertFails(r, 2, "--managed-policy")
        self.assertNotIn("--attach-policy-arn", r.err)
        self.assertEqual(self.mutating(), [])


class DeleteTest(ManagedPolicyCase):
    def setUp(self):
        super().setUp()
        self.assertOk(self.create())
        # the second role shares the template's policy, not the file's
        r = self.aws("create-role", "--cluster", "demo", "--subject", "default:worker",
                     "--role-name", "second", "--managed-policy", TEMPLATE)
        self.assertOk(r)
        # a second version of the file's policy
        self.write("team.json", json.dumps(doc("sqs:SendMessage", "sqs:GetQueueUrl")))
        self.assertOk(self.create())
        self.emu.clear_log()

    def test_kept_without_delete_policies(self):
        r = self.aws("delete-role", "--role-name", ROLE)
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["DetachRolePolicy", "DetachRolePolicy", "DeleteRole"])
        self.assertIn(f"managed policy '{TEAM_ARN}' is kept (--delete-policies", r.err)
        self.assertIn(TEAM_ARN, self.policies())

    def test_delete_policies(self):
        arn = self.template_arn()
        r = self.aws("delete-role", "--role-name", ROLE, "--delete-policies", "--dry-run",
                     "--output", "json")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        plan = [(a["verb"], a["target"], a.get("details")) for a in r.json()["actions"]]
        self.assertEqual(plan[-3:], [("delete-role", ROLE, None),
                                     ("delete-policy-version", TEAM_ARN, "v1"),
                                     ("delete-policy", TEAM_ARN, None)])
        self.assertIn(f"managed policy '{arn}' is kept: the role 'second' also uses it",
                      " ".join(r.json()["notes"]))
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", ROLE, "--delete-policies")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["DetachRolePolicy", "DetachRolePolicy", "DeleteRole",
                                           "DeletePolicyVersion", "DeletePolicy"])
        self.assertNotIn(TEAM_ARN, self.policies())
        self.assertIn(arn, self.policies())
        self.assertIn("also uses it", r.err)
        # the last role using it takes it along; then nothing is left to do
        r = self.aws("delete-role", "--role-name", "second", "--delete-policies")
        self.assertOk(r)
        self.assertEqual(self.policies(), {})
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", "second", "--delete-policies")
        self.assertOk(r)
        self.assertIn("absent", r.out)
        self.assertEqual(self.mutating(), [])

    def test_a_policy_another_role_has_as_boundary_is_kept(self):
        # IAM does not list it among the entities it is attached to, and
        # DeletePolicy would fail with DeleteConflict
        self.assertOk(self.aws("create-role", "--cluster", "demo", "--subject", "default:bounded",
                               "--role-name", "bounded", "--permissions-boundary", TEAM_ARN))
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", ROLE, "--delete-policies")
        self.assertOk(r)
        self.assertIn(f"managed policy '{TEAM_ARN}' is kept: it is the permissions boundary of "
                      "the role 'bounded'", r.err)
        self.assertEqual(self.mutating(), ["DetachRolePolicy", "DetachRolePolicy", "DeleteRole"])
        self.assertEqual(sorted(self.policies()[TEAM_ARN]["versions"]), ["v1", "v2"])
        self.assertEqual(self.roles()["bounded"]["permissions_boundary"], TEAM_ARN)

    def test_a_policy_that_is_only_the_deleted_roles_boundary_goes(self):
        self.assertOk(self.create("--permissions-boundary", TEAM_ARN))
        self.emu.clear_log()
        r = self.aws("delete-role", "--role-name", ROLE, "--delete-policies")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["DetachRolePolicy", "DetachRolePolicy", "DeleteRole",
                                           "DeletePolicyVersion", "DeletePolicy"])
        self.assertNotIn(TEAM_ARN, self.policies())
        self.assertNotIn("permissions boundary", r.err)

    def test_policies_irsactl_did_not_make_are_kept(self):
        self.emu.seed(policies=[{"name": "by-hand", "document": doc("s3:GetObject")}])
        self.assertOk(self.aws("create-role", "--cluster", "demo", "--subject", "default:app",
                               "--role-name", ROLE, "--attach-policy-arn",
                               policy_arn("by-hand"),
                               "--attach-policy-arn", "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"))
        r = self.aws("delete-role", "--role-name", ROLE, "--delete-policies")
        self.assertOk(r)
        self.assertIn(f"managed policy '{policy_arn('by-hand')}' is kept: irsactl did not make it",
                      r.err)
        self.assertIn(policy_arn("by-hand"), self.policies())

    def test_delete_policies_needs_the_whole_role(self):
        r = self.aws("delete-role", "--role-name", ROLE, "--subject", "default:app",
                     "--delete-policies")
        self.assertFails(r, 2, "--delete-policies goes with deleting the whole role")
        self.assertEqual(self.emu.log(), [])


if __name__ == "__main__":
    clitest.main()
