"""A local OIDC issuer host for tests and the demo.

IAM takes no port in an OIDC provider URL, so irsactl refuses issuer URLs
with one. A loopback issuer therefore appears as https://ISSUER_HOST (port
443) and is reached through a CONNECT proxy on loopback (irsactl's libcurl
honours HTTPS_PROXY / NO_PROXY like curl) that pipes the tunnel to a TLS
server on a random port. The TLS server has its own CA (ca_path) and
serves a leaf certificate for ISSUER_HOST; it completes the handshake
(what irsactl needs to take the thumbprint) and closes.

    with LocalIssuer() as issuer:
        url = issuer.url("/id/EXAMPLE")  # https://oidc.irsactl.test/id/EXAMPLE
        env.update(issuer.env())         # HTTPS_PROXY, NO_PROXY, AWS_CA_BUNDLE
"""
import os
import socket
import ssl
import subprocess
import tempfile
import threading

ISSUER_HOST = "oidc.irsactl.test"


def _openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def _make_certs(d, host):
    """ca.pem and a leaf (leaf.pem + leaf.key) for host, signed by it."""
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=irsactl test issuer CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    with open(os.path.join(d, "leaf.ext"), "w") as f:
        f.write(f"subjectAltName=DNS:{host}\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", f"/CN={host}", cwd=d)
    _openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext", cwd=d)


class _Listener:
    """A loopback listening socket served by a thread, one thread per connection."""

    def __init__(self, handle):
        self.handle = handle
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        conn.settimeout(5)
        try:
            with conn:
                self.handle(conn)
        except (OSError, ssl.SSLError):
            pass

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _pipe(a, b):
    def copy(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    t = threading.Thread(target=copy, args=(b, a), daemon=True)
    t.start()
    copy(a, b)
    t.join(5)


class ConnectProxy:
    """Loopback HTTP proxy: answers CONNECT HOST:443 by piping the tunnel to
    127.0.0.1:target_port; refuses any other target."""

    def __init__(self, target_port, host=ISSUER_HOST):
        self.host = host
        self.target_port = target_port
        self._listener = _Listener(self._tunnel)
        self.url = "http://127.0.0.1:%d" % self._listener.port

    def _tunnel(self, conn):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(1024)
            if not chunk:
                return
            head += chunk
        if not head.startswith(f"CONNECT {self.host}:443 ".encode()):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection(("127.0.0.1", self.target_port), timeout=5) as up:
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(conn, up)

    def env(self):
        """HTTPS_PROXY for the issuer alone (loopback services stay direct)."""
        return {"HTTPS_PROXY": self.url, "NO_PROXY": "127.0.0.1,localhost,::1"}

    def close(self):
        self._listener.close()


class TlsServer:
    """Loopback TLS server presenting the certificate chain in the PEM file
    chain (leaf first) with its key: completes each handshake (counted in
    handshakes), reads what comes and closes."""

    def __init__(self, chain, key):
        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ctx.load_cert_chain(chain, key)
        self.handshakes = 0
        self._listener = _Listener(self._handshake)
        self.port = self._listener.port

    def _handshake(self, conn):
        with self._ctx.wrap_socket(conn, server_side=True) as tls:
            self.handshakes += 1
            try:
                tls.recv(1024)
            except (OSError, ssl.SSLError):
                pass

    def close(self):
        self._listener.close()


class LocalIssuer:
    def __init__(self, host=ISSUER_HOST):
        self.host = host
        self._dir = tempfile.TemporaryDirectory(prefix="irsactl-issuer-")
        _make_certs(self._dir.name, host)
        self.ca_path = os.path.join(self._dir.name, "ca.pem")
        self._tls = TlsServer(os.path.join(self._dir.name, "leaf.pem"),
                              os.path.join(self._dir.name, "leaf.key"))
        self._proxy = ConnectProxy(self._tls.port, host)

    @property
    def handshakes(self):
        return self._tls.handshakes

    def url(self, path=""):
        return f"https://{self.host}{path}"

    def env(self):
        """What irsactl needs to reach the issuer: the proxy for it alone, and its CA."""
        return dict(self._proxy.env(), AWS_CA_BUNDLE=self.ca_path)

    def close(self):
        self._proxy.close()
        self._tls.close()
        self._dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
