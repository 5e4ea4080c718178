"""A survey with every counted question type and seeded responses, for the report tests."""

from __future__ import annotations

import random
from datetime import date, timedelta

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.reports import store as report_store
from appliance.responses import service as responses_service
from appliance.surveys import store as surveys_store
from appliance.surveys.definition import Definition


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
    with transaction(conn):
        survey_id = surveys_store.create_survey(conn, Definition.parse(DEFINITION))
        surveys_store.set_status(conn, survey_id, "open")
    return survey_id


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
    keys = load_keys(data_dir)
    segments = {}
    if region:
        segments["regio"] = region
    if kind:
        segments["klanttype"] = kind
    answers = extra.pop("answers", None) or answers_for(rng, extra.pop("remark", None))
    return responses_service.submit(
        conn,
        keys.hasher(),
        keys.cipher(),
        survey_id=survey_id,
        mode=mode,
        language="nl",
        answers=answers,
        form_key=f"k{rng.random()}",
        today=day,
        segments=segments,
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
    for region, count in sizes.items():
        for _ in range(count):
            respond(
                conn,
                data_dir,
                survey_id,
                rng,
                region=region,
                kind=rng.choice(TYPES),
                mode=rng.choice(MODES),
                day=START + timedelta(days=rng.randint(0, 70)),
                remark=rng.choice([None, None, "Prima service, snel geholpen"]),
            )
