"""The SKM survey's table (services/survey_store.py) made by whichever request comes first."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.skm import ELEMENTS
from services.survey_store import SurveyStore, metadata, responses


def test_a_first_survey_is_kept_when_another_process_makes_the_table_between_the_check_and_the_create(
    store_url: str,
) -> None:
    """Two citizens' first surveys on two API processes: both stores find no table, one makes it, and the
    other's CREATE TABLE fails on the table that now exists. That survey is kept all the same (it was a 500)."""
    engine, other = sa.create_engine(store_url), sa.create_engine(store_url)
    made: list[bool] = []

    def another_process_first(target: sa.Table, connection: sa.Connection, **_: Any) -> None:
        if not made:  # once: the other process's own create_all comes through here too
            made.append(True)
            metadata.create_all(other)

    sa.event.listen(responses, "before_create", another_process_first)
    try:
        store = SurveyStore(engine)
        assert store.add("AG-1", "U1", None, dict.fromkeys(ELEMENTS, 4), "cepat") > 0
    finally:
        sa.event.remove(responses, "before_create", another_process_first)
    assert made
    assert store.summary("AG-1", "U1")["responses"] == 1
    engine.dispose()
    other.dispose()
