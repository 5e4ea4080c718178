"""THE public gate: the one way the public (page, feed, widget, static export) sees anything.

Contract: callers get :class:`PublicPage` objects, never rows. The gate reads through its own
read-only connection whose SQLite authorizer refuses every table outside
``planes.PUBLIC_READABLE`` and every column outside ``planes.PUBLIC_COLUMNS`` (no response, no
counter, no release, no withheld text, not the response a review came from). It serves only a
published survey. Every figure passes the minimum group size k:

- the scope's figures are shown only for at least k responses, and only when the counted
  responses outside the scope (which the researcher's report holds) and the scope's responses
  not shown as reviews (whose scores the averages would otherwise give away beside the
  reviews' own) are each none or at least k;
- a month is shown by the same rule, and the months hidden together must pass it as a group
  (else more are hidden), so the total minus the months shown solves nothing;
- a question's figure needs k answers; no breakdown is ever published.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from appliance.crypto import FieldCipher
from appliance.db import connect
from appliance.planes import PUBLIC_COLUMNS, PUBLIC_READABLE, read_authorizer
from appliance.publication.store import REDACTED
from appliance.reports.stats import summary
from appliance.surveys.definition import SCALES
from appliance.surveys.store import parse_definition

PER_PAGE = 10
# The floor of the minimum group size, as for the researcher's gate (the setting refuses less).
MIN_K = 3


class NotFound(Exception):
    """No published survey has that address."""


_authorizer = read_authorizer(PUBLIC_READABLE, PUBLIC_COLUMNS)


@dataclass(frozen=True)
class Figure:
    """One published scale question over the scope."""

    id: str
    text: Mapping[str, str]
    type: str
    scale: tuple[int, int]
    n: int
    mean: float
    nps: float | None
    promoters: float | None
    passives: float | None
    detractors: float | None
    distribution: list[tuple[int, int]]


@dataclass(frozen=True)
class MonthPoint:
    month: str  # YYYY-MM
    n: int | None  # None: hidden
    mean: float | None
    nps: float | None


@dataclass(frozen=True)
class Review:
    id: int
    day: str
    score: int | None
    title: list[tuple[str, bool]]  # (text, redacted)
    body: list[tuple[str, bool]]
    name: str | None
    verified: bool
    reply: str | None
    replied_on: str | None

    def plain(self, part: str, marker: str) -> str:
        """The title or body as plain text, each cut shown as ``marker``."""
        return "".join(marker if cut else text for text, cut in getattr(self, part))


@dataclass
class PublicPage:
    slug: str
    survey_id: int
    title: Mapping[str, str]
    languages: tuple[str, ...]
    k: int
    show_averages: bool
    show_reviews: bool
    modes: list[str]
    from_date: str | None
    published_at: str | None
    snapshot_at: str | None
    pending: bool = False
    n: int | None = None  # respondents in the scope; None while hidden
    hidden: str = ""  # why the figures are hidden: '', 'pending', 'few', 'remainder'
    score: Figure | None = None
    ratings: list[Figure] = field(default_factory=list)
    months: list[MonthPoint] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    review_count: int = 0
    filtered_count: int = 0
    score_filter: int | None = None
    score_counts: dict[int, int] = field(default_factory=dict)
    page: int = 1
    pages: int = 1
    withheld: dict[str, int] = field(default_factory=dict)
    redacted: int = 0
    verified_all: bool = False
    score_type: str | None = None
    score_scale: tuple[int, int] | None = None


def _ok(remainder: int, k: int) -> bool:
    return remainder == 0 or remainder >= k


class PublicGate:
    """Published results for anyone; see the module docstring."""

    def __init__(self, db_path: str | Path, k: int, cipher: FieldCipher):
        if k < MIN_K:
            raise ValueError(f"minimum group size must be at least {MIN_K}")
        self.k = k
        self._cipher = cipher
        self._conn = connect(db_path, readonly=True)
        self._conn.set_authorizer(_authorizer)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> PublicGate:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _publication(self, slug: str) -> tuple[sqlite3.Row, sqlite3.Row]:
        pub = self._conn.execute(
            "SELECT * FROM publications WHERE slug = ? AND published = 1", (slug,)
        ).fetchone()
        if pub is None:
            raise NotFound(slug)
        survey = self._conn.execute(
            "SELECT id, title, definition FROM surveys WHERE id = ?", (pub["survey_id"],)
        ).fetchone()
        if survey is None:
            raise NotFound(slug)
        return pub, survey

    def page(
        self,
        slug: str,
        *,
        page: int = 1,
        score: int | None = None,
        per_page: int = PER_PAGE,
        reviews: bool = True,
    ) -> PublicPage:
        """The public page of a published survey: figures, and one page of reviews (newest
        first, optionally of one score). Raises NotFound."""
        pub, survey = self._publication(slug)
        definition = parse_definition(survey["definition"])
        survey_id = pub["survey_id"]
        result = PublicPage(
            slug=slug,
            survey_id=survey_id,
            title=definition.title or {lang: survey["title"] for lang in definition.languages},
            languages=definition.languages,
            k=self.k,
            show_averages=bool(pub["show_averages"]),
            show_reviews=bool(pub["show_reviews"]),
            modes=json.loads(pub["modes"]),
            from_date=pub["from_date"],
            published_at=pub["published_at"],
            snapshot_at=pub["snapshot_at"],
            pending=bool(pub["aggregates_pending"]),
        )
        score_id = pub["score_question"]
        if score_id and score_id in definition.questions:
            question = definition.questions[score_id]
            result.score_type, result.score_scale = question.type, question.scale
        result.verified_all = result.modes == ["invitation"]
        by_month: dict[str, int] = {}
        if result.show_reviews:
            counts = self._conn.execute(
                "SELECT month, score, redacted, n FROM published_review_counts WHERE survey_id = ?",
                (survey_id,),
            ).fetchall()
            for month, review_score, redacted, n in counts:
                by_month[month] = by_month.get(month, 0) + n
                if review_score >= 0:
                    result.score_counts[review_score] = result.score_counts.get(review_score, 0) + n
                result.redacted += n if redacted else 0
            result.score_counts = dict(sorted(result.score_counts.items()))
            result.review_count = sum(by_month.values())
            result.withheld = dict(
                self._conn.execute(
                    "SELECT reason, count(*) FROM withheld_reviews WHERE survey_id = ?"
                    " GROUP BY reason",
                    (survey_id,),
                ).fetchall()
            )
        if result.show_averages:
            self._figures(result, pub, definition, by_month)
        if result.show_reviews and reviews:
            self._reviews(result, survey_id, page, score, per_page)
        return result

    def _figures(self, result: PublicPage, pub, definition, reviews: Mapping[str, int]) -> None:
        if result.pending:
            result.hidden = "pending"
            return
        k = self.k
        months = {
            r["month"]: (r["n"], r["outside"])
            for r in self._conn.execute(
                "SELECT month, n, outside FROM publication_months WHERE survey_id = ?",
                (result.survey_id,),
            )
        }
        n, outside = months.pop("", (0, 0))
        unshown = n - sum(reviews.values()) if result.show_reviews else 0
        if n < k:
            result.hidden = "few"
            return
        if not (_ok(outside, k) and _ok(unshown, k)):
            result.hidden = "remainder"
            return
        result.n = n
        counts: dict[tuple[str, str], dict[str, int]] = {}
        for r in self._conn.execute(
            "SELECT question, month, answer, n FROM publication_counts WHERE survey_id = ?"
            " AND question != ''",
            (result.survey_id,),
        ):
            counts.setdefault((r[0], r[1]), {})[r[2]] = r[3]
        questions = [pub["score_question"]] if pub["score_question"] else []
        questions += [q for q in json.loads(pub["rating_questions"]) if q not in questions]
        for qid in questions:
            question = definition.questions.get(qid)
            if question is None or question.type not in SCALES:
                continue
            figure = _figure(question, counts.get((qid, ""), {}), k)
            if figure is None:
                continue
            if qid == pub["score_question"]:
                result.score = figure
            else:
                result.ratings.append(figure)
        shown = self._shown_months(months, reviews, result.show_reviews)
        score_id = pub["score_question"]
        for month in sorted(months):
            if month not in shown or not score_id or result.score is None:
                result.months.append(MonthPoint(month, None, None, None))
                continue
            question = definition.questions[score_id]
            stats = summary(
                counts.get((score_id, month), {}), question.scale, question.type == "nps"
            )
            if stats is None or stats.n < k:
                result.months.append(MonthPoint(month, months[month][0], None, None))
            else:
                result.months.append(MonthPoint(month, months[month][0], stats.mean, stats.nps))

    def _shown_months(
        self, months: Mapping[str, tuple[int, int]], reviews: Mapping[str, int], with_reviews: bool
    ) -> set[str]:
        """Months that pass k alone, minus more until those hidden pass together."""
        k = self.k

        def passes(n: int, outside: int, unshown: int) -> bool:
            return n >= k and _ok(outside, k) and _ok(unshown, k)

        def unshown(month: str) -> int:
            return months[month][0] - reviews.get(month, 0) if with_reviews else 0

        shown = {m for m, (n, out) in months.items() if passes(n, out, unshown(m))}
        while True:
            hidden = [m for m in months if m not in shown]
            if not hidden:
                return shown
            total = (
                sum(months[m][0] for m in hidden),
                sum(months[m][1] for m in hidden),
                sum(unshown(m) for m in hidden),
            )
            if passes(*total) or not shown:
                return shown
            shown.discard(min(shown, key=lambda m: (months[m][0], m)))

    def _reviews(
        self, result: PublicPage, survey_id: int, page: int, score: int | None, per_page: int
    ) -> None:
        if score is not None and score in result.score_counts:
            result.score_filter = score
            result.filtered_count = result.score_counts[score]
            where, params = "survey_id = ? AND score = ?", (survey_id, score)
        else:
            result.filtered_count = result.review_count
            where, params = "survey_id = ?", (survey_id,)
        result.pages = max(1, -(-result.filtered_count // per_page))
        result.page = min(max(1, page), result.pages)
        rows = self._conn.execute(
            "SELECT id, day, score, title, body, name, verified, reply, replied_on"  # noqa: S608 - fixed names and SQL of this module
            f" FROM published_reviews WHERE {where}"  # noqa: S608 - fixed text
            " ORDER BY day DESC, id DESC LIMIT ? OFFSET ?",
            (*params, per_page, (result.page - 1) * per_page),
        ).fetchall()
        result.reviews = [self._review(r) for r in rows]

    def _review(self, row: sqlite3.Row) -> Review:
        name = None
        if row["name"] is not None:
            name = self._cipher.decrypt(row["name"], "published_reviews", "name", row["id"])
        return Review(
            id=row["id"],
            day=row["day"],
            score=row["score"],
            title=_parts(row["title"]),
            body=_parts(row["body"]),
            name=name,
            verified=bool(row["verified"]),
            reply=row["reply"],
            replied_on=row["replied_on"],
        )


def _parts(text: str | None) -> list[tuple[str, bool]]:
    """Text split at the redactions: (text, False) pieces and ('', True) for each cut."""
    if not text:
        return []
    out: list[tuple[str, bool]] = []
    for i, piece in enumerate(text.split(REDACTED)):
        if i:
            out.append(("", True))
        if piece:
            out.append((piece, False))
    return out


def _figure(question, counts: Mapping[str, int], k: int) -> Figure | None:
    stats = summary(counts, question.scale, question.type == "nps")
    if stats is None or stats.n < k:
        return None
    low, high = question.scale
    return Figure(
        id=question.id,
        text=question.text,
        type=question.type,
        scale=question.scale,
        n=stats.n,
        mean=stats.mean,
        nps=stats.nps,
        promoters=stats.promoters,
        passives=stats.passives,
        detractors=stats.detractors,
        distribution=[(v, counts.get(str(v), 0)) for v in range(low, high + 1)],
    )
