"""A survey with every counted question type and seeded responses, for the report tests."""

from __future__ import annotations

import random
from datetime import date, timedelta

from appliance.db import transaction
from appliance.reports import store as report_store
from tests import factories


def _t(text: str) -> dict[str, str]:
    return {"nl": text, "en": text}


def _choices(*values: str) -> list[dict]:
    return [{"value": v, "label": _t(v.title())} for v in values]


DEFINITION = {
    "languages": ["nl", "en"],
    "title": _t("Study"),
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "text": _t("Recommend?"), "na": True},
                {"id": "sat", "type": "rating", "text": _t("Satisfied?")},
                {"id": "grade", "type": "grade", "text": _t("Grade?")},
                {"id": "effort", "type": "ces", "text": _t("Effort?")},
                {
                    "id": "channel",
                    "type": "single",
                    "text": _t("Channel?"),
                    "choices": _choices("shop", "web", "phone"),
                },
                {
                    "id": "topics",
                    "type": "multiple",
                    "text": _t("Topics?"),
                    "choices": _choices("price", "staff", "speed"),
                },
                {"id": "again", "type": "yesno", "text": _t("Again?")},
                {
                    "id": "aspects",
                    "type": "matrix",
                    "text": _t("Aspects"),
                    "items": _choices("service", "quality"),
                    "scale": [1, 5],
                },
                {"id": "remark", "type": "text_long", "text": _t("Remarks?")},
                {"id": "who", "type": "name", "text": _t("Your name (optional)")},
            ],
        }
    ],
}

REGIONS = ("noord", "oost", "zuid", "west", "texel")
TYPES = ("b2b", "b2c")
MODES = ("invitation", "link", "kiosk")
START = date(2026, 9, 7)


def create(conn) -> int:
    """The study survey, written to the store and opened."""
    return factories.stored_open_survey(conn, DEFINITION)


def answers_for(rng: random.Random, remark: str | None = None) -> dict:
    out = {
        "nps": rng.choice([*map(str, range(11)), "na"]),
        "sat": str(rng.randint(1, 5)),
        "grade": str(rng.randint(4, 10)),
        "effort": str(rng.randint(1, 7)),
        "channel": rng.choice(["shop", "web", "phone"]),
        "topics": rng.sample(["price", "staff", "speed"], rng.randint(1, 2)),
        "again": rng.choice(["yes", "no"]),
        "aspects": {"service": str(rng.randint(1, 5)), "quality": str(rng.randint(1, 5))},
    }
    if rng.random() < 0.2:
        del out["grade"]  # some skip a question
    if remark:
        out["remark"] = remark
    return out


def respond(
    conn, data_dir, survey_id, rng, *, region=None, kind=None, mode="link", day=START, **extra
) -> str:
    """One response without quality flags on ``day``: ``answers`` if given, else drawn from
    ``rng`` (with ``remark``), its segments the region and customer type if given."""
    segments = {}
    if region:
        segments["regio"] = region
    if kind:
        segments["klanttype"] = kind
    answers = extra.pop("answers", None) or answers_for(rng, extra.pop("remark", None))
    return factories.submit_response(
        conn,
        data_dir,
        survey_id,
        answers,
        f"k{rng.random()}",
        mode=mode,
        today=day,
        segments=segments,
        quality_flags=False,
        **extra,
    )


def offer(conn, survey_id: int, values: dict[str, list[str]]) -> None:
    """The values reports offer per attribute, as invitation waves record them (each held by
    at least k invited contacts): here written directly, the panel being imagined."""
    conn.executemany(
        "INSERT OR IGNORE INTO report_segment_values (survey_id, attribute, value)"
        " VALUES (?, ?, ?)",
        [(survey_id, a, v) for a, vs in values.items() for v in vs],
    )


def seed(conn, data_dir, survey_id, sizes: dict[str, int], seed_value: int = 1) -> None:
    """``sizes`` maps region -> number of responses; types, modes and days vary. Every region
    of ``sizes`` and both customer types are offered."""
    rng = random.Random(seed_value)
    offer(conn, survey_id, {"regio": list(sizes), "klanttype": list(TYPES)})
    with transaction(conn):
        report_store.set_reportable(conn, survey_id, ["regio", "klanttype"])
    respond_by_region(
        conn,
        data_dir,
        survey_id,
        rng,
        sizes,
        kinds=True,
        last_day=70,
        remarks=[None, None, "Prima service, snel geholpen"],
    )


def respond_by_region(
    conn, data_dir, survey_id, rng, sizes, *, kinds=False, last_day=27, remarks=None
) -> None:
    """``sizes`` maps region -> number of responses. Each response draws from ``rng``, in this
    order: a customer type (with ``kinds``), a mode, a day from ``START`` to ``last_day`` days
    later, and a remark from ``remarks`` (if given); the draws are the same for the same seed."""
    for region, count in sizes.items():
        for _ in range(count):
            extra = {}
            if kinds:
                extra["kind"] = rng.choice(TYPES)
            extra["mode"] = rng.choice(MODES)
            extra["day"] = START + timedelta(days=rng.randint(0, last_day))
            if remarks is not None:
                extra["remark"] = rng.choice(remarks)
            respond(conn, data_dir, survey_id, rng, region=region, **extra)


def small_groups(conn, data_dir, researcher) -> int:
    """81 responses over five regions (two below k), both customer types, three modes and four
    weeks, five of them without a customer type and three without a region either, granted to
    ``researcher``; every region and type is offered. The same seed gives the same survey."""
    survey_id = create(conn)
    rng = random.Random(11)
    sizes = {"noord": 40, "zuid": 22, "oost": 9, "texel": 2, "west": 3}
    offer(conn, survey_id, {"regio": list(sizes), "klanttype": list(TYPES)})
    with transaction(conn):
        report_store.set_reportable(conn, survey_id, ["regio", "klanttype"])
    respond_by_region(conn, data_dir, survey_id, rng, sizes, kinds=True, remarks=[None, "Goed"])
    # Responses without a value: three from the open link, two without a customer type.
    for region in (None, None, None, "noord", "zuid"):
        respond(conn, data_dir, survey_id, rng, region=region, mode="link")
    factories.grant(conn, researcher, survey_id)
    return survey_id
