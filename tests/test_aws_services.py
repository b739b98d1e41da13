#!/usr/bin/python3
"""The EKS Pod Identity / add-on calls and the IAM managed-policy calls of the
engine (irsa/eks.h, irsa/iam.h), driven through tests/aws-service-driver
against the AWS emulator: requests the strict emulator accepts, answers
decoded, every page followed, errors reworded."""

import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "emulator"))

from clitest import IRSACTL, clean_env  # noqa: E402
from aws_harness import AwsEmulator, client_env  # noqa: E402

DRIVER = os.environ.get("IRSACTL_AWS_DRIVER") or os.path.join(
    os.path.dirname(os.path.abspath(IRSACTL)), "..", "..", "tests", "aws-service-driver")
ACCT = "111122223333"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
OTHER = f"arn:aws:iam::{ACCT}:role/other"
TARGET = "arn:aws:iam::444455556666:role/target"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"

EMU = None


def setUpModule():
    global EMU
    EMU = AwsEmulator(page_size=2).start()


def tearDownModule():
    EMU.stop()


class ServiceCase(unittest.TestCase):
    def setUp(self):
        EMU.reset()
        EMU.seed(clusters=[{"name": "demo", "issuer": ISSUER, "addons": {
            "eks-pod-identity-agent": {"version": "v1.3.4-eksbuild.1"}}},
            {"name": "bare", "issuer": ISSUER}])

    def driver(self, *args):
        env = clean_env("/nonexistent", client_env(EMU.url))
        proc = subprocess.run([DRIVER] + list(args), env=env, capture_output=True, text=True,
                              timeout=60)
        out = json.loads(proc.stdout) if proc.stdout.strip() else None
        return proc.returncode, out, proc.stderr

    def ok(self, *args):
        rc, out, err = self.driver(*args)
        self.assertEqual(rc, 0, err)
        return out

    def mutating(self):
        return [r["action"] for r in EMU.log() if r["mutating"] and r["status"] == 200]


class AddonTests(ServiceCase):
    def test_agent_installed_or_not(self):
        out = self.ok("addon", "demo", "eks-pod-identity-agent")
        self.assertEqual(out, {"name": "eks-pod-identity-agent", "version": "v1.3.4-eksbuild.1",
                               "status": "ACTIVE"})
        rc, _, err = self.driver("addon", "bare", "eks-pod-identity-agent")
        self.assertEqual(rc, 4, err)  # not found
        self.assertIn("the add-on 'eks-pod-identity-agent' is not installed in EKS cluster "
                      "'bare'", err)
        rc, _, err = self.driver("addon", "nope", "eks-pod-identity-agent")
        self.assertEqual(rc, 4, err)
        self.assertIn("EKS cluster 'nope' not found in region 'us-east-1'", err)


class PodIdentityTests(ServiceCase):
    def test_lifecycle(self):
        a = self.ok("pi-create", "demo", "default", "app", ROLE)
        self.assertRegex(a["associationId"], r"^a-[0-9a-z]{17}$")
        self.assertEqual((a["cluster"], a["namespace"], a["serviceAccount"], a["roleArn"]),
                         ("demo", "default", "app", ROLE))
        self.assertEqual(a["tags"], {"managed-by": "irsactl"})
        self.assertIsNone(a["targetRoleArn"])
        self.assertFalse(a["disableSessionTags"])
        # The real error for a second association of the same service account.
        rc, _, err = self.driver("pi-create", "demo", "default", "app", OTHER)
        self.assertEqual(rc, 5, err)  # conflict
        self.assertIn("service account 'default/app' in EKS cluster 'demo' has a Pod Identity "
                      "association already", err)
        self.assertIn("code=ResourceInUseException status=409", err)
        # Update: role, target role (cross-account), session tags off.
        u = self.ok("pi-update", "demo", a["associationId"], OTHER, TARGET)
        self.assertEqual((u["roleArn"], u["targetRoleArn"], u["disableSessionTags"]),
                         (OTHER, TARGET, True))
        self.assertTrue(u["externalId"])
        d = self.ok("pi-describe", "demo", a["associationId"])
        self.assertEqual(d["roleArn"], OTHER)
        self.assertEqual(self.ok("pi-delete", "demo", a["associationId"]), {"deleted": True})
        rc, _, err = self.driver("pi-describe", "demo", a["associationId"])
        self.assertEqual(rc, 4, err)
        self.assertEqual(self.mutating(), ["CreatePodIdentityAssociation",
                                           "UpdatePodIdentityAssociation",
                                           "DeletePodIdentityAssociation"])

    def test_target_role_gets_an_external_id(self):
        a = self.ok("pi-create", "demo", "jobs", "worker", ROLE, TARGET)
        self.assertEqual(a["targetRoleArn"], TARGET)
        self.assertTrue(a["externalId"])

    def test_list_follows_every_page_and_filters(self):
        for i in range(5):
            self.ok("pi-create", "demo", "team-a" if i % 2 else "team-b", f"sa{i}", ROLE)
        EMU.clear_log()
        items = self.ok("pi-list", "demo")
        self.assertEqual(sorted(x["serviceAccount"] for x in items),
                         ["sa0", "sa1", "sa2", "sa3", "sa4"])
        # page size 2: three requests
        self.assertEqual([r["action"] for r in EMU.log()], ["ListPodIdentityAssociations"] * 3)
        self.assertTrue(all(x["associationId"] and x["roleArn"] is None for x in items))
        items = self.ok("pi-list", "demo", "team-a")
        self.assertEqual([x["serviceAccount"] for x in items], ["sa1", "sa3"])
        self.assertEqual(self.ok("pi-list", "bare"), [])

    def test_find_the_association_of_a_service_account(self):
        for sa in ("a1", "a2", "a3", "app"):
            self.ok("pi-create", "demo", "default", sa, ROLE)
        self.ok("pi-create", "demo", "other", "app", OTHER)
        EMU.clear_log()
        found = self.ok("pi-find", "demo", "other", "app")
        self.assertEqual((found["namespace"], found["serviceAccount"], found["roleArn"]),
                         ("other", "app", OTHER))
        self.assertEqual([r["action"] for r in EMU.log()],
                         ["ListPodIdentityAssociations", "DescribePodIdentityAssociation"])
        self.assertEqual(self.ok("pi-find", "demo", "other", "nobody"), {"found": False})

    def test_missing_cluster_is_one_clear_error(self):
        for args in (("pi-create", "nope", "default", "app", ROLE), ("pi-list", "nope")):
            rc, out, err = self.driver(*args)
            self.assertEqual(rc, 4, err)
            self.assertIsNone(out)
            self.assertIn("EKS cluster 'nope' not found in region 'us-east-1'; check the name "
                          "and --region", err)
        self.assertEqual(self.mutating(), [])


class ManagedPolicyTests(ServiceCase):
    def test_tags_and_roles_using_a_policy(self):
        doc = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
        import botocore.session
        iam = botocore.session.Session().create_client(
            "iam", region_name="us-east-1", endpoint_url=EMU.url,
            aws_access_key_id="AKIAIRSATESTALICE01",
            aws_secret_access_key=client_env(EMU.url)["AWS_SECRET_ACCESS_KEY"])
        arn = iam.create_policy(PolicyName="irsactl-s3-read", PolicyDocument=doc, Tags=[
            {"Key": "managed-by", "Value": "irsactl"}])["Policy"]["Arn"]
        for name in ("r1", "r2", "r3"):
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        out = self.ok("policy-get", arn)
        self.assertEqual(out, {"arn": arn, "defaultVersionId": "v1", "attachmentCount": 3,
                               "tags": {"managed-by": "irsactl"}})
        self.assertEqual(self.ok("policy-roles", arn), ["r1", "r2", "r3"])
        rc, _, err = self.driver("policy-roles", f"arn:aws:iam::{ACCT}:policy/none")
        self.assertEqual(rc, 4, err)

    def test_ensure_creates_then_versions_and_rotates(self):
        def doc(bucket):
            return json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*"}]})

        arn = f"arn:aws:iam::{ACCT}:policy/irsactl-s3-read"
        out = self.ok("mp-ensure", "irsactl-s3-read", doc("b0"))
        self.assertEqual(out, {"arn": arn, "step": "create", "deleted": None})
        self.assertEqual(self.ok("policy-get", arn)["tags"], {"managed-by": "irsactl"})
        # the same document again (in another shape): no mutating request
        EMU.clear_log()
        reshaped = json.dumps({"Statement": {"Resource": ["arn:aws:s3:::b0/*"],
                                             "Action": ["s3:GetObject"], "Effect": "Allow"},
                               "Version": "2012-10-17"})
        self.assertEqual(self.ok("mp-ensure", "irsactl-s3-read", reshaped)["step"], "unchanged")
        self.assertEqual(self.mutating(), [])
        # changes: new default versions v2..v5; the sixth deletes the oldest (v1)
        for i in range(1, 5):
            self.assertEqual(self.ok("mp-ensure", "irsactl-s3-read", doc(f"b{i}")),
                             {"arn": arn, "step": "new-version", "deleted": None})
        EMU.clear_log()
        self.assertEqual(self.ok("mp-ensure", "irsactl-s3-read", doc("b5")),
                         {"arn": arn, "step": "new-version", "deleted": "v1"})
        self.assertEqual(self.mutating(), ["DeletePolicyVersion", "CreatePolicyVersion"])
        pol = EMU.state()["accounts"][ACCT]["policies"][arn]
        self.assertEqual(pol["default_version"], "v6")
        self.assertEqual(sorted(pol["versions"]), ["v2", "v3", "v4", "v5", "v6"])
        self.assertIn("arn:aws:s3:::b5/*", pol["versions"]["v6"]["document_raw"])


if __name__ == "__main__":
    unittest.main()
