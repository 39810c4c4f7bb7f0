"""The clients of a chaos run: dev-login tokens, each write retried with its own key until its answer is final."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx

from chaos.plan import STEPS, say
from domain.appraisal import Appraisal

API = "/api/v1"
RETRY_FOR_SECONDS = 600.0  # a client gives up on a write after this long (then it counts as not completed)


@dataclass
class Write:
    appraisal: str
    event: str
    key: str
    attempts: int = 0
    status: int = 0  # the final answer's status; 0: none (gave up)
    answer: str = ""

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Stats:
    writes: list[Write] = field(default_factory=list)
    plain500: list[str] = field(default_factory=list)  # 5xx answers that are not a JSON 503 with Retry-After
    unavailable: int = 0  # JSON 503s with Retry-After (retried)
    starting: int = 0  # 409 WorkflowStarting (retried)
    connection_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> int:
        with self.lock:
            return sum(w.acknowledged for w in self.writes)


class Driver:
    """HTTP clients with dev-login tokens; each write retried with its own key until it is final."""

    def __init__(self, base: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.local = threading.local()
        self.tokens: dict[str, str] = {}

    @property
    def http(self) -> httpx.Client:
        if not hasattr(self.local, "http"):
            self.local.http = httpx.Client(base_url=f"{self.base}{API}", timeout=90)
        return self.local.http

    def _retry_after(self, response: httpx.Response) -> float:
        try:
            return min(float(response.headers.get("Retry-After", "1")), 2.0)
        except ValueError:
            return 1.0

    def request(
        self, method: str, path: str, nip: str, body: Any = None, key: str = ""
    ) -> tuple[httpx.Response | None, int]:
        """One request, retried with the same key until its answer is final; returns it and the attempts."""
        deadline, attempts = time.monotonic() + RETRY_FOR_SECONDS, 0
        while time.monotonic() < deadline:
            attempts += 1
            try:
                headers = {"Authorization": f"Bearer {self.token(nip)}"}
                if key:
                    headers["Idempotency-Key"] = key
                response = self.http.request(method, path, json=body, headers=headers)
            except (httpx.TransportError, TokenUnavailable):
                with self.stats.lock:
                    self.stats.connection_errors += 1
                time.sleep(0.5)
                continue
            if response.status_code >= 500:
                json_503 = (
                    response.status_code == 503
                    and response.headers.get("content-type", "").startswith("application/json")
                    and "Retry-After" in response.headers
                )
                with self.stats.lock:
                    if json_503:
                        self.stats.unavailable += 1
                    else:
                        self.stats.plain500.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
                time.sleep(self._retry_after(response))
                continue
            if response.status_code == 409 and _error(response) == "WorkflowStarting":
                with self.stats.lock:
                    self.stats.starting += 1
                time.sleep(self._retry_after(response))
                continue
            return response, attempts
        return None, attempts

    def token(self, nip: str) -> str:
        if nip not in self.tokens:
            try:
                r = self.http.post("/auth/dev-login", json={"nip": nip})
            except httpx.TransportError as e:
                raise TokenUnavailable(str(e)) from e
            if r.status_code != 200:
                raise TokenUnavailable(f"{r.status_code} {r.text[:200]}")
            self.tokens[nip] = r.json()["access_token"]
        return self.tokens[nip]

    def visible(self, path: str, nip: str) -> bool:
        """Poll a read until it answers 200 (404: not opened yet)."""
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while time.monotonic() < deadline:
            response, _ = self.request("GET", path, nip)
            if response is not None and response.status_code == 200:
                return True
            if response is not None and response.status_code != 404:
                return False
            time.sleep(0.5)
        return False

    def call(self, method: str, path: str, nip: str, body: Any = None, key: str = "", expect: int = 200) -> Any:
        response, _ = self.request(method, path, nip, body, key)
        if response is None or response.status_code != expect:
            answer = "no final answer" if response is None else f"{response.status_code} {response.text[:300]}"
            raise RuntimeError(f"{method} {path} as {nip}: {answer}")
        return response.json()

    def write(self, appraisal: str, event: str, method: str, path: str, nip: str, body: Any) -> Write:
        w = Write(appraisal, event, key=f"chaos-{uuid.uuid4().hex}")
        with self.stats.lock:
            self.stats.writes.append(w)
        response, w.attempts = self.request(method, path, nip, body, w.key)
        if response is not None:
            w.status, w.answer = response.status_code, response.text[:300]
        return w


class TokenUnavailable(Exception):
    pass


def _error(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""


def drive(driver: Driver, cycle: str, person: dict[str, Any], problems: list[str]) -> None:
    """One employee's steps in order; a step whose final answer is not 2xx stops this employee."""
    a = str(Appraisal.create_id(UUID(cycle), person["nip"]))
    # As the employee would: act once the appraisal is there to see (its record may still wait for its
    # workflow; a write then answers 409 WorkflowStarting and is retried with its key).
    if not driver.visible(f"/employees/appraisals/{a}", person["nip"]):
        problems.append(f"{person['nip']}: the appraisal never appeared")
        return
    for who, method, path, body, event in STEPS:
        nip = person["nip"] if who == "employee" else person["appraiser_nip"]
        w = driver.write(a, event, method, path.format(a=a), nip, body)
        if not w.acknowledged:
            problem = f"{person['nip']}: {event} ended with {w.status or 'no answer'} {w.answer}"
            if len(problems) < 5:
                say(f"  problem: {problem}")
            problems.append(problem)
            return
