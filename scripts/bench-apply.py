#!/usr/bin/python3
"""Figures for `irsactl apply -f` at scale against the local emulators.

Usage: scripts/bench-apply.py PATH/TO/irsactl [--count N] [--latency MS]
                              [--concurrency N ...] [--runs N] [--no-loop]

N service accounts (default 100), one role each with two templates (s3-read,
dynamodb-read), all in one cluster, every AWS request delayed by MS
milliseconds (default 20) by the emulator's `latency` fault. Printed: the
wall time of the first apply and of a no-op re-apply, the AWS requests each
sent (read / mutating, from the emulator's log) and the Kubernetes writes,
the peak RSS and the CPU time of the irsactl process, and the same N done by a loop of
`irsactl create-role` + `irsactl annotate-sa --apply` commands.

Figures only: nothing here passes or fails. The issue's targets for N=100,
20 ms: first apply < 1.5 s, no-op < 0.5 s, peak RSS < 20 MB."""
import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "emulator"))

from aws_harness import AwsEmulator  # noqa: E402
from kube_harness import KubeEmulator  # noqa: E402

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/BENCH0D539D4633E53DE1B71EXAMPLE"
NAMESPACE = "bench"


def manifest(n):
    lines = ["apiVersion: irsactl.io/v1alpha1", "kind: ServiceAccountSet", "scope: bench",
             "clusters:", "  - name: bench", "    context: test",
             "defaults:", "  clusters: [bench]", "serviceAccounts:"]
    for i in range(n):
        lines += ["  - namespace: %s" % NAMESPACE,
                  "    name: sa-%03d" % i,
                  "    policies:",
                  "      - template: s3-read",
                  "        parameters: {bucket: bench-bucket-%03d}" % i,
                  "      - template: dynamodb-read",
                  "        parameters: {tables: bench-table-%03d}" % i]
    return "\n".join(lines) + "\n"


# Peak RSS is measured by /usr/bin/time (Debian's `time`), which forks
# irsactl itself: a child Python starts with vfork() takes the Python
# process's own high-water mark into its ru_maxrss at exec, so wait4()
# here would report at least this harness's size (about 22 MB).
GNU_TIME = "/usr/bin/time"


def run(argv, env):
    """(wall seconds, peak RSS in KiB, CPU seconds) of one run; a failing run stops the
    benchmark, since its figures would mean nothing."""
    with tempfile.NamedTemporaryFile("r") as rss_file:
        timed = [GNU_TIME, "-q", "-f", "%M", "-o", rss_file.name] + argv
        t = time.perf_counter()
        proc = subprocess.Popen(timed, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        rss = int(rss_file.read().strip() or 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit("bench-apply: '%s' failed (%d): %s" % (" ".join(argv[:3]), proc.returncode,
                                                         err.decode(errors="replace")[-2000:]))
    # the CPU time is time's and irsactl's (time's own is a few ms)
    return wall, rss, usage.ru_utime + usage.ru_stime


class Bench:
    def __init__(self, exe, emu, kube, home, latency):
        self.exe, self.emu, self.kube, self.home, self.latency = exe, emu, kube, home, latency
        self.env = dict(emu.env())
        self.env.update(HOME=home, PATH="/usr/bin:/bin", CI="1",
                        KUBECONFIG=kube.write_kubeconfig(os.path.join(home, "kubeconfig")))
        for k in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            self.env[k] = os.path.join(home, k.lower())

    def fresh(self):
        self.emu.reset()
        self.emu.seed(clusters=[{"name": "bench", "issuer": ISSUER}],
                      oidc_providers=[{"url": ISSUER, "client_ids": ["sts.amazonaws.com"]}])
        if self.latency:
            self.emu.faults([{"kind": "latency", "ms": self.latency}])
        self.kube.reset()
        self.kube.seed(namespaces=[NAMESPACE])
        self.emu.clear_log()
        self.kube.clear_log()

    def counts(self):
        log = self.emu.log()
        actions = collections.Counter(e["action"] for e in log)
        mutating = sum(1 for e in log if e.get("mutating"))
        times = [e["time"] for e in log]
        self.aws_span = max(times) - min(times) if times else 0.0
        kube = self.kube.log()
        writes = sum(1 for e in kube if e["write"])
        self.emu.clear_log()
        self.kube.clear_log()
        return len(log) - mutating, mutating, len(kube) - writes, writes, actions

    def measure(self, title, argvs):
        wall, rss, cpu = 0.0, 0, 0.0
        for argv in argvs:
            w, r, c = run([self.exe] + argv, self.env)
            wall += w
            rss = max(rss, r)
            cpu += c
        reads, mutating, kreads, writes, actions = self.counts()
        print("  %-34s %7.3f s  (irsactl CPU %5.3f s)  peak RSS %5.1f MiB (%.1f MB)\n"
              "  %-34s AWS: %4d reads, %4d mutating   Kubernetes: %4d reads, %4d writes\n"
              "  %-34s from the first AWS request to the last: %.3f s" % (
                  title, wall, cpu, rss / 1024.0, rss * 1024 / 1e6, "", reads, mutating, kreads, writes,
                  "", self.aws_span))
        return actions


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("irsactl")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--latency", type=int, default=20)
    ap.add_argument("--concurrency", type=int, action="append")
    ap.add_argument("--no-loop", action="store_true", help="leave out the create-role loop")
    ap.add_argument("--runs", type=int, default=5, help="no-op re-applies timed after the first")
    ap.add_argument("--actions", action="store_true", help="print the requests by action")
    a = ap.parse_args()
    n = a.count

    print("irsactl apply benchmark (%s)" % a.irsactl)
    print("%d service accounts, %d roles with 2 templates each, %d ms added to every AWS request"
          % (n, n, a.latency))
    with tempfile.TemporaryDirectory() as home, AwsEmulator() as emu, KubeEmulator() as kube:
        b = Bench(a.irsactl, emu, kube, home, a.latency)
        path = os.path.join(home, "irsa.yaml")
        with open(path, "w") as f:
            f.write(manifest(n))
        for conc in a.concurrency or [8]:
            print()
            print("apply -f (--concurrency %d)" % conc)
            argv = ["apply", "-f", path, "--concurrency", str(conc)]
            b.fresh()
            first = b.measure("first apply", [argv])
            again = b.measure("no-op re-apply", [argv])
            if a.runs > 1:
                walls = sorted(run([b.exe] + argv, b.env)[0] for _ in range(a.runs))
                b.counts()
                print("  %-34s min %.3f s, median %.3f s over %d runs" % (
                    "no-op re-apply again", walls[0], walls[len(walls) // 2], a.runs))
            if a.actions:
                print("    first:", dict(first))
                print("    again:", dict(again))
        if not a.no_loop:
            print()
            print("the same with a loop of commands")
            b.fresh()
            argvs = []
            for i in range(n):
                role = "irsa-bench-%s-sa-%03d" % (NAMESPACE, i)
                argvs.append(["create-role", "--cluster", "bench", "--namespace", NAMESPACE,
                              "--service-account", "sa-%03d" % i,
                              "--policy", "s3-read:bucket=bench-bucket-%03d" % i,
                              "--policy", "dynamodb-read:tables=bench-table-%03d" % i])
                argvs.append(["annotate-sa", "--namespace", NAMESPACE, "--service-account",
                              "sa-%03d" % i, "--role-name", role, "--apply"])
            b.measure("create-role + annotate-sa x %d" % n, argvs)
            b.measure("the same loop again (no-op)", argvs)


if __name__ == "__main__":
    main()
