"""Test helper: run the Kubernetes API emulator as a subprocess.

    from kube_harness import KubeEmulator
    with KubeEmulator() as kube:
        kube.seed(namespaces=["apps"], serviceaccounts=[{"namespace": "apps", "name": "web"}])
        cfg = kube.write_kubeconfig(os.path.join(tmp, "config"), auth="exec-v1")
        ...
        writes = [e for e in kube.log() if e["write"]]

Standard library (+ botocore for eks_token()) only; run with /usr/bin/python3.
"""

import base64
import datetime
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "kube_emulator.py")
DEFAULT_ACCOUNTS = os.path.join(HERE, "accounts.json")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

DEFAULT_TOKEN = "irsactl-test-token"
DEFAULT_BASIC = ("admin", "irsactl-test-password")
DEFAULT_CLUSTER = "test-cluster"

AUTH_KINDS = ("token", "token-file", "client-cert", "client-cert-data", "basic", "exec-v1", "exec-v1beta1")


def _yq(s):
    """Quote a string as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(s))


def _yaml_block(obj, indent=0):
    """Render dicts/lists/scalars as block YAML (strings always double-quoted)."""
    pad = " " * indent
    lines = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append("%s%s:" % (pad, _yq(k) if not _plain_key(k) else k))
                # sequences under a key are not indented, as kubectl writes them
                lines.extend(_yaml_block(v, indent if isinstance(v, list) else indent + 2))
            else:
                lines.append("%s%s: %s" % (pad, _yq(k) if not _plain_key(k) else k, _scalar(v)))
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, dict) and v:
                sub = _yaml_block(v, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                lines.extend(sub)
            elif isinstance(v, list) and v:
                lines.append(pad + "-")
                lines.extend(_yaml_block(v, indent + 2))
            else:
                lines.append("%s- %s" % (pad, _scalar(v)))
    return lines


def _plain_key(k):
    return all(c.isalnum() or c in "-_." for c in k) and k != ""


def _scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return _yq(v)


def dump_yaml(obj):
    return "\n".join(_yaml_block(obj)) + "\n"


def eks_token(access_key_id, secret_key=None, cluster=DEFAULT_CLUSTER, region="us-east-1", host=None,
              expires=60, timestamp=None, session_token=None, accounts=DEFAULT_ACCOUNTS, scheme="https"):
    """Build a k8s-aws-v1 EKS token with botocore (like `aws eks get-token`).

    timestamp: a datetime (UTC) or None for now.  host defaults to sts.REGION.amazonaws.com.
    The secret is looked up in accounts.json when not given.
    """
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials

    if secret_key is None:
        with open(accounts) as f:
            secret_key = json.load(f)["access_keys"][access_key_id]["secret"]
    if host is None:
        host = "sts.%s.amazonaws.com" % region if region != "us-east-1" else "sts.amazonaws.com"
    if timestamp is None:
        timestamp = datetime.datetime.now(datetime.timezone.utc)
    creds = botocore.credentials.Credentials(access_key_id, secret_key, session_token)
    signer = botocore.auth.SigV4QueryAuth(creds, "sts", region, expires=expires)
    req = botocore.awsrequest.AWSRequest(
        method="GET", url="%s://%s/?Action=GetCallerIdentity&Version=2011-06-15" % (scheme, host))
    req.headers["x-k8s-aws-id"] = cluster
    req.context["timestamp"] = timestamp.strftime("%Y%m%dT%H%M%SZ")
    # the steps of SigV4QueryAuth.add_auth, with our timestamp instead of utcnow()
    signer._modify_request_before_signing(req)
    canonical = signer.canonical_request(req)
    sig = signer.signature(signer.string_to_sign(req, canonical), req)
    signer._inject_signature_to_request(req, sig)
    return "k8s-aws-v1." + base64.urlsafe_b64encode(req.url.encode()).decode().rstrip("=")


class KubeEmulator:
    def __init__(self, accounts=None, cluster_name=None, certs_dir=None, log_file=None, keep=False):
        self.accounts = accounts or DEFAULT_ACCOUNTS
        self.cluster_name = cluster_name
        self._own_certs = certs_dir is None
        self.tmpdir = tempfile.mkdtemp(prefix="kube-emu-")
        self.certs_dir = certs_dir or os.path.join(self.tmpdir, "certs")
        self.log_file = log_file
        self.keep = keep
        self.proc = None
        self.port = None
        self.url = None
        self._n = 0

    # -- lifecycle -------------------------------------------------------------
    @property
    def ca_path(self):
        return os.path.join(self.certs_dir, "ca.crt")

    @property
    def client_cert_path(self):
        return os.path.join(self.certs_dir, "client.crt")

    @property
    def client_key_path(self):
        return os.path.join(self.certs_dir, "client.key")

    def start(self):
        port_file = os.path.join(self.tmpdir, "port")
        self.stderr_path = os.path.join(self.tmpdir, "stderr.txt")
        cmd = [PYTHON, EMULATOR, "--port", "0", "--port-file", port_file, "--certs-dir", self.certs_dir,
               "--accounts", self.accounts]
        if self.log_file:
            cmd += ["--log-file", self.log_file]
        if self.cluster_name:
            cmd += ["--cluster-name", self.cluster_name]
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 10
        while time.time() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    txt = f.read().strip()
                if txt:
                    self.port = int(txt)
                    break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if self.port is None:
            self.stop()
            with open(self.stderr_path, errors="replace") as f:
                raise RuntimeError("kube emulator did not start: %s" % f.read()[-2000:])
        self.url = "https://127.0.0.1:%d" % self.port
        self._ctx = ssl.create_default_context(cafile=self.ca_path)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(3)
        self.proc = None
        if not self.keep:
            # a caller-provided certs_dir lives outside tmpdir and is left alone
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- raw requests ----------------------------------------------------------
    def request(self, method, path, body=None, content_type=None, token=DEFAULT_TOKEN, basic=None,
                client_cert=False, headers=None, timeout=10):
        """Send one request; return (status, parsed JSON body or text, response headers).

        body may be bytes, str, or a JSON-serialisable object.  Authentication: token (default
        static token; None for none), basic=(user, password), or client_cert=True (the CA-signed
        client cert; or a (cert, key) tuple).
        """
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            if isinstance(body, bytes):
                data = body
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = json.dumps(body).encode()
                content_type = content_type or "application/json"
        if content_type:
            hdrs["Content-Type"] = content_type
        if basic:
            hdrs["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % basic).encode()).decode()
        elif token is not None and not client_cert:
            hdrs["Authorization"] = "Bearer " + token
        ctx = self._ctx
        if client_cert:
            ctx = ssl.create_default_context(cafile=self.ca_path)
            if client_cert is True:
                ctx.load_cert_chain(self.client_cert_path, self.client_key_path)
            else:
                ctx.load_cert_chain(*client_cert)
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
                status, raw, rh = r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            status, raw, rh = e.code, e.read(), dict(e.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, parsed, rh

    def _control(self, method, path, body=None):
        status, obj, _ = self.request(method, "/__emu/" + path, body=body, token=None)
        if status != 200:
            raise RuntimeError("control %s %s failed: %s %s" % (method, path, status, obj))
        return obj

    # -- control API -----------------------------------------------------------
    def seed(self, spec=None, **kw):
        """seed({"tokens":..., ...}) or seed(tokens=..., namespaces=..., serviceaccounts=...)."""
        body = dict(spec or {})
        body.update(kw)
        return self._control("POST", "seed", body)

    def reset(self):
        return self._control("POST", "reset", {})

    def faults(self, rules):
        """Replace the fault rules: [{"status": 503|429|500, "probability": 0.1,
        "seed": 1, "writes": true, "count": N}]; [] clears."""
        return self._control("POST", "faults", list(rules))

    def log(self):
        return self._control("GET", "log")

    def clear_log(self):
        return self._control("POST", "log/clear", {})

    def state(self):
        return self._control("GET", "state")

    def writes(self):
        """Convenience: the log entries that were writes."""
        return [e for e in self.log() if e["write"]]

    # -- kubeconfig ----------------------------------------------------------------
    def write_kubeconfig(self, path, auth="token", context="test", namespace=None, ca="file", extra_user=None,
                         token=None, username=None, password=None, server=None):
        """Write a kubeconfig for one auth method; returns path.

        auth: token | token-file | client-cert | client-cert-data | basic | exec-v1 | exec-v1beta1
        ca: 'file' (certificate-authority) or 'data' (certificate-authority-data)
        extra_user: dict merged into the user entry (add or override fields, e.g. {"token": "bad"}).
        token/username/password override the defaults (static token / admin:irsactl-test-password).
        """
        if auth not in AUTH_KINDS:
            raise ValueError("unknown auth %r" % auth)
        token = token or DEFAULT_TOKEN
        self._n += 1
        cluster = {"server": server or self.url}
        if ca == "file":
            cluster["certificate-authority"] = self.ca_path
        elif ca == "data":
            with open(self.ca_path, "rb") as f:
                cluster["certificate-authority-data"] = base64.b64encode(f.read()).decode()
        else:
            raise ValueError("ca must be 'file' or 'data'")
        user = {}
        if auth == "token":
            user["token"] = token
        elif auth == "token-file":
            tf = os.path.join(self.tmpdir, "token-%d" % self._n)
            with open(tf, "w") as f:
                f.write(token + "\n")
            os.chmod(tf, 0o600)
            user["tokenFile"] = tf
        elif auth == "client-cert":
            user["client-certificate"] = self.client_cert_path
            user["client-key"] = self.client_key_path
        elif auth == "client-cert-data":
            with open(self.client_cert_path, "rb") as f:
                user["client-certificate-data"] = base64.b64encode(f.read()).decode()
            with open(self.client_key_path, "rb") as f:
                user["client-key-data"] = base64.b64encode(f.read()).decode()
        elif auth == "basic":
            user["username"] = username or DEFAULT_BASIC[0]
            user["password"] = password or DEFAULT_BASIC[1]
        else:
            api = "client.authentication.k8s.io/" + ("v1" if auth == "exec-v1" else "v1beta1")
            script = os.path.join(self.tmpdir, "exec-credential-%d.sh" % self._n)
            with open(script, "w") as f:
                f.write("#!/bin/sh\n"
                        "# test exec credential plugin: prints an ExecCredential with a static token\n"
                        "exp=$(date -u -d '+15 minutes' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
                        "printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"status\":"
                        "{\"token\":\"%s\",\"expirationTimestamp\":\"%%s\"}}\\n' \"$exp\"\n" % (api, token))
            os.chmod(script, 0o755)
            user["exec"] = {"apiVersion": api, "command": script, "args": [],
                            "env": [{"name": "IRSACTL_TEST_EXEC", "value": "1"}],
                            "installHint": "the test exec plugin should have been written by kube_harness",
                            "provideClusterInfo": False}
            if auth == "exec-v1":
                user["exec"]["interactiveMode"] = "Never"
        if extra_user:
            user.update(extra_user)
        ctx = {"cluster": "emulator", "user": "emulator-user"}
        if namespace:
            ctx["namespace"] = namespace
        cfg = {"apiVersion": "v1", "kind": "Config",
               "clusters": [{"name": "emulator", "cluster": cluster}],
               "users": [{"name": "emulator-user", "user": user}],
               "contexts": [{"name": context, "context": ctx}],
               "current-context": context,
               "preferences": {}}
        d = os.path.dirname(os.path.abspath(path))
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".kubeconfig-", dir=d)
        with os.fdopen(fd, "w") as f:
            f.write(dump_yaml(cfg))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path


if __name__ == "__main__":
    # manual use: start an emulator and print its URL until interrupted
    with KubeEmulator() as k:
        print(k.url, k.certs_dir, flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
