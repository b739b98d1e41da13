#!/usr/bin/python3
"""Print timings and request counts for irsactl against the local emulators.

Usage: scripts/bench.py PATH/TO/irsactl [--latency MS]

--latency adds that many milliseconds to every emulated AWS request, to
show how the number of round trips decides the wall time against real AWS.
"rounds/run" counts the groups of requests that overlap in time (sent
together, in parallel): with --latency it is the number of round trips a
run waits for; without, answers may come back before the next request of
the same batch starts, so it can count more."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "emulator"))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

from aws_harness import AwsEmulator  # noqa: E402
from clitest import request_rounds  # noqa: E402


def spawn_times(argv, n, env=None):
    """Wall time of n runs of argv (fork + exec + exit), in ms. A run that
    fails stops the benchmark: its figures would mean nothing."""
    times = []
    with open(os.devnull, "w") as null:
        for _ in range(n):
            t = time.perf_counter()
            proc = subprocess.run(argv, stdout=null, stderr=subprocess.PIPE, env=env, text=True)
            times.append((time.perf_counter() - t) * 1000)
            if proc.returncode != 0:
                sys.exit("bench: '%s' failed (%d): %s" % (" ".join(argv), proc.returncode, proc.stderr))
    return times


def fmt(times):
    times = sorted(times)
    return "median %6.2f ms   p95 %6.2f ms   min %6.2f ms   (n=%d)" % (
        statistics.median(times), times[int(len(times) * 0.95) - 1], times[0], len(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("irsactl")
    ap.add_argument("--latency", type=int, default=0)
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    exe = a.irsactl

    print("irsactl benchmark (%s)" % exe)
    print()
    print("startup")
    print("  /bin/true                     ", fmt(spawn_times(["/bin/true"], 300)))
    print("  irsactl --version             ", fmt(spawn_times([exe, "--version"], 300)))
    print("  irsactl __complete create-role", fmt(spawn_times([exe, "__complete", "create-role", "--"], 300)))
    print("  irsactl create-role --help    ", fmt(spawn_times([exe, "create-role", "--help"], 100)))

    with tempfile.TemporaryDirectory() as home, AwsEmulator() as emu:
        env = dict(emu.env())
        env.update(HOME=home, PATH="/usr/bin:/bin", AWS_CONFIG_FILE=os.path.join(home, "c"),
                   AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "k"))
        issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
        emu.seed(clusters=[{"name": "bench", "issuer": issuer}])
        if a.latency:
            emu.faults([{"kind": "latency", "ms": a.latency}])
        print()
        print("against the local AWS emulator%s" % (
            " with %d ms added to every request" % a.latency if a.latency else ""))

        def measured(title, argv, runs=1):
            emu.clear_log()
            times = spawn_times([exe] + argv, runs, env)
            log = emu.log()
            per_run = len(log) / runs
            mutating = sum(1 for e in log if e.get("mutating")) / runs
            rounds = len(request_rounds(log)) / runs
            print("  %-34s %s   requests/run %4.1f   rounds/run %4.1f   mutating/run %4.1f" % (
                title, fmt(times) if runs > 1 else "%8.2f ms" % times[0], per_run, rounds,
                mutating))

        measured("whoami", ["whoami"], a.runs)
        measured("associate-oidc (first run)", ["associate-oidc", "--cluster", "bench", "--no-thumbprint"])
        measured("associate-oidc (again)", ["associate-oidc", "--cluster", "bench", "--no-thumbprint"], a.runs)
        create = ["create-role", "--cluster", "bench", "--namespace", "apps", "--service-account", "web",
                  "--policy", "s3-read:bucket=bench-reports", "--policy", "secretsmanager-read:secrets=bench/db",
                  "--policy", "dynamodb-read:tables=orders"]
        measured("create-role, 3 templates (first)", create)
        measured("create-role, 3 templates (again)", create, a.runs)
        measured("create-role --dry-run", create + ["--dry-run"], a.runs)
    print()
    print("For comparison: eksctl creates one CloudFormation stack per service account,")
    print("which takes tens of seconds each; irsactl's cost is the round trips above.")


if __name__ == "__main__":
    main()
