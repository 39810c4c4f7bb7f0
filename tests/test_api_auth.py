"""Production authentication: RS256 tokens of an external OIDC issuer, verified against its JWKS.

The issuer is simulated: a locally generated RSA key, and its JWKS served by a tiny HTTP
server thread on 127.0.0.1 (no external network).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.page_language import english_on
from tests.test_api_support import AUDITOR, EMP1, HR_NIP, build_app, running, seed_appraisal, settings_for

ISSUER, AUDIENCE, KID = "https://sso.example.go.id/realms/asn", "kinerja", "key-2025"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(key: rsa.RSAPrivateKey) -> Iterator[str]:
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    document = json.dumps({"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/realms/asn/protocol/openid-connect/certs"
    server.shutdown()
    server.server_close()


def token(key: rsa.RSAPrivateKey, kid: str = KID, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "a1b2c3", "nip": EMP1, "iat": now, "exp": now + 300, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def app(tmp_path: Path, jwks_url: str):
    settings = settings_for(
        tmp_path, dev_login=False, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url=jwks_url
    )
    return build_app(settings)


async def test_an_issuer_token_identifies_the_caller_by_nip_and_roles(app, key) -> None:
    async with running(app) as client:
        me = await client.get("/api/v1/auth/me", headers=bearer(token(key, roles=["hr", "unknown-role"])))
        assert me.status_code == 200, me.text
        assert me.json()["nip"] == EMP1 and me.json()["roles"] == ["hr"]
        # No nip claim: the subject is the NIP; roles may come as a space-separated string.
        me = await client.get("/api/v1/auth/me", headers=bearer(token(key, sub=AUDITOR, nip=None, roles="auditor")))
        assert me.json()["nip"] == AUDITOR and me.json()["roles"] == ["auditor"]


async def test_issuer_roles_drive_authorisation(app, key) -> None:
    _, appraisal = seed_appraisal(app.state.appraisals)
    history = f"/api/v1/audit/records/{appraisal}/history"
    async with running(app) as client:
        auditor = bearer(token(key, nip=AUDITOR, roles=["auditor"]))
        assert (await client.get(history, headers=auditor)).status_code == 200
        assert (await client.get(history, headers=bearer(token(key, nip=EMP1)))).status_code == 403
        response = await client.post(
            f"/api/v1/tasks/appraisals/{appraisal}/skp/approve",
            headers=bearer(token(key, nip=AUDITOR, roles=["auditor"])),
        )
        assert response.status_code == 403


@pytest.mark.parametrize(
    "case, reason, code",
    [
        ("audience", "audience", "auth.invalid"),
        ("issuer", "issuer", "auth.invalid"),
        ("expired", "expired", "auth.expired"),
        ("unknown kid", "JWKS", "auth.unknown_key"),
        ("other key", "invalid", "auth.invalid"),
        ("no nip", "NIP", "auth.nip"),
        ("dev token", "disabled", "auth.dev_tokens_off"),
    ],
)
async def test_tokens_that_prove_nothing_are_401(app, key, case: str, reason: str, code: str) -> None:
    """Said in Bahasa Indonesia by default (#13), in English when the caller prefers it, with the same code."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "audience": lambda: token(key, aud="another-app"),
        "issuer": lambda: token(key, iss="https://evil.example"),
        "expired": lambda: token(key, exp=int(time.time()) - 60),
        "unknown kid": lambda: token(key, kid="rotated-away"),
        "other key": lambda: token(other),
        "no nip": lambda: token(key, nip="12345", sub="12345"),
        "dev token": lambda: jwt.encode(
            {"iss": "kinerja-dev", "sub": HR_NIP, "exp": int(time.time()) + 60}, "test-secret-" + "x" * 32, "HS256"
        ),
    }
    async with running(app) as client:
        sent = tokens[case]()
        response = await client.get("/api/v1/auth/me", headers={**bearer(sent), **INDONESIAN})
        english = await client.get("/api/v1/auth/me", headers=bearer(sent))
    assert response.status_code == english.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="kinerja"'
    assert response.json()["code"] == english.json()["code"] == code
    assert response.headers["Content-Language"] == "id" and not english_on(response.json()["message"])
    assert reason.lower() in english.json()["message"].lower()


async def test_a_request_without_a_token_is_told_in_indonesian_how_to_send_one(app) -> None:
    async with running(app) as client:
        missing = await client.get("/api/v1/auth/me", headers=INDONESIAN)
        not_bearer = await client.get("/api/v1/auth/me", headers={"Authorization": "Basic eDp5", **INDONESIAN})
    assert (missing.status_code, missing.json()["code"]) == (401, "auth.missing")
    assert missing.json()["message"].startswith("Anda belum masuk")
    assert (not_bearer.status_code, not_bearer.json()["code"]) == (401, "auth.not_bearer")
    assert not english_on(missing.json()["message"] + not_bearer.json()["message"])


async def test_an_unreachable_issuer_is_503_not_401(tmp_path: Path, key) -> None:
    settings = settings_for(
        tmp_path, dev_login=False, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url="http://127.0.0.1:9/certs"
    )
    async with running(build_app(settings)) as client:
        response = await client.get("/api/v1/auth/me", headers={**bearer(token(key)), **INDONESIAN})
    assert response.status_code == 503
    assert response.json()["code"] == "auth.issuer_keys" and "coba lagi" in response.json()["message"]


INDONESIAN = {"Accept-Language": "id"}  # the API's default; the tests' client asks for English


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}
