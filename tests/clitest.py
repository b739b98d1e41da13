"""Shared helpers for the CLI tests: run the built irsactl binary in a
clean environment, against the AWS and Kubernetes emulators (one of each
per test class; the emulators' own tests use the fixtures too). The tests
run with the working directory tests/ and IRSACTL set to the binary by
meson (tests/meson.build)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "emulator"))

IRSACTL = os.environ.get("IRSACTL") or os.path.join(HERE, "..", "build", "src", "cli", "irsactl")


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "rc=%d\nstdout:\n%s\nstderr:\n%s" % (self.rc, self.out, self.err)


def clean_env(home, extra=None):
    """An environment with nothing of the developer's: no AWS_*, no KUBECONFIG,
    HOME a temporary directory, no terminal colours."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "AWS_CONFIG_FILE": os.path.join(home, "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "IRSACTL_RETRY_BASE_DELAY_MS": "10",
        "NO_COLOR": "1",
    }
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    if extra:
        env.update({k: v for k, v in extra.items() if v is not None})
    return env


def run(args, env, stdin=None, timeout=60, cwd=None):
    proc = subprocess.run([IRSACTL] + list(args), env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout, cwd=cwd)
    return Result(proc)


def request_rounds(log):
    """The emulator's request log as rounds: groups of requests whose
    [start, end] intervals overlap (sent together), in order. Run the command
    with a "latency" fault of some tens of milliseconds so that requests sent
    in parallel surely overlap and requests sent one after the other do not.
    Each round is the sorted list of its actions."""
    rounds, end = [], None
    for rec in sorted(log, key=lambda r: r["start"]):
        if rounds and rec["start"] < end:
            rounds[-1].append(rec["action"])
            end = max(end, rec["end"])
        else:
            rounds.append([rec["action"]])
            end = rec["end"]
    return [sorted(r) for r in rounds]


class CliTestCase(unittest.TestCase):
    """Gives each test a temporary HOME and self.run(args, **env)."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="irsactl-test-")
        self.home = self._tmp.name
        self.extra_env = {}

    def tearDown(self):
        self._tmp.cleanup()

    def env(self, **extra):
        e = dict(self.extra_env)
        e.update(extra)
        return clean_env(self.home, e)

    def run_cli(self, *args, stdin=None, env=None, **extra):
        return run(args, env if env is not None else self.env(**extra), stdin=stdin)

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.home, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def assertOk(self, r):
        self.assertEqual(r.rc, 0, repr(r))

    def assertFails(self, r, rc, message_part=None):
        self.assertEqual(r.rc, rc, repr(r))
        self.assertIn("irsactl: error: ", r.err, repr(r))
        lines = [l for l in r.err.splitlines() if l.startswith("irsactl: error: ")]
        self.assertEqual(len(lines), 1, repr(r))
        if message_part:
            self.assertIn(message_part, r.err, repr(r))


class AwsEmulatorFixture:
    """Mixin for a unittest.TestCase (list it before the TestCase class):
    one AWS emulator for the whole class (self.emu, with aws_page_size items
    per list page), reset before each test, then seeded by seed_aws() and
    its request log cleared."""
    aws_page_size = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from aws_harness import AwsEmulator, load_accounts
        cls.emu = AwsEmulator(page_size=cls.aws_page_size).start()
        cls.addClassCleanup(cls.emu.stop)
        cls.accounts = load_accounts()["access_keys"]

    def setUp(self):
        super().setUp()
        self.emu.reset()
        self.seed_aws()
        self.emu.clear_log()

    def seed_aws(self):
        """What the AWS emulator holds when each test starts."""

    def aws_env(self, **client):
        """self.emu.env(**client) (key, region) for irsactl, without the
        emulator's AWS config file paths, so that clean_env's (files in the
        test's HOME) stay."""
        env = self.emu.env(**client)
        del env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"]
        return env


class KubeEmulatorFixture:
    """Mixin for a unittest.TestCase (list it before the TestCase class):
    one Kubernetes emulator for the whole class (self.kube), reset before
    each test, then seeded by seed_kube() and its request log cleared."""
    kube = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from kube_harness import KubeEmulator
        cls.kube = KubeEmulator().start()
        cls.addClassCleanup(cls.kube.stop)

    def setUp(self):
        super().setUp()
        self.kube.reset()
        self.seed_kube()
        self.kube.clear_log()

    def seed_kube(self):
        """What the Kubernetes emulator holds when each test starts."""


class AwsEmulatorCase(AwsEmulatorFixture, CliTestCase):
    """A CLI test against the AWS emulator (self.emu)."""


class KubeEmulatorCase(KubeEmulatorFixture, CliTestCase):
    """A CLI test against the Kubernetes emulator (self.kube), which holds
    the namespaces of kube_namespaces when each test starts."""
    kube_namespaces = ("apps",)

    def seed_kube(self):
        if self.kube_namespaces:
            self.kube.seed(namespaces=list(self.kube_namespaces))


class AwsKubeEmulatorCase(AwsEmulatorCase, KubeEmulatorCase):
    """A CLI test against both emulators: self.emu and self.kube as above,
    and self.kubeconfig, a kubeconfig for the Kubernetes emulator (context
    'test')."""

    def setUp(self):
        super().setUp()
        self.kubeconfig = self.kube.write_kubeconfig(os.path.join(self.home, "kubeconfig"))

    def cli_env(self, **client):
        """aws_env(**client) with the kubeconfig, and CI set (no live
        progress line)."""
        return dict(self.aws_env(**client), KUBECONFIG=self.kubeconfig, CI="1")


def main():
    unittest.main(verbosity=2)
