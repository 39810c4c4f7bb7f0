"""A real OpenID Connect provider for the tests: panva/oidc-provider on the machine's Node.js, on loopback.

`make test` installs it from the npm registry (`npm ci` in tests/oidc, versions pinned by its
package-lock.json). Without it the sign-in tests are skipped locally with the reason and fail on CI.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.needs import need

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID, CLIENT_SECRET = "kinerja", "kinerja-test-client-secret-0123456789abcdef"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def need_provider() -> None:
    problem = None
    if shutil.which("node") is None:
        problem = "node is not installed"
    elif not (HERE / "node_modules" / "oidc-provider").is_dir():
        problem = "oidc-provider is not installed: `make test` runs `npm ci --prefix tests/oidc`"
    need(problem)


@contextmanager
def oidc_provider(redirect_uri: str, accounts: dict[str, dict[str, object]]) -> Iterator[Provider]:
    """Start the provider for one client whose only redirect URI is `redirect_uri`."""
    need_provider()
    port = free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_ACCOUNTS": json.dumps(accounts),
    }
    process = subprocess.Popen(
        ["node", str(HERE / "provider.mjs")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("READY "):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the OIDC provider did not start in 30 s")
        else:
            raise RuntimeError(f"the OIDC provider exited with {process.wait()}")
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # drain its log
        yield Provider(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
