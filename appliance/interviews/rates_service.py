"""Response rates of a survey for staff (live, from the calls and invitations), the eligibility
estimate staff choose, and the copy of the dispositions a report release makes for the
researcher (``reports.release_service``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from appliance.auth.service import Actor
from appliance.db import transaction
from appliance.interviews import rates, rates_store
from appliance.responses import service as responses_service

# Every response mode, in the order pages list them.
RESPONSE_MODES = tuple(rates.RESPONSE_MODE_LABELS)


@dataclass(frozen=True)
class SurveyRates:
    """The live rates of a survey: per sampled mode, all sampled modes together (None without
    any), the fixed e staff chose (None: proportional), and the stored responses per response
    mode (excluded ones left out)."""

    modes: list[rates.ModeRates]
    overall: rates.ModeRates | None
    fixed_e: float | None
    responses: dict[str, int]


def survey_rates(conn: sqlite3.Connection, survey_id: int) -> SurveyRates:
    fixed_e = rates_store.chosen_e(conn, survey_id)
    modes, overall = rates.by_mode(rates_store.dispositions(conn, survey_id), fixed_e)
    responses = {
        mode: responses_service.count_responses(conn, survey_id, mode=mode, excluded=False)
        for mode in RESPONSE_MODES
    }
    return SurveyRates(modes, overall, fixed_e, responses)


def choose_e(conn: sqlite3.Connection, actor: Actor, survey_id: int, e: float | None) -> None:
    """Make ``e`` (0..1, or None for the proportional estimate) the survey's eligibility
    estimate; audited. Raises ValueError outside 0..1."""
    if e is not None and not 0 <= e <= 1:
        raise ValueError("e must lie between 0 and 1")
    with transaction(conn):
        rates_store.set_e(conn, survey_id, e, actor.id)
        actor.log(conn, "rates.e_chosen", f"survey:{survey_id}", e=e)


def live_dispositions(conn: sqlite3.Connection, survey_id: int) -> dict[str, dict[str, int]]:
    """The survey's disposition counts as they stand: mode -> code -> cases."""
    return rates_store.dispositions(conn, survey_id)


def release_dispositions(
    conn: sqlite3.Connection, survey_id: int, counts: Mapping[str, Mapping[str, int]]
) -> None:
    """Inside the release's write transaction: ``counts`` (from :func:`live_dispositions`)
    become the disposition counts the survey's report shows (the researcher's gate cannot read
    calls or invitations)."""
    rates_store.replace_released(conn, survey_id, counts)
