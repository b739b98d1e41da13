#!/usr/bin/python3
"""irsactl apply -f with EKS Pod Identity, against the AWS and Kubernetes
emulators: irsactl's format (mechanism: pod-identity | both) and eksctl's
iam.podIdentityAssociations[] make roles whose trust lets
pods.eks.amazonaws.com in, and the associations; a re-apply sends no
mutating request; --dry-run sends none; a changed role updates the
association."""
import os

import yaml  # python3-yaml

import clitest

ACCOUNT = "111122223333"
KEY = "oidc.eks.eu-west-1.amazonaws.com/id/0FEDCBA9876543210FEDCBA987654321"
ISSUER = "https://" + KEY
RA = "eks.amazonaws.com/role-arn"
BOUNDARY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
AGENT = {"eks-pod-identity-agent": {"version": "v1.3.4-eksbuild.1"}}
EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples",
                       "eksctl-pod-identity.yaml")

SET = """\
apiVersion: irsactl.io/v1alpha1
kind: ServiceAccountSet
clusters:
  - name: shop
serviceAccounts:
  - namespace: apps
    name: web
    mechanism: pod-identity
    roleName: shop-web
    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
    labels: {app: web}
    tags: {team: web}
  - namespace: apps
    name: both
    mechanism: both
    policies: [s3-read:bucket=assets]
  - namespace: apps
    name: classic
    roleName: shop-web
  - namespace: jobs
    name: cross
    mechanism: pod-identity
    roleName: shop-cross
    target: none
    targetRoleARN: arn:aws:iam::444455556666:role/data-reader
    disableSessionTags: true
"""


def statements(trust):
    return trust["Statement"]


def pod_identity_statements(trust):
    return [st for st in statements(trust)
            if st.get("Principal", {}).get("Service") == "pods.eks.amazonaws.com"]


def oidc_subjects(trust):
    out = []
    for st in statements(trust):
        for k, v in st.get("Condition", {}).get("StringEquals", {}).items():
            if k.endswith(":sub"):
                out += v if isinstance(v, list) else [v]
    return sorted(out)


class ApplyPodIdentityTest(clitest.AwsKubeEmulatorCase):
    def seed_aws(self):
        self.seed()

    def seed(self, addons=AGENT):
        self.emu.seed(
            clusters=[{"name": "shop", "issuer": ISSUER, "region": "eu-west-1", "addons": addons}],
            oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]}],
            policies=[{"name": "shop-boundary", "document": BOUNDARY}],
            roles=[{"name": "reporting-exporter"}])

    def apply(self, *args):
        return self.run_cli("apply", *args, **self.cli_env(region="eu-west-1"))

    def roles(self):
        return self.emu.state()["accounts"].get(ACCOUNT, {}).get("roles", {})

    def associations(self):
        for c in self.emu.state()["clusters"]:
            if c["name"] == "shop":
                return {(a["namespace"], a["serviceAccount"]): a for a in c["associations"].values()}
        return {}

    def mutating(self):
        return [r["action"] for r in self.emu.log() if r.get("mutating")]

    def calls(self, action):
        return [r for r in self.emu.log() if r.get("action") == action]

    def sa(self, ns, name):
        for sa in self.kube.state()["serviceaccounts"]:
            if sa["metadata"]["namespace"] == ns and sa["metadata"]["name"] == name:
                return sa
        return None

    def assert_noop(self, *args):
        self.emu.clear_log()
        self.kube.clear_log()
        r = self.apply(*args, "--detailed-exitcode", "--output", "json")
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(self.mutating(), [])
        self.assertEqual([e for e in self.kube.log() if e["write"]], [])
        self.assertEqual({o["status"] for o in r.json()["objects"]}, {"unchanged"})
        return r

    # -- irsactl's format -----------------------------------------------------------
    def test_own_format_creates_then_reapply_changes_nothing(self):
        path = self.write("pi.yaml", SET)
        r = self.apply("-f", path, "--detailed-exitcode")
        self.assertEqual(r.rc, 10, repr(r))
        roles = self.roles()
        # a role shared by a Pod Identity account and an IRSA account: both trusts,
        # and the OIDC statement names only the IRSA account
        web = roles["shop-web"]["trust"]
        self.assertEqual(len(pod_identity_statements(web)), 1)
        self.assertEqual(sorted(pod_identity_statements(web)[0]["Action"]),
                         ["sts:AssumeRole", "sts:TagSession"])
        self.assertEqual(oidc_subjects(web), ["system:serviceaccount:apps:classic"])
        # mechanism both: OIDC and Pod Identity in one role, the annotation and the association
        both = roles["irsa-shop-apps-both"]["trust"]
        self.assertEqual(oidc_subjects(both), ["system:serviceaccount:apps:both"])
        self.assertEqual(len(pod_identity_statements(both)), 1)
        self.assertEqual(self.sa("apps", "both")["metadata"]["annotations"][RA],
                         f"arn:aws:iam::{ACCOUNT}:role/irsa-shop-apps-both")
        # Pod Identity only: a role without any OIDC statement
        cross = roles["shop-cross"]["trust"]
        self.assertEqual(oidc_subjects(cross), [])
        self.assertEqual(len(statements(cross)), 1)
        assoc = self.associations()
        self.assertEqual(sorted(assoc), [("apps", "both"), ("apps", "web"), ("jobs", "cross")])
        self.assertEqual(assoc[("apps", "web")]["roleArn"], f"arn:aws:iam::{ACCOUNT}:role/shop-web")
        self.assertEqual(assoc[("apps", "web")]["tags"], {"team": "web"})
        self.assertEqual(assoc[("jobs", "cross")]["targetRoleArn"],
                         "arn:aws:iam::444455556666:role/data-reader")
        self.assertTrue(assoc[("jobs", "cross")]["disableSessionTags"])
        self.assertNotIn(("apps", "classic"), assoc)
        # the Pod Identity ServiceAccount: written with its labels, no role-arn annotation
        web_sa = self.sa("apps", "web")
        self.assertEqual(web_sa["metadata"].get("labels"), {"app": "web"})
        self.assertNotIn(RA, web_sa["metadata"].get("annotations") or {})
        self.assertIsNone(self.sa("jobs", "cross"))
        self.assertEqual(self.sa("apps", "classic")["metadata"]["annotations"][RA],
                         f"arn:aws:iam::{ACCOUNT}:role/shop-web")
        self.assertIn("Pod Identity association 'apps/web' created", r.err)
        self.assertEqual(self.mutating().count("CreatePodIdentityAssociation"), 3)
        # the cluster's associations are listed once, the agent checked once
        self.assertEqual(len(self.calls("ListPodIdentityAssociations")), 1)
        self.assertEqual(len(self.calls("DescribeAddon")), 1)
        self.assertNotIn("Pod Identity Agent", r.err)
        # a second run: no change, and every association described, none created
        r = self.assert_noop("-f", path)
        kinds = [o.get("target") for o in r.json()["objects"]]
        self.assertEqual(kinds.count("pod-identity-association"), 3)

    def test_dry_run_sends_nothing_and_shows_the_associations(self):
        path = self.write("pi.yaml", SET)
        r = self.apply("-f", path, "--dry-run", "--detailed-exitcode")
        self.assertEqual(r.rc, 10, repr(r))
        self.assertIn("create-pod-identity-association", r.out)
        self.assertIn(f"apps/web -> arn:aws:iam::{ACCOUNT}:role/shop-web", r.out)
        self.assertIn("data-reader (session tags off)", r.out)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.associations(), {})
        self.assertEqual(self.roles().keys(), {"reporting-exporter"})

    def test_changed_role_updates_the_association(self):
        path = self.write("pi.yaml", SET)
        self.assertOk(self.apply("-f", path))
        before = self.associations()[("apps", "web")]["id"]
        self.write("pi.yaml", SET.replace("roleName: shop-web\n    attachPolicyARNs",
                                          "roleName: shop-web2\n    attachPolicyARNs"))
        self.emu.clear_log()
        r = self.apply("-f", path, "--output", "json")
        self.assertOk(r)
        self.assertEqual(self.mutating().count("UpdatePodIdentityAssociation"), 1)
        self.assertNotIn("CreatePodIdentityAssociation", self.mutating())
        web = self.associations()[("apps", "web")]
        self.assertEqual(web["id"], before)
        self.assertEqual(web["roleArn"], f"arn:aws:iam::{ACCOUNT}:role/shop-web2")
        updated = [o for o in r.json()["objects"] if o.get("target") == "pod-identity-association"
                   and o["service_account"] == "web"]
        self.assertEqual(updated[0]["status"], "updated")
        self.assertIn("role ARN", updated[0]["actions"][0]["details"])
        self.assert_noop("-f", path)

    def test_manifest_target(self):
        text = SET.replace("    labels: {app: web}\n", "    labels: {app: web}\n    target: {manifest: out/web.yaml}\n")
        path = self.write("pi.yaml", text)
        self.assertOk(self.apply("-f", path))
        with open(os.path.join(self.home, "out", "web.yaml")) as f:
            doc = yaml.safe_load(f)
        self.assertEqual((doc["kind"], doc["metadata"]["namespace"], doc["metadata"]["name"]),
                         ("ServiceAccount", "apps", "web"))
        self.assertEqual(doc["metadata"]["labels"], {"app": "web"})
        self.assertNotIn(RA, doc["metadata"].get("annotations") or {})
        self.assertIsNone(self.sa("apps", "web"))
        self.assert_noop("-f", path)

    def test_missing_agent_is_a_warning(self):
        self.emu.reset()
        self.seed(addons={})
        path = self.write("pi.yaml", SET)
        r = self.apply("-f", path)
        self.assertOk(r)
        self.assertIn("the EKS Pod Identity Agent add-on is not installed in cluster 'shop'", r.err)
        self.assertIn("aws eks create-addon --cluster-name shop --addon-name eks-pod-identity-agent", r.err)

    def test_pod_identity_needs_an_eks_cluster(self):
        text = SET.replace("  - name: shop\n", "  - name: shop\n  - issuerURL: https://oidc.example.com\n"
                           "    createOIDCProvider: false\n")
        text = text.replace("    mechanism: pod-identity\n    roleName: shop-web\n",
                            "    mechanism: pod-identity\n    roleName: shop-web\n"
                            "    clusters: [shop, https://oidc.example.com]\n")
        self.emu.seed(oidc_providers=[{"url": "https://oidc.example.com"}])
        r = self.apply("-f", self.write("pi.yaml", text))
        self.assertEqual(r.rc, 2, repr(r))
        self.assertIn("Pod Identity needs an EKS cluster; 'https://oidc.example.com' is a "
                      "self-managed issuer", r.err)
        # the others went on
        self.assertIn(("apps", "web"), self.associations())

    def test_missing_cluster(self):
        text = SET.replace("  - name: shop\n", "  - name: shop\n  - name: gone\n    createOIDCProvider: false\n"
                           "defaults:\n  clusters: [shop]\n")
        text = text.replace("    roleName: shop-cross\n", "    roleName: shop-cross\n    clusters: [gone]\n")
        r = self.apply("-f", self.write("pi.yaml", text))
        self.assertEqual(r.rc, 4, repr(r))
        self.assertIn("role 'shop-cross' failed", r.err)
        self.assertIn("EKS cluster 'gone' not found in region 'eu-west-1'", r.err)
        self.assertIn("2 of 10 objects failed", r.err)  # the role and its association
        # no role for an association that cannot be made; the others went on
        self.assertNotIn("shop-cross", self.roles())
        self.assertIn(("apps", "web"), self.associations())

    def test_bad_files_send_nothing(self):
        for text, message in (
                (SET.replace("mechanism: both", "mechanism: pod-identiy"),
                 "did you mean 'pod-identity'?"),
                (SET.replace("    name: classic\n", "    name: classic\n    disableSessionTags: true\n"),
                 "'disableSessionTags' is a Pod Identity field"),
                (SET.replace("    name: web\n", "    name: \"web-*\"\n"),
                 "a Pod Identity association names one service account"),
                (SET.replace("targetRoleARN: arn:aws:iam::444455556666:role/data-reader",
                             "targetRoleARN: data-reader"),
                 "targetRoleARN: ")):
            self.emu.clear_log()
            r = self.apply("-f", self.write("bad.yaml", text))
            self.assertEqual(r.rc, 2, repr(r))
            self.assertIn(message, r.err)
            self.assertEqual(self.mutating(), [])

    # -- eksctl's ClusterConfig ------------------------------------------------------
    def test_eksctl_example(self):
        exporter_before = self.roles()["reporting-exporter"]
        r = self.apply("-f", EXAMPLE, "--detailed-exitcode")
        self.assertEqual(r.rc, 10, repr(r))
        self.assertIn("ignoring the sections that are not about IAM: addons", r.err)
        roles = self.roles()
        pay = roles["shop-checkout-payments"]
        self.assertEqual(len(pod_identity_statements(pay["trust"])), 1)
        self.assertEqual(oidc_subjects(pay["trust"]), [])
        self.assertEqual(pay["attached_policies"], ["arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"])
        self.assertEqual(pay["inline_policies"]["irsactl-inline-policy"]["Statement"][0]["Action"],
                         ["dynamodb:GetItem", "dynamodb:PutItem"])
        self.assertEqual(pay["permissions_boundary"], f"arn:aws:iam::{ACCOUNT}:policy/shop-boundary")
        self.assertIn({"Key": "team", "Value": "checkout"}, pay["tags"])
        dns = roles["irsa-shop-kube-system-external-dns"]
        self.assertIn("irsactl-external-dns", dns["inline_policies"])
        # roleARN: the role is used, not changed
        self.assertEqual(roles["reporting-exporter"], exporter_before)
        assoc = self.associations()
        self.assertEqual(sorted(assoc), [("analytics", "reader"), ("checkout", "payments"),
                                         ("kube-system", "external-dns"), ("reporting", "exporter")])
        self.assertEqual(assoc[("reporting", "exporter")]["roleArn"],
                         f"arn:aws:iam::{ACCOUNT}:role/reporting-exporter")
        self.assertTrue(assoc[("reporting", "exporter")]["disableSessionTags"])
        self.assertEqual(assoc[("analytics", "reader")]["targetRoleArn"],
                         "arn:aws:iam::444455556666:role/analytics-data-reader")
        self.assertEqual(assoc[("checkout", "payments")]["tags"], {"team": "checkout"})
        # createServiceAccount: true makes the ServiceAccount (no annotation); false does not
        pay_sa = self.sa("checkout", "payments")
        self.assertIsNotNone(pay_sa)
        self.assertNotIn(RA, pay_sa["metadata"].get("annotations") or {})
        self.assertIsNone(self.sa("kube-system", "external-dns"))
        self.assert_noop("-f", EXAMPLE)

    def test_eksctl_service_role_boundary_bounds_pod_identity_roles(self):
        text = f"""\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {{name: shop, region: eu-west-1}}
iam:
  serviceRolePermissionsBoundary: arn:aws:iam::{ACCOUNT}:policy/shop-boundary
  podIdentityAssociations:
    - namespace: checkout
      serviceAccountName: payments
      roleName: shop-pi-payments
      permissionPolicyARNs: [arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess]
    - namespace: checkout
      serviceAccountName: audit
      roleName: shop-pi-audit
      permissionsBoundaryARN: arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess
    - namespace: reporting
      serviceAccountName: exporter
      roleARN: arn:aws:iam::{ACCOUNT}:role/reporting-exporter
  serviceAccounts:
    - metadata: {{namespace: checkout, name: legacy}}
      roleName: shop-irsa-legacy
      roleOnly: true
"""
        path = self.write("boundary.yaml", text)
        exporter_before = self.roles()["reporting-exporter"]
        r = self.apply("-f", path, "--detailed-exitcode")
        self.assertEqual(r.rc, 10, repr(r))
        roles = self.roles()
        cluster_boundary = f"arn:aws:iam::{ACCOUNT}:policy/shop-boundary"
        # the Pod Identity role is bounded as the IRSA one is
        self.assertEqual(len(pod_identity_statements(roles["shop-pi-payments"]["trust"])), 1)
        self.assertEqual(roles["shop-pi-payments"]["permissions_boundary"], cluster_boundary)
        self.assertEqual(roles["shop-irsa-legacy"]["permissions_boundary"], cluster_boundary)
        # an association's own boundary wins; a roleARN is not touched
        self.assertEqual(roles["shop-pi-audit"]["permissions_boundary"],
                         "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
        self.assertEqual(roles["reporting-exporter"], exporter_before)
        self.assertEqual(len(self.calls("PutRolePermissionsBoundary")), 0)  # set by CreateRole
        self.assert_noop("-f", path)

    def test_eksctl_dry_run(self):
        r = self.apply("-f", EXAMPLE, "--dry-run", "--output", "json")
        self.assertOk(r)
        objs = [o for o in r.json()["objects"] if o.get("target") == "pod-identity-association"]
        self.assertEqual(sorted((o["namespace"], o["status"]) for o in objs),
                         [("analytics", "create"), ("checkout", "create"), ("kube-system", "create"),
                          ("reporting", "create")])
        self.assertEqual(self.mutating(), [])

    def test_eksctl_role_arn_with_role_fields_is_refused(self):
        with open(EXAMPLE) as f:
            text = f.read()
        text = text.replace("      roleARN: arn:aws:iam::111122223333:role/reporting-exporter\n",
                                            "      roleARN: arn:aws:iam::111122223333:role/reporting-exporter\n"
                                            "      roleName: other\n")
        r = self.apply("-f", self.write("bad.yaml", text))
        self.assertEqual(r.rc, 2, repr(r))
        self.assertIn("'roleName' cannot go with 'roleARN'", r.err)
        self.assertEqual(self.mutating(), [])


if __name__ == "__main__":
    clitest.main()
