"""Helpers of the careers tests (#14): a finished cycle, the agencies' master data with their HR, a local receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from domain.application import Appraisals
from domain.result_commands import DecideFollowUp, Finalise
from tests.factories import AGENCY, ANALIS, HEAD, HR_ACTOR, HR_NIP, STAFF, Rating, Scenario, T, nip

OTHER_AGENCY = "pemkab-sigi"
OTHER_HR = nip("19810606", "200603", "2", "021")  # HR in the other agency's master data
AUDITOR_NIP = nip("19790707", "200403", "1", "022")


def finished(app: Appraisals | None = None, ratings: dict[str, Rating] | None = None) -> Scenario:
    """The factories' cycle (Pemerintah Kota Palu, 2024) with its three appraisals finalised."""
    s = Scenario.new(app)
    s.deliver(ratings)
    for who in (HEAD, STAFF, ANALIS):
        s.close_window(who)
        s.do(who, DecideFollowUp(HR_ACTOR, ["baik"], 4), T["follow_up"])
        s.do(who, Finalise(HR_ACTOR), T["finalise"])
    return s


ORG = (
    "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip\n"
    f"{AGENCY},Pemerintah Kota Palu,WITA,bkpsdm,BKPSDM,{HR_NIP},Rina Pengelola Kinerja,\n"
    f"{OTHER_AGENCY},Pemerintah Kabupaten Sigi,WITA,bkpsdm,BKPSDM,{OTHER_HR},Sari HR Sigi,\n"
)


def import_agencies(app: Appraisals, extra: str = "") -> None:
    """Both agencies' master data with their HR (the factories' HR in Palu's, OTHER_HR in Sigi's)."""
    result = app.import_org(ORG + extra, by=HR_ACTOR, at=datetime(2024, 1, 2, tzinfo=timezone.utc))
    assert not result.problems, result.problems


@dataclass
class Received:
    """What the receiver held: one body per Idempotency-Key, and every request it answered."""

    fail_first: int = 0
    held: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, int]] = field(default_factory=list)  # (key, status answered)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def receiver(fail_first: int = 1) -> Iterator[tuple[str, Received]]:
    """A real HTTP receiver on loopback that answers 503 to its first `fail_first` requests, then keeps each record
    once by its Idempotency-Key (a repeat is answered 200 and changes nothing), as SIASN-like receivers do."""
    got = Received(fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            key = self.headers.get("Idempotency-Key", "")
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with got.lock:
                failing = len(got.requests) < got.fail_first
                status = 503 if failing else 200
                if not failing:
                    got.held.setdefault(key, body)
                got.requests.append((key, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/kinerja/import", got
    finally:
        server.shutdown()
        server.server_close()
