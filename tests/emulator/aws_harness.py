#!/usr/bin/python3
"""Start and drive the local AWS emulator from tests and shell scripts.

Python:

    from aws_harness import AwsEmulator
    with AwsEmulator(page_size=1) as emu:
        emu.seed(clusters=[{"name": "demo", "issuer": "https://oidc.example/id/1"}])
        env = emu.clean_env()            # os.environ without AWS_*, plus emu.env()
        ...
        assert [r["action"] for r in emu.log()] == [...]

Shell:

    eval "$(/usr/bin/python3 tests/emulator/aws_harness.py start --dir "$TMP/aws")"
    # exports AWS_EMULATOR_URL, AWS_EMULATOR_PID and the client env (AWS_ENDPOINT_URL ...)
    /usr/bin/python3 tests/emulator/aws_harness.py ctl seed '{"instance_role": "node"}'
    /usr/bin/python3 tests/emulator/aws_harness.py ctl log
    /usr/bin/python3 tests/emulator/aws_harness.py stop --dir "$TMP/aws"
"""

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "aws_emulator.py")
ACCOUNTS = os.path.join(HERE, "accounts.json")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
DEFAULT_KEY = "AKIAIRSATESTALICE01"


def load_accounts(path=ACCOUNTS):
    with open(path) as f:
        return json.load(f)


def _call(url, method, path, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"{method} {path}: HTTP {e.code}: {e.read().decode(errors='replace')}")


def client_env(url, key=DEFAULT_KEY, region="us-east-1", accounts_path=ACCOUNTS):
    """Env vars pointing an AWS client at the emulator with a static key."""
    accounts = load_accounts(accounts_path)["access_keys"]
    if key not in accounts:
        raise KeyError(f"{key} is not a static key in {accounts_path}")
    return {
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": accounts[key]["secret"],
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/aws-emulator/config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-emulator/credentials",
        "AWS_PAGER": "",
    }


class AwsEmulator:
    """Run the emulator as a subprocess for the duration of a `with` block."""

    def __init__(self, page_size=None, accounts=None, log_file=None, extra_args=(),
                 startup_timeout=10.0):
        self.page_size = page_size
        self.accounts = accounts or ACCOUNTS
        self.log_file = log_file
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.proc = None
        self.port = None
        self.url = None
        self._tmp = None

    # -- lifecycle -----------------------------------------------------------
    def start(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="aws-emu-")
        port_file = os.path.join(self._tmp.name, "port")
        self.stderr_path = os.path.join(self._tmp.name, "stderr")
        cmd = [PYTHON, EMULATOR, "--port", "0", "--port-file", port_file,
               "--accounts", self.accounts]
        if self.page_size is not None:
            cmd += ["--page-size", str(self.page_size)]
        if self.log_file:
            cmd += ["--log-file", self.log_file]
        cmd += self.extra_args
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    self.port = int(f.read().strip())
                self.url = f"http://127.0.0.1:{self.port}"
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        with open(self.stderr_path, errors="replace") as f:
            err = f.read()
        raise RuntimeError(f"aws emulator did not start within {self.startup_timeout}s:\n{err}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- control API -----------------------------------------------------------
    def call(self, method, path, body=None):
        return _call(self.url, method, path, body)

    def seed(self, **kw):
        return self.call("POST", "/__emu/seed", kw)

    def faults(self, rules):
        return self.call("POST", "/__emu/faults", list(rules))

    def log(self):
        return self.call("GET", "/__emu/log")

    def clear_log(self):
        return self.call("POST", "/__emu/log/clear", {})

    def state(self):
        return self.call("GET", "/__emu/state")

    def reset(self):
        return self.call("POST", "/__emu/reset", {})

    # -- client environment -----------------------------------------------------
    def env(self, key=DEFAULT_KEY, region="us-east-1"):
        return client_env(self.url, key, region, self.accounts)

    def clean_env(self, key=DEFAULT_KEY, region="us-east-1", base=None):
        """os.environ (or base) with every AWS_* variable removed, then env() added."""
        base = dict(os.environ if base is None else base)
        out = {k: v for k, v in base.items() if not k.startswith("AWS_")}
        out.update(self.env(key, region))
        return out


# ---------------------------------------------------------------------------
# CLI for shell scripts

def _cli(argv=None):
    ap = argparse.ArgumentParser(prog="aws_harness.py",
                                 description="Start/stop/drive the local AWS emulator.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("start", help="start in the background; print shell exports")
    st.add_argument("--dir", required=True, help="state directory (port, pid, stderr files)")
    st.add_argument("--page-size", type=int)
    st.add_argument("--log-file")
    st.add_argument("--accounts", default=ACCOUNTS)
    st.add_argument("--key", default=DEFAULT_KEY)
    st.add_argument("--region", default="us-east-1")
    sp = sub.add_parser("stop", help="stop the emulator started with --dir")
    sp.add_argument("--dir", required=True)
    ct = sub.add_parser("ctl", help="call the control API: seed JSON | faults JSON | log | "
                        "clear-log | state | reset")
    ct.add_argument("--url", default=os.environ.get("AWS_EMULATOR_URL"))
    ct.add_argument("what", choices=["seed", "faults", "log", "clear-log", "state", "reset"])
    ct.add_argument("json", nargs="?")
    args = ap.parse_args(argv)

    if args.cmd == "start":
        os.makedirs(args.dir, exist_ok=True)
        port_file = os.path.join(args.dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        cmd = [PYTHON, EMULATOR, "--port", "0", "--port-file", port_file,
               "--accounts", args.accounts]
        if args.page_size:
            cmd += ["--page-size", str(args.page_size)]
        if args.log_file:
            cmd += ["--log-file", args.log_file]
        with open(os.path.join(args.dir, "stderr"), "ab") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                    start_new_session=True)
        with open(os.path.join(args.dir, "pid"), "w") as f:
            f.write(f"{proc.pid}\n")
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.stderr.write("aws emulator failed to start; see "
                                 f"{os.path.join(args.dir, 'stderr')}\n")
                if proc.poll() is None:
                    proc.kill()
                return 1
            time.sleep(0.02)
        with open(port_file) as f:
            url = f"http://127.0.0.1:{int(f.read())}"
        env = {"AWS_EMULATOR_URL": url, "AWS_EMULATOR_PID": str(proc.pid)}
        env.update(client_env(url, args.key, args.region, args.accounts))
        for k, v in env.items():
            print(f"export {k}={shlex.quote(v)}")
        return 0
    if args.cmd == "stop":
        pid_file = os.path.join(args.dir, "pid")
        try:
            with open(pid_file) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return 0
        try:
            os.kill(pid, signal.SIGTERM)
            for _ in range(150):
                time.sleep(0.02)
                os.kill(pid, 0)
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.unlink(pid_file)
        return 0
    if not args.url:
        ap.error("ctl needs --url or AWS_EMULATOR_URL")
    body = json.loads(args.json) if args.json else None
    routes = {"seed": ("POST", "/__emu/seed"), "faults": ("POST", "/__emu/faults"),
              "log": ("GET", "/__emu/log"), "clear-log": ("POST", "/__emu/log/clear"),
              "state": ("GET", "/__emu/state"), "reset": ("POST", "/__emu/reset")}
    method, path = routes[args.what]
    if method == "POST" and body is None:
        body = [] if args.what == "faults" else {}
    print(json.dumps(_call(args.url, method, path, body), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
