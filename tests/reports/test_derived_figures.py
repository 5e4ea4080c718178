"""Statistics beside a distribution with hidden bars must not let anyone solve for those bars.

For every group of every view the researcher can ask for, all its published figures (counts,
shares, mean, median, standard deviation, interval bounds, top-2-box, NPS and its bands, from
the JSON, the CSV and the page's and PDF's own renderings) are turned into constraints, and
every distribution of the hidden answers is tried. A hidden answer count of 1..k-1 that takes
one value in every distribution that fits is a leak. The two cases that were found first are
kept as their own tests.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from appliance import db
from appliance.db import transaction
from appliance.reports import labels
from appliance.reports import store as report_store
from appliance.reports.gate import FilterRefused, Gate
from tests.factories import grant
from tests.reports import attack, study

FILTERS = [""] + [f"regio={r}" for r in study.REGIONS] + [f"klanttype={t}" for t in study.TYPES]
BREAKDOWNS = ["", "mode", "regio", "klanttype"]


def _page_figures(app, data_dir, researcher_id, survey_id, found: attack.Collection) -> None:
    """The statistics as the page and the PDF write them (``labels.Labels``), for every view,
    added to what the JSON and CSV said."""
    decimals = {"mean": 1, "median": 1, "sd": 1, "ci_low": 1, "ci_high": 1}
    with app.test_request_context(), Gate(db.db_path(data_dir), 5, researcher_id, 10) as gate:
        for params in attack.views(FILTERS, BREAKDOWNS):
            view = gate.view(survey_id, **params)
            try:
                report = gate.report(survey_id, view)
            except FilterRefused:
                continue  # the page shows the unfiltered report, read without the filter
            names = labels.Labels(report, "en")
            chosen = view.filter and {"attribute": view.filter[0], "value": view.filter[1]}
            base, dim, per = attack._frame(
                {"filter": chosen, "breakdown": view.breakdown, "period": report.period}
            )
            for q in report.questions:
                where = [(base, q.summary)]
                where += [({**base, dim: g.label}, g.summary) for g in q.groups]
                where += [({**base, per: g.label}, g.summary) for g in q.trend]
                for conditions, s in where:
                    if s is None:
                        continue
                    figures = {}
                    for name, digits in decimals.items():
                        figures[name] = _shown(names.number(getattr(s, name), digits), digits)
                    figures["top2"] = _shown(names.percent(s.top2), 2, percent=True)
                    if q.type == "nps":
                        figures["nps"] = _shown(names.number(s.nps, 0, signed=True), 0)
                        for band in ("promoters", "passives", "detractors"):
                            figures[band] = _shown(names.percent(getattr(s, band)), 2, True)
                    figures = {k: v for k, v in figures.items() if v is not None}
                    found.add(q.id, conditions, None, None, figures)


def _shown(text: str, digits: int, percent: bool = False) -> tuple[float, float] | None:
    """The interval a figure written on the page allows (``7.1``, ``7.1–7.2``, ``31%``)."""
    if text == "\u2014":
        return None
    parts = [float(p.rstrip("%").replace(",", "")) for p in re.split(r"(?<=[\d%]) ?\u2013 ?", text)]
    scale = 100 if percent else 1
    half = 0.5 * 10**-digits if not percent else 0.5 / 100
    return (parts[0] / scale - half, parts[-1] / scale + half)


def test_no_hidden_answer_follows_from_the_statistics_of_any_view(
    app, as_role, conn, data_dir, cast, small_groups
):
    found = attack.collect(as_role("researcher"), small_groups, FILTERS, BREAKDOWNS)
    _page_figures(app, data_dir, cast["researcher"].id, small_groups, found)
    leaks, solved = attack.leaks(found, attack.responses(conn, small_groups))
    assert solved > 40
    assert not leaks, leaks[:5]


def _respond_all(conn, data_dir, survey_id, answers_by_region: dict[str, list[dict]]) -> None:
    rng = random.Random(5)
    for region, answers in answers_by_region.items():
        for i, given in enumerate(answers):
            study.respond(
                conn,
                data_dir,
                survey_id,
                rng,
                region=region,
                kind="b2c",
                mode="link",
                day=study.START + timedelta(days=i % 20),
                answers=given,
            )


@pytest.fixture
def nps_survey(conn, data_dir, cast):
    def make(answers_by_region: dict[str, list[dict]]) -> int:
        survey_id = study.create(conn)
        study.offer(conn, survey_id, {"regio": list(answers_by_region)})
        with transaction(conn):
            report_store.set_reportable(conn, survey_id, ["regio"])
        _respond_all(conn, data_dir, survey_id, answers_by_region)
        grant(conn, cast["researcher"], survey_id)
        return survey_id

    return make


def _nps(*scores) -> list[dict]:
    return [{"nps": str(s), "sat": str(1 + i % 5)} for i, s in enumerate(scores)]


def test_a_filtered_group_of_six_cannot_be_solved(as_role, conn, nps_survey):
    """Six answers 7, 8, 8, 9, 9, 10: their count, mean, standard deviation, NPS bands and the
    zero bars once fitted exactly one multiset, the one in the single responses."""
    survey_id = nps_survey(
        {
            "noord": _nps(*[0, 3, 5, 6, 7, 8, 9, 10] * 5),
            "zuid": _nps(*[1, 4, 6, 7, 8, 9, 10] * 4),
            "klein": _nps(7, 8, 8, 9, 9, 10),
        }
    )
    researcher = as_role("researcher")
    found = attack.collect(researcher, survey_id, ["regio=klein"], ["", "mode"])
    group = found.groups[("nps", frozenset({("regio", "klein")}))]
    assert group.n == 6 and [a for a, c in group.bars.items() if c == 0]  # zeros are shown
    taken = attack.solve(group)
    truth = attack.true_counts(attack.responses(conn, survey_id), "nps", {"regio": "klein"})
    assert taken is not None
    for answer, values in taken.items():
        assert truth[answer] in values
        assert len(values) > 1, (answer, values)


def test_the_passives_share_does_not_give_away_a_hidden_bar(as_role, conn, nps_survey):
    """A rare score (0, twice) hidden with the smallest other bar, 7 (seven times), while 8
    (eight times) is shown: passives x n - 8 must not give the hidden 7, nor with it the 2."""
    counts = {0: 2, 1: 9, 2: 9, 3: 10, 4: 10, 5: 12, 6: 14, 7: 7, 8: 8, 9: 20, 10: 15}
    scores = [s for s, n in counts.items() for _ in range(n)] + ["na"] * 9
    random.Random(3).shuffle(scores)
    survey_id = nps_survey({"noord": _nps(*scores[:70]), "zuid": _nps(*scores[70:])})
    body = as_role("researcher").get(f"/reports/{survey_id}/data.json").get_json()
    nps = next(q for q in body["questions"] if q["id"] == "nps")
    bars = {b["answer"]: b["n"] for b in nps["bars"]}
    assert bars["0"] is None and bars["8"] == 8
    found = attack.collect(as_role("researcher"), survey_id, [""], [""])
    group = found.groups[("nps", frozenset())]
    taken = attack.solve(group)
    assert taken is not None
    assert all(len(values) > 1 for values in taken.values()), taken
    # NPS and the mean stay on this report of 125 answers.
    assert nps["summary"]["nps"] is not None and nps["summary"]["mean"] is not None
