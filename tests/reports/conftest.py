from __future__ import annotations

import pytest

from tests.reports import study


@pytest.fixture
def survey(conn, data_dir, cast):
    """The study survey with 79 responses over five regions, granted to the researcher."""
    survey_id = study.create(conn)
    study.seed(
        conn, data_dir, survey_id, {"noord": 40, "zuid": 25, "oost": 9, "texel": 2, "west": 3}
    )
    conn.execute(
        "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
        (cast["researcher"].id, survey_id),
    )
    return survey_id
