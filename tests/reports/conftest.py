from __future__ import annotations

import random
from datetime import timedelta

import pytest

from appliance.db import transaction
from appliance.reports import store
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


@pytest.fixture
def small_groups(conn, data_dir, cast):
    """81 responses over five regions (two below k), both customer types, three modes and four
    weeks, five of them without a customer type and three without a region either, granted to
    the researcher; every region and type is offered."""
    survey_id = study.create(conn)
    rng = random.Random(11)
    sizes = {"noord": 40, "zuid": 22, "oost": 9, "texel": 2, "west": 3}
    study.offer(conn, survey_id, {"regio": list(sizes), "klanttype": list(study.TYPES)})
    with transaction(conn):
        store.set_reportable(conn, survey_id, ["regio", "klanttype"])
    for region, count in sizes.items():
        for _ in range(count):
            study.respond(
                conn,
                data_dir,
                survey_id,
                rng,
                region=region,
                kind=rng.choice(study.TYPES),
                mode=rng.choice(study.MODES),
                day=study.START + timedelta(days=rng.randint(0, 27)),
                remark=rng.choice([None, "Goed"]),
            )
    # Responses without a value: three from the open link, two without a customer type.
    for region in (None, None, None, "noord", "zuid"):
        study.respond(conn, data_dir, survey_id, rng, region=region, mode="link")
    conn.execute("INSERT INTO researcher_grants VALUES (?, ?)", (cast["researcher"].id, survey_id))
    return survey_id
