#!/usr/bin/python3
"""Parallel AWS reads through libcurl's multi interface against the strict AWS
emulator (every request checked against the service models): the roles of
many service accounts with one GetAccountAuthorizationDetails, or per role in
parallel rounds when that is denied; clusters described at once. Driven
through tests/aws-batch-driver.c (built next to the tests)."""
import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "emulator"))
from aws_harness import AwsEmulator, load_accounts  # noqa: E402
from clitest import IRSACTL  # noqa: E402

DRIVER = os.path.join(os.path.dirname(os.path.abspath(IRSACTL)), "..", "..", "tests",
                      "aws-batch-driver")
ALICE = "AKIAIRSATESTALICE01"
CAROL = "AKIAIRSATESTCAROL003"   # denied iam:GetAccountAuthorizationDetails
ACCT = "111122223333"
READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
INLINE = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
NAMES = [f"app{i}" for i in range(12)] + ["absent"]


class BatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = AwsEmulator()
        cls.emu.start()
        roles = [{"name": f"app{i}", "tags": {"team": f"t{i}"}} for i in range(12)]
        roles[0].update(attached_policies=[READ_ONLY], inline_policies={"irsactl-s3": INLINE},
                        permissions_boundary=READ_ONLY)
        cls.emu.seed(roles=roles, clusters=[
            {"name": "prod", "region": "us-east-1",
             "issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/PROD"},
            {"name": "dev", "region": "us-east-1",
             "issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/DEV"}])

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def setUp(self):
        self.emu.faults([])
        self.emu.clear_log()

    def run_driver(self, key, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.emu.env(key=key))
        p = subprocess.run([DRIVER] + list(args), env=env, capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def actions(self):
        return [r["action"] for r in self.emu.log()]

    def check_roles(self, out):
        roles = {r["name"]: r for r in out["roles"]}
        self.assertEqual(len(roles), 13)
        self.assertFalse(roles["absent"]["found"])
        self.assertNotIn("error", roles["absent"])
        a = roles["app0"]
        self.assertTrue(a["found"])
        self.assertEqual(a["attached"], [READ_ONLY])
        self.assertEqual(json.loads(a["inline"]["irsactl-s3"]), INLINE)
        self.assertEqual(a["boundary"], READ_ONLY)
        self.assertEqual(a["tags"], {"team": "t0"})
        self.assertEqual(json.loads(a["trust"])["Version"], "2012-10-17")
        for i in range(1, 12):
            r = roles[f"app{i}"]
            self.assertTrue(r["found"])
            self.assertEqual((r["attached"], r["inline"], r["tags"]), ([], {}, {"team": f"t{i}"}))

    def test_bulk_read_when_allowed(self):
        out = self.run_driver(ALICE, "roles", *NAMES)
        self.assertTrue(out["bulk"])
        self.check_roles(out)
        self.assertEqual(self.actions(), ["GetAccountAuthorizationDetails"])

    def test_per_role_rounds_when_denied(self):
        out = self.run_driver(CAROL, "roles", *NAMES)
        self.assertFalse(out["bulk"])
        self.check_roles(out)
        acts = self.actions()
        self.assertEqual(acts.count("GetAccountAuthorizationDetails"), 1)
        self.assertEqual(acts.count("GetRole"), 13)
        # nothing more is read for the absent role
        self.assertEqual(acts.count("ListAttachedRolePolicies"), 12)
        self.assertEqual(acts.count("ListRolePolicies"), 12)
        self.assertEqual(acts.count("GetRolePolicy"), 1)
        self.assertEqual(len(acts), 1 + 13 + 24 + 1)
        self.assertFalse(any(r["mutating"] for r in self.emu.log()))

    def test_rounds_run_in_parallel_and_throttling_only_slows_them(self):
        # 100 ms per request: 39 requests one after another take 3.9 s; four
        # rounds of at most 8 at once take about 0.8 s.
        self.emu.faults([{"service": "iam", "kind": "latency", "ms": 100}])
        start = time.monotonic()
        out = self.run_driver(CAROL, "--concurrency", "8", "roles", *NAMES)
        took = time.monotonic() - start
        self.check_roles(out)
        print(f"# 39 IAM reads of 100 ms, 8 at once: {took:.2f} s", file=sys.stderr)
        self.assertLess(took, 2.5)
        # The first 8 GetRole throttled (all of the first wave): the number in
        # flight drops to one, each is retried once, every role is still read.
        self.emu.faults([{"service": "iam", "action": "GetRole", "kind": "throttle",
                          "count": 8}])
        self.emu.clear_log()
        env_base = os.environ.get("IRSACTL_RETRY_BASE_DELAY_MS")
        os.environ["IRSACTL_RETRY_BASE_DELAY_MS"] = "10"
        try:
            out = self.run_driver(CAROL, "roles", *NAMES)
        finally:
            if env_base is None:
                del os.environ["IRSACTL_RETRY_BASE_DELAY_MS"]
            else:
                os.environ["IRSACTL_RETRY_BASE_DELAY_MS"] = env_base
        self.check_roles(out)
        self.assertEqual(self.actions().count("GetRole"), 13 + 8)

    def test_clusters_described_at_once(self):
        out = self.run_driver(ALICE, "clusters", "prod", "dev", "nope")
        got = {c["name"]: c for c in out["clusters"]}
        self.assertEqual(got["prod"]["issuer"], "https://oidc.eks.us-east-1.amazonaws.com/id/PROD")
        self.assertEqual(got["dev"]["issuer"], "https://oidc.eks.us-east-1.amazonaws.com/id/DEV")
        self.assertIn("EKS cluster 'nope' not found", got["nope"]["error"])
        self.assertEqual(sorted(self.actions()), ["DescribeCluster"] * 3)


class PagedBatchTest(unittest.TestCase):
    """The emulator answers one item a page (as IAM does with MaxItems=1):
    every list, the bulk read's and each role's, is followed by its Marker
    to the end."""
    ATTACHED = [READ_ONLY, "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
                f"arn:aws:iam::{ACCT}:policy/app0-extra"]
    INLINES = {"irsactl-s3": INLINE, "irsactl-more": INLINE}

    @classmethod
    def setUpClass(cls):
        cls.emu = AwsEmulator(page_size=1)
        cls.emu.start()
        roles = [{"name": f"app{i}"} for i in range(12)]
        roles[0].update(attached_policies=cls.ATTACHED, inline_policies=cls.INLINES)
        cls.emu.seed(roles=roles)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    setUp = BatchTest.setUp
    run_driver = BatchTest.run_driver
    actions = BatchTest.actions

    def check_paged(self, out):
        roles = {r["name"]: r for r in out["roles"]}
        self.assertFalse(roles["absent"]["found"])
        a = roles["app0"]
        self.assertNotIn("error", a)
        self.assertEqual(sorted(a["attached"]), sorted(self.ATTACHED))
        self.assertEqual(sorted(a["inline"]), sorted(self.INLINES))
        for name, doc in self.INLINES.items():
            self.assertEqual(json.loads(a["inline"][name]), doc)
        for i in range(1, 12):
            r = roles[f"app{i}"]
            self.assertTrue(r["found"])
            self.assertNotIn("error", r)
            self.assertEqual((r["attached"], r["inline"]), ([], {}))

    def test_bulk_read_when_allowed(self):
        out = self.run_driver(ALICE, "roles", *NAMES)
        self.assertTrue(out["bulk"])
        self.check_paged(out)
        # one page per role of the account
        n_roles = len(self.emu.state()["accounts"][ACCT]["roles"])
        self.assertGreaterEqual(n_roles, 12)
        self.assertEqual(self.actions(), ["GetAccountAuthorizationDetails"] * n_roles)

    def test_per_role_rounds_when_denied(self):
        out = self.run_driver(CAROL, "roles", *NAMES)
        self.assertFalse(out["bulk"])
        self.check_paged(out)
        acts = self.actions()
        self.assertEqual(acts.count("GetAccountAuthorizationDetails"), 1)
        self.assertEqual(acts.count("GetRole"), 13)
        # app0's lists in three and two pages, the other roles' in one
        self.assertEqual(acts.count("ListAttachedRolePolicies"), 3 + 11)
        self.assertEqual(acts.count("ListRolePolicies"), 2 + 11)
        self.assertEqual(acts.count("GetRolePolicy"), 2)
        self.assertEqual(len(acts), 1 + 13 + 14 + 13 + 2)


if __name__ == "__main__":
    unittest.main()
