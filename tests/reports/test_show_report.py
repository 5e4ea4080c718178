"""The report page and its JSON: thresholds at k-1, k and k+1, filters, exclusions, access."""

from __future__ import annotations

import random
import re

import pytest

from appliance.db import transaction
from appliance.reports import store as report_store
from appliance.responses import store as responses_store
from tests import factories
from tests.factories import grant
from tests.reports import study


def _survey_with(conn, data_dir, cast, sizes, remarks=0):
    survey_id = study.create(conn)
    study.offer(conn, survey_id, {"regio": list(sizes)})
    with transaction(conn):
        report_store.set_reportable(conn, survey_id, ["regio"])
    rng = random.Random(2)
    given = 0
    for region, count in sizes.items():
        for _ in range(count):
            remark = "Prima" if given < remarks else None
            given += 1
            study.respond(conn, data_dir, survey_id, rng, region=region, remark=remark)
    grant(conn, cast["researcher"], survey_id)
    return survey_id


def _json(browser, survey_id, **params):
    return browser.get(f"/reports/{survey_id}/data.json", query_string=params).get_json()


@pytest.mark.parametrize(("n", "shown"), [(4, False), (5, True), (6, True)])
def test_a_survey_below_k_shows_nothing(as_role, conn, data_dir, cast, n, shown):
    survey_id = _survey_with(conn, data_dir, cast, {"noord": n})
    body = _json(as_role("researcher"), survey_id)
    assert (body["respondents"] == n) is shown
    # Below k: hidden, or not released at all yet (fewer than k changes).
    assert (body["respondents"] in (None, 0)) is not shown
    if shown:
        nps = next(q for q in body["questions"] if q["id"] == "nps")
        assert nps["n"] == n and nps["bars"]
    else:
        assert body["trend"] == [] and body["groups"] == []
        assert all(q["n"] in (None, 0) and not q["summary"] for q in body["questions"])


@pytest.mark.parametrize(("remarks", "shown"), [(9, False), (10, True), (11, True)])
def test_open_answers_are_counted_from_ten(as_role, conn, data_dir, cast, remarks, shown):
    survey_id = _survey_with(conn, data_dir, cast, {"noord": 30}, remarks=remarks)
    page = as_role("researcher").get(f"/reports/{survey_id}").get_data(as_text=True)
    remark = next(
        q for q in _json(as_role("researcher"), survey_id)["questions"] if q["id"] == "remark"
    )
    assert remark["n"] == (remarks if shown else None)
    assert "Prima" not in page


def test_groups_at_k_minus_one_k_and_k_plus_one(as_role, conn, data_dir, cast):
    survey_id = _survey_with(conn, data_dir, cast, {"a": 4, "b": 5, "c": 6, "d": 40})
    researcher = as_role("researcher")
    groups = {g["label"]: g["n"] for g in _json(researcher, survey_id, breakdown="regio")["groups"]}
    # a (4) is below k; b (5) is hidden too, or a = total - b - c - d.
    assert groups == {"a": None, "b": None, "c": 6, "d": 40}
    for region, allowed in (("a", False), ("b", False), ("c", True), ("d", True)):
        body = _json(researcher, survey_id, filter=f"regio={region}")
        assert ("refused_filter" not in body) is allowed
        assert body["respondents"] == ({"c": 6, "d": 40}[region] if allowed else 55)
    page = researcher.get(f"/reports/{survey_id}?filter=regio%3Da").get_data(as_text=True)
    assert "is refused" in page


def test_excluded_responses_leave_every_figure(as_role, conn, data_dir, cast):
    survey_id = _survey_with(conn, data_dir, cast, {"noord": 12})
    ids = [r[0] for r in conn.execute("SELECT id FROM responses LIMIT 2")]
    with transaction(conn):
        for rid in ids:
            responses_store.set_excluded(conn, rid, "straightliner", "2026-11-22")
    # Until the fold has run, the figures are those before the exclusion.
    assert _json(as_role("staff"), survey_id)["respondents"] == 12
    factories.fold_pending(conn)
    body = _json(as_role("staff"), survey_id)
    assert body["respondents"] == 10 and body["excluded"] == 2
    assert next(q for q in body["questions"] if q["id"] == "sat")["n"] == 10
    assert "left out of every figure: 2." in as_role("staff").get(f"/reports/{survey_id}").text
    # For the researcher, two excluded are a group below k like any other.
    page = as_role("researcher").get(f"/reports/{survey_id}").get_data(as_text=True)
    assert "left out of every figure: &lt; 5." in page or "left out of every figure: < 5." in page


def test_a_survey_not_granted_does_not_exist_for_the_researcher(as_role, conn, data_dir, cast):
    survey_id = _survey_with(conn, data_dir, cast, {"noord": 12})
    conn.execute("DELETE FROM researcher_grants")
    researcher = as_role("researcher")
    for path in ("", "/data.json", "/report.csv", "/report.xlsx", "/report.pdf"):
        assert researcher.get(f"/reports/{survey_id}{path}").status_code == 404
    assert as_role("staff").get(f"/reports/{survey_id}").status_code == 200


def test_an_expired_researcher_sees_nothing(as_role, conn, data_dir, cast):
    survey_id = _survey_with(conn, data_dir, cast, {"noord": 12})
    conn.execute("INSERT INTO researcher_grants VALUES (?, ?)", (cast["expired"].id, survey_id))
    response = as_role("expired").get(f"/reports/{survey_id}/data.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_every_researcher_view_and_export_is_logged_and_shown(as_role, conn, survey):
    researcher = as_role("researcher")
    researcher.get(f"/reports/{survey}?filter=regio%3Dnoord&breakdown=mode")
    researcher.get(f"/reports/{survey}?filter=regio%3Dtexel")
    researcher.get(f"/reports/{survey}/report.pdf?breakdown=regio")
    logged = conn.execute(
        "SELECT action, details FROM audit_log WHERE actor = 'rita' AND action LIKE 'report.%'"
        " ORDER BY id"
    ).fetchall()
    assert [r[0] for r in logged] == ["report.viewed", "report.viewed", "report.exported"]
    assert '"filter": "regio=noord"' in logged[0][1] and '"breakdown": "mode"' in logged[0][1]
    assert '"refused": true' in logged[1][1]
    for role in ("admin", "staff"):
        page = as_role(role).get("/researchers/activity").get_data(as_text=True)
        assert "filter=regio=noord" in page and "filter refused" in page and "pdf" in page
    # Staff looking at reports is not researcher activity.
    as_role("staff").get(f"/reports/{survey}")
    assert conn.execute("SELECT count(*) FROM audit_log WHERE actor = 'sam'").fetchone()[0] == 0


def test_staff_see_up_to_when_the_figures_are_counted_and_researchers_their_release(
    as_role, conn, data_dir, cast
):
    survey_id = _survey_with(conn, data_dir, cast, {"noord": 12})
    staff = as_role("staff")
    # Nothing waits for the fold: the figures are complete as of this very look.
    page = staff.get(f"/reports/{survey_id}").get_data(as_text=True)
    assert re.search(r'id="as-of">Updated to \d?\d:\d\d:\d\d\s[AP]M\.', page)
    # A response not folded yet: the figures are complete up to the last fold that left none.
    study.respond(conn, data_dir, survey_id, random.Random(9), region="noord", fold=False)
    with transaction(conn):
        conn.execute(
            "UPDATE report_folds SET folded_until = '2026-11-20T06:00:05Z' WHERE survey_id = ?",
            (survey_id,),
        )
    page = staff.get(f"/reports/{survey_id}").get_data(as_text=True)
    assert re.search(r"Updated to Nov 20, 2026 7:00:05\sAM\.", page)
    factories.fold_pending(conn)
    page = staff.get(f"/reports/{survey_id}").get_data(as_text=True)
    assert "7:00:05" not in page
    assert "being recounted" not in page
    # While a recount runs staff are told; a mark its dead recount left is not believed.
    with transaction(conn):
        conn.execute(
            "UPDATE report_folds SET recounting = CAST(strftime('%s') AS INTEGER)"
            " WHERE survey_id = ?",
            (survey_id,),
        )
    assert "being recounted" in staff.get(f"/reports/{survey_id}").get_data(as_text=True)
    with transaction(conn):
        conn.execute("UPDATE report_folds SET recounting = recounting - 600")
    assert "being recounted" not in staff.get(f"/reports/{survey_id}").get_data(as_text=True)
    # The researcher sees the release and why it lags.
    with transaction(conn):
        conn.execute(
            "UPDATE report_releases SET released_at = '2026-11-21T13:14:15Z', changes = 0"
            " WHERE survey_id = ?",
            (survey_id,),
        )
    page = as_role("researcher").get(f"/reports/{survey_id}").get_data(as_text=True)
    assert re.search(r"Updated to Nov 21, 2026 2:14:15\sPM\.", page)
    assert "once at least 5 responses have come in or changed" in page
