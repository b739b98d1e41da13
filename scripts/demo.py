#!/usr/bin/python3
"""The README's first command: the whole IRSA setup, end to end, against
the bundled AWS and Kubernetes emulators on loopback.

Usage: scripts/demo.py PATH/TO/irsactl

Prints each command the way a user would type it and what irsactl prints,
then the emulators' request counts. Exits non-zero if any step fails."""
import base64
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "emulator"))

from aws_harness import AwsEmulator  # noqa: E402
from issuer_harness import LocalIssuer  # noqa: E402
from kube_harness import KubeEmulator  # noqa: E402

CLUSTER = "demo"
NAMESPACE = "payments"
SA = "api"
ROLE = "irsa-demo-payments-api"


def bold(text):
    return text if os.environ.get("NO_COLOR") or not sys.stdout.isatty() else "\033[1m%s\033[0m" % text


class Demo:
    def __init__(self, irsactl, env):
        self.irsactl = irsactl
        self.env = env
        self.failed = False

    def step(self, title, *args, expect=0, stdin=None, says=None):
        print()
        print(bold("# " + title))
        print("$ irsactl " + " ".join(shlex.quote(a) for a in args))
        sys.stdout.flush()
        proc = subprocess.run([self.irsactl] + list(args), env=self.env, input=stdin, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        sys.stdout.write(proc.stdout)
        if proc.returncode != expect:
            print("demo: step failed with exit status %d (expected %d)" % (proc.returncode, expect))
            self.failed = True
        if says and says not in proc.stdout:
            print("demo: step did not say '%s'" % says)
            self.failed = True
        return proc


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    irsactl = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="irsactl-demo-") as home, \
            AwsEmulator() as aws, KubeEmulator(cluster_name=CLUSTER) as kube, \
            LocalIssuer() as local_issuer:
        # IAM takes no port in an issuer URL: the local issuer is reached on
        # 443 through a loopback proxy (see tests/emulator/issuer_harness.py).
        issuer = local_issuer.url("/id/EXAMPLED539D4633E53DE1B71EXAMPLE")
        with open(kube.ca_path, "rb") as f:
            ca_data = base64.b64encode(f.read()).decode()
        aws.seed(clusters=[{"name": CLUSTER, "issuer": issuer, "endpoint": kube.url,
                            "ca_data": ca_data, "status": "ACTIVE", "version": "1.31"}])
        env = aws.env(key="AKIAIRSATESTALICE01")
        env.update({
            "HOME": home,
            "PATH": os.path.dirname(irsactl) + ":/usr/bin:/bin",
            "AWS_CONFIG_FILE": os.path.join(home, ".aws", "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, ".aws", "credentials"),
            "KUBECONFIG": os.path.join(home, ".kube", "config"),
        })
        # The issuer's proxy and CA (AWS_CA_BUNDLE).
        env.update(local_issuer.env())
        print(bold("irsactl end-to-end demo"))
        print("AWS emulator:        %s (IAM, STS, EKS; every SigV4 signature checked with botocore)" % aws.url)
        print("Kubernetes emulator: %s (cluster '%s', EKS tokens checked with botocore)" % (kube.url, CLUSTER))
        print("OIDC issuer:         %s" % issuer)

        d = Demo(irsactl, env)
        d.step("Who am I?", "whoami")
        d.step("Register the cluster's OIDC issuer with IAM", "associate-oidc", "--cluster", CLUSTER)
        create = ["create-role", "--cluster", CLUSTER, "--namespace", NAMESPACE,
                  "--service-account", SA, "--role-name", ROLE,
                  "--policy", "s3-read:bucket=payments-reports,prefix=daily/",
                  "--policy", "secretsmanager-read:secrets=payments/db",
                  "--policy", "dynamodb-read:tables=orders",
                  "--tag", "team=payments"]
        d.step("Preview the role (nothing is changed)", *create, "--dry-run")
        d.step("Create the role with its trust policy and permissions", *create)
        d.step("Run it again: nothing to do", *create, says="unchanged")
        d.step("The trust policy irsactl wrote", "render-trust-policy", "--cluster", CLUSTER,
               "--namespace", NAMESPACE, "--service-account", SA)
        d.step("The annotated ServiceAccount, for GitOps", "annotate-sa", "--namespace", NAMESPACE,
               "--service-account", SA, "--role-name", ROLE,
               "--sts-regional-endpoints", "true")
        d.step("Add the cluster to the kubeconfig (exec plugin: irsactl token)",
               "update-kubeconfig", "--cluster", CLUSTER)
        apply = ["annotate-sa", "--namespace", NAMESPACE, "--service-account", SA,
                 "--role-name", ROLE, "--sts-regional-endpoints", "true", "--apply",
                 "--create-namespace"]
        d.step("Apply it to the cluster (server-side apply, field manager irsactl)", *apply)
        d.step("Apply again: unchanged", *apply, says="unchanged")
        d.step("Everything in one go is idempotent: associate again", "associate-oidc",
               "--cluster", CLUSTER, says="unchanged")
        print()
        print(bold("# What kubectl sees (authenticated through 'irsactl token')"))
        print("$ kubectl get serviceaccount %s -n %s -o jsonpath='{.metadata.annotations}'" % (SA, NAMESPACE))
        sys.stdout.flush()
        if not shutil.which("kubectl", path=env.get("PATH")):
            # the check is part of the demo: missing kubectl is a failure
            print("demo: kubectl not found in PATH; scripts/install-deps.sh installs it")
            d.failed = True
        else:
            proc = subprocess.run(["kubectl", "get", "serviceaccount", SA, "-n", NAMESPACE, "-o",
                                   "jsonpath={.metadata.annotations}"], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            print(proc.stdout)
            if proc.returncode != 0 or "eks.amazonaws.com/role-arn" not in proc.stdout:
                print("demo: kubectl did not show the role-arn annotation")
                d.failed = True

        aws_log = aws.log()
        kube_log = kube.log()
        print()
        print(bold("# What went over the wire"))
        print("AWS requests: %d, of which mutating: %d; rejected signatures: %d" % (
            len(aws_log), sum(1 for e in aws_log if e.get("mutating")),
            sum(1 for e in aws_log if e.get("error_code") == "SignatureDoesNotMatch")))
        print("Kubernetes requests: %d, of which writes: %d" % (
            len(kube_log), sum(1 for e in kube_log if e.get("write"))))
        rejected = sum(1 for e in aws_log if e.get("error_code") == "SignatureDoesNotMatch")
        mutating_after_setup = [e for e in aws_log[-3:] if e.get("mutating")]
        if rejected or mutating_after_setup:
            print("demo: %d rejected signatures, %d mutating requests in the last run" % (
                rejected, len(mutating_after_setup)))
            d.failed = True
        print()
        if d.failed:
            print("demo: FAILED")
            return 1
        print("demo: done")
        return 0


if __name__ == "__main__":
    sys.exit(main())
