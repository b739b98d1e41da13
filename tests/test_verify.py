#!/usr/bin/python3
"""irsactl verify against both emulators: a working chain (with --live, the role's
ARN comes back), then a matrix of setups each broken in one way, where verify must
exit 9 and name the broken link as its first failed check. No token or secret may
reach any output or the --debug log."""
import hashlib
import json
import os
import re

import clitest
from clitest import AwsKubeEmulatorCase, main

ISSUER_HOST = "oidc.irsactl.test"
ACCT = "111122223333"
ROLE = "web-role"
ROLE_ARN = f"arn:aws:iam::{ACCT}:role/{ROLE}"
CHECKS = ["identity", "cluster", "oidc-provider", "service-account", "role", "trust",
          "permissions", "pods", "live"]
PI_CHECKS = ["pod-identity-association", "pod-identity-role", "pod-identity-trust",
             "pod-identity-target-role", "pod-identity-agent"]
# a Pod Identity-only service account: the IRSA chain's own checks are left out
PI_ONLY = ["identity", "cluster", "service-account", "permissions", "pod-identity-association",
           "pod-identity-role", "pod-identity-trust", "pod-identity-agent"]
EXIT_CHECK_FAILED = 9


class VerifyCase(AwsKubeEmulatorCase):
    """Both emulators: the Kubernetes one is also the cluster's OIDC issuer."""
    kube_namespaces = ()

    def setUp(self):
        super().setUp()
        # IAM takes no port in a provider URL: the issuer has a name the AWS emulator
        # maps to the Kubernetes emulator's port when it fetches the JWKS
        self.issuer = "https://%s/id/EMULATED" % ISSUER_HOST
        self.key = self.issuer[len("https://"):]
        self.provider = f"arn:aws:iam::{ACCT}:oidc-provider/{self.key}"
        self.extra_env = dict(self.emu.env())

    # -- the working chain, and ways to break it -----------------------------------
    def trust(self, sub="system:serviceaccount:apps:web", aud="sts.amazonaws.com", op="StringEquals",
              extra=()):
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "IrsactlOidc00000001", "Effect": "Allow", "Principal": {"Federated": self.provider},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {op: {self.key + ":sub": sub, self.key + ":aud": aud}}}] + list(extra)}

    def seed(self, cluster=None, provider=None, role=None, sa=None, pods=None, aws_extra=None, kube_extra=None):
        """The working chain; each argument replaces one part (False removes it)."""
        aws = {"oidc_ca_bundle": self.kube.ca_path,
               "oidc_host_map": {ISSUER_HOST: "127.0.0.1:%d" % self.kube.port},
               "policies": [{"name": "s3-read", "document": {"Version": "2012-10-17", "Statement": [
                   {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}}]}
        if cluster is not False:
            aws["clusters"] = [cluster or {"name": "demo", "issuer": self.issuer}]
        if provider is not False:
            aws["oidc_providers"] = [provider or {"url": self.issuer, "client_ids": ["sts.amazonaws.com"]}]
        if role is not False:
            aws["roles"] = [role or {"name": ROLE, "trust": self.trust(),
                                     "attached_policies": [f"arn:aws:iam::{ACCT}:policy/s3-read"]}]
        aws.update(aws_extra or {})
        self.emu.seed(**aws)
        kube = {"namespaces": ["apps"], "issuer": self.issuer}
        if sa is not False:
            kube["serviceaccounts"] = [sa or {"namespace": "apps", "name": "web",
                                              "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}}]
        kube.update(kube_extra or {})
        self.kube.seed(**kube)
        if pods is not False and sa is not False:
            self.kube.seed(pods=pods or [
                {"namespace": "apps", "name": "web-5d9c7-x2x4q", "serviceAccountName": "web",
                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d9c7", "apiVersion": "apps/v1",
                                      "uid": "u1", "controller": True}]}])

    def verify(self, *extra, output="json"):
        args = ["verify", "--cluster", "demo", "-n", "apps", "-s", "web", "--kubeconfig", self.kubeconfig,
                "--output", output] + list(extra)
        return self.run_cli(*args)

    def checks(self, r, expect=CHECKS):
        """The checks by name; the IRSA ones (in order) must be those expected, and
        the Pod Identity ones, when present, follow them."""
        doc = r.json()
        names = [c["check"] for c in doc["checks"]]
        self.assertEqual([n for n in names if n not in PI_CHECKS], [n for n in expect if n not in PI_CHECKS], r)
        self.assertEqual(names, [n for n in names if n not in PI_CHECKS] + [n for n in names if n in PI_CHECKS])
        if expect is not CHECKS:
            self.assertEqual(names, expect, r)
        return {c["check"]: c for c in doc["checks"]}

    def first_failure(self, r):
        doc = r.json()
        return next((c["check"] for c in doc["checks"] if c["status"] == "fail"), None)


class WorkingChainTest(VerifyCase):
    def test_everything_ok_with_live(self):
        self.seed()
        r = self.verify("--live", "--action", "s3:GetObject", "--resource", "arn:aws:s3:::data/x")
        self.assertOk(r)
        doc = r.json()
        self.assertEqual(sorted(doc), ["checks", "ok"])
        self.assertTrue(doc["ok"])
        c = self.checks(r)
        self.assertEqual({k: v["status"] for k, v in c.items()}, {k: "ok" for k in CHECKS}, r)
        self.assertIn(f"arn:aws:sts::{ACCT}:assumed-role/{ROLE}/irsactl-verify", c["live"]["message"])
        self.assertIn("s3:GetObject allowed by 's3-read'", c["permissions"]["message"])
        self.assertIn("1 pod carry the injection", c["pods"]["message"])
        self.assertTrue(all(v["fix"] is None for v in c.values()))
        # the STS call of --live was unsigned and regional; the token went to STS, not to any output
        sts = [e for e in self.emu.log() if e.get("action") == "AssumeRoleWithWebIdentity"]
        self.assertEqual(len(sts), 1)

    def test_reads_in_rounds(self):
        """The caller and the cluster at once; the provider and the role the
        service account names at once: two rounds of AWS reads, each asked
        once (the thumbprint, the pods and the ServiceAccount are not AWS)."""
        self.seed()
        self.emu.clear_log()
        self.emu.faults([{"kind": "latency", "ms": 100}])
        r = self.verify("--no-thumbprint")
        self.assertOk(r)
        self.assertTrue(r.json()["ok"])
        # the service account's Pod Identity association is looked up in a round of its own
        self.assertEqual(clitest.request_rounds(self.emu.log()),
                         [["DescribeCluster", "GetCallerIdentity"],
                          ["ListPodIdentityAssociations"],
                          ["GetOpenIDConnectProvider", "GetRole"]])

    def test_text_output_and_skips(self):
        self.seed()
        r = self.verify(output="text")
        self.assertOk(r)
        lines = r.out.splitlines()
        self.assertEqual([l.split()[1] for l in lines], CHECKS)
        self.assertTrue(lines[0].startswith("ok    identity "))
        self.assertTrue(lines[6].startswith("skip  permissions "), lines[6])
        self.assertTrue(lines[8].startswith("skip  live "), lines[8])
        import yaml
        r = self.verify(output="yaml")
        self.assertOk(r)
        doc = yaml.safe_load(r.out)
        self.assertEqual([c["check"] for c in doc["checks"]], CHECKS)
        self.assertIs(doc["ok"], True)

    def test_no_secret_in_any_output_or_debug_log(self):
        self.seed()
        r = self.verify("--live", "--debug")
        self.assertOk(r)
        secrets = [self.accounts[k]["secret"] for k in self.accounts]
        state = self.emu.state()
        secrets += state.get("temporary_keys", [])
        for s in secrets:
            self.assertNotIn(s, r.out + r.err)
        # JWTs (the TokenRequest answer) and session tokens never appear
        self.assertIsNone(re.search(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.", r.out + r.err))
        self.assertNotIn("SessionToken", r.out + r.err)
        self.assertNotIn("irsactl-test-token", r.out + r.err)

    def test_every_annotated_service_account_of_the_namespace(self):
        self.seed(kube_extra={"serviceaccounts": [
            {"namespace": "apps", "name": "web", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
            {"namespace": "apps", "name": "other", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
            {"namespace": "apps", "name": "plain"}]})
        r = self.run_cli("verify", "--cluster", "demo", "-n", "apps", "--kubeconfig", self.kubeconfig)
        self.assertFails(r, EXIT_CHECK_FAILED, "1 service account failed a check")
        self.assertEqual(r.out.splitlines()[0].split()[:3], ["fail", "apps/other", "trust:"])
        self.assertIn("ok    apps/web", r.out)
        self.assertNotIn("plain", r.out)
        r = self.run_cli("verify", "--cluster", "demo", "-A", "--kubeconfig", self.kubeconfig, "--output", "json")
        self.assertEqual(r.rc, EXIT_CHECK_FAILED)
        doc = r.json()
        self.assertFalse(doc["ok"])
        self.assertEqual([(s["namespace"], s["service_account"], s["ok"]) for s in doc["service_accounts"]],
                         [("apps", "other", False), ("apps", "web", True)])

    def test_many_service_accounts_in_parallel_with_live(self):
        names = [f"sa{i}" for i in range(7)]
        subs = [f"system:serviceaccount:apps:{n}" for n in names[:5]]
        self.seed(role={"name": ROLE, "trust": self.trust(sub=subs)},
                  kube_extra={"namespaces": ["apps", "ci"], "serviceaccounts": [
                      {"namespace": "apps" if i < 6 else "ci", "name": n,
                       "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}} for i, n in enumerate(names)]})
        r = self.run_cli("verify", "--cluster", "demo", "-A", "--live", "--kubeconfig", self.kubeconfig,
                         "--output", "json")
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        got = [(s["namespace"], s["service_account"], s["ok"]) for s in r.json()["service_accounts"]]
        self.assertEqual(got, [("apps", n, i < 5) for i, n in enumerate(names[:6])] + [("ci", "sa6", False)])
        for s in r.json()["service_accounts"][:5]:
            live = [c for c in s["checks"] if c["check"] == "live"][0]
            self.assertEqual(live["status"], "ok", s)
        self.assertIn("2 service accounts failed a check", r.err)

    def test_thumbprint_compared_with_the_issuers_chain(self):
        import subprocess
        from issuer_harness import LocalIssuer
        with LocalIssuer() as iss:
            self.assertEqual(iss.host, ISSUER_HOST)
            der = subprocess.run(["openssl", "x509", "-in", os.path.join(iss._dir.name, "leaf.pem"),
                                  "-outform", "DER"], capture_output=True, check=True).stdout
            current = hashlib.sha1(der).hexdigest()
            self.extra_env.update(iss.env())
            self.seed(provider={"url": self.issuer, "thumbprints": ["0" * 40]})
            r = self.verify()
            self.assertOk(r)  # a warning does not fail
            c = self.checks(r)["oidc-provider"]
            self.assertEqual(c["status"], "warn", r)
            self.assertIn(current, c["message"])
            self.assertIn("update-open-id-connect-provider-thumbprint", c["fix"])
            self.assertIn("--thumbprint-list " + current, c["fix"])
            self.emu.reset()
            self.seed(provider={"url": self.issuer, "thumbprints": [current.upper()]})
            r = self.verify()
            self.assertOk(r)
            self.assertIn("thumbprint matches", self.checks(r)["oidc-provider"]["message"])
            before = iss.handshakes
            self.assertOk(self.verify("--no-thumbprint"))
            self.assertEqual(iss.handshakes, before)

    def test_usage_errors(self):
        r = self.run_cli("verify", "-n", "apps", "-s", "web")
        self.assertFails(r, 2, "give exactly one of --cluster NAME and --issuer-url URL")
        r = self.run_cli("verify", "--cluster", "demo", "-A", "-n", "apps")
        self.assertFails(r, 2, "--all-namespaces")
        r = self.run_cli("verify", "--cluster", "demo", "-s", "web", "--resource", "arn:aws:s3:::x")
        self.assertFails(r, 2, "--resource needs --action")


class BrokenLinkMatrixTest(VerifyCase):
    """Each setup is broken in one way; verify exits 9 and the first failed check
    is the broken link, with a fix."""

    def assertBroken(self, link, fix_part=None, message_part=None, extra=("--live",), **seed):
        self.seed(**seed)
        r = self.verify(*extra)
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        self.assertIn("the '%s' check failed" % link, r.err)
        self.assertEqual(self.first_failure(r), link, r)
        c = self.checks(r)[link]
        if message_part:
            self.assertIn(message_part, c["message"], r)
        if fix_part:
            self.assertIsNotNone(c["fix"], r)
            self.assertIn(fix_part, c["fix"], r)
        return self.checks(r)

    def test_cluster_missing(self):
        self.assertBroken("cluster", "aws eks list-clusters", cluster={"name": "other", "issuer": "https://x"})

    def test_cluster_not_active(self):
        self.assertBroken("cluster", None, "is CREATING, not ACTIVE",
                          cluster={"name": "demo", "issuer": "https://oidc.irsactl.test/x", "status": "CREATING"})

    def test_missing_provider(self):
        c = self.assertBroken("oidc-provider", "irsactl associate-oidc --cluster demo", "no IAM OIDC provider",
                              provider=False)
        # the later links are still checked: the trust names the expected provider, STS refuses
        self.assertEqual(c["trust"]["status"], "ok")
        self.assertEqual(c["live"]["status"], "fail")
        self.assertIn("No OpenIDConnect provider found", c["live"]["message"])

    def test_wrong_issuer_host(self):
        c = self.assertBroken("oidc-provider", "irsactl associate-oidc", "the account has providers for: "
                              "'oidc.other.test/id/EMULATED'",
                              provider={"url": self.issuer.replace(ISSUER_HOST, "oidc.other.test")})
        self.assertEqual(c["role"]["status"], "ok")

    def test_audience_not_in_client_ids(self):
        self.assertBroken("oidc-provider", "irsactl associate-oidc --cluster demo",
                          "does not list the audience 'sts.amazonaws.com' in its client IDs (it lists 'vault')",
                          provider={"url": self.issuer, "client_ids": ["vault"]})

    def test_custom_audience_not_in_client_ids(self):
        self.assertBroken("oidc-provider", "add-client-id-to-open-id-connect-provider",
                          "does not list the audience 'vault'",
                          sa={"namespace": "apps", "name": "web", "annotations": {
                              "eks.amazonaws.com/role-arn": ROLE_ARN, "eks.amazonaws.com/audience": "vault"}})

    def test_service_account_missing(self):
        c = self.assertBroken("service-account", "kubectl create serviceaccount web -n apps",
                              "'apps/web' does not exist", sa=False)
        # no association either: the Pod Identity checks say so too
        self.assertEqual(c["pod-identity-association"]["status"], "fail")

    def test_annotation_missing(self):
        c = self.assertBroken("service-account", "irsactl annotate-sa -n apps -s web --role-arn",
                              "has no 'eks.amazonaws.com/role-arn' annotation and no EKS Pod Identity "
                              "association", sa={"namespace": "apps", "name": "web"})
        self.assertEqual(c["pod-identity-association"]["status"], "fail")
        self.assertIn("irsactl pod-identity create --cluster demo -n apps -s web",
                      c["pod-identity-association"]["fix"])

    def test_annotation_malformed(self):
        self.assertBroken("service-account", "irsactl annotate-sa", "is not a role ARN",
                          sa={"namespace": "apps", "name": "web",
                              "annotations": {"eks.amazonaws.com/role-arn": "web-role"}})

    def test_role_in_another_partition(self):
        self.assertBroken("service-account", "irsactl annotate-sa", "is in partition 'aws-cn'",
                          sa={"namespace": "apps", "name": "web", "annotations": {
                              "eks.amazonaws.com/role-arn": f"arn:aws-cn:iam::{ACCT}:role/{ROLE}"}})

    def test_bad_token_expiration_annotation(self):
        self.assertBroken("service-account", "--token-expiration 86400", "not a number of seconds",
                          sa={"namespace": "apps", "name": "web", "annotations": {
                              "eks.amazonaws.com/role-arn": ROLE_ARN,
                              "eks.amazonaws.com/token-expiration": "forever"}})

    def test_role_missing(self):
        self.assertBroken("role", "irsactl create-role --cluster demo -n apps -s web --role-name web-role",
                          "cannot be found", role=False)

    def test_sub_for_another_namespace(self):
        c = self.assertBroken("trust", "irsactl create-role --cluster demo -n apps -s web",
                              "wants 'system:serviceaccount:other:web', the request has "
                              "'system:serviceaccount:apps:web'",
                              role={"name": ROLE, "trust": self.trust(sub="system:serviceaccount:other:web")})
        # the emulated STS agrees with irsactl's evaluator: the live exchange is refused too
        self.assertEqual(c["live"]["status"], "fail")
        self.assertIn("Not authorized to perform sts:AssumeRoleWithWebIdentity", c["live"]["message"])

    def test_string_like_that_does_not_match(self):
        self.assertBroken("trust", None, "StringLike",
                          role={"name": ROLE, "trust": self.trust(op="StringLike",
                                                                  sub="system:serviceaccount:apps:api-*")})

    def test_explicit_deny(self):
        deny = {"Sid": "NoApps", "Effect": "Deny", "Principal": "*", "Action": "sts:*",
                "Condition": {"StringLike": {self.key + ":sub": "system:serviceaccount:apps:*"}}}
        self.assertBroken("trust", "update-assume-role-policy", "statement 1 ('NoApps') explicitly denies",
                          role={"name": ROLE, "trust": self.trust(extra=[deny])})

    def test_aud_condition_wrong(self):
        self.assertBroken("trust", None, "wants 'sts.amazonaws.com.cn'",
                          role={"name": ROLE, "trust": self.trust(aud="sts.amazonaws.com.cn")})

    def test_action_denied(self):
        self.assertBroken("permissions", "--attach-policy-arn", "s3:PutObject implicitly denied",
                          extra=("--action", "s3:GetObject,s3:PutObject", "--resource", "arn:aws:s3:::data/x"))

    def test_pod_created_before_the_annotation(self):
        c = self.assertBroken("pods", "kubectl rollout restart deployment/web -n apps",
                              "web-5d9c7-old", pods=[
                                  {"namespace": "apps", "name": "web-5d9c7-old", "serviceAccountName": "web",
                                   "inject": False, "ownerReferences": [
                                       {"kind": "ReplicaSet", "name": "web-5d9c7", "apiVersion": "apps/v1",
                                        "uid": "u", "controller": True}]}])
        self.assertEqual(c["live"]["status"], "ok")

    def test_token_issuer_differs(self):
        self.assertBroken("live", None, "differs from the cluster's issuer",
                          kube_extra={"issuer": "https://%s/id/ROTATED" % ISSUER_HOST})

    def test_role_annotation_other_than_expected(self):
        self.assertBroken("service-account", "--overwrite", "not 'arn:aws:iam::111122223333:role/expected'",
                          extra=("--role-arn", f"arn:aws:iam::{ACCT}:role/expected"))


PI_ROLE = "pi-role"
PI_ROLE_ARN = f"arn:aws:iam::{ACCT}:role/{PI_ROLE}"
PI_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Sid": "IrsactlPodIdentity", "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
     "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
AGENT = {"eks-pod-identity-agent": {"version": "v1.3.4-eksbuild.1"}}


class PodIdentityTest(VerifyCase):
    """A service account whose pods get credentials through EKS Pod Identity."""

    def seed_pi(self, trust=PI_TRUST, addons=AGENT, sa=None, extra_roles=(), role=True):
        roles = [{"name": PI_ROLE, "trust": trust,
                  "attached_policies": [f"arn:aws:iam::{ACCT}:policy/s3-read"]}] if role else []
        self.seed(cluster={"name": "demo", "issuer": self.issuer, "addons": addons},
                  sa=sa or {"namespace": "apps", "name": "web"},
                  aws_extra={"roles": [{"name": ROLE, "trust": self.trust()}] + roles + list(extra_roles)})

    def associate(self, ns="apps", name="web", role_arn=PI_ROLE_ARN, target=None, disable_tags=False):
        """The association, made by irsactl apply from an eksctl file (roleARN: the role is used
        as it is, not changed)."""
        item = (f"  - namespace: {ns}\n    serviceAccountName: {name}\n    roleARN: {role_arn}\n"
                + (f"    targetRoleARN: {target}\n" if target else "")
                + ("    disableSessionTags: true\n" if disable_tags else ""))
        path = self.write("pia.yaml", "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
                          "metadata: {name: demo}\niam:\n  podIdentityAssociations:\n" + item)
        self.assertOk(self.run_cli("apply", "-f", path))
        self.emu.clear_log()

    def test_healthy_pod_identity_service_account(self):
        self.seed_pi()
        self.associate()
        r = self.verify("--action", "s3:GetObject", "--resource", "arn:aws:s3:::data/x")
        self.assertOk(r)
        c = self.checks(r, PI_ONLY)
        self.assertEqual({k: v["status"] for k, v in c.items()}, {k: "ok" for k in PI_ONLY}, r)
        self.assertIn(f"gives 'apps/web' role '{PI_ROLE_ARN}'", c["pod-identity-association"]["message"])
        self.assertIn("lets 'pods.eks.amazonaws.com' do sts:AssumeRole and sts:TagSession",
                      c["pod-identity-trust"]["message"])
        self.assertIn("through EKS Pod Identity", c["service-account"]["message"])
        # the permissions are the association's role's
        self.assertIn("s3:GetObject allowed by 's3-read'", c["permissions"]["message"])
        self.assertNotIn("notes", r.json())
        # one List (filtered to the SA) and one Describe; no IRSA link is read
        actions = [e.get("action") for e in self.emu.log()]
        self.assertEqual(actions.count("ListPodIdentityAssociations"), 1)
        self.assertEqual(actions.count("DescribePodIdentityAssociation"), 1)
        self.assertNotIn("GetOpenIDConnectProvider", actions)
        r = self.verify(output="text")
        self.assertOk(r)
        self.assertEqual([l.split()[1] for l in r.out.splitlines()], PI_ONLY)

    def test_missing_association(self):
        self.seed_pi()
        r = self.verify("--role-arn", PI_ROLE_ARN)
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        c = self.checks(r, CHECKS + PI_CHECKS)
        self.assertEqual(c["pod-identity-association"]["status"], "fail")
        self.assertIn("no EKS Pod Identity association for 'apps/web' in cluster 'demo'",
                      c["pod-identity-association"]["message"])
        self.assertEqual(c["pod-identity-association"]["fix"],
                         f"irsactl pod-identity create --cluster demo -n apps -s web --role-arn {PI_ROLE_ARN}")
        self.assertEqual(c["pod-identity-role"]["status"], "skip")
        self.assertEqual(c["pod-identity-agent"]["status"], "ok")
        # without an association a missing agent is only a warning (it matters once there is one)
        self.emu.reset()
        self.seed_pi(addons={})
        r = self.verify()
        self.assertEqual(self.first_failure(r), "service-account", r)
        c = self.checks(r, CHECKS + PI_CHECKS)
        self.assertEqual(c["pod-identity-agent"]["status"], "warn")
        self.assertIn("aws eks create-addon", c["pod-identity-agent"]["fix"])

    def test_association_names_another_role(self):
        self.seed_pi()
        self.associate()
        other = f"arn:aws:iam::{ACCT}:role/expected"
        r = self.verify("--role-arn", other)
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        self.assertEqual(self.first_failure(r), "pod-identity-association")
        c = self.checks(r, PI_ONLY)["pod-identity-association"]
        self.assertIn(f"names role '{PI_ROLE_ARN}', not '{other}'", c["message"])
        self.assertIn("--role-arn " + other, c["fix"])

    def test_wrong_trust(self):
        # the role trusts only the OIDC provider: no statement for Pod Identity
        self.seed_pi(trust=self.trust())
        self.associate()
        r = self.verify()
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        self.assertIn("the 'pod-identity-trust' check failed", r.err)
        self.assertEqual(self.first_failure(r), "pod-identity-trust")
        c = self.checks(r, PI_ONLY)["pod-identity-trust"]
        self.assertIn(f"role '{PI_ROLE}' does not let 'pods.eks.amazonaws.com' do sts:AssumeRole", c["message"])
        self.assertEqual(c["fix"], f"irsactl pod-identity create --cluster demo -n apps -s web --role-name {PI_ROLE}")

    def test_trust_without_tag_session(self):
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        self.seed_pi(trust=trust)
        self.associate()
        r = self.verify()
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        c = self.checks(r, PI_ONLY)["pod-identity-trust"]
        self.assertEqual(c["status"], "fail")
        self.assertIn("does not let 'pods.eks.amazonaws.com' do sts:TagSession", c["message"])
        # with session tags disabled, sts:AssumeRole is enough
        self.emu.reset()
        self.seed_pi(trust=trust)
        self.associate(disable_tags=True)
        r = self.verify()
        self.assertOk(r)
        self.assertIn("(session tags disabled)", self.checks(r, PI_ONLY)["pod-identity-association"]["message"])

    def test_trust_with_a_deny(self):
        trust = {"Version": "2012-10-17", "Statement": PI_TRUST["Statement"] + [
            {"Sid": "NoOtherAccounts", "Effect": "Deny", "Principal": {"Service": "pods.eks.amazonaws.com"},
             "Action": "sts:*", "Condition": {"StringNotEquals": {"aws:SourceAccount": "999999999999"}}}]}
        self.seed_pi(trust=trust)
        self.associate()
        r = self.verify()
        self.assertEqual(self.first_failure(r), "pod-identity-trust", r)
        c = self.checks(r, PI_ONLY)["pod-identity-trust"]
        self.assertIn("explicitly denies", c["message"])
        self.assertIn("update-assume-role-policy", c["fix"])

    def test_agent_absent(self):
        self.seed_pi(addons={})
        self.associate()
        r = self.verify()
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        self.assertIn("the 'pod-identity-agent' check failed", r.err)
        c = self.checks(r, PI_ONLY)["pod-identity-agent"]
        self.assertIn("the EKS Pod Identity Agent add-on is not installed in cluster 'demo'", c["message"])
        self.assertEqual(c["fix"], "aws eks create-addon --cluster-name demo --addon-name eks-pod-identity-agent")

    def test_agent_not_active(self):
        self.seed_pi(addons={"eks-pod-identity-agent": {"status": "DEGRADED"}})
        self.associate()
        r = self.verify()
        self.assertEqual(self.first_failure(r), "pod-identity-agent", r)
        self.assertIn("is DEGRADED, not ACTIVE", self.checks(r, PI_ONLY)["pod-identity-agent"]["message"])
        self.emu.reset()
        self.seed_pi(addons={"eks-pod-identity-agent": {"status": "CREATING"}})
        self.associate()
        r = self.verify()
        self.assertOk(r)  # on its way: a warning
        self.assertEqual(self.checks(r, PI_ONLY)["pod-identity-agent"]["status"], "warn")

    def test_role_missing(self):
        self.seed_pi(role=False)
        self.associate()
        r = self.verify()
        self.assertEqual(self.first_failure(r), "pod-identity-role", r)
        c = self.checks(r, PI_ONLY)
        self.assertIn("--role-name pi-role", c["pod-identity-role"]["fix"])
        self.assertEqual(c["pod-identity-trust"]["status"], "skip")

    def test_target_role(self):
        target = {"name": "data-reader", "trust": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": PI_ROLE_ARN}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}}
        self.seed_pi(extra_roles=[target])
        self.associate(target=f"arn:aws:iam::{ACCT}:role/data-reader")
        r = self.verify()
        self.assertOk(r)
        c = self.checks(r, PI_ONLY[:-1] + ["pod-identity-target-role", "pod-identity-agent"])
        self.assertEqual(c["pod-identity-target-role"]["status"], "ok", r)
        # a target role that does not trust the association's role
        self.emu.reset()
        self.seed_pi(extra_roles=[{"name": "data-reader", "trust": self.trust()}])
        self.associate(target=f"arn:aws:iam::{ACCT}:role/data-reader")
        r = self.verify()
        self.assertEqual(self.first_failure(r), "pod-identity-target-role", r)
        self.assertIn(f"does not let '{PI_ROLE_ARN}' do sts:AssumeRole",
                      self.checks(r, PI_ONLY[:-1] + ["pod-identity-target-role", "pod-identity-agent"])
                      ["pod-identity-target-role"]["message"])
        # in another account: cannot be read, a warning
        self.emu.reset()
        self.seed_pi()
        self.associate(target="arn:aws:iam::444455556666:role/data-reader")
        r = self.verify()
        self.assertOk(r)
        c = self.checks(r, PI_ONLY[:-1] + ["pod-identity-target-role", "pod-identity-agent"])
        self.assertEqual(c["pod-identity-target-role"]["status"], "warn")
        self.assertIn("in account 444455556666", c["pod-identity-target-role"]["message"])

    def test_both_mechanisms(self):
        self.seed_pi(sa={"namespace": "apps", "name": "web",
                         "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}})
        self.associate()
        r = self.verify()
        self.assertOk(r)
        c = self.checks(r, CHECKS + ["pod-identity-association", "pod-identity-role", "pod-identity-trust",
                                     "pod-identity-agent"])
        self.assertEqual(c["trust"]["status"], "ok")
        self.assertEqual(c["pod-identity-trust"]["status"], "ok")
        self.assertEqual(len(r.json()["notes"]), 1)
        self.assertIn("EKS Pod Identity takes precedence", r.json()["notes"][0])
        r = self.verify(output="text")
        self.assertIn("note: the service account has both the IRSA annotation and an EKS Pod Identity "
                      "association", r.out)

    def test_self_managed_cluster_has_no_pod_identity_checks(self):
        self.seed()
        r = self.run_cli("verify", "--issuer-url", self.issuer, "-n", "apps", "-s", "web",
                         "--kubeconfig", self.kubeconfig, "--output", "json")
        self.assertOk(r)
        self.checks(r, CHECKS)
        self.assertNotIn("ListPodIdentityAssociations", [e.get("action") for e in self.emu.log()])

    def test_every_service_account_with_an_association(self):
        self.seed_pi(sa=None)
        self.kube.seed(serviceaccounts=[
            {"namespace": "apps", "name": "irsa", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
            {"namespace": "apps", "name": "pi"},
            {"namespace": "apps", "name": "plain"}])
        self.associate(name="pi")
        self.associate(name="ghost")  # an association for a service account that does not exist
        r = self.run_cli("verify", "--cluster", "demo", "-n", "apps", "--kubeconfig", self.kubeconfig,
                         "--output", "json")
        self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)
        got = [(s["service_account"], s["ok"]) for s in r.json()["service_accounts"]]
        # web is seeded without annotation or association: not listed
        self.assertEqual(got, [("ghost", False), ("irsa", False), ("pi", True)])
        self.assertEqual(len([e for e in self.emu.log() if e.get("action") == "ListPodIdentityAssociations"]), 1)

    def test_many_service_accounts_read_the_cluster_once(self):
        """verify over many service accounts reads the cluster, its associations and its
        agent add-on once, not once per service account (-n: the namespace's
        associations; -A: the cluster's)."""
        self.seed_pi(sa=None)
        self.kube.seed(namespaces=["apps", "ci"], serviceaccounts=[
            {"namespace": "apps", "name": f"irsa{i}", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}}
            for i in range(3)] + [{"namespace": "apps", "name": "pi"}, {"namespace": "ci", "name": "pi2"}])
        self.associate(name="pi")
        self.associate(ns="ci", name="pi2")
        for scope, want in ((["-n", "apps"], ["irsa0", "irsa1", "irsa2", "pi"]),
                            (["-A"], ["irsa0", "irsa1", "irsa2", "pi", "pi2"])):
            self.emu.clear_log()
            r = self.run_cli("verify", "--cluster", "demo", *scope, "--kubeconfig", self.kubeconfig,
                             "--output", "json")
            self.assertEqual(r.rc, EXIT_CHECK_FAILED, r)  # the role trusts apps/web only
            sas = {s["service_account"]: s for s in r.json()["service_accounts"]}
            self.assertEqual(sorted(sas), want)
            for name, s in sas.items():
                c = {x["check"]: x for x in s["checks"]}
                self.assertEqual(c["cluster"]["status"], "ok", s)
                self.assertIn("cluster 'demo'", c["cluster"]["message"])
                if name.startswith("pi"):
                    self.assertTrue(s["ok"], s)
                    self.assertEqual(c["pod-identity-agent"]["status"], "ok", s)
                else:
                    self.assertNotIn("pod-identity-agent", c)
            eks = [e.get("action") for e in self.emu.log() if e.get("service") == "eks"]
            n_pi = len([n for n in want if n.startswith("pi")])
            self.assertEqual(sorted(eks), sorted(["DescribeCluster", "ListPodIdentityAssociations",
                                                  "DescribeAddon"]
                                                 + ["DescribePodIdentityAssociation"] * n_pi), scope)


class ListTest(VerifyCase):
    def test_list_roles_pages_through_1500_roles(self):
        other = "https://oidc.other.test/id/X"
        irsa = [{"name": f"irsa-{i:02d}", "trust": self.trust(sub=f"system:serviceaccount:apps:sa{i}")}
                for i in range(8)]
        irsa.append({"name": "irsa-other", "trust": {"Statement": [{
            "Effect": "Allow", "Action": ["sts:AssumeRoleWith*"], "Principal": {
                "Federated": f"arn:aws:iam::{ACCT}:oidc-provider/oidc.other.test/id/X"},
            "Condition": {"StringLike": {"oidc.other.test/id/X:SUB": "system:serviceaccount:ci:*"}}}]}})
        irsa.append({"name": "irsa-denied-only", "trust": {"Statement": [{
            "Effect": "Deny", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {
                "Federated": self.provider}}]}})
        plain = [{"name": f"plain-{i:04d}"} for i in range(1490)]
        self.emu.seed(roles=plain + irsa)
        self.emu.clear_log()
        r = self.run_cli("list", "roles", "--output", "json")
        self.assertOk(r)
        roles = r.json()["roles"]
        self.assertEqual([x["role_name"] for x in roles], [f"irsa-{i:02d}" for i in range(8)] + ["irsa-other"])
        self.assertEqual(roles[0]["issuers"], [self.key])
        self.assertEqual(roles[0]["subjects"], ["system:serviceaccount:apps:sa0"])
        self.assertTrue(roles[0]["managed"])
        self.assertEqual((roles[8]["issuers"], roles[8]["subjects"], roles[8]["managed"]),
                         (["oidc.other.test/id/X"], ["system:serviceaccount:ci:*"], False))
        pages = [e for e in self.emu.log() if e.get("action") == "ListRoles"]
        self.assertEqual(len(pages), 15)
        r = self.run_cli("list", "roles", "--issuer-url", other)
        self.assertOk(r)
        self.assertEqual(r.out.splitlines()[0].split(), ["ROLE", "MANAGED", "ISSUER", "SUBJECTS"])
        self.assertEqual([l.split()[0] for l in r.out.splitlines()[1:]], ["irsa-other"])
        self.seed(aws_extra={})
        r = self.run_cli("list", "roles", "--cluster", "demo", "--output", "json")
        self.assertOk(r)
        self.assertEqual(len(r.json()["roles"]), 9)  # the 8 above and web-role

    def test_list_service_accounts(self):
        self.seed(kube_extra={"serviceaccounts": [
            {"namespace": "apps", "name": "web", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
            {"namespace": "apps", "name": "other", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
            {"namespace": "apps", "name": "ghost",
             "annotations": {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCT}:role/ghost"}},
            {"namespace": "apps", "name": "plain"},
            {"namespace": "ci", "name": "runner", "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}}]})
        r = self.run_cli("list", "service-accounts", "-n", "apps", "--kubeconfig", self.kubeconfig,
                         "--output", "json")
        self.assertOk(r)
        got = {s["service_account"]: s for s in r.json()["service_accounts"]}
        self.assertEqual(sorted(got), ["ghost", "other", "web"])
        self.assertEqual((got["web"]["role_exists"], got["web"]["trust_admits"]), (True, True))
        self.assertEqual((got["other"]["role_exists"], got["other"]["trust_admits"]), (True, False))
        self.assertIn("system:serviceaccount:apps:other", got["other"]["detail"])
        self.assertEqual((got["ghost"]["role_exists"], got["ghost"]["trust_admits"]), (False, None))
        r = self.run_cli("list", "service-accounts", "-A", "--cluster", "demo", "--kubeconfig", self.kubeconfig)
        self.assertOk(r)
        self.assertIn("ci/runner", r.out)
        self.assertRegex(r.out, r"apps/web +%s +yes +admits" % re.escape(ROLE_ARN))

    def test_list_service_accounts_reads_the_roles_in_one_round(self):
        """Each role named once, every GetRole at once: six service accounts
        naming four roles (one twice, one absent, one malformed) are one
        round of four requests."""
        other = f"arn:aws:iam::{ACCT}:role/other"
        self.seed(aws_extra={"roles": [{"name": ROLE, "trust": self.trust()},
                                       {"name": "other", "trust": self.trust()},
                                       {"name": "third", "trust": self.trust()}]},
                  kube_extra={"serviceaccounts": [
                      {"namespace": "apps", "name": "web",
                       "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
                      {"namespace": "apps", "name": "web2",
                       "annotations": {"eks.amazonaws.com/role-arn": ROLE_ARN}},
                      {"namespace": "apps", "name": "other",
                       "annotations": {"eks.amazonaws.com/role-arn": other}},
                      {"namespace": "apps", "name": "third",
                       "annotations": {"eks.amazonaws.com/role-arn": other.replace("other", "third")}},
                      {"namespace": "apps", "name": "ghost",
                       "annotations": {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCT}:role/ghost"}},
                      {"namespace": "apps", "name": "broken",
                       "annotations": {"eks.amazonaws.com/role-arn": "not-an-arn"}}]})
        self.emu.clear_log()
        self.emu.faults([{"kind": "latency", "ms": 100}])
        r = self.run_cli("list", "service-accounts", "-n", "apps", "--kubeconfig", self.kubeconfig,
                         "--output", "json")
        self.assertOk(r)
        got = {s["service_account"]: s for s in r.json()["service_accounts"]}
        self.assertEqual((got["web"]["role_exists"], got["web"]["trust_admits"]), (True, True))
        self.assertEqual((got["web2"]["role_exists"], got["web2"]["trust_admits"]), (True, False))
        self.assertEqual((got["other"]["role_exists"], got["other"]["trust_admits"]), (True, False))
        self.assertEqual(got["third"]["role_exists"], True)
        self.assertEqual((got["ghost"]["role_exists"], got["ghost"]["trust_admits"]), (False, None))
        self.assertIn("cannot be found", got["ghost"]["detail"])
        self.assertEqual((got["broken"]["role_exists"], got["broken"]["trust_admits"]), (None, None))
        self.assertIn("not-an-arn", got["broken"]["detail"])
        self.assertEqual(clitest.request_rounds(self.emu.log()), [["GetRole"] * 4])
        names = sorted(e.get("action") for e in self.emu.log())
        self.assertEqual(names, ["GetRole"] * 4)

    def test_list_usage(self):
        self.assertFails(self.run_cli("list", "users"), 2, "unknown list 'users'")
        self.assertFails(self.run_cli("list", "roles", "-n", "apps"), 2, "takes no --namespace")
        self.assertFails(self.run_cli("list", "roles", "--cluster", "a", "--issuer-url", "https://x"), 2)


if __name__ == "__main__":
    main()
