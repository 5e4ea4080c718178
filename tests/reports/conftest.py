from __future__ import annotations

import pytest

from tests.factories import grant
from tests.reports import study


@pytest.fixture
def survey(conn, data_dir, cast):
    """The study survey with 79 responses over five regions, granted to the researcher."""
    survey_id = study.create(conn)
    study.seed(
        conn, data_dir, survey_id, {"noord": 40, "zuid": 25, "oost": 9, "texel": 2, "west": 3}
    )
    grant(conn, cast["researcher"], survey_id)
    return survey_id


@pytest.fixture
def small_groups(conn, data_dir, cast):
    """:func:`tests.reports.study.small_groups`, built for each test."""
    return study.small_groups(conn, data_dir, cast["researcher"])
