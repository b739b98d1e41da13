#!/usr/bin/python3
"""irsactl apply -f converges under faults: with about 10 % of the mutating
AWS requests and of the Kubernetes writes failing (5xx or throttling,
seeded), repeated runs reach, within 3 runs, exactly the state a run
without faults makes (IAM as the emulator dumps it and the
ServiceAccounts, ids and dates left out)."""

import clitest

ACCOUNT = "111122223333"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/FAULTS00000000000000000000000001"
VOLATILE = {"role_id", "policy_id", "create_date", "trust_raw", "document_raw"}


def twenty_service_accounts(keep=range(20)):
    """20 service accounts in 3 namespaces: own roles and shared ones,
    templates, managed policies, inline documents, tags and labels."""
    lines = ["apiVersion: irsactl.io/v1alpha1", "kind: ServiceAccountSet", "scope: faults",
             "clusters:", "  - name: demo", "    context: test",
             "defaults:", "  tags: {team: faults}", "serviceAccounts:"]
    for i in keep:
        ns = ("apps", "batch", "jobs")[i % 3]
        lines += [f"  - namespace: {ns}", f"    name: sa-{i:02d}",
                  f"    labels: {{index: '{i}'}}"]
        if i % 4 == 1:
            lines.append(f"    roleName: shared-{ns}")  # several service accounts, one role
        if i % 2 == 0:
            lines.append(f"    policies: ['s3-read:bucket=bucket-{i}']")
        if i % 3 == 0:
            lines.append("    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess]")
        if i % 5 == 0:
            lines += ["    inlinePolicies:", "      kms:", "        Version: '2012-10-17'",
                      "        Statement:",
                      "          - {Effect: Allow, Action: ['kms:Decrypt'], Resource: '*'}"]
        if i % 7 == 0:
            lines.append("    stsRegionalEndpoints: true")
    return "\n".join(lines) + "\n"


def without_volatile(value):
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value


def iam_snapshot(state):
    acct = without_volatile(state["accounts"].get(ACCOUNT, {}))
    # the order of tags and attachments follows the calls that made them
    for role in acct.get("roles", {}).values():
        role["tags"] = sorted(role["tags"], key=lambda t: t["Key"])
        role["attached_policies"] = sorted(role["attached_policies"])
    for p in acct.get("oidc_providers", {}).values():
        p["tags"] = sorted(p["tags"], key=lambda t: t["Key"])
    return acct


def kube_snapshot(state):
    return {(sa["metadata"]["namespace"], sa["metadata"]["name"]):
            (sa["metadata"].get("annotations") or {}, sa["metadata"].get("labels") or {})
            for sa in state["serviceaccounts"]}


class ApplyFaultsTest(clitest.AwsKubeEmulatorCase):
    provider_exists = False
    roles_after = 18  # 20 service accounts, 5 of them on 3 shared roles
    # The generators' seeds of the two tests: with these, faults hit both
    # AWS and Kubernetes writes (their count among the first N requests
    # does not depend on the order the requests come in).
    seeds = (11, 5)

    def setUp(self):
        super().setUp()
        self.path = self.write("irsa.yaml", twenty_service_accounts())

    def fresh(self):
        self.emu.reset()
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER}])
        if self.provider_exists:
            self.emu.seed(oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]}])
        self.kube.reset()
        self.seed_kube()

    args = ()

    def apply(self, **extra_env):
        return self.run_cli("apply", "-f", self.path, *self.args,
                            **dict(self.cli_env(), **extra_env))

    def before(self):
        """What exists before the run under test (nothing but the cluster)."""
        self.fresh()

    def clean_state(self):
        self.before()
        r = self.apply()
        self.assertOk(r)
        return iam_snapshot(self.emu.state()), kube_snapshot(self.kube.state())

    def inject(self, seed):
        # two rules of 5 % each: the second sees what the first lets through
        self.emu.faults([
            {"service": "iam", "mutating": True, "kind": "status", "probability": 0.05,
             "seed": seed},
            {"service": "iam", "mutating": True, "kind": "throttle", "probability": 0.05,
             "seed": seed + 1}])
        self.kube.faults([{"status": 503, "probability": 0.05, "seed": seed + 2},
                          {"status": 429, "probability": 0.05, "seed": seed + 3}])

    def faulted(self):
        return (sum(1 for e in self.emu.log() if e.get("fault")),
                sum(1 for e in self.kube.log() if e.get("fault")))

    def converge(self, first_env, seed):
        """Runs with faults until one succeeds; the number of runs."""
        self.before()
        self.emu.clear_log()
        self.kube.clear_log()
        self.inject(seed)
        runs, r = 0, None
        while runs < 3:
            r = self.apply(**(first_env if runs == 0 else {}))
            runs += 1
            if r.rc == 0:
                break
            self.assertIn("running the same command again completes the rest", r.err)
        self.assertEqual(r.rc, 0, f"not converged after {runs} runs: {r!r}")
        return runs

    def check_converges(self, first_env, seed, first_must_fail):
        want = self.clean_state()
        self.assertEqual(len(want[0]["roles"]), self.roles_after)
        runs = self.converge(first_env, seed)
        aws_faults, kube_faults = self.faulted()
        self.assertGreater(aws_faults, 0)
        self.assertGreater(kube_faults, 0)
        if first_must_fail:
            self.assertGreater(runs, 1)
            self.assertGreater(aws_faults, 1)
        self.assertEqual(iam_snapshot(self.emu.state()), want[0])
        self.assertEqual(kube_snapshot(self.kube.state()), want[1])
        # and once converged, a run with the faults still on changes nothing
        self.emu.clear_log()
        self.kube.clear_log()
        self.assertOk(self.apply())
        self.assertEqual([e["action"] for e in self.emu.log() if e.get("mutating")], [])
        self.assertEqual([e for e in self.kube.log() if e["write"]], [])

    def test_converges_with_retries(self):
        """Faults as a user meets them: the client retries, runs repeat."""
        self.check_converges({}, seed=self.seeds[0], first_must_fail=False)

    def test_converges_after_a_run_that_failed(self):
        """No retry in the first run, so faults fail objects half-way (a role
        created without its policies, a ServiceAccount whose role failed);
        the next runs complete them. The OIDC provider exists, so that a
        fault on its creation does not stop every role at once."""
        self.provider_exists = True
        self.check_converges({"AWS_MAX_ATTEMPTS": "1"}, seed=self.seeds[1], first_must_fail=True)


class ApplyPruneFaultsTest(ApplyFaultsTest):
    """The same file after 10 service accounts were taken out of it, applied
    with --prune over the state the whole file made: deleting roles (detach,
    delete inline policies, delete) and taking annotations off converges
    too, also from a role left half-deleted."""
    args = ("--prune",)
    roles_after = 10  # sa-00..sa-09 gone: 7 own roles and shared-apps (sa-09 alone)
    seeds = (40, 46)

    def setUp(self):
        super().setUp()
        self.whole = self.write("whole.yaml", twenty_service_accounts())
        self.write("irsa.yaml", twenty_service_accounts(keep=range(10, 20)))

    def before(self):
        self.fresh()
        path, self.path, args, self.args = self.path, self.whole, self.args, ()
        try:
            self.assertOk(self.apply())
        finally:
            self.path, self.args = path, args
        self.assertEqual(len(self.emu.state()["accounts"][ACCOUNT]["roles"]), 18)


if __name__ == "__main__":
    clitest.main()
