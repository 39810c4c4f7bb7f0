"""A local RFC 3161 time-stamping authority for tests: OpenSSL's `ts -reply` behind a loopback HTTP server.

The fixture makes a root CA and a TSA certificate (extended key usage timeStamping, critical)
with `openssl req`/`openssl x509`, then answers each POSTed TimeStampReq by running
`openssl ts -reply` on it. Only the TSA's own certificate goes in a token: with more, OpenSSL writes a
SET that is not DER-sorted, which strict parsers (rfc3161-client) refuse. Nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.needs import need

CONFIG = """
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
EXTENSIONS = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n"


@dataclass
class LocalTsa:
    url: str
    chain_file: Path  # the TSA's certificate, then the root's
    answered: list[bytes]


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_tsa(folder: Path) -> None:
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
    _openssl(
        "req",
        "-x509",
        "-new",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=Kinerja Test Root",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )
    _openssl("req", "-new", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Kinerja Test TSA", cwd=folder)
    (folder / "ext.cnf").write_text(EXTENSIONS)
    _openssl(
        "x509",
        "-req",
        "-in",
        "tsa.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "tsa.pem",
        "-days",
        "30",
        "-extfile",
        "ext.cnf",
        cwd=folder,
    )
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(CONFIG.format(dir=folder))
    (folder / "chain.pem").write_text((folder / "tsa.pem").read_text() + (folder / "ca.pem").read_text())


@pytest.fixture(name="local_tsa")
def local_tsa_fixture() -> Iterator[LocalTsa]:
    need(
        "openssl is not installed (apt-get install openssl)" if shutil.which("openssl") is None else None,
        on_ci_say="CI=true requires the RFC 3161 tests",
    )
    folder = Path(tempfile.mkdtemp(prefix="tsa-"))
    make_tsa(folder)
    answered: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            with tempfile.TemporaryDirectory() as tmp:
                (Path(tmp) / "q.tsq").write_bytes(query)
                done = subprocess.run(
                    [
                        "openssl",
                        "ts",
                        "-reply",
                        "-config",
                        str(folder / "tsa.cnf"),
                        "-queryfile",
                        f"{tmp}/q.tsq",
                        "-out",
                        f"{tmp}/r.tsr",
                    ],
                    capture_output=True,
                )
                reply = (Path(tmp) / "r.tsr").read_bytes() if done.returncode == 0 else b""
            answered.append(reply)
            self.send_response(200 if reply else 500)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LocalTsa(f"http://127.0.0.1:{server.server_address[1]}/tsa", folder / "chain.pem", answered)
    server.shutdown()
    shutil.rmtree(folder, ignore_errors=True)
