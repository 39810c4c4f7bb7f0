"""The careers pages (#14) on SQLite and PostgreSQL, in Bahasa Indonesia: HR of the agency exports, reads the tukin
recap and the what-if, and decides a PPPK dossier from its inbox; the auditor reads without a button; HR of another
agency is refused."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from domain.application import Appraisals
from domain.pppk_service import produce_dossier, save_contract
from services.users import UserDirectory
from settings import event_store_env
from tests.career_kit import AUDITOR_NIP, OTHER_HR, finished, import_agencies
from tests.factories import AGENCY, HR_ACTOR, HR_NIP, STAFF
from tests.page_language import assert_indonesian
from tests.test_api_support import build_app, running, settings_for
from tests.test_export_api import USERS
from tests.test_web_pages import post_form, sign_in


def world(store_url: str, tmp_path: Path) -> tuple[Appraisals, str, str]:
    store = Appraisals(env=event_store_env(store_url))
    s = finished(store)
    import_agencies(store, f"{AGENCY},Pemerintah Kota Palu,WITA,bidang-umum,Bidang Umum,{STAFF},Staf Umum,\n")
    at = datetime(2025, 3, 1, tzinfo=timezone.utc)
    contract = {"employment": "pppk", "contract_start": "2024-01-01", "contract_end": "2025-06-30"}
    save_contract(store, AGENCY, STAFF, contract, by=HR_ACTOR, at=at)
    return store, str(s.cycle_id), produce_dossier(store, AGENCY, STAFF, "2025-06-30", at)


async def test_the_careers_pages_for_hr_the_auditor_and_another_agency(store_url: str, tmp_path: Path) -> None:
    store, cycle_id, dossier_id = world(store_url, tmp_path)
    settings = settings_for(tmp_path, database_url=store_url, export_dir=str(tmp_path / "siasn"))
    app = build_app(settings, store, users=UserDirectory.from_mapping(USERS, app=store))
    async with running(app) as client:
        await sign_in(client, HR_NIP)
        page = await client.get(f"/hr/siklus/{cycle_id}/ekspor")
        assert page.status_code == 200 and "Kirim ekspor</button>" in page.text
        assert_indonesian(page.text, "the export page")
        sent = await post_form(client, f"/hr/siklus/{cycle_id}/ekspor")
        assert sent.status_code == 200 and "3 catatan baru" in sent.text and "3 terkirim" in sent.text
        assert_indonesian(sent.text, "the export page after an export")
        again = await post_form(client, f"/hr/siklus/{cycle_id}/ekspor")
        assert "0 catatan baru" in again.text and "0 terkirim, 0 gagal" in again.text
        assert len(list((tmp_path / "siasn").iterdir())) == 3
        csv_file = await client.get(f"/hr/siklus/{cycle_id}/ekspor/berkas.csv")
        assert csv_file.headers["content-type"].startswith("text/csv") and STAFF in csv_file.text

        recap = await client.get(f"/hr/siklus/{cycle_id}/rekap-tukin", params={"bulan": "2025-04"})
        assert recap.status_code == 200 and "Bidang Umum" in recap.text and "Unduh CSV" in recap.text
        assert_indonesian(recap.text, "the tukin recap")
        wrong = await client.get(f"/hr/siklus/{cycle_id}/rekap-tukin", params={"bulan": "2030-04"})
        assert wrong.status_code == 422 and "bulan" in wrong.text.lower()

        what = await client.get(f"/hr/siklus/{cycle_id}/simulasi-aturan")
        assert what.status_code == 200 and "PermenKLH/BPH" in what.text
        assert_indonesian(what.text, "the what-if page")
        # The title is a title (the migration form once sat inside <title>, so it showed twice, once as text)
        title = what.text.split("<title>", 1)[1].split("</title>", 1)[0]
        assert title.startswith("Simulasi aturan") and "<" not in title and "&lt;" not in title
        assert what.text.count('id="pindah-aturan"') <= 1

        inbox = await client.get("/tugas")
        assert "dosir perpanjangan PPPK menunggu keputusan" in inbox.text and dossier_id in inbox.text
        short = await post_form(
            client,
            f"/hr/instansi/{AGENCY}/pppk",
            {"nip": HR_NIP, "employment": "pppk", "contract_start": "2026-01-01", "contract_end": "2026-02-01"},
        )
        assert short.status_code == 422 and "paling singkat 12 bulan" in short.text
        assert 'value="2026-02-01"' in short.text  # what was typed stays
        pns = await post_form(client, f"/hr/instansi/{AGENCY}/pppk", {"nip": HR_NIP, "employment": "pns"})
        assert pns.status_code == 422 and "sudah tercatat demikian" in pns.text  # a PNS already: nothing recorded
        listed = await client.get(f"/hr/instansi/{AGENCY}/pppk")
        assert listed.status_code == 200 and "Direkomendasikan diperpanjang" in listed.text
        assert_indonesian(listed.text, "the PPPK list")
        dossier = await client.get(f"/hr/pppk/{dossier_id}")
        assert "Hasil penilaian selama masa perjanjian" in dossier.text and "Catat keputusan" in dossier.text
        assert_indonesian(dossier.text, "a PPPK dossier")
        blank = await post_form(client, f"/hr/pppk/{dossier_id}", {"keputusan": "", "catatan": "x"})
        assert blank.status_code == 422 and "Catat keputusan" in blank.text
        done = await post_form(
            client,
            f"/hr/pppk/{dossier_id}",
            {"keputusan": "diperpanjang", "catatan": "kebutuhan tetap"},
            follow_redirects=True,
        )
        assert done.status_code == 200 and "Keputusan: <strong>Diperpanjang</strong>" in done.text
        assert "dosir perpanjangan PPPK" not in (await client.get("/tugas")).text

        await sign_in(client, AUDITOR_NIP)
        read_only = await client.get(f"/hr/siklus/{cycle_id}/ekspor")
        assert read_only.status_code == 200 and "Kirim ekspor</button>" not in read_only.text
        assert (await post_form(client, f"/hr/siklus/{cycle_id}/ekspor")).status_code == 403
        assert (await client.get(f"/hr/pppk/{dossier_id}")).status_code == 200
        audit = await client.get(f"/audit/siklus/{cycle_id}")
        assert f'href="/hr/siklus/{cycle_id}/simulasi-aturan"' in audit.text
        assert_indonesian(audit.text, "the auditor's cycle page")

        await sign_in(client, OTHER_HR)
        for path in (f"/hr/siklus/{cycle_id}/ekspor", f"/hr/siklus/{cycle_id}/rekap-tukin", f"/hr/pppk/{dossier_id}"):
            refused = await client.get(path)
            assert refused.status_code == 403, path
            assert_indonesian(refused.text, f"{path} refused to HR of another agency")
        assert (
            await post_form(client, f"/hr/pppk/{dossier_id}", {"keputusan": "tidak_diperpanjang"})
        ).status_code == 403
    store.close()


async def test_hr_moves_an_in_flight_appraisal_to_new_rules_on_the_page(store_url: str, tmp_path: Path) -> None:
    from tests.factories import reach  # noqa: PLC0415

    store = Appraisals(env=event_store_env(store_url))
    s = reach("execution", app=store)
    import_agencies(store)
    settings = settings_for(tmp_path, database_url=store_url)
    app = build_app(settings, store, users=UserDirectory.from_mapping(USERS, app=store))
    url = f"/hr/siklus/{s.cycle_id}/simulasi-aturan"
    target = {"penilaian": str(s.id(STAFF)), "aturan": "1"}
    async with running(app) as client:
        await sign_in(client, OTHER_HR)
        assert (await post_form(client, url, {**target, "alasan": "x"})).status_code == 403
        await sign_in(client, HR_NIP)
        page = await client.get(url)
        assert page.status_code == 200 and "Pindahkan ke aturan ini" in page.text
        assert_indonesian(page.text, "the what-if page with in-flight appraisals")
        blank = await post_form(client, url, {**target, "alasan": ""})
        assert blank.status_code == 422 and store.appraisal(s.id(STAFF)).rule_set_id == "permenpanrb-6-2022"
        moved = await post_form(client, url, {**target, "alasan": "Perkada tukin baru <b>2024</b>"})
        assert moved.status_code == 200 and "Penilaian dipindahkan ke" in moved.text
        assert_indonesian(moved.text, "the what-if page after a migration")
        migrated = store.appraisal(s.id(STAFF))
        assert migrated.rule_set_id == "permenpanrb-6-2022-tukin-klh-6-2025"
        assert migrated.rule_migrations[0]["by"] == HR_NIP and "<b>2024</b>" in migrated.rule_migrations[0]["reason"]
        again = await post_form(client, url, {**target, "alasan": "lagi"})
        assert again.status_code == 422 and "sudah memakai aturan" in again.text
    store.close()
