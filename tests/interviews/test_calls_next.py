"""Handing out calls and recording outcomes: who gets which call when (appointments, parts of
the day, attempts, holds that run out), what an outcome changes, the "do not call" list, and
the interview's complete that leaves no time behind."""

from __future__ import annotations

import json

import pytest

from appliance.db import transaction
from appliance.interviews import calls_service, dayparts
from appliance.interviews.phone_campaign import PhoneRules
from appliance.privacy import suppression
from tests.factories import open_survey
from tests.interviews.calls_world import TZ, CallWorld, local


@pytest.fixture
def world(conn, data_dir, tmp_path, cast):
    return CallWorld(conn, data_dir, tmp_path, cast)


@pytest.fixture
def ivo(cast):
    return cast["interviewer"].id


def _next(world, user_id, campaign_id, at):
    return calls_service.next_call(world.conn, world.keys, user_id, campaign_id, at, tz=TZ)


def _record(world, user_id, call_id, outcome, at, **kw):
    return calls_service.record(
        world.conn, world.keys, user_id, call_id, outcome, now=at, tz=TZ, **kw
    )


def _call(world, call_id):
    return world.conn.execute("SELECT * FROM calls WHERE id = ?", (call_id,)).fetchone()


def _only(world, campaign_id, keep: int) -> None:
    """Close every call of the campaign but ``keep``: a list of one."""
    world.conn.execute(
        "UPDATE calls SET status = 'closed' WHERE campaign_id = ? AND id != ?",
        (campaign_id, keep),
    )


# ---- handing out -----------------------------------------------------------------------------


def test_each_interviewer_gets_their_own_call_and_the_same_one_back(world, ivo):
    campaign_id = world.campaign()
    olga = world.interviewer("olga")
    first = _next(world, ivo, campaign_id, local(10))
    assert first is not None
    assert _next(world, ivo, campaign_id, local(10, 1)) == first
    second = _next(world, olga, campaign_id, local(10, 2))
    assert second not in (None, first)
    assert _call(world, first)["held_by"] == ivo


def test_nothing_is_handed_out_before_the_start_or_outside_the_parts_of_the_day(world, ivo):
    campaign_id = world.campaign(send_at=local(11))
    assert _next(world, ivo, campaign_id, local(10)) is None  # before the start
    assert _next(world, ivo, campaign_id, local(22)) is None  # 22:00: no part of the day
    evening_off = world.campaign(
        name="Overdag",
        survey_id=open_survey(world.conn),
        rules=PhoneRules(day_parts=1 | 2),
    )
    world.conn.execute(
        "INSERT INTO researcher_grants (user_id, survey_id) SELECT ?, survey_id FROM campaigns"
        " WHERE id = ?",
        (ivo, evening_off),
    )
    assert _next(world, ivo, evening_off, local(18)) is None
    assert _next(world, ivo, evening_off, local(16)) is not None


def test_the_call_in_hand_shows_salutation_name_and_number_and_only_to_its_holder(world, ivo):
    campaign_id = world.campaign()
    olga = world.interviewer("olga")
    shown = {}
    for at in (10, 11, 12):
        call_id = _next(world, ivo, campaign_id, local(at))
        call = calls_service.in_hand(world.conn, world.keys, ivo, call_id)
        shown[call.phone] = (call.salutation, call.name, call.language, call.attempt)
        assert calls_service.in_hand(world.conn, world.keys, olga, call_id) is None
        _record(world, ivo, call_id, "refusal", local(at, 5))
    assert shown == {
        "+31612345678": ("meneer Jansen", "Jan Jansen", "nl", 1),
        "+31381234567": ("mevrouw De Vries", "Els de Vries", "nl", 1),
        "+442079460958": ("", "Sam Smith", "en", 1),
    }


def test_an_interviewer_not_assigned_to_the_survey_gets_no_call(world):
    campaign_id = world.campaign()
    stranger = world.interviewer("stan", survey_id=open_survey(world.conn))
    with pytest.raises(calls_service.NotYours):
        _next(world, stranger, campaign_id, local(10))


def test_a_paused_campaign_hands_out_nothing(world, ivo):
    campaign_id = world.campaign()
    world.conn.execute("UPDATE campaigns SET status = 'paused' WHERE id = ?", (campaign_id,))
    assert _next(world, ivo, campaign_id, local(10)) is None


def test_a_hold_runs_out_and_the_call_goes_back_on_the_list(world, ivo):
    campaign_id = world.campaign()
    olga = world.interviewer("olga")
    call_id = _next(world, ivo, campaign_id, local(10))
    _only(world, campaign_id, call_id)
    assert _next(world, olga, campaign_id, local(10, 29)) is None
    assert _next(world, olga, campaign_id, local(10, 31)) == call_id
    assert calls_service.in_hand(world.conn, world.keys, ivo, call_id) is None
    with pytest.raises(calls_service.NotYours):
        _record(world, ivo, call_id, "busy", local(10, 32))


def test_keeping_a_call_makes_the_hold_longer(world, ivo):
    campaign_id = world.campaign()
    olga = world.interviewer("olga")
    call_id = _next(world, ivo, campaign_id, local(10))
    _only(world, campaign_id, call_id)
    assert calls_service.keep(world.conn, ivo, call_id, local(10, 25))
    assert _next(world, olga, campaign_id, local(10, 40)) is None
    assert not calls_service.keep(world.conn, olga, call_id, local(10, 41))


# ---- appointments ----------------------------------------------------------------------------


def test_an_appointment_goes_to_its_maker_at_its_time_and_to_anyone_after_the_grace(world, ivo):
    campaign_id = world.campaign()
    olga = world.interviewer("olga")
    call_id = _next(world, ivo, campaign_id, local(10))
    _record(world, ivo, call_id, "appointment", local(10, 2), appointment_at=local(14))
    row = _call(world, call_id)
    assert (row["appointment_at"], row["appointment_by"], row["status"]) == (
        local(14),
        ivo,
        "open",
    )
    _only(world, campaign_id, call_id)
    assert _next(world, ivo, campaign_id, local(13, 59)) is None  # not before its time
    assert _next(world, olga, campaign_id, local(14, 10)) is None  # within the grace
    assert _next(world, ivo, campaign_id, local(14)) == call_id  # its maker, at its time
    assert calls_service.in_hand(world.conn, world.keys, ivo, call_id).appointment_at == local(14)
    _record(world, ivo, call_id, "appointment", local(14, 1), appointment_at=local(16))
    assert _next(world, olga, campaign_id, local(16, 16)) == call_id  # anyone, after the grace


def test_an_appointment_outside_the_parts_of_the_day_is_still_kept(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    _record(world, ivo, call_id, "appointment", local(10, 1), appointment_at=local(21, 30))
    assert _next(world, ivo, campaign_id, local(21, 30)) == call_id


def test_an_appointment_needs_a_time_in_the_future(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    for when in (None, local(9)):
        with pytest.raises(calls_service.CallError):
            _record(world, ivo, call_id, "appointment", local(10, 1), appointment_at=when)
    assert _call(world, call_id)["attempts"] == 0


# ---- retries and parts of the day ------------------------------------------------------------


def test_a_retry_is_planned_in_a_part_of_the_day_not_tried_yet():
    everything = dayparts.ALL
    # Tried in the morning at 10:00: two hours later is 12:00, the afternoon.
    assert dayparts.next_try(local(10), 1, everything, 2, TZ) == local(12)
    # Morning and afternoon tried, at 12:30: the evening, from 17:00.
    assert dayparts.next_try(local(12, 30), 3, everything, 2, TZ) == local(17)
    # All tried, at 17:30: any part, after the gap.
    assert dayparts.next_try(local(17, 30), 7, everything, 2, TZ) == local(19, 30)
    # At 20:30, with the gap past the evening: the next morning.
    assert dayparts.next_try(local(20, 30), 7, everything, 2, TZ) == local(9, day=2)
    # Tried in the morning, only mornings and evenings allowed: the evening.
    assert dayparts.next_try(local(9, 30), 1, 1 | 4, 2, TZ) == local(17)
    assert dayparts.part_of(local(8, 59), TZ) == 0 and dayparts.part_of(local(9), TZ) == 1
    assert dayparts.part_of(local(21), TZ) == 0


def test_not_reached_the_call_returns_in_another_part_of_the_day(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    assert _record(world, ivo, call_id, "no_answer", local(10, 5)) == "open"
    row = _call(world, call_id)
    assert (row["attempts"], row["tried_parts"], row["next_at"], row["held_by"]) == (
        1,
        1,
        local(12, 5),
        None,
    )
    assert row["last_outcome"] == "no_answer"
    _only(world, campaign_id, call_id)
    assert _next(world, ivo, campaign_id, local(12)) is None
    assert _next(world, ivo, campaign_id, local(12, 5)) == call_id


def test_a_call_not_tried_in_this_part_of_the_day_and_with_fewer_attempts_comes_first(world, ivo):
    campaign_id = world.campaign()
    a, b, c = (r["id"] for r in world.calls(campaign_id))
    due = local(12)
    updates = {
        a: (1, 2),  # once, in the afternoon
        b: (2, 1),  # twice, in the morning
        c: (1, 1),  # once, in the morning
    }
    for call_id, (attempts, tried) in updates.items():
        world.conn.execute(
            "UPDATE calls SET attempts = ?, tried_parts = ?, next_at = ? WHERE id = ?",
            (attempts, tried, due, call_id),
        )
    order = []
    for minute in range(3):
        call_id = _next(world, ivo, campaign_id, local(13, minute))
        order.append(call_id)
        _record(world, ivo, call_id, "refusal", local(13, minute))
    # Afternoon: c (not tried now, once), b (not tried now, twice), then a (tried now).
    assert order == [c, b, a]


def test_the_last_allowed_attempt_closes_the_call_with_its_outcome(world, ivo):
    campaign_id = world.campaign(rules=PhoneRules(max_attempts=2, min_gap_hours=0))
    call_id = _next(world, ivo, campaign_id, local(10))
    _only(world, campaign_id, call_id)
    assert _record(world, ivo, call_id, "busy", local(10, 1)) == "open"
    assert _next(world, ivo, campaign_id, local(12)) == call_id
    assert _record(world, ivo, call_id, "answering_machine", local(12, 1)) == "closed"
    row = _call(world, call_id)
    assert (row["status"], row["last_outcome"], row["attempts"]) == (
        "closed",
        "answering_machine",
        2,
    )
    assert _next(world, ivo, campaign_id, local(18)) is None


def test_a_final_outcome_closes_the_call(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    assert _record(world, ivo, call_id, "wrong_number", local(10, 1)) == "closed"
    with pytest.raises(calls_service.CallError):
        _record(world, ivo, call_id, "complete", local(10, 2))  # only with an interview


# ---- audit, attempts and the interview's complete --------------------------------------------


def test_an_attempt_is_kept_with_its_time_and_audited_with_its_code_only(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    _record(world, ivo, call_id, "busy", local(10, 3))
    attempts = world.conn.execute(
        "SELECT interviewer_id, at, outcome FROM call_attempts WHERE call_id = ?", (call_id,)
    ).fetchall()
    assert [tuple(a) for a in attempts] == [(ivo, local(10, 3), "busy")]
    entry = world.conn.execute(
        "SELECT actor_id, target, details FROM audit_log WHERE action = 'call.recorded'"
    ).fetchone()
    assert (entry["actor_id"], entry["target"]) == (ivo, f"call:{call_id}")
    assert json.loads(entry["details"]) == {"outcome": "busy"}


def test_an_interview_completes_the_call_without_a_time(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    audited = world.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with transaction(world.conn):
        calls_service.completed(call_id, ivo)(world.conn)
    row = _call(world, call_id)
    assert (row["status"], row["last_outcome"], row["attempts"]) == ("closed", "complete", 1)
    assert (row["held_by"], row["held_until"], row["next_at"]) == (None, None, None)
    assert (
        world.conn.execute(
            "SELECT count(*) FROM call_attempts WHERE call_id = ?", (call_id,)
        ).fetchone()[0]
        == 0
    )
    assert world.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audited
    assert calls_service.in_hand(world.conn, world.keys, ivo, call_id) is None
    with pytest.raises(ValueError):
        calls_service.completed(call_id, ivo, "refusal")


# ---- do not call -----------------------------------------------------------------------------


def test_do_not_call_closes_the_call_and_keeps_the_number_off_every_campaign(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    number = calls_service.in_hand(world.conn, world.keys, ivo, call_id).phone
    _record(world, ivo, call_id, "no_answer", local(10, 1), do_not_call=True)
    row = _call(world, call_id)
    assert (row["status"], row["last_outcome"]) == ("closed", "refusal")
    key = suppression.phone_hash(world.keys.hasher(), number)
    assert suppression.suppressed(world.conn, [key]) == {key}
    # Another survey's campaign on the same list skips the number.
    other = open_survey(world.conn)
    second = world.campaign(name="Ander onderzoek", survey_id=other)
    assert len(world.calls(second)) == len(world.calls(campaign_id)) - 1
    skipped = json.loads(
        world.conn.execute("SELECT skipped FROM campaigns WHERE id = ?", (second,)).fetchone()[0]
    )
    assert skipped["suppressed"] == 1


def test_a_final_code_chosen_with_do_not_call_is_kept(world, ivo):
    campaign_id = world.campaign()
    call_id = _next(world, ivo, campaign_id, local(10))
    _record(world, ivo, call_id, "language", local(10, 1), do_not_call=True)
    assert _call(world, call_id)["last_outcome"] == "language"


def test_a_number_put_on_the_list_after_the_build_is_not_handed_out(world, ivo):
    campaign_id = world.campaign()
    with transaction(world.conn):
        suppression.add(
            world.conn, [suppression.phone_hash(world.keys.hasher(), "+31612345678")], "staff"
        )
    handed = []
    for minute in range(3):
        call_id = _next(world, ivo, campaign_id, local(10, minute))
        if call_id is None:
            break
        handed.append(calls_service.in_hand(world.conn, world.keys, ivo, call_id).phone)
        _record(world, ivo, call_id, "refusal", local(10, minute))
    assert sorted(handed) == ["+31381234567", "+442079460958"]
    statuses = [r["status"] for r in world.calls(campaign_id)]
    assert statuses.count("suppressed") == 1
