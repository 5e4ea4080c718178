"""Benchmark export (anonymous, logged) and import (shown beside the figures)."""

from __future__ import annotations

import io
import json

from tests.conftest import audit_actions


def test_the_benchmark_export_is_anonymous_and_logged(as_role, conn, survey):
    conn.execute(
        "UPDATE surveys SET title = 'Klanttevredenheid Jansen Bouw BV' WHERE id = ?", (survey,)
    )
    response = as_role("staff").post(f"/reports/{survey}/benchmark/export")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    body = json.loads(text)
    assert body["format"] == "appliance-benchmark/1"
    assert "Jansen" not in text and "Recommend" not in text and "noord" not in text
    nps = next(q for q in body["questions"] if q["id"] == "nps")
    assert nps["n"] == 79 and "nps" in nps
    assert all(n >= 5 for n in nps["distribution"].values())  # hidden bars left out
    assert not any(q["id"] == "remark" for q in body["questions"])
    assert "report.benchmark_exported" in audit_actions(conn)
    assert as_role("researcher").post(f"/reports/{survey}/benchmark/export").status_code == 403


def test_imported_reference_figures_show_beside_the_own(as_role, conn, survey):
    staff = as_role("staff")
    csv = b"question;mean;nps;top2\nnps;7,9;12;0,41\nsat;3.8;;\nunknown;1;;\n"
    staff.post(
        f"/reports/{survey}/benchmark/import",
        data={"file": (io.BytesIO(csv), "bench.csv"), "source": "Landelijk 2026"},
        content_type="multipart/form-data",
    )
    page = as_role("researcher").get(f"/reports/{survey}").get_data(as_text=True)
    assert "(benchmark 7.9)" in page and "(benchmark +12)" in page and "(benchmark 3.8)" in page
    refused = staff.post(
        f"/reports/{survey}/benchmark/import",
        data={"file": (io.BytesIO(b"question,mean\nnps,abc\n"), "bad.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "not imported" in refused and "not a number" in refused
    # The earlier figures stay when an import is refused.
    assert "(benchmark 7.9)" in as_role("staff").get(f"/reports/{survey}").get_data(as_text=True)


def test_staff_choose_the_reportable_segments(as_role, conn, survey):
    staff = as_role("staff")
    assert "klanttype" in staff.get(f"/reports/{survey}/settings").get_data(as_text=True)
    staff.post(f"/reports/{survey}/segments", data={"segment": ["klanttype"]})
    body = staff.get(f"/reports/{survey}/data.json", query_string={"breakdown": "regio"}).get_json()
    assert body["groups"] == [] and body["view"]["breakdown"] is None
    by_type = staff.get(f"/reports/{survey}/data.json", query_string={"breakdown": "klanttype"})
    assert sum(g["n"] or 0 for g in by_type.get_json()["groups"]) == 79
