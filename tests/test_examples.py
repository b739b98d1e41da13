#!/usr/bin/python3
"""The scripts under examples/ run as written against the emulators."""
import base64
import json
import os
import subprocess
import unittest

import clitest
from aws_harness import AwsEmulator
from issuer_harness import LocalIssuer
from kube_harness import KubeEmulator

EXAMPLES = os.path.join(clitest.HERE, "..", "examples")


class ExamplesTest(clitest.CliTestCase):
    def test_ci_pipeline(self):
        with AwsEmulator() as aws, KubeEmulator(cluster_name="prod") as kube, \
                LocalIssuer() as issuer:
            with open(kube.ca_path, "rb") as f:
                ca = base64.b64encode(f.read()).decode()
            # IAM takes no port in an issuer URL: the local issuer is reached on 443
            # through a loopback proxy (issuer_harness).
            aws.seed(clusters=[{"name": "prod", "issuer": issuer.url("/id/PROD"),
                                "endpoint": kube.url, "ca_data": ca}])
            kube.seed(namespaces=["payments"])
            env = self.env(**aws.env())
            env.update(issuer.env())
            env.update(HOME=self.home,
                       AWS_CONFIG_FILE=os.path.join(self.home, "aws-config"),
                       AWS_SHARED_CREDENTIALS_FILE=os.path.join(self.home, "aws-credentials"),
                       KUBECONFIG=os.path.join(self.home, "kubeconfig"),
                       PATH=os.path.dirname(os.path.abspath(clitest.IRSACTL)) + ":/usr/bin:/bin")
            r = subprocess.run([clitest.IRSACTL, "update-kubeconfig", "--cluster", "prod"], env=env,
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            script = os.path.join(EXAMPLES, "ci-pipeline.sh")
            for run in ("first", "second"):
                aws.clear_log()
                kube.clear_log()
                r = subprocess.run(["sh", script], env=env, capture_output=True, text=True, timeout=120)
                self.assertEqual(r.returncode, 0, "%s run:\n%s%s" % (run, r.stdout, r.stderr))
            # The pipeline is idempotent: its second run changes nothing.
            self.assertEqual([e["action"] for e in aws.log() if e.get("mutating")], [])
            self.assertEqual([e for e in kube.log() if e["write"]], [])
            sa = [s for s in kube.state()["serviceaccounts"]
                  if s["metadata"]["namespace"] == "payments" and s["metadata"]["name"] == "api"]
            self.assertEqual(sa[0]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
                             "arn:aws:iam::111122223333:role/irsa-prod-payments-api")

    def test_helm_values(self):
        values = self.write("values.yaml", "# chart defaults\nserviceAccount:\n"
                            "  # create it\n  create: false\n  annotations: {}\n  name: \"\"\n")
        with AwsEmulator() as aws, LocalIssuer() as issuer:
            aws.seed(clusters=[{"name": "prod", "issuer": issuer.url("/id/PROD")}])
            env = self.env(**aws.env())
            env.update(issuer.env())
            env.update(CLUSTER="prod", NAMESPACE="payments", SA="api", BUCKET="payments-reports",
                       VALUES=values,
                       PATH=os.path.dirname(os.path.abspath(clitest.IRSACTL)) + ":/usr/bin:/bin")
            script = os.path.join(EXAMPLES, "helm-values.sh")
            for run in ("first", "second"):
                aws.clear_log()
                with open(values) as f:
                    before = f.read()
                r = subprocess.run(["sh", script], env=env, capture_output=True, text=True,
                                   timeout=120)
                self.assertEqual(r.returncode, 0, "%s run:\n%s%s" % (run, r.stdout, r.stderr))
            self.assertEqual([e["action"] for e in aws.log() if e.get("mutating")], [])
            with open(values) as f:
                text = f.read()
            self.assertEqual(text, before)  # the second run left the file alone
            self.assertEqual(text, "# chart defaults\nserviceAccount:\n  # create it\n"
                             "  create: true\n  annotations:\n    eks.amazonaws.com/role-arn: "
                             "arn:aws:iam::111122223333:role/irsa-prod-payments-api\n"
                             "  name: api\n")

    def aws_env(self, aws, issuer, **extra):
        env = self.env(**aws.env())
        env.update(issuer.env())
        env.update(PATH=os.path.dirname(os.path.abspath(clitest.IRSACTL)) + ":/usr/bin:/bin",
                   **extra)
        return env

    def run_twice(self, aws, script, env):
        """Run the example twice; the second run sends no mutating request."""
        for run in ("first", "second"):
            aws.clear_log()
            r = subprocess.run(["sh", os.path.join(EXAMPLES, script)], env=env,
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, "%s run:\n%s%s" % (run, r.stdout, r.stderr))
        self.assertEqual([e["action"] for e in aws.log() if e.get("mutating")], [])
        return r

    def test_managed_policy(self):
        with AwsEmulator() as aws, LocalIssuer() as issuer:
            aws.seed(clusters=[{"name": "prod", "issuer": issuer.url("/id/PROD")}])
            self.run_twice(aws, "managed-policy.sh",
                           self.aws_env(aws, issuer, CLUSTER="prod", BUCKET="shared-data"))
            state = aws.state()["accounts"]["111122223333"]
            policies = sorted(state["policies"])
            self.assertEqual(len(policies), 2)
            self.assertIn("arn:aws:iam::111122223333:policy/irsactl-file-ledger", policies)
            for sa in ("ingest", "report"):
                role = state["roles"][f"irsa-prod-jobs-{sa}"]
                self.assertEqual(sorted(role["attached_policies"]), policies)
                self.assertEqual(role["inline_policies"], {})

    def test_cross_account(self):
        from aws_harness import load_accounts
        keys = load_accounts()["access_keys"]
        token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXBwczp3ZWIifQ.sig"
        creds = self.write("aws-credentials", "".join(
            f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {keys[key]['secret']}\n"
            for name, key in (("a", "AKIAIRSATESTALICE01"), ("b", "AKIAIRSATESTBOB0002"))))
        with AwsEmulator() as aws, LocalIssuer() as issuer:
            aws.seed(clusters=[{"name": "prod", "issuer": issuer.url("/id/PROD")}],
                     web_identity_tokens=[token])
            env = self.aws_env(aws, issuer, A_PROFILE="a", B_PROFILE="b", CLUSTER="prod",
                               NAMESPACE="apps", SA="web", BUCKET="b-data", EXTERNAL_ID="team-a",
                               AWS_SHARED_CREDENTIALS_FILE=creds)
            for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                env.pop(k)
            r = self.run_twice(aws, "cross-account.sh", env)
            target = aws.state()["accounts"]["444455556666"]["roles"]["prod-apps-web-cross"]
            self.assertEqual(target["trust"]["Statement"][0]["Condition"],
                             {"StringEquals": {"sts:ExternalId": "team-a"}})
            # the AWS config the example prints takes the pod to the target role
            token_path = self.write("token", token)
            printed = r.stdout[r.stdout.index("[profile source]"):]
            config = self.write("pod-config", printed.replace(
                "/var/run/secrets/eks.amazonaws.com/serviceaccount/token", token_path))
            pod = self.env(**aws.env())
            for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
                pod.pop(k)
            pod["AWS_CONFIG_FILE"] = config
            who = subprocess.run([clitest.IRSACTL, "whoami", "--output", "json"], env=pod,
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(who.returncode, 0, who.stderr)
            self.assertTrue(json.loads(who.stdout)["arn"].startswith(
                "arn:aws:sts::444455556666:assumed-role/prod-apps-web-cross/"), who.stdout)

    def test_pod_identity(self):
        with AwsEmulator() as aws:
            aws.seed(clusters=[{"name": "prod", "addons": {"eks-pod-identity-agent": {}}}])
            env = self.env(**aws.env())
            env.update(CLUSTER="prod", NAMESPACE="payments", SA="api", BUCKET="payments-reports",
                       PATH=os.path.dirname(os.path.abspath(clitest.IRSACTL)) + ":/usr/bin:/bin")
            script = os.path.join(EXAMPLES, "pod-identity.sh")
            for run in ("first", "second"):
                aws.clear_log()
                r = subprocess.run(["sh", script], env=env, capture_output=True, text=True,
                                   timeout=120)
                self.assertEqual(r.returncode, 0, "%s run:\n%s%s" % (run, r.stdout, r.stderr))
                self.assertIn("payments/api", r.stdout)
            self.assertEqual([e["action"] for e in aws.log() if e.get("mutating")], [])
            (cluster,) = aws.state()["clusters"]
            (assoc,) = cluster["associations"].values()
            self.assertEqual((assoc["namespace"], assoc["serviceAccount"], assoc["roleArn"]),
                             ("payments", "api",
                              "arn:aws:iam::111122223333:role/pod-prod-payments-api"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
