"""An appraisal's workflow, running, while HR moves the appraisal to another rule set (#14), on the time-skipping
test server: the migration is recorded (who, when, why) without an Update, the workflow goes on, the follow-up is
decided under the new rules, and every run of the workflow's history replays on the current code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.base import Actor
from domain.cycle_commands import CalibrateUnit, SetOrgPredikat
from domain.result_commands import DeliverResult, Rate, SelfAssess
from domain.rule_migration import MigrateRuleSet
from domain.rules import TUKIN_KLH_6_2025
from tests.recording import runs, save_history
from tests.workflow_kit import (
    APPRAISER,
    AS_EXPECTED,
    EMPLOYEE,
    HR,
    act,
    delivered_at,
    finish,
    hold_check_ins,
    kit,
    participant,
    plan_and_approve,
    stage_is,
    time_skipping,
)
from workflows.appraisal import AppraisalWorkflow as W
from workflows.cycle import CycleWorkflow


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with time_skipping() as environment:
        yield environment


async def test_a_running_appraisal_moves_to_new_rules_and_its_history_replays(
    env: WorkflowEnvironment, sqlite_env: dict[str, str]
) -> None:
    async with kit(env, sqlite_env) as k:
        await k.launch([participant(EMPLOYEE)])
        handle = k.appraisal()
        await plan_and_approve(k, handle)
        await hold_check_ins(handle, ("Q1", "Q2"))

        # HR's command, as services/actions.py sends it: straight to the domain, keyed, at the wall clock.
        at = await k.now()
        why = "Perkada tunjangan kinerja baru berlaku mulai semester II"
        migrate = MigrateRuleSet(HR, TUKIN_KLH_6_2025.id, why)
        outcome = k.app.execute(k.appraisal_id(), migrate, at=at, key="api:migrasi-1")
        again = k.app.execute(k.appraisal_id(), migrate, at=at, key="api:migrasi-1")
        assert outcome.version == again.version and again.replayed
        migrated = [e for e in k.log() if e["type"] == "RuleSetMigrated"]
        assert len(migrated) == 1 and migrated[0]["by"] == HR.nip and migrated[0]["payload"]["reason"] == why

        await hold_check_ins(handle, ("Q3", "Q4"))
        await k.sleep_until(datetime.fromisoformat(f"{k.year}-12-01T01:00:00+07:00"))
        await stage_is(handle, "review")
        await act(handle, W.self_assess, SelfAssess(Actor(EMPLOYEE), text="Sebagian target tercapai"))
        rated = await act(handle, W.rate, Rate(Actor(APPRAISER), "di_bawah", AS_EXPECTED, "target kuantitas kurang"))
        assert rated["predikat"] == "butuh_perbaikan"
        await k.hr(CycleWorkflow.set_org_predikat, SetOrgPredikat(HR, unit_id="U1", predikat="baik"))
        await k.hr(CycleWorkflow.calibrate_unit, CalibrateUnit(HR, unit_id="U1", justification="unit of one"))
        await act(handle, W.deliver_result, DeliverResult(Actor(APPRAISER)))
        await k.sleep_until(datetime.fromisoformat(delivered_at(k)) + timedelta(days=15))
        await stage_is(handle, "follow_up")
        result = await finish(handle)
        assert result["stage"] == "finalised" and result["predikat"] == "butuh_perbaikan"

        appraisal = k.app.appraisal(k.appraisal_id())
        assert appraisal.rule_set_id == TUKIN_KLH_6_2025.id
        assert appraisal.follow_up["tukin_cut_percent"] == 10.0  # the new table's; the old one cuts nothing

        await save_history("appraisal_rule_set_migrated", handle, k.client)
        chain = await runs(k.client, handle)
        assert len(chain) == 5  # planning, execution (the migration happened here), review, delivered, follow-up
        replayer = Replayer(workflows=[W])
        for run in chain:
            await replayer.replay_workflow(run)
