"""The demo users' steps through the public API: a client that logs in as each of them, and the longer
walks demo/seed.py takes (an SKP drafted and submitted, a unit rated to the keberatan, the opening awaited).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from domain.rules import BERAKHLAK


class DemoClient:
    """Logs in as each demo user in turn and calls the API with an Idempotency-Key per step."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=f"{base}/api/v1", timeout=120)
        self.tokens: dict[str, str] = {}

    def call(self, method: str, path: str, nip: str, body: Any = None, key: str = "", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._token(nip)}"}
        if method != "GET":
            headers["Idempotency-Key"] = f"demo:{key or path}:{nip}"
        r = self.http.request(method, path, json=body, headers=headers, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} as {nip}: {r.status_code} {r.text}")
        return r.json()

    def _token(self, nip: str) -> str:
        if nip not in self.tokens:
            r = self.http.post("/auth/dev-login", json={"nip": nip})
            r.raise_for_status()
            self.tokens[nip] = r.json()["access_token"]
        return self.tokens[nip]


def draft_skp(api: DemoClient, appraisal: str, nip: str, prefix: str, supports: str, count: int) -> None:
    rhk = [
        {
            "id": f"{prefix}{n}" if count > 1 else prefix,
            "kind": "utama",
            "text": f"Meningkatnya kualitas layanan administrasi kependudukan ({n})",
            "supports": supports,
            "indicators": [
                {"id": "IKI-1", "aspect": "kuantitas", "text": "Jumlah dokumen diterbitkan", "target": "1.200 dokumen"},
                {
                    "id": "IKI-2",
                    "aspect": "waktu",
                    "text": "Waktu penyelesaian layanan",
                    "target": "paling lama 3 hari kerja",
                },
            ],
        }
        for n in range(1, count + 1)
    ]
    api.call("PUT", f"/employees/appraisals/{appraisal}/skp", nip, {"rhk": rhk})
    api.call("POST", f"/employees/appraisals/{appraisal}/skp/submit", nip)


def review_capil(
    api: DemoClient,
    appraisals: dict[str, str],
    people: list[dict[str, str]],
    head: str,
    kadis: str,
    hr: str,
    cycle: str,
) -> None:
    """Bidang Pencatatan Sipil: rated, calibrated and delivered; one keberatan pending."""
    staff = [p for p in people if not p["unit_head"]]
    results = [
        "di_atas",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "di_bawah",
        "sesuai",
        "di_atas",
        "sesuai",
    ]
    api.call("PUT", f"/hr/cycles/{cycle}/units/CAPIL/org-predikat", hr, {"predikat": "baik"})
    for p in people:
        api.call("POST", f"/hr/appraisals/{appraisals[p['nip']]}/review/open", hr)
    for i, p in enumerate(staff):
        values = dict.fromkeys(BERAKHLAK, "di_atas" if results[i] == "di_atas" else "sesuai")
        api.call(
            "POST",
            f"/tasks/appraisals/{appraisals[p['nip']]}/rating",
            head,
            {"results_rating": results[i], "behaviour_ratings": values, "notes": "Penilaian tahunan"},
        )
    api.call(
        "POST",
        f"/tasks/appraisals/{appraisals[head]}/rating",
        kadis,
        {"results_rating": "sesuai", "behaviour_ratings": dict.fromkeys(BERAKHLAK, "sesuai")},
    )
    api.call(
        "POST",
        f"/hr/cycles/{cycle}/units/CAPIL/calibration",
        hr,
        {"justification": "Sebaran sesuai capaian unit; dibahas dalam rapat kalibrasi"},
    )
    for p in people:
        appraiser = kadis if p["nip"] == head else head
        api.call("POST", f"/tasks/appraisals/{appraisals[p['nip']]}/result", appraiser)
    unhappy = staff[8]["nip"]  # rated di_bawah: butuh perbaikan
    api.call(
        "POST",
        f"/employees/appraisals/{appraisals[unhappy]}/keberatan",
        unhappy,
        {"reasons": "Realisasi triwulan IV belum diperhitungkan; bukti dukung terlampir"},
    )


def wait_open(api: DemoClient, cycle: str, hr: str, expected: int, timeout: float = 180) -> None:
    """Until the cycle workflow counts every appraisal's workflow as running, and the read models show them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = api.call("GET", f"/hr/cycles/{cycle}/progress", hr)
        # The cycle workflow's own count of running appraisal workflows (recorded once each start was
        # accepted, domain/opening.py), not the records: a record alone may still wait for its workflow,
        # and a write to it would get 409. The read models count the same fact; the seed reads them next.
        running = progress["workflow"].get("running", 0)
        opened = sum(sum(u["stages"].values()) for u in progress["units"])
        if progress["workflow"].get("opening_done") and running >= expected and opened >= expected:
            return
        time.sleep(1)
    raise RuntimeError(f"the cycle workflow did not open {expected} appraisals within {timeout} s")
