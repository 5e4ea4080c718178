"""Publishing a survey's results: staff's choices, the snapshot, moderation, static exports.

The public sees a snapshot, never the live responses: it is read from the responses in the
researcher's last release (``responses.released``), so the public and the researcher look at
the same responses, and two snapshots differ by at least k, as two releases do. ``serve`` cuts
it after each release (:func:`refresh_due`); publishing, or changing what is published, cuts
it at once (:func:`refresh`).

Withdrawing takes the whole publication down at once. Moderating the reviews and the static
exports are in ``moderation_service``.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from appliance.auth.service import Actor
from appliance.crypto import FieldCipher
from appliance.db import iso, transaction, utcnow
from appliance.i18n import N_
from appliance.publication import store
from appliance.publication.store import REASONS, REDACTED
from appliance.responses.store import MODES
from appliance.surveys import store as surveys_store
from appliance.surveys.definition import SCALES, TEXT_TYPES, Definition

__all__ = ["REASONS", "REDACTED", "PublicationError"]

SCORE_TYPES = ("grade", "nps", "rating")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")
# Taken by the public pages' own routes under /public/.
RESERVED_SLUGS = frozenset({"assets"})
MAX_RATINGS = 8


class PublicationError(ValueError):
    """Staff's choices cannot be taken; ``reasons`` are msgids."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Choices:
    """What staff publish of a survey (see ``store.SETTINGS``)."""

    show_averages: bool
    show_reviews: bool
    score_question: str | None
    rating_questions: list[str]
    text_question: str | None
    title_question: str | None
    name_question: str | None
    from_date: date | None
    modes: list[str]

    def stored(self) -> dict[str, Any]:
        values = dict(self.__dict__)
        values["show_averages"] = int(self.show_averages)
        values["show_reviews"] = int(self.show_reviews)
        values["from_date"] = self.from_date.isoformat() if self.from_date else None
        return values


def consent_question(definition: Definition) -> str | None:
    """The survey's "may we publish your review" question, when reviews may be published at
    all: only where respondents were told on the first page."""
    question = definition.consent_question()
    return question.id if question is not None and definition.publication_notice else None


def candidates(definition: Definition) -> dict[str, list[tuple[str, str]]]:
    """Per choice, the questions that may fill it: (id, text in the first language)."""
    language = definition.languages[0]

    def of(types) -> list[tuple[str, str]]:
        return [
            (q.id, q.text.get(language, q.id))
            for q in definition.questions.values()
            if q.type in types
        ]

    return {
        "score": of(SCORE_TYPES),
        "rating": of(tuple(SCALES)),
        "text": of(TEXT_TYPES),
        "title": of(("text_short",)),
        "name": of(("name",)),
    }


def check(definition: Definition, choices: Choices, slug: str) -> list[str]:
    """Why ``choices`` cannot be published for ``definition`` (msgids); [] when they can."""
    problems = []
    questions = definition.questions

    def is_type(qid: str | None, types) -> bool:
        return qid is not None and qid in questions and questions[qid].type in types

    if not SLUG_RE.match(slug):
        problems.append(N_("The address may hold 3 to 60 lower-case letters, digits and hyphens."))
    elif slug in RESERVED_SLUGS:
        problems.append(N_("That address is taken by the public pages themselves."))
    if not (choices.show_averages or choices.show_reviews):
        problems.append(N_("Publish the averages, the reviews or both."))
    if choices.score_question and not is_type(choices.score_question, SCORE_TYPES):
        problems.append(N_("The overall score must be a grade, NPS or rating question."))
    if choices.show_averages and not (choices.score_question or choices.rating_questions):
        problems.append(N_("Choose the overall score or at least one rating question."))
    if len(choices.rating_questions) > MAX_RATINGS or not all(
        is_type(q, tuple(SCALES)) for q in choices.rating_questions
    ):
        problems.append(N_("Rating questions must be scale questions (at most 8)."))
    if choices.text_question and not is_type(choices.text_question, TEXT_TYPES):
        problems.append(N_("The review text must be an open question."))
    if choices.title_question and not is_type(choices.title_question, ("text_short",)):
        problems.append(N_("The review title must be a short open question."))
    if choices.title_question and choices.title_question == choices.text_question:
        problems.append(N_("The review title and text must be different questions."))
    if choices.name_question and not is_type(choices.name_question, ("name",)):
        problems.append(N_("The name must be a name question."))
    if choices.show_reviews:
        if consent_question(definition) is None:
            problems.append(
                N_(
                    "Reviews can only be published from a survey that tells respondents so on "
                    "its first page and asks each whether their review may be published."
                )
            )
        if not choices.text_question:
            problems.append(N_("Choose the open question that holds the review text."))
    if not set(choices.modes) <= set(MODES):
        problems.append(N_("Choose modes from the list."))
    return problems


def save(
    conn: sqlite3.Connection,
    actor: Actor,
    survey_id: int,
    slug: str,
    choices: Choices,
    cipher: FieldCipher,
) -> None:
    """Store staff's choices (raises PublicationError); a published survey gets a new snapshot
    under them at once."""
    row = surveys_store.get_survey(conn, survey_id)
    if row is None:
        raise PublicationError([N_("That survey does not exist.")])
    problems = check(surveys_store.definition_of(row), choices, slug)
    with transaction(conn):
        if not problems and store.slug_taken(conn, slug, survey_id):
            problems.append(N_("Another publication has that address."))
        if problems:
            raise PublicationError(problems)
        store.save(conn, survey_id, slug, choices.stored())
        actor.log(conn, "publication.changed", f"survey:{survey_id}", slug=slug)
    refresh(conn, survey_id, cipher)


def publish(conn: sqlite3.Connection, actor: Actor, survey_id: int, cipher: FieldCipher) -> None:
    """Make the saved choices public (raises PublicationError when none are saved or they no
    longer fit the questionnaire)."""
    with transaction(conn):
        pub = store.publication(conn, survey_id)
        row = surveys_store.get_survey(conn, survey_id)
        if pub is None or row is None:
            raise PublicationError([N_("Save what to publish first.")])
        problems = check(surveys_store.definition_of(row), _choices_of(pub), pub["slug"])
        if problems:
            raise PublicationError(problems)
        store.set_published(conn, survey_id, iso(utcnow()))
        actor.log(conn, "publication.published", f"survey:{survey_id}", slug=pub["slug"])
    refresh(conn, survey_id, cipher)


def withdraw(conn: sqlite3.Connection, actor: Actor, survey_id: int) -> None:
    """Take everything down at once: the page, the feed, the widget and the figures. Reviews
    keep their moderation for a later publication; static exports are marked for removal."""
    with transaction(conn):
        if _published(conn, survey_id):
            store.set_published(conn, survey_id, None)
            actor.log(conn, "publication.withdrawn", f"survey:{survey_id}")


def _published(conn: sqlite3.Connection, survey_id: int) -> bool:
    pub = store.publication(conn, survey_id)
    return pub is not None and bool(pub["published"])


def _choices_of(pub: sqlite3.Row) -> Choices:
    return Choices(
        show_averages=bool(pub["show_averages"]),
        show_reviews=bool(pub["show_reviews"]),
        score_question=pub["score_question"],
        rating_questions=json.loads(pub["rating_questions"]),
        text_question=pub["text_question"],
        title_question=pub["title_question"],
        name_question=pub["name_question"],
        from_date=date.fromisoformat(pub["from_date"]) if pub["from_date"] else None,
        modes=json.loads(pub["modes"]),
    )


def choices_of(conn: sqlite3.Connection, survey_id: int) -> tuple[str, Choices] | None:
    """(slug, choices) saved for a survey, or None."""
    pub = store.publication(conn, survey_id)
    return None if pub is None else (pub["slug"], _choices_of(pub))


def publication(conn: sqlite3.Connection, survey_id: int) -> sqlite3.Row | None:
    return store.publication(conn, survey_id)


# ---- the snapshot -------------------------------------------------------------------------------

CHUNK = 2000  # new reviews written per transaction


def _settings(pub: sqlite3.Row) -> tuple:
    return tuple(pub[name] for name in ("published", *store.SETTINGS))


def refresh(conn: sqlite3.Connection, survey_id: int, cipher: FieldCipher) -> bool:
    """Cut the public snapshot of a published survey from its released responses (those in
    the researcher's last release), so the public and the researcher never look at sets of
    responses that differ by fewer than k. It is read in single statements outside the write
    lock and written in short transactions: the figures and the reviews that left in one, the
    new reviews in chunks of :data:`CHUNK`, in random order (ids never follow the order the
    responses came in). Returns False when there was nothing to publish, or a release was cut
    or staff changed the choices meanwhile: the next round (or the change's own refresh)
    cuts it again."""
    pub = store.publication(conn, survey_id)
    row = surveys_store.get_survey(conn, survey_id)
    if pub is None or not pub["published"] or row is None:
        return False
    release = store.release_of(conn, survey_id)
    consent = consent_question(surveys_store.definition_of(row))
    counts, months = store.read_counts(conn, survey_id, pub) if release else ([], [])
    existing = store.review_responses(conn, survey_id)
    wanted = store.read_candidates(conn, pub, consent) if consent and release else set()
    gone = [existing[r] for r in existing if r not in wanted]
    fresh = [r for r in wanted if r not in existing]
    random.SystemRandom().shuffle(fresh)
    rows = store.read_reviews(conn, pub, fresh)
    names = store.typed_names(conn, fresh, pub["name_question"]) if pub["name_question"] else {}

    def unchanged() -> bool:
        now = store.publication(conn, survey_id)
        return (
            now is not None
            and _settings(now) == _settings(pub)
            and store.release_of(conn, survey_id) == release
        )

    with transaction(conn):
        if not unchanged():
            return False
        store.write_counts(conn, survey_id, counts, months)
        store.delete_reviews(conn, gone)
        store.set_snapshot(conn, survey_id, iso(utcnow()), release, release is None)
    for start in range(0, len(rows), CHUNK):
        with transaction(conn):
            if not unchanged():
                return False
            added = store.insert_reviews(
                conn, survey_id, rows[start : start + CHUNK], store.next_review_id(conn)
            )
            for review_id, response_id in added:
                if response_id in names:
                    name = cipher.decrypt(names[response_id], "name_answers", "value", response_id)
                    sealed = cipher.encrypt(name, "published_reviews", "name", review_id)
                    store.set_name(conn, "published_reviews", review_id, sealed)
    return True


def refresh_due(conn: sqlite3.Connection, cipher: FieldCipher) -> list[int]:
    """Cut the snapshot of every published survey released since its last one (run by
    ``serve`` after its releases); returns the surveys refreshed."""
    return [s for s in store.stale_snapshots(conn) if refresh(conn, s, cipher)]
