#!/usr/bin/python3
"""irsactl apply -f against the AWS and Kubernetes emulators: irsactl's own
format and an eksctl ClusterConfig give the right roles, policies and
ServiceAccounts; a re-apply sends no mutating request; --dry-run sends
none; a bad file fails with exit 2 before any request."""
import json
import os
import shutil

import yaml  # python3-yaml

import clitest

ACCOUNT = "111122223333"
KEY = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
ISSUER = "https://" + KEY
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{KEY}"
KEY_EU = "oidc.eks.eu-west-1.amazonaws.com/id/0FEDCBA9876543210FEDCBA987654321"
ISSUER_EU = "https://" + KEY_EU
RA = "eks.amazonaws.com/role-arn"
BOUNDARY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

SET = """\
apiVersion: irsactl.io/v1alpha1
kind: ServiceAccountSet
scope: apps-test
clusters:
  - name: demo
    context: test
defaults:
  clusters: [demo]
  createNamespace: true
serviceAccounts:
  - namespace: apps
    name: web
    policies:
      - template: s3-read
        parameters: {bucket: web-assets}
    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3FullAccess]
    inlinePolicies:
      kms:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: ["kms:Decrypt"], Resource: "*"}
    labels: {app: web}
    stsRegionalEndpoints: true
  - namespace: apps
    name: worker
    roleName: apps-batch
    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy]
  - namespace: batch
    name: reconciler
    roleName: apps-batch
  - namespace: jobs
    name: "export-*"
    roleName: apps-export
    target: none
    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
"""


def subjects(trust):
    out = []
    for st in trust["Statement"]:
        cond = st.get("Condition", {})
        for op in ("StringEquals", "StringLike"):
            for k, v in cond.get(op, {}).items():
                if k.endswith(":sub"):
                    out += v if isinstance(v, list) else [v]
    return sorted(out)


def many_roles_set(n, templates=1, prefix="svc"):
    """n service accounts in 'apps' of cluster demo, each its own role with
    `templates` templates."""
    out = SET.split("serviceAccounts:")[0] + "serviceAccounts:\n"
    for i in range(n):
        out += "  - namespace: apps\n    name: %s-%02d\n    policies:\n" % (prefix, i)
        out += "      - template: s3-read\n        parameters: {bucket: b-%02d}\n" % i
        if templates > 1:
            out += "      - template: dynamodb-read\n        parameters: {tables: t-%02d}\n" % i
    return out


CAROL = "AKIAIRSATESTCAROL003"  # accounts.json: denied iam:GetAccountAuthorizationDetails
READS = ("GetRole", "ListAttachedRolePolicies", "ListRolePolicies", "GetRolePolicy")


class ApplyRequestsTest(clitest.AwsKubeEmulatorCase):
    """Request economy and parallel execution of apply -f, from the
    emulator's request log."""

    def seed_aws(self):
        self.emu.seed(clusters=[{"name": "demo", "issuer": ISSUER}],
                      oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]}])

    def apply(self, *args, key=None):
        return self.run_cli("apply", *args, **self.cli_env(**({"key": key} if key else {})))

    def actions(self):
        log = self.emu.log()
        self.emu.clear_log()
        return [e["action"] for e in log], [e["action"] for e in log if e.get("mutating")]

    def outcome(self):
        """The roles and ServiceAccounts as stored, without what differs
        between two identical runs (ids, dates, versions)."""
        roles = {n: {k: r[k] for k in ("path", "trust", "inline_policies", "attached_policies", "tags")}
                 for n, r in self.emu.state()["accounts"][ACCOUNT]["roles"].items()}
        sas = {(sa["metadata"]["namespace"], sa["metadata"]["name"]): sa["metadata"].get("annotations")
               for sa in self.kube.state()["serviceaccounts"]}
        return roles, sas

    def test_reads_the_state_once(self):
        path = self.write("irsa.yaml", many_roles_set(12, templates=2))
        r = self.apply("-f", path)
        self.assertOk(r)
        acts, mutating = self.actions()
        self.assertEqual(acts.count("GetAccountAuthorizationDetails"), 1, acts)
        self.assertEqual(acts.count("DescribeCluster"), 1, acts)
        self.assertEqual(acts.count("ListOpenIDConnectProviders"), 1, acts)
        self.assertLessEqual(acts.count("GetCallerIdentity"), 1, acts)
        self.assertEqual([a for a in acts if a in READS], [])
        self.assertEqual(sorted(set(mutating)), ["CreateRole", "PutRolePolicy"])
        self.assertEqual(len(mutating), 12 * 3)
        # the re-apply: the same reads, nothing mutating, in AWS or the cluster
        self.kube.clear_log()
        r = self.apply("-f", path, "--detailed-exitcode")
        self.assertEqual(r.rc, 0, repr(r))
        acts, mutating = self.actions()
        self.assertEqual(mutating, [])
        self.assertEqual(acts.count("GetAccountAuthorizationDetails"), 1, acts)
        self.assertEqual(acts.count("DescribeCluster"), 1, acts)
        self.assertEqual(acts.count("ListOpenIDConnectProviders"), 1, acts)
        self.assertEqual([a for a in acts if a in READS], [])
        self.assertEqual([e for e in self.kube.log() if e["write"]], [])
        # the twelve ServiceAccounts of 'apps' in one LIST, no GET each
        self.assertEqual([(e["method"], e["path"]) for e in self.kube.log()],
                         [("GET", "/api/v1/namespaces/apps/serviceaccounts")])

    def test_per_role_reads_when_the_bulk_read_is_denied(self):
        path = self.write("irsa.yaml", many_roles_set(12))
        r = self.apply("-f", path, key=CAROL)
        self.assertOk(r)
        acts, mutating = self.actions()
        self.assertEqual(acts.count("GetAccountAuthorizationDetails"), 1, acts)
        # an absent role: GetRole and nothing more
        self.assertEqual(acts.count("GetRole"), 12, acts)
        for a in READS[1:]:
            self.assertEqual(acts.count(a), 0, acts)
        self.assertEqual(len(mutating), 24)
        r = self.apply("-f", path, key=CAROL)
        self.assertOk(r)
        acts, mutating = self.actions()
        self.assertEqual(mutating, [])
        for a in READS:
            self.assertEqual(acts.count(a), 12, acts)

    def test_bulk_read_gives_the_same_plan_as_per_role_reads(self):
        path = self.write("irsa.yaml", many_roles_set(12))
        self.assertOk(self.apply("-f", path))
        self.actions()
        bulk = self.apply("-f", path, "--dry-run", "--output", "json")
        per_role = self.apply("-f", path, "--dry-run", "--output", "json", key=CAROL)
        self.assertOk(bulk)
        self.assertOk(per_role)
        self.assertEqual(bulk.json(), per_role.json())
        self.assertEqual({o["status"] for o in bulk.json()["objects"]}, {"unchanged"})

    def mutation_times(self):
        log = self.emu.log()
        self.emu.clear_log()
        return sorted(e["time"] for e in log if e.get("mutating"))

    def test_concurrency_overlaps_requests_and_gives_the_same_result(self):
        ms = 120
        path = self.write("irsa.yaml", many_roles_set(10))
        self.emu.faults([{"service": "iam", "kind": "latency", "ms": ms}])
        r = self.apply("-f", path, "--concurrency", "1")
        self.assertOk(r)
        times = self.mutation_times()
        self.assertEqual(len(times), 20)
        # one at a time: each request starts after the previous one's answer
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertGreaterEqual(min(gaps), ms / 1000.0 * 0.9, gaps)
        sequential = self.outcome()

        self.setUp()
        path = self.write("irsa.yaml", many_roles_set(10))
        self.emu.faults([{"service": "iam", "kind": "latency", "ms": ms}])
        r = self.apply("-f", path, "--concurrency", "5")
        self.assertOk(r)
        times = self.mutation_times()
        self.assertEqual(len(times), 20)
        # several in flight: five requests start within one request's latency
        self.assertTrue(any(times[i + 4] - times[i] < ms / 1000.0 for i in range(len(times) - 4)),
                        times)
        self.assertEqual(self.outcome(), sequential)

    def test_throttling_slows_down_without_failing(self):
        path = self.write("irsa.yaml", many_roles_set(10))
        self.emu.faults([{"service": "iam", "action": "PutRolePolicy", "kind": "throttle", "count": 6}])
        r = self.apply("-f", path, "--concurrency", "8")
        self.assertOk(r)
        acts, mutating = self.actions()
        self.assertEqual(mutating.count("PutRolePolicy"), 16)
        self.assertEqual(len(self.emu.state()["accounts"][ACCOUNT]["roles"]), 10)

    def test_failing_role_stops_only_its_own_steps(self):
        path = self.write("irsa.yaml", many_roles_set(10, templates=2))
        self.emu.faults([{"service": "iam", "action": "PutRolePolicy", "kind": "status",
                          "status": 400, "code": "MalformedPolicyDocument", "count": 1}])
        r = self.apply("-f", path)
        self.assertNotEqual(r.rc, 0, repr(r))
        self.assertIn("2 of 21 objects failed", r.err)
        self.assertIn("service account 'apps/svc-", r.err)
        self.assertIn("failed: its role 'irsa-demo-apps-svc-", r.err)
        acts, mutating = self.actions()
        # the failed role sent no second PutRolePolicy, every other role both
        self.assertEqual(mutating.count("CreateRole"), 10)
        self.assertEqual(mutating.count("PutRolePolicy"), 1 + 9 * 2)
        sas = [sa for sa in self.kube.state()["serviceaccounts"]
               if sa["metadata"]["name"].startswith("svc-")]
        self.assertEqual(len(sas), 9)
        # the re-run completes the rest
        self.assertOk(self.apply("-f", path))
        acts, mutating = self.actions()
        self.assertEqual(mutating, ["PutRolePolicy", "PutRolePolicy"])

    def test_live_status_line_on_a_terminal(self):
        import pty
        import subprocess
        path = self.write("irsa.yaml", many_roles_set(3))
        env = self.aws_env()
        env.update(KUBECONFIG=self.kubeconfig, HOME=self.home, PATH=os.environ.get("PATH", ""))
        master, slave = pty.openpty()
        proc = subprocess.Popen([clitest.IRSACTL, "apply", "-f", path], env=env,
                                stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out = proc.stdout.read()
        proc.stdout.close()
        proc.wait()
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        os.close(master)
        self.assertEqual(proc.returncode, 0, err)
        err = err.decode()
        self.assertIn("\r\x1b[Kapply: 7/7 done, 0 failed", err)
        self.assertTrue(err.endswith("\r\x1b[K"), repr(err))
        self.assertNotIn("\n", err.replace("\r\x1b[K", ""), repr(err))
        self.assertIn(b"created", out)


class ApplyTest(clitest.AwsKubeEmulatorCase):
    def seed_aws(self):
        self.emu.seed(
            clusters=[{"name": "demo", "issuer": ISSUER},
                      {"name": "prod", "issuer": ISSUER_EU, "region": "eu-west-1"}],
            oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]},
                            {"url": ISSUER_EU, "client_ids": ["sts.amazonaws.com"]}],
            policies=[{"name": n, "document": BOUNDARY} for n in ("team-boundary", "cache-boundary")])

    def apply(self, *args, region="us-east-1", stdin=None):
        return self.run_cli("apply", *args, stdin=stdin, **self.cli_env(region=region))

    def roles(self):
        return self.emu.state()["accounts"].get(ACCOUNT, {}).get("roles", {})

    def mutating(self):
        return [r["action"] for r in self.emu.log() if r.get("mutating")]

    def kube_writes(self):
        return [e for e in self.kube.log() if e["write"]]

    def sa(self, ns, name):
        for sa in self.kube.state()["serviceaccounts"]:
            if sa["metadata"]["namespace"] == ns and sa["metadata"]["name"] == name:
                return sa
        return None

    def check_set_state(self):
        roles = self.roles()
        self.assertEqual(sorted(roles), ["apps-batch", "apps-export", "irsa-demo-apps-web"])
        web = roles["irsa-demo-apps-web"]
        self.assertEqual(subjects(web["trust"]), ["system:serviceaccount:apps:web"])
        self.assertEqual(sorted(web["inline_policies"]), ["irsactl-inline-kms", "irsactl-s3-read"])
        self.assertEqual(web["inline_policies"]["irsactl-inline-kms"]["Statement"][0]["Action"], ["kms:Decrypt"])
        self.assertEqual(web["attached_policies"], ["arn:aws:iam::aws:policy/AmazonS3FullAccess"])
        self.assertIn({"Key": "irsactl.io/scope", "Value": "apps-test"}, web["tags"])
        batch = roles["apps-batch"]
        self.assertEqual(subjects(batch["trust"]),
                         ["system:serviceaccount:apps:worker", "system:serviceaccount:batch:reconciler"])
        self.assertEqual(subjects(roles["apps-export"]["trust"]),
                         ["system:serviceaccount:jobs:export-*"])
        web_sa = self.sa("apps", "web")
        self.assertEqual(web_sa["metadata"]["annotations"],
                         {RA: f"arn:aws:iam::{ACCOUNT}:role/irsa-demo-apps-web",
                          "eks.amazonaws.com/sts-regional-endpoints": "true"})
        self.assertEqual(web_sa["metadata"]["labels"], {"app": "web"})
        for ns, name in (("apps", "worker"), ("batch", "reconciler")):
            self.assertEqual(self.sa(ns, name)["metadata"]["annotations"],
                             {RA: f"arn:aws:iam::{ACCOUNT}:role/apps-batch"})
        self.assertIsNone(self.sa("jobs", "export-*"))

    def test_own_format_then_reapply_changes_nothing(self):
        path = self.write("irsa.yaml", SET)
        r = self.apply("-f", path, "--detailed-exitcode")
        self.assertEqual(r.rc, 10, repr(r))
        self.check_set_state()
        # one plain progress line per finished object in CI
        self.assertIn("service account 'apps/web' created", r.err)
        self.assertEqual(self.mutating().count("CreateRole"), 3)
        self.emu.clear_log()
        self.kube.clear_log()
        versions = {n: self.sa(*n)["metadata"]["resourceVersion"]
                    for n in (("apps", "web"), ("apps", "worker"), ("batch", "reconciler"))}
        r = self.apply("-f", path, "--detailed-exitcode", "--output", "json")
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.kube_writes(), [])
        self.assertEqual({o["status"] for o in r.json()["objects"]}, {"unchanged"})
        self.assertEqual(r.json()["failed"], [])
        for n, v in versions.items():
            self.assertEqual(self.sa(*n)["metadata"]["resourceVersion"], v)

    def test_real_no_op_run_is_not_called_a_dry_run(self):
        path = self.write("irsa.yaml", SET)
        self.assertEqual(self.apply("-f", path).rc, 0)
        r = self.apply("-f", path)
        self.assertEqual(r.rc, 0, repr(r))
        self.assertIn("unchanged", r.out)
        self.assertNotIn("dry run", r.out)
        self.assertNotIn("dry run", r.err)

    def test_dry_run_sends_nothing(self):
        path = self.write("irsa.yaml", SET)
        r = self.apply("-f", path, "--dry-run", "--detailed-exitcode")
        self.assertEqual(r.rc, 10, repr(r))
        self.assertIn("would be created (dry run)", r.out)
        self.assertIn("create-role irsa-demo-apps-web", r.out)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.roles(), {})
        self.assertEqual([e for e in self.kube_writes() if not e.get("dry_run")], [])
        self.assertIsNone(self.sa("apps", "web"))

    def test_stdin_and_directory(self):
        r = self.apply("-f", "-", stdin=SET)
        self.assertOk(r)
        self.check_set_state()
        os.makedirs(os.path.join(self.home, "dir"))
        self.write("dir/a.yaml", SET)
        self.emu.clear_log()
        r = self.apply("-f", os.path.join(self.home, "dir"))
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])

    def test_include_exclude(self):
        path = self.write("irsa.yaml", SET)
        r = self.apply("-f", path, "--include", "apps/*", "--exclude", "apps/worker")
        self.assertOk(r)
        self.assertEqual(sorted(self.roles()), ["irsa-demo-apps-web"])
        self.assertIsNone(self.sa("apps", "worker"))

    def test_failing_object_does_not_stop_the_others(self):
        bad = SET.replace("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                          f"arn:aws:iam::{ACCOUNT}:policy/does-not-exist")
        path = self.write("irsa.yaml", bad)
        r = self.apply("-f", path)
        self.assertNotEqual(r.rc, 0, repr(r))
        self.assertIn("objects failed", r.err)
        self.assertIn("role 'apps-batch' failed", r.err)
        roles = self.roles()
        self.assertIn("irsa-demo-apps-web", roles)
        self.assertIn("apps-export", roles)
        self.assertIsNotNone(self.sa("apps", "web"))
        self.assertIsNone(self.sa("apps", "worker"))

    def test_eksctl_example(self):
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples",
                               "eksctl-cluster.yaml")
        r = self.apply("-f", example, region="eu-west-1")
        self.assertOk(r)
        roles = self.roles()
        self.assertIn("backend-cache-writer", roles)
        cache = roles["backend-cache-writer"]
        self.assertEqual(cache["permissions_boundary"],
                         f"arn:aws:iam::{ACCOUNT}:policy/cache-boundary")
        self.assertEqual(subjects(cache["trust"]),
                         ["system:serviceaccount:backend:cache-writer"])
        self.assertEqual(cache["inline_policies"]["irsactl-inline-policy"]["Statement"][0]["Action"],
                         ["elasticache:Describe*"])
        # the role of attachRoleARN is used, not created
        self.assertNotIn("preexisting-role", roles)
        self.assertEqual(self.sa("backend", "preexisting")["metadata"]["annotations"][RA],
                         f"arn:aws:iam::{ACCOUNT}:role/preexisting-role")
        # roleOnly: a role, no ServiceAccount
        self.assertIsNone(self.sa("kube-system", "cluster-autoscaler"))
        self.assertIsNotNone(self.sa("kube-system", "aws-load-balancer-controller"))
        # subjectPattern
        jobs = [r for r in roles.values()
                if "system:serviceaccount:batch:job-*" in subjects(r["trust"])]
        self.assertEqual(len(jobs), 1)
        # every role of a service account with a cluster names the right provider
        for name, role in roles.items():
            feds = [st["Principal"].get("Federated") for st in role["trust"]["Statement"]]
            self.assertIn(f"arn:aws:iam::{ACCOUNT}:oidc-provider/{KEY_EU}", feds, name)
        self.emu.clear_log()
        self.kube.clear_log()
        r = self.apply("-f", example, region="eu-west-1")
        self.assertOk(r)
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.kube_writes(), [])

    def test_irsactl_example(self):
        src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
        shutil.copytree(src, os.path.join(self.home, "ex"))
        example = os.path.join(self.home, "ex", "irsactl.yaml")
        with open(self.kube.write_kubeconfig(self.kubeconfig, context="prod-admin")) as f:
            cfg = yaml.safe_load(f)
        cfg["contexts"].append(dict(cfg["contexts"][0], name="dc1-admin"))
        with open(self.kubeconfig, "w") as f:
            yaml.safe_dump(cfg, f)
        self.emu.seed(
            oidc_providers=[{"url": "https://oidc.dc1.example.com", "client_ids": ["sts.amazonaws.com"]}],
            policies=[{"name": "notifier-boundary", "document": BOUNDARY}],
            roles=[{"name": "ci-deployer"}])
        r = self.apply("-f", example, "--detailed-exitcode", region="eu-west-1")
        self.assertEqual(r.rc, 10, repr(r))
        roles = self.roles()
        api = roles["irsa-prod-payments-api"]
        self.assertEqual(api["path"], "/irsa/")
        self.assertEqual(api["permissions_boundary"], f"arn:aws:iam::{ACCOUNT}:policy/team-boundary")
        self.assertEqual(sorted(api["inline_policies"]),
                         ["irsactl-dynamodb-read", "irsactl-s3-read", "irsactl-secretsmanager-read"])
        batch = roles["payments-batch"]
        # one statement per cluster's provider, each naming both accounts
        self.assertEqual(subjects(batch["trust"]), sorted(["system:serviceaccount:payments:reconciler",
                                                           "system:serviceaccount:payments:worker"] * 2))
        self.assertIn("irsactl-inline-kms", batch["inline_policies"])
        self.assertIn("irsactl-file-ledger", batch["inline_policies"])
        export = roles["payments-export"]
        self.assertIn(f"arn:aws:iam::{ACCOUNT}:role/ci-deployer",
                      json.dumps(export["trust"]))
        self.assertIn({"Key": "irsactl.io/scope", "Value": "payments-prod"}, export["tags"])
        self.assertEqual(self.sa("payments", "api")["metadata"]["labels"],
                         {"app": "api", "app.kubernetes.io/part-of": "payments"})
        with open(os.path.join(self.home, "ex", "out", "notifier-sa.yaml")) as f:
            notifier = yaml.safe_load(f)
        self.assertEqual(notifier["metadata"]["annotations"][RA],
                         f"arn:aws:iam::{ACCOUNT}:role/irsa/irsa-prod-payments-notifier")
        self.assertIsNone(self.sa("payments", "notifier"))
        self.emu.clear_log()
        self.kube.clear_log()
        r = self.apply("-f", example, "--detailed-exitcode", region="eu-west-1")
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(self.mutating(), [])
        self.assertEqual(self.kube_writes(), [])

    def test_bad_file_sends_nothing(self):
        path = self.write("irsa.yaml", SET.replace("attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3",
                                                   "attachPolicyARN: [arn:aws:iam::aws:policy/AmazonS3"))
        r = self.apply("-f", path)
        self.assertFails(r, 2, path + ":")
        self.assertIn("did you mean", r.err)
        self.assertEqual(self.emu.log(), [])
        self.assertEqual(self.kube.log(), [])

    def test_no_file(self):
        r = self.apply()
        self.assertFails(r, 2, "-f FILE")
        self.assertEqual(self.emu.log(), [])


if __name__ == "__main__":
    clitest.main()
