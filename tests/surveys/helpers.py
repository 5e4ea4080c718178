"""Storing a response the way the respondent pages do (quality flags included), for tests that
need responses without walking the pages."""

from __future__ import annotations

from datetime import date

from appliance.keys import load as load_keys
from appliance.responses import quality
from appliance.responses import service as responses_service
from appliance.surveys import store

DAY = date(2026, 11, 22)


def submit(conn, data_dir, survey_id, answers, key="k", **kw):
    """Store one link response; returns its id. ``kw`` goes to ``responses.service.submit``."""
    keys = load_keys(data_dir)
    definition = store.definition_of(store.get_survey(conn, survey_id))

    def flagger(c):
        return quality.flags_for(
            c, keys.hasher(), survey_id, definition, answers, kw.get("duration_s")
        )

    return responses_service.submit(
        conn,
        keys.hasher(),
        keys.cipher(),
        survey_id=survey_id,
        mode="link",
        language="nl",
        answers=answers,
        form_key=key,
        today=DAY,
        flagger=flagger,
        **kw,
    )
