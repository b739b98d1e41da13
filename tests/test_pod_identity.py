#!/usr/bin/python3
"""pod-identity create / list / delete and migrate-to-pod-identity against the
local AWS emulator (one association per list page, so every listing follows
nextToken) and, for the migration, the Kubernetes emulator: the role and
association EKS ends up holding, idempotence (no mutating request on a second
run), dry runs, the agent check, and input errors that fail before any
request."""
import json

import clitest

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
KEY = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER = "https://" + KEY
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{KEY}"
ROLE = "demo-web"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
AGENT = {"eks-pod-identity-agent": {"version": "v1.3.4-eksbuild.1"}}

POD_IDENTITY = {"Sid": "IrsactlPodIdentity", "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"]}
HAND_WRITTEN = {"Sid": "Ec2", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}
EXIT_USAGE, EXIT_NOT_FOUND, EXIT_CONFLICT = 2, 4, 5


def fnv1a(s):
    h = 2166136261
    for b in s.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "%08x" % h


def oidc_statement(*subs):
    sub = subs[0] if len(subs) == 1 else list(subs)
    return {"Sid": "IrsactlOidc" + fnv1a(PROVIDER + "\nsts.amazonaws.com"), "Effect": "Allow",
            "Principal": {"Federated": PROVIDER}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{KEY}:aud": "sts.amazonaws.com",
                                           f"{KEY}:sub": sub}}}


def trust(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def same_statements(a, b):
    key = lambda st: json.dumps(st, sort_keys=True)
    return sorted(map(key, a["Statement"])) == sorted(map(key, b["Statement"]))


class EmulatedCase(clitest.AwsEmulatorCase):
    aws_page_size = 1

    def setUp(self):
        super().setUp()
        self.extra_env = dict(self.emu.env())

    def seed_aws(self):
        self.seed()

    def seed(self, addons=AGENT, **extra):
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER, "addons": addons}],
                      oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]}],
                      **extra)

    # -- state -------------------------------------------------------------------
    def state(self):
        return self.emu.state()

    def role(self, name=ROLE):
        return self.state()["accounts"][ACCOUNT]["roles"].get(name)

    def associations(self):
        (cluster,) = [c for c in self.state()["clusters"] if c["name"] == "demo"]
        return list(cluster["associations"].values())

    def association(self, ns="apps", sa="web"):
        found = [a for a in self.associations() if (a["namespace"], a["serviceAccount"]) == (ns, sa)]
        return found[0] if found else None

    def log(self):
        return self.emu.log()

    def mutating(self):
        return [r["action"] for r in self.log() if r.get("mutating")]

    def create(self, *extra, sa="web", role=("--role-name", ROLE)):
        return self.run_cli("pod-identity", "create", "--cluster", "demo", "-n", "apps", "-s", sa,
                            *role, *extra)

class PodIdentityCase(EmulatedCase):
    # -- create ------------------------------------------------------------------
    def test_create_role_and_association_then_nothing(self):
        r = self.create("--policy", "s3-read:bucket=demo-bucket", "--tag", "team=web")
        self.assertOk(r)
        self.assertIn(f"{ROLE_ARN} created", r.out)
        self.assertIn("Pod Identity association 'apps/web' in cluster 'demo' created", r.out)
        self.assertEqual(self.mutating(),
                         ["CreateRole", "PutRolePolicy", "CreatePodIdentityAssociation"])
        role = self.role()
        self.assertEqual(role["trust"], trust(POD_IDENTITY))
        self.assertIn("irsactl-s3-read", role["inline_policies"])
        a = self.association()
        self.assertEqual(a["roleArn"], ROLE_ARN)
        self.assertEqual(a["tags"], {"team": "web"})
        self.assertFalse(a["disableSessionTags"])
        self.assertNotIn("warning", r.err)

        self.emu.clear_log()
        r = self.create("--policy", "s3-read:bucket=demo-bucket", "--tag", "team=web",
                        "-o", "json")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        report = r.json()
        self.assertEqual(report["status"], "unchanged")
        self.assertEqual(report["actions"], [])
        self.assertEqual(report["association"]["association_id"], a["id"])
        self.assertEqual([o["status"] for o in report["objects"]], ["unchanged", "unchanged"])

    def test_tags_of_an_existing_association_are_left(self):
        self.assertOk(self.create("--tag", "team=web"))
        self.emu.clear_log()
        r = self.create("--tag", "team=api")
        self.assertOk(r)
        self.assertIn("--tag applies to a new association only", r.err)
        self.assertEqual(self.mutating(), ["TagRole"])
        self.assertEqual(self.association()["tags"], {"team": "web"})

    def test_customer_managed_policy_as_create_role_makes_it(self):
        r = self.create("--managed-policy", "s3-read:bucket=demo-bucket")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["CreateRole", "CreatePolicy", "AttachRolePolicy",
                                           "CreatePodIdentityAssociation"])
        self.assertEqual(len(self.role()["attached_policies"]), 1)
        self.emu.clear_log()
        self.assertOk(self.create("--managed-policy", "s3-read:bucket=demo-bucket"))
        self.assertEqual(self.mutating(), [])

    def test_foreign_statements_kept_and_irsa_trust_too(self):
        self.seed(roles=[{"name": ROLE, "trust": trust(HAND_WRITTEN, oidc_statement(
            "system:serviceaccount:apps:web"))}])
        r = self.create()
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["UpdateAssumeRolePolicy", "CreatePodIdentityAssociation"])
        self.assertTrue(same_statements(self.role()["trust"], trust(
            HAND_WRITTEN, oidc_statement("system:serviceaccount:apps:web"), POD_IDENTITY)))

    def test_dry_run_shows_every_step_and_sends_nothing(self):
        r = self.create("--policy", "s3-read:bucket=demo-bucket", "--dry-run", "-o", "json")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        report = r.json()
        self.assertIs(report["dry_run"], True)
        self.assertEqual([a["verb"] for a in report["actions"]],
                         ["create-role", "put-role-policy", "create-pod-identity-association"])
        self.assertEqual(report["actions"][0]["document"], trust(POD_IDENTITY))
        self.assertEqual(report["actions"][2]["document"],
                         {"namespace": "apps", "serviceAccount": "web", "roleArn": ROLE_ARN})
        self.assertIsNone(self.role())
        self.assertEqual(self.associations(), [])
        r = self.create("--dry-run")
        self.assertOk(r)
        self.assertIn("would be created (dry run)", r.out)
        self.assertIn("create-pod-identity-association apps/web", r.out)
        self.assertIn('"Sid": "IrsactlPodIdentity"', r.out)

    def test_templates_take_the_cluster(self):
        r = self.create("--policy", "cluster-autoscaler", "--dry-run", "-o", "json",
                        sa="cluster-autoscaler")
        self.assertOk(r)
        (put,) = [a for a in r.json()["actions"] if a["verb"] == "put-role-policy"]
        self.assertIn("aws:ResourceTag/k8s.io/cluster-autoscaler/demo", json.dumps(put["document"]))

    def test_one_role_for_many_namespaces_through_session_tags(self):
        spec = "s3-readwrite:bucket=demo-bucket,prefix=teams,prefix-by-namespace=true"
        for ns in ("apps", "jobs"):
            self.assertOk(self.run_cli("pod-identity", "create", "--cluster", "demo", "-n", ns,
                                       "-s", "worker", "--role-name", ROLE, "--policy", spec))
        doc = self.role()["inline_policies"]["irsactl-s3-readwrite"]
        objects = [st for st in doc["Statement"] if st["Sid"] == "ReadWriteObjectsByNamespace"]
        self.assertEqual(objects[0]["Resource"], "arn:aws:s3:::demo-bucket/teams/"
                         "${aws:PrincipalTag/kubernetes-namespace}/*")
        self.assertNotIn("ReadWriteObjects", [st["Sid"] for st in doc["Statement"]])
        self.assertEqual(sorted(a["namespace"] for a in self.associations()), ["apps", "jobs"])
        self.emu.clear_log()
        r = self.create("--disable-session-tags", "--policy", spec, sa="worker")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["UpdatePodIdentityAssociation"])
        self.assertIn("the policy 'irsactl-s3-readwrite' uses EKS session tags", r.err)

    def test_update_when_the_role_or_settings_change(self):
        self.assertOk(self.create())
        first = self.association()
        self.emu.clear_log()
        r = self.create(role=("--role-name", "demo-web-2"))
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["CreateRole", "UpdatePodIdentityAssociation"])
        a = self.association()
        self.assertEqual(a["id"], first["id"])
        self.assertEqual(a["roleArn"], f"arn:aws:iam::{ACCOUNT}:role/demo-web-2")
        self.assertIn("Pod Identity association 'apps/web' in cluster 'demo' updated", r.out)

        self.emu.clear_log()
        r = self.create("--disable-session-tags", "--dry-run", "-o", "json",
                        role=("--role-arn", ROLE_ARN))
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        (action,) = r.json()["actions"]
        self.assertEqual(action["verb"], "update-pod-identity-association")
        self.assertEqual(action["target"], first["id"])
        self.assertEqual(action["changes"]["role_arn"],
                         {"from": f"arn:aws:iam::{ACCOUNT}:role/demo-web-2", "to": ROLE_ARN})
        self.assertEqual(action["changes"]["disable_session_tags"], {"from": False, "to": True})
        self.assertOk(self.create("--disable-session-tags", role=("--role-arn", ROLE_ARN)))
        self.assertEqual(self.mutating(), ["UpdatePodIdentityAssociation"])
        self.assertTrue(self.association()["disableSessionTags"])
        self.assertEqual(self.association()["roleArn"], ROLE_ARN)

    def test_target_role_in_another_account(self):
        target = f"arn:aws:iam::{OTHER_ACCOUNT}:role/shared-data"
        r = self.create("--target-role-arn", target)
        self.assertOk(r)
        a = self.association()
        self.assertEqual(a["targetRoleArn"], target)
        self.assertTrue(a["externalId"])
        self.assertIn(f"the target role '{target}' must trust '{ROLE_ARN}'", r.err)
        self.emu.clear_log()
        self.assertOk(self.create("--target-role-arn", target))
        self.assertEqual(self.mutating(), [])
        # dropping the target is an update (targetRoleArn sent empty)
        self.assertOk(self.create())
        self.assertEqual(self.mutating(), ["UpdatePodIdentityAssociation"])
        self.assertFalse(self.association().get("targetRoleArn"))

    def test_role_arn_used_as_it_is_with_warnings(self):
        self.seed(roles=[{"name": "plain", "trust": trust(HAND_WRITTEN)}])
        r = self.create(role=("--role-arn", f"arn:aws:iam::{ACCOUNT}:role/plain"))
        self.assertOk(r)
        self.assertIn("does not trust EKS Pod Identity", r.err)
        self.assertEqual(self.mutating(), ["CreatePodIdentityAssociation"])
        self.assertEqual(self.role("plain")["trust"], trust(HAND_WRITTEN))
        r = self.create(sa="api", role=("--role-arn", f"arn:aws:iam::{ACCOUNT}:role/missing"))
        self.assertOk(r)
        self.assertIn("role 'arn:aws:iam::111122223333:role/missing' does not exist", r.err)

    def test_role_of_another_account_is_refused_before_any_change(self):
        r = self.create(role=("--role-arn", f"arn:aws:iam::{OTHER_ACCOUNT}:role/app"))
        self.assertFails(r, EXIT_USAGE, "--target-role-arn")
        self.assertEqual(self.mutating(), [])

    def test_duplicate_association_409_is_exists(self):
        # the association EKS has but did not list (a concurrent run): 409 on create
        self.emu.faults([{"service": "eks", "action": "CreatePodIdentityAssociation",
                          "kind": "status", "status": 409, "code": "ResourceInUseException",
                          "message": "Association already exists: a-0123456789abcdef0",
                          "count": 1}])
        r = self.create("-o", "json")
        self.assertOk(r)
        (create,) = [a for a in r.json()["actions"] if a["verb"] == "create-pod-identity-association"]
        self.assertIn("exists", create["details"])
        self.assertIn("does not list it yet", r.err)

    def test_agent_warning_and_require_agent(self):
        self.emu.reset()
        self.seed(addons={})
        self.emu.clear_log()
        r = self.create()
        self.assertOk(r)
        self.assertIn("irsactl: warning: the EKS Pod Identity Agent add-on is not installed in "
                      "cluster 'demo'", r.err)
        self.assertIn("aws eks create-addon --cluster-name demo --addon-name "
                      "eks-pod-identity-agent", r.err)
        self.emu.clear_log()
        r = self.create("--require-agent", sa="api")
        self.assertFails(r, EXIT_NOT_FOUND, "aws eks create-addon")
        self.assertEqual(self.mutating(), [])
        self.emu.reset()
        self.seed(addons={"eks-pod-identity-agent": {"status": "DEGRADED"}})
        r = self.create("--require-agent")
        self.assertFails(r, EXIT_NOT_FOUND, "is DEGRADED, not ACTIVE")

    def test_missing_cluster_is_not_found_with_nothing_sent(self):
        r = self.run_cli("pod-identity", "create", "--cluster", "nope", "-n", "apps", "-s", "web",
                         "--role-name", ROLE)
        self.assertFails(r, EXIT_NOT_FOUND, "EKS cluster 'nope' not found")
        self.assertEqual(self.mutating(), [])
        r = self.run_cli("pod-identity", "list", "--cluster", "nope")
        self.assertFails(r, EXIT_NOT_FOUND, "EKS cluster 'nope' not found")

    def test_bad_input_exits_2_before_any_request(self):
        base = ["pod-identity", "create", "--cluster", "demo"]
        cases = [
            (base + ["-n", "apps", "-s", "web-*", "--role-name", ROLE], "web-*"),
            (base + ["-n", "Bad_NS", "-s", "web", "--role-name", ROLE], "Bad_NS"),
            (base + ["-n", "apps", "-s", "web"], "--role-name"),
            (base + ["-n", "apps", "-s", "web", "--role-name", ROLE, "--role-arn", ROLE_ARN],
             "not both"),
            (base + ["-n", "apps", "-s", "web", "--role-name", ROLE, "--policy", "no-such"],
             "no-such"),
            (base + ["-n", "apps", "-s", "web", "--role-name", ROLE, "--policy", "s3-read"],
             "bucket"),
            (base + ["-n", "apps", "-s", "web", "--role-arn", ROLE_ARN,
                     "--target-role-arn", ROLE_ARN], "own role"),
            (base + ["-n", "apps", "-s", "web", "--role-arn", ROLE_ARN, "--policy",
                     "s3-read:bucket=demo-bucket"], "need --role-name"),
            (base + ["-s", "web", "--role-name", ROLE], "--namespace"),
            (["pod-identity", "create", "-n", "apps", "-s", "web", "--role-name", ROLE], "--cluster"),
            (["pod-identity", "list", "--cluster", "demo", "--role-name", ROLE],
             "'pod-identity list' takes no --role-name"),
            (["pod-identity", "delete", "--cluster", "demo", "-n", "apps"], "--service-account"),
            (["pod-identity", "frobnicate"], "unknown 'pod-identity' subcommand"),
            (["pod-identity", "list"], "--cluster"),
            (["pod-identity", "list", "--cluster", "demo", "-n", "Bad_NS"], "Bad_NS"),
            (["migrate-to-pod-identity", "-n", "apps"], "--cluster"),
            (["migrate-to-pod-identity", "--cluster", "demo", "-n", "Bad_NS"], "Bad_NS"),
        ]
        for args, part in cases:
            with self.subTest(args=args):
                r = self.run_cli(*args)
                self.assertFails(r, EXIT_USAGE, part)
        self.assertEqual(self.log(), [])

    # -- list --------------------------------------------------------------------
    def test_list_every_page(self):
        for sa in ("web", "api", "worker"):
            self.assertOk(self.create(sa=sa))
        self.assertOk(self.run_cli("pod-identity", "create", "--cluster", "demo", "-n", "jobs",
                                   "-s", "batch", "--role-arn", ROLE_ARN))
        self.emu.clear_log()
        r = self.run_cli("pod-identity", "list", "--cluster", "demo", "-o", "json")
        self.assertOk(r)
        listed = r.json()["associations"]
        self.assertEqual([(a["namespace"], a["service_account"]) for a in listed],
                         [("apps", "api"), ("apps", "web"), ("apps", "worker"), ("jobs", "batch")])
        self.assertTrue(all(a["role_arn"] == ROLE_ARN for a in listed))
        pages = [x for x in self.log() if x["action"] == "ListPodIdentityAssociations"]
        self.assertEqual(len(pages), 4)  # one association per page
        r = self.run_cli("pod-identity", "list", "--cluster", "demo", "-n", "jobs")
        self.assertOk(r)
        lines = r.out.splitlines()
        self.assertTrue(lines[0].startswith("SERVICE ACCOUNT"))
        self.assertEqual(len(lines), 2)
        self.assertIn("jobs/batch", lines[1])
        self.assertIn(ROLE_ARN, lines[1])
        r = self.run_cli("pod-identity", "list", "--cluster", "demo", "-n", "jobs", "-o", "yaml")
        self.assertOk(r)
        self.assertIn("service_account: batch", r.out)

    # -- delete ------------------------------------------------------------------
    def test_delete_association_and_role(self):
        self.assertOk(self.create("--policy", "s3-read:bucket=demo-bucket"))
        self.emu.clear_log()
        r = self.run_cli("pod-identity", "delete", "--cluster", "demo", "-n", "apps", "-s", "web",
                         "--delete-role", "--dry-run")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        self.assertIn("would be deleted (dry run)", r.out)
        r = self.run_cli("pod-identity", "delete", "--cluster", "demo", "-n", "apps", "-s", "web",
                         "--delete-role")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["DeletePodIdentityAssociation", "DeleteRolePolicy",
                                           "DeleteRole"])
        self.assertIsNone(self.association())
        self.assertIsNone(self.role())
        r = self.run_cli("pod-identity", "delete", "--cluster", "demo", "-n", "apps", "-s", "web")
        self.assertOk(r)
        self.assertIn("absent", r.out)

    def test_delete_role_refuses_a_role_another_association_uses(self):
        self.assertOk(self.create())
        self.assertOk(self.create(sa="api", role=("--role-arn", ROLE_ARN)))
        self.emu.clear_log()
        r = self.run_cli("pod-identity", "delete", "--cluster", "demo", "-n", "apps", "-s", "web",
                         "--delete-role")
        self.assertFails(r, EXIT_CONFLICT, "also the role of service account 'apps/api'")
        self.assertEqual(self.mutating(), [])
        self.assertIsNotNone(self.role())

    def test_delete_role_refuses_a_role_irsactl_did_not_make(self):
        self.seed(roles=[{"name": "plain", "trust": trust(HAND_WRITTEN)}])
        self.assertOk(self.create(role=("--role-arn", f"arn:aws:iam::{ACCOUNT}:role/plain")))
        self.emu.clear_log()
        r = self.run_cli("pod-identity", "delete", "--cluster", "demo", "-n", "apps", "-s", "web",
                         "--delete-role")
        self.assertFails(r, EXIT_CONFLICT, "not made by irsactl")
        self.assertEqual(self.mutating(), [])
        self.assertIsNotNone(self.association())
        self.assertOk(self.run_cli("pod-identity", "delete", "--cluster", "demo", "-n", "apps",
                                   "-s", "web"))
        self.assertIsNotNone(self.role("plain"))


class MigrateCase(EmulatedCase, clitest.AwsKubeEmulatorCase):
    """The AWS emulator and the Kubernetes emulator holding the annotated SAs."""
    kube_namespaces = ()

    def setUp(self):
        super().setUp()
        self.emu.seed(roles=[
            {"name": ROLE, "trust": trust(HAND_WRITTEN, oidc_statement(
                "system:serviceaccount:apps:web", "system:serviceaccount:apps:api"))},
            {"name": "jobs-batch", "trust": trust(oidc_statement("system:serviceaccount:jobs:batch"))}])
        ann = lambda arn, **more: dict({"eks.amazonaws.com/role-arn": arn}, **more)
        self.kube.seed(namespaces=["apps", "jobs"], serviceaccounts=[
            {"namespace": "apps", "name": "web",
             "annotations": ann(ROLE_ARN, **{"eks.amazonaws.com/sts-regional-endpoints": "true"})},
            {"namespace": "apps", "name": "api", "annotations": ann(ROLE_ARN)},
            {"namespace": "apps", "name": "plain"},
            {"namespace": "jobs", "name": "batch",
             "annotations": ann(f"arn:aws:iam::{ACCOUNT}:role/jobs-batch")},
            {"namespace": "jobs", "name": "elsewhere",
             "annotations": ann(f"arn:aws:iam::{OTHER_ACCOUNT}:role/x")}])
        self.emu.clear_log()

    def migrate(self, *extra):
        return self.run_cli("migrate-to-pod-identity", "--cluster", "demo",
                            "--kubeconfig", self.kubeconfig, *extra)

    def sa(self, ns, name):
        (obj,) = [s for s in self.kube.state()["serviceaccounts"]
                  if s["metadata"]["namespace"] == ns and s["metadata"]["name"] == name]
        return obj

    def test_migrate_adds_pod_identity_and_keeps_irsa(self):
        r = self.migrate("-n", "apps", "--dry-run", "-o", "json")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        verbs = [a["verb"] for a in r.json()["actions"]]
        self.assertEqual(verbs, ["update-trust-policy", "create-pod-identity-association",
                                 "create-pod-identity-association"])
        r = self.migrate("-n", "apps")
        self.assertOk(r)
        self.assertEqual(self.mutating(), ["UpdateAssumeRolePolicy", "CreatePodIdentityAssociation",
                                           "CreatePodIdentityAssociation"])
        self.assertTrue(same_statements(self.role()["trust"], trust(
            HAND_WRITTEN, oidc_statement("system:serviceaccount:apps:web",
                                         "system:serviceaccount:apps:api"), POD_IDENTITY)))
        self.assertEqual(sorted(a["serviceAccount"] for a in self.associations()), ["api", "web"])
        self.assertIn("eks.amazonaws.com/role-arn", self.sa("apps", "web")["metadata"]["annotations"])
        self.assertEqual(self.kube.writes(), [])
        self.emu.clear_log()
        r = self.migrate("-n", "apps")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        self.assertIn("service account 'apps/web' unchanged", r.out)

    def test_migrate_every_namespace_with_remove_oidc_trust(self):
        r = self.migrate("--remove-oidc-trust")
        self.assertOk(r)
        self.assertIn(f"the role 'arn:aws:iam::{OTHER_ACCOUNT}:role/x' is in account", r.err)
        self.assertTrue(same_statements(self.role()["trust"], trust(HAND_WRITTEN, POD_IDENTITY)))
        self.assertEqual(self.role("jobs-batch")["trust"], trust(POD_IDENTITY))
        self.assertEqual(sorted((a["namespace"], a["serviceAccount"]) for a in self.associations()),
                         [("apps", "api"), ("apps", "web"), ("jobs", "batch")])
        for ns, name in (("apps", "web"), ("apps", "api"), ("jobs", "batch")):
            annotations = self.sa(ns, name)["metadata"].get("annotations") or {}
            self.assertFalse([k for k in annotations if k.startswith("eks.amazonaws.com/")],
                             (ns, name, annotations))
        self.assertIn("eks.amazonaws.com/role-arn",
                      self.sa("jobs", "elsewhere")["metadata"]["annotations"])
        self.emu.clear_log()
        self.kube.clear_log()
        r = self.migrate("--remove-oidc-trust")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.kube.writes(), [])

    def test_migrate_leaves_an_association_with_another_role(self):
        other = f"arn:aws:iam::{ACCOUNT}:role/chosen"
        self.assertOk(self.run_cli("pod-identity", "create", "--cluster", "demo", "-n", "apps",
                                   "-s", "web", "--role-arn", other, "--disable-session-tags"))
        self.emu.clear_log()
        r = self.migrate("-n", "apps", "-o", "json")
        self.assertOk(r)
        self.assertIn(f"with role '{other}', not its IRSA role '{ROLE_ARN}'", r.err)
        self.assertEqual(self.mutating(), ["UpdateAssumeRolePolicy", "CreatePodIdentityAssociation"])
        self.assertEqual(self.association("apps", "web")["roleArn"], other)
        self.assertTrue(self.association("apps", "web")["disableSessionTags"])
        self.assertEqual(self.association("apps", "api")["roleArn"], ROLE_ARN)

    def test_migrate_checks_the_trust_size_before_any_change(self):
        size = lambda doc: len(json.dumps(doc, separators=(",", ":")))
        subs = ["system:serviceaccount:apps:big"]
        while size(trust(oidc_statement(*subs))) + size(POD_IDENTITY) < 2100:
            subs.append(f"system:serviceaccount:apps:worker-{len(subs):03d}")
        big = trust(oidc_statement(*subs))
        after = size(trust(*big["Statement"], POD_IDENTITY))
        self.assertLessEqual(size(big), 2048)
        self.assertGreater(after, 2048)
        self.emu.seed(roles=[{"name": "big", "trust": big}])
        self.kube.reset()
        self.kube.seed(namespaces=["apps"], serviceaccounts=[
            {"namespace": "apps", "name": "big",
             "annotations": {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCOUNT}:role/big"}}])
        self.emu.clear_log()
        for extra in (["--dry-run"], []):
            with self.subTest(extra):
                r = self.migrate("-n", "apps", *extra)
                self.assertFails(r, EXIT_USAGE, f"role 'big': the trust policy is {after} "
                                 "characters long (without whitespace) and IAM allows 2048; ")
                self.assertIn("pass --trust-policy-limit 4096", r.err)
                self.assertEqual(self.mutating(), [])
                self.assertNotIn("ListPodIdentityAssociations",
                                 [e["action"] for e in self.log()])
                self.assertEqual(self.kube.writes(), [])
        self.assertEqual(self.role("big")["trust"], big)
        # a bad limit is refused before any request
        self.emu.clear_log()
        r = self.migrate("-n", "apps", "--trust-policy-limit", "5000")
        self.assertFails(r, EXIT_USAGE, "at most 4096")
        self.assertEqual(self.log(), [])
        # with the quota raised, the limit given: migrated
        self.emu.seed(quotas={"ACLSizePerRole": 4096})
        r = self.migrate("-n", "apps", "--trust-policy-limit", "4096")
        self.assertOk(r)
        self.assertEqual(self.role("big")["trust"], trust(*big["Statement"], POD_IDENTITY))
        self.assertEqual(self.association("apps", "big")["roleArn"],
                         f"arn:aws:iam::{ACCOUNT}:role/big")

    def test_migrate_nothing_annotated(self):
        self.kube.reset()
        self.kube.seed(namespaces=["apps"], serviceaccounts=[{"namespace": "apps", "name": "plain"}])
        r = self.migrate("-n", "apps")
        self.assertOk(r)
        self.assertIn("unchanged", r.out)
        self.assertIn("no ServiceAccount with an 'eks.amazonaws.com/role-arn' annotation", r.err)


class CompletionTest(clitest.CliTestCase):
    def complete(self, *words):
        r = self.run_cli("__complete", *words)
        self.assertOk(r)
        return r.out.split()

    def test_subcommands_and_their_options(self):
        self.assertIn("pod-identity", self.complete(""))
        self.assertIn("migrate-to-pod-identity", self.complete(""))
        self.assertEqual(self.complete("pod-identity", ""), ["create", "list", "delete"])
        listed = self.complete("pod-identity", "list", "--")
        self.assertIn("--namespace", listed)
        self.assertNotIn("--role-name", listed)
        deleting = self.complete("pod-identity", "delete", "--cluster", "demo", "--")
        self.assertIn("--delete-role", deleting)
        self.assertNotIn("--policy", deleting)
        creating = self.complete("pod-identity", "create", "--")
        for flag in ("--role-arn", "--target-role-arn", "--disable-session-tags",
                     "--require-agent", "--policy"):
            self.assertIn(flag, creating)
        self.assertNotIn("--delete-role", creating)
        self.assertIn("s3-read", self.complete("pod-identity", "create", "--policy", "s3"))
        self.assertIn("--remove-oidc-trust", self.complete("migrate-to-pod-identity", "--"))
        self.assertIn("--trust-policy-limit", self.complete("migrate-to-pod-identity", "--"))


if __name__ == "__main__":
    clitest.main()
