"""Telephone campaigns: the call list, handing out the next call, and recording outcomes.

(Interface agreed between the parts of this package; bodies to be written.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class InHand:
    """The call an interviewer holds: all they may see of the contact (salutation, name, phone
    number in E.164), and what the interview needs to store its response."""

    call_id: int
    campaign_id: int
    survey_id: int
    invitation_id: int
    salutation: str
    name: str
    phone: str
    language: str


def in_hand(conn: sqlite3.Connection, keys, user_id: int, call_id: int) -> InHand | None:
    """The call ``call_id`` when ``user_id`` holds it and it is still open; else None."""
    raise NotImplementedError


def completed(
    call_id: int, user_id: int, outcome: str = "complete"
) -> Callable[[sqlite3.Connection], None]:
    """For ``responses.service.submit_answers(also=...)``: inside the response's transaction,
    record ``outcome`` (complete or partial) as the call's final outcome, without a time, and
    let go of the call."""
    raise NotImplementedError
