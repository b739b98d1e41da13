#!/usr/bin/python3
"""irsactl apply --prune and one-shot apply against the AWS and Kubernetes
emulators: each file's scope prunes only its own roles (and irsactl's
annotations on their ServiceAccounts), a dry run shows the deletes and
sends no change, roles without the scope or owner tag are never touched, a
second prune is a no-op; one-shot mode makes the OIDC provider, the role
and the ServiceAccount in one run, and bad input sends nothing."""

import clitest

ACCOUNT = "111122223333"
KEY = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER = "https://" + KEY
RA = "eks.amazonaws.com/role-arn"
CAROL = "AKIAIRSATESTCAROL003"  # GetAccountAuthorizationDetails denied


def service_account_set(scope, sas):
    lines = ["apiVersion: irsactl.io/v1alpha1", "kind: ServiceAccountSet"]
    if scope:
        lines.append(f"scope: {scope}")
    lines += ["clusters:", "  - name: demo", "    context: test", "serviceAccounts:"]
    for ns, name, extra in sas:
        lines += [f"  - namespace: {ns}", f"    name: {name}"]
        lines += ["    " + e for e in extra]
    return "\n".join(lines) + "\n"


TEAM_A = [("apps", "web", ["attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]"]),
          ("apps", "worker", ["roleName: team-a-worker",
                              "attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess]",
                              "policies: ['s3-read:bucket=worker-input']"]),
          ("apps", "cron", ["roleName: team-a-cron"])]
TEAM_B = [("billing", "api", ["roleName: team-b-api"])]


def tags(role):
    return {t["Key"]: t["Value"] for t in role["tags"]}


class ApplyPruneTest(clitest.AwsKubeEmulatorCase):
    def seed_aws(self):
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER}],
                      oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]}])

    def cli(self, *args, key=None, command="apply"):
        env = self.cli_env(key=key) if key else self.cli_env()
        return self.run_cli(command, *args, **env)

    def roles(self):
        return self.emu.state()["accounts"].get(ACCOUNT, {}).get("roles", {})

    def mutating(self):
        return [r["action"] for r in self.emu.log() if r.get("mutating")]

    def kube_writes(self):
        return [e for e in self.kube.log() if e["write"] and not e.get("dry_run")]

    def sa(self, ns, name):
        for sa in self.kube.state()["serviceaccounts"]:
            if sa["metadata"]["namespace"] == ns and sa["metadata"]["name"] == name:
                return sa
        return None

    def annotations(self, ns, name):
        return (self.sa(ns, name) or {}).get("metadata", {}).get("annotations") or {}

    def apply_both(self):
        a = self.write("a.yaml", service_account_set("team-a", TEAM_A))
        b = self.write("b.yaml", service_account_set("team-b", TEAM_B))
        self.assertOk(self.cli("-f", a))
        self.assertOk(self.cli("-f", b))
        return a, b

    # ---- --prune ----

    def test_each_scope_prunes_only_its_own(self):
        a, b = self.apply_both()
        roles = self.roles()
        self.assertEqual(tags(roles["team-a-worker"])["irsactl.io/scope"], "team-a")
        self.assertEqual(tags(roles["team-b-api"])["irsactl.io/scope"], "team-b")
        # roles without the scope tag (create-role) or without the owner tag
        self.assertOk(self.cli("--cluster", "demo", "-n", "apps", "-s", "legacy",
                               "--role-name", "team-a-legacy", command="create-role"))
        self.emu.seed(roles=[{"name": "team-a-adopted", "tags": {"irsactl.io/scope": "team-a"}}])
        # file A without the worker; file B unchanged
        self.write("a.yaml", service_account_set("team-a", [TEAM_A[0], TEAM_A[2]]))
        self.emu.clear_log()
        self.kube.clear_log()
        r = self.cli("-f", a, "--prune", "--dry-run", "--detailed-exitcode")
        self.assertEqual(r.rc, 10, repr(r))
        self.assertIn("delete-role team-a-worker", r.out)
        self.assertIn("detach-role-policy arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", r.out)
        self.assertIn("delete-role-policy irsactl-s3-read", r.out)
        self.assertIn("service account 'apps/worker'", r.out)
        self.assertNotIn("team-b-api", r.out)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.kube_writes(), [])
        self.assertIn("team-a-worker", self.roles())

        r = self.cli("-f", a, "--prune", "--detailed-exitcode", "--output", "json")
        self.assertEqual(r.rc, 10, repr(r))
        deleted = [o for o in r.json()["objects"] if o["status"] == "deleted"]
        self.assertEqual([o.get("role_name") for o in deleted], ["team-a-worker"])
        roles = self.roles()
        self.assertNotIn("team-a-worker", roles)
        for kept in ("irsa-demo-apps-web", "team-a-cron", "team-b-api", "team-a-legacy",
                     "team-a-adopted"):
            self.assertIn(kept, roles)
        # the pruned role's ServiceAccount lost irsactl's annotation; the others kept theirs
        self.assertNotIn(RA, self.annotations("apps", "worker"))
        self.assertIsNotNone(self.sa("apps", "worker"))
        self.assertEqual(self.annotations("billing", "api")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/team-b-api")
        self.assertEqual(self.annotations("apps", "legacy"), {})

        # a second prune has nothing to do
        self.emu.clear_log()
        self.kube.clear_log()
        r = self.cli("-f", a, "--prune", "--detailed-exitcode")
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.kube_writes(), [])

        # file B prunes its own role once it is empty of it, never A's
        self.write("b.yaml", service_account_set("team-b", [("billing", "batch", [])]))
        r = self.cli("-f", b, "--prune")
        self.assertOk(r)
        roles = self.roles()
        self.assertNotIn("team-b-api", roles)
        self.assertIn("irsa-demo-billing-batch", roles)
        self.assertIn("irsa-demo-apps-web", roles)
        self.assertIn("team-a-cron", roles)

    def test_prune_leaves_an_annotation_someone_else_set(self):
        a, _ = self.apply_both()
        # the worker now names another role, written by another field manager
        self.kube.seed(serviceaccounts=[{"namespace": "apps", "name": "worker",
                                         "annotations": {RA: f"arn:aws:iam::{ACCOUNT}:role/other"}}])
        self.write("a.yaml", service_account_set("team-a", [TEAM_A[0], TEAM_A[2]]))
        r = self.cli("-f", a, "--prune")
        self.assertOk(r)
        self.assertNotIn("team-a-worker", self.roles())
        self.assertEqual(self.annotations("apps", "worker")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/other")

    def test_a_service_account_moves_to_its_new_role(self):
        a, _ = self.apply_both()
        self.write("a.yaml", service_account_set("team-a", [
            TEAM_A[0], ("apps", "worker", ["roleName: team-a-worker-v2"]), TEAM_A[2]]))
        self.assertOk(self.cli("-f", a))
        self.assertEqual(self.annotations("apps", "worker")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/team-a-worker-v2")
        # a role-arn another field manager set is not taken over
        self.kube.seed(serviceaccounts=[{"namespace": "apps", "name": "worker",
                                         "annotations": {RA: f"arn:aws:iam::{ACCOUNT}:role/other"}}])
        r = self.cli("-f", a)
        self.assertEqual(r.rc, 5, repr(r))
        self.assertIn("--force-conflicts", r.err)
        self.assertEqual(self.annotations("apps", "worker")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/other")

    def test_prune_when_the_bulk_read_is_denied(self):
        a, _ = self.apply_both()
        self.write("a.yaml", service_account_set("team-a", [TEAM_A[0]]))
        self.emu.clear_log()
        r = self.cli("-f", a, "--prune", key=CAROL)
        self.assertOk(r)
        roles = self.roles()
        self.assertNotIn("team-a-worker", roles)
        self.assertNotIn("team-a-cron", roles)
        self.assertIn("team-b-api", roles)
        self.assertIn("ListRoles", [e["action"] for e in self.emu.log()])

    def test_nothing_pruned_when_a_role_cannot_be_planned(self):
        a, _ = self.apply_both()
        # the cron role's cluster does not exist: its role cannot be planned, so
        # which roles the file leaves out is not known
        web = ("apps", "web", TEAM_A[0][2] + ["clusters: [demo]"])
        text = service_account_set("team-a", [web, ("apps", "cron", ["roleName: team-a-cron",
                                                                     "clusters: [ghost]"])])
        text = text.replace("serviceAccounts:", "  - {name: ghost, context: test, "
                            "createOIDCProvider: false}\nserviceAccounts:")
        self.write("a.yaml", text)
        self.emu.clear_log()
        r = self.cli("-f", a, "--prune", "--output", "json")
        self.assertNotEqual(r.rc, 0, repr(r))
        self.assertIn("nothing was pruned", r.err)
        self.assertIn({"object": "prune", "name": "",
                       "failure": "nothing was pruned: role 'team-a-cron' of the request could "
                       "not be planned, so the roles it leaves out are not known; fix it and run "
                       "again"}, r.json()["failed"])
        self.assertIn("team-a-worker", self.roles())
        self.assertNotIn("DeleteRole", self.mutating())

    def test_apply_goes_on_when_the_roles_cannot_be_read(self):
        a, _ = self.apply_both()
        self.write("a.yaml", service_account_set("team-a", [TEAM_A[0], ("apps", "new", [])]))
        self.emu.faults([{"service": "iam", "action": "GetAccountAuthorizationDetails",
                          "kind": "status", "status": 503}])
        r = self.cli("-f", a, "--prune")
        self.assertEqual(r.rc, 8, repr(r))
        self.assertIn("nothing was pruned: the account's roles could not be read", r.err)
        roles = self.roles()
        self.assertIn("irsa-demo-apps-new", roles)  # the apply went on
        self.assertIn("team-a-worker", roles)
        self.assertEqual(self.annotations("apps", "new")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/irsa-demo-apps-new")
        self.emu.faults([])
        self.assertOk(self.cli("-f", a, "--prune"))
        self.assertNotIn("team-a-worker", self.roles())

    def test_nothing_pruned_when_an_object_failed(self):
        a, _ = self.apply_both()
        # the worker moves to a new role, whose creation fails this time
        self.write("a.yaml", service_account_set("team-a", [
            TEAM_A[0], ("apps", "worker", ["roleName: team-a-worker-v2"]), TEAM_A[2]]))
        self.emu.faults([{"service": "iam", "action": "CreateRole", "kind": "status",
                          "status": 500, "count": 3}])
        r = self.cli("-f", a, "--prune")
        self.assertEqual(r.rc, 8, repr(r))
        self.assertIn("nothing was pruned: 2 objects of the request failed", r.err)
        # the old role stays while the ServiceAccount still names it
        self.assertIn("team-a-worker", self.roles())
        self.assertEqual(self.annotations("apps", "worker")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/team-a-worker")
        self.emu.faults([])
        self.assertOk(self.cli("-f", a, "--prune"))
        roles = self.roles()
        self.assertNotIn("team-a-worker", roles)
        self.assertIn("team-a-worker-v2", roles)
        self.assertEqual(self.annotations("apps", "worker")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/team-a-worker-v2")

    def test_prune_without_scope_is_a_usage_error(self):
        path = self.write("a.yaml", service_account_set(None, TEAM_A))
        r = self.cli("-f", path, "--prune")
        self.assertFails(r, 2, "scope")
        self.assertEqual(self.emu.log(), [])
        self.assertEqual(self.kube.log(), [])

    def test_prune_with_include_is_a_usage_error(self):
        path = self.write("a.yaml", service_account_set("team-a", TEAM_A))
        r = self.cli("-f", path, "--prune", "--include", "apps/*")
        self.assertFails(r, 2, "--include")
        self.assertEqual(self.emu.log(), [])

    def test_eksctl_scope_is_the_cluster_name(self):
        path = self.write("cluster.yaml", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
                          "metadata: {name: demo, region: us-east-1}\niam:\n  serviceAccounts:\n"
                          "    - metadata: {name: s3, namespace: apps}\n"
                          "      roleName: demo-s3\n")
        self.assertOk(self.cli("-f", path))
        self.assertEqual(tags(self.roles()["demo-s3"])["irsactl.io/scope"], "demo")
        self.write("cluster.yaml", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
                   "metadata: {name: demo, region: us-east-1}\niam:\n  serviceAccounts: []\n")
        r = self.cli("-f", path, "--prune")
        self.assertOk(r)
        self.assertNotIn("demo-s3", self.roles())

    # ---- one-shot ----

    def test_one_shot_makes_provider_role_and_service_account(self):
        self.emu.reset()
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER}])
        self.emu.clear_log()
        args = ("--cluster", "demo", "-n", "shop", "-s", "api", "--policy", "s3-read:bucket=shop",
                "--attach-policy-arn", "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess",
                "--tag", "team=shop", "--detailed-exitcode")
        r = self.cli(*args)
        self.assertEqual(r.rc, 10, repr(r))
        self.assertIn("CreateOpenIDConnectProvider", self.mutating())
        role = self.roles()["irsa-demo-shop-api"]
        self.assertEqual(tags(role)["team"], "shop")
        self.assertEqual(sorted(role["inline_policies"]), ["irsactl-s3-read"])
        self.assertEqual(role["attached_policies"], ["arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"])
        self.assertEqual(self.annotations("shop", "api")[RA],
                         f"arn:aws:iam::{ACCOUNT}:role/irsa-demo-shop-api")
        self.emu.clear_log()
        self.kube.clear_log()
        r = self.cli(*args)
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.kube_writes(), [])

    def test_one_shot_role_only(self):
        r = self.cli("--cluster", "demo", "-n", "jobs", "-s", "export-*", "--role-only",
                     "--role-name", "jobs-export", "--max-session-duration", "7200")
        self.assertOk(r)
        role = self.roles()["jobs-export"]
        self.assertEqual(role["max_session_duration"], 7200)
        self.assertIn("system:serviceaccount:jobs:export-*", str(role["trust"]))
        self.assertEqual([e for e in self.kube.log() if e["write"]], [])

    def test_one_shot_bad_input_sends_nothing(self):
        for args, words in (
                (("--cluster", "demo", "-n", "shop", "-s", "api", "--policy", "no-such-template"),
                 "no-such-template"),
                (("--cluster", "demo", "-n", "Shop_", "-s", "api"), "Shop_"),
                (("--cluster", "demo", "-s", "api"), "--namespace"),
                (("-n", "shop", "-s", "api"), "--cluster"),
                (("--cluster", "demo", "-n", "shop", "-s", "api", "--max-session-duration", "60"),
                 "max-session-duration"),
                (("--cluster", "demo", "-n", "shop", "-s", "api", "--tag", "=x"), "tag")):
            r = self.cli(*args)
            self.assertFails(r, 2, words)
        self.assertEqual(self.emu.log(), [])
        self.assertEqual(self.kube.log(), [])

    def test_file_and_one_shot_flags_are_exclusive(self):
        path = self.write("a.yaml", service_account_set("team-a", TEAM_A))
        r = self.cli("-f", path, "--cluster", "demo")
        self.assertFails(r, 2, "cannot be combined")
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        r = self.cli("--cluster", "demo", "-n", "apps", "-s", "web", "--prune")
        self.assertFails(r, 2, "--prune needs -f")
        self.assertEqual(self.emu.log(), [])

    def test_completion_offers_the_new_flags(self):
        r = self.run_cli("__complete", "apply", "--")
        for flag in ("--prune", "--cluster", "--service-account", "--attach-policy-arn"):
            self.assertIn(flag, r.out.split())


if __name__ == "__main__":
    clitest.main()
