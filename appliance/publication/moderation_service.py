"""Moderating published reviews, and the static exports of a publication.

Moderation keeps every review, negative ones included: staff may withhold one only for a reason
of :data:`REASONS`, redact words from it, or reply to it; each step is logged
(``publication_moderation``) and audited. A withheld review moves to a table the public gate
cannot read (``withheld_reviews``), its typed name sealed anew for that table.
"""

from __future__ import annotations

import json
import re
import sqlite3

from appliance.auth.service import Actor
from appliance.crypto import FieldCipher
from appliance.db import iso, transaction, utcnow
from appliance.i18n import N_
from appliance.publication import moderation_store as store
from appliance.publication import store as publication_store
from appliance.publication.service import PublicationError
from appliance.publication.store import REASONS, REDACTED

__all__ = ["REASONS", "REDACTED"]

MAX_REPLY = 2000
MAX_PHRASE = 200


# ---- moderation ---------------------------------------------------------------------------------


def redact(text: str | None, phrases: list[str]) -> str | None:
    """``text`` with every occurrence of each phrase (any case) replaced by :data:`REDACTED`."""
    if not text:
        return text
    for phrase in sorted(phrases, key=len, reverse=True):
        text = re.sub(re.escape(phrase), REDACTED, text, flags=re.IGNORECASE)
    return text


def _review(conn, survey_id: int, review_id: int) -> tuple[str, sqlite3.Row]:
    table, row = store.find_review(conn, survey_id, review_id)
    if row is None:
        raise PublicationError([N_("That review does not exist.")])
    return table, row


def _moved_name(cipher: FieldCipher, row, source: str, target: str) -> bytes | None:
    if row["name"] is None:
        return None
    name = cipher.decrypt(row["name"], source, "name", row["id"])
    return cipher.encrypt(name, target, "name", row["id"])


def withhold(
    conn: sqlite3.Connection,
    actor: Actor,
    survey_id: int,
    review_id: int,
    reason: str,
    cipher: FieldCipher,
) -> None:
    """Take one review off the public page for a listed reason (never for being negative)."""
    if reason not in REASONS:
        raise PublicationError([N_("Choose one of the listed reasons.")])
    with transaction(conn):
        table, row = _review(conn, survey_id, review_id)
        if table == "withheld_reviews":
            raise PublicationError([N_("That review is withheld already.")])
        now = iso(utcnow())
        name = _moved_name(cipher, row, table, "withheld_reviews")
        store.move_review(conn, row, "withheld_reviews", name, reason, now)
        store.log(conn, survey_id, review_id, "withheld", reason, now, actor.id)
        actor.log(conn, "publication.review_withheld", f"survey:{survey_id}", reason=reason)


def restore(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, review_id: int, cipher: FieldCipher
) -> None:
    """Show a withheld review again."""
    with transaction(conn):
        table, row = _review(conn, survey_id, review_id)
        if table == "published_reviews":
            raise PublicationError([N_("That review is shown already.")])
        now = iso(utcnow())
        name = _moved_name(cipher, row, table, "published_reviews")
        store.move_review(conn, row, "published_reviews", name)
        store.log(conn, survey_id, review_id, "restored", None, now, actor.id)
        actor.log(conn, "publication.review_restored", f"survey:{survey_id}")


def set_redactions(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, review_id: int, phrases: list[str]
) -> None:
    """Replace a review's redactions: each phrase is cut from its title and text wherever it
    occurs, shown as "[verwijderd]". The original stays in the response, for staff."""
    phrases = [p.strip() for p in phrases if p.strip()]
    if any(len(p) > MAX_PHRASE for p in phrases):
        raise PublicationError([N_("A phrase to remove may be at most 200 characters.")])
    with transaction(conn):
        table, row = _review(conn, survey_id, review_id)
        pub = publication_store.publication(conn, survey_id)
        title, body, score = _texts(conn, row["response_id"], pub, phrases)
        plain = _texts(conn, row["response_id"], pub, [])
        known = json.loads(row["redactions"])
        for phrase in phrases:
            if phrase not in known and not any(
                text and phrase.casefold() in text.casefold() for text in plain[:2]
            ):
                raise PublicationError([N_("That phrase does not occur in the review.")])
        store.set_text(conn, table, review_id, phrases, title, body, score)
        now = iso(utcnow())
        store.log(conn, survey_id, review_id, "redacted", None, now, actor.id)
        actor.log(conn, "publication.review_redacted", f"survey:{survey_id}", phrases=len(phrases))


def _texts(conn, response_id: str, pub, phrases: list[str]):
    """A review's public title, text and score from its response, with ``phrases`` cut."""
    row = store.response_texts(conn, response_id)
    answers = json.loads(row["answers"]) if row else {}

    def text(qid):
        value = answers.get(qid) if qid else None
        if not isinstance(value, str) or not value:
            return None
        return redact(value.replace(REDACTED, ""), phrases)

    raw_score = answers.get(pub["score_question"]) if pub["score_question"] else None
    score = int(raw_score) if isinstance(raw_score, str) and raw_score.isdigit() else None
    return text(pub["title_question"]), text(pub["text_question"]), score


def reply(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, review_id: int, text: str
) -> None:
    """The organisation's public reply to a review (empty text removes it)."""
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise PublicationError([N_("A reply may be at most 2000 characters.")])
    with transaction(conn):
        table, _row = _review(conn, survey_id, review_id)
        now = iso(utcnow())
        store.set_reply(conn, table, review_id, text or None, now[:10] if text else None)
        action = "replied" if text else "reply_removed"
        store.log(conn, survey_id, review_id, action, None, now, actor.id)
        actor.log(conn, f"publication.{action}", f"survey:{survey_id}")


def erased(conn: sqlite3.Connection, response_id: str) -> None:
    """Inside the caller's transaction: the respondent was erased on request, so the review
    taken from the response goes, withheld or not (its static exports need a refresh)."""
    store.delete_reviews_of(conn, response_id)


def reviews_for_staff(
    conn: sqlite3.Connection, survey_id: int, withheld: bool, offset: int, limit: int
) -> list[sqlite3.Row]:
    return store.staff_reviews(conn, survey_id, withheld, offset, limit)


def review_totals(conn: sqlite3.Connection, survey_id: int) -> dict[str, int]:
    return store.review_totals(conn, survey_id)


def moderation_log(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    return store.moderation_log(conn, survey_id)


def open_name(cipher: FieldCipher, table: str, row) -> str | None:
    """A review's typed name in plain text, for staff moderating it."""
    if row["name"] is None:
        return None
    return cipher.decrypt(row["name"], table, "name", row["id"])


# ---- static exports -----------------------------------------------------------------------------


def record_export(conn: sqlite3.Connection, actor: Actor, survey_id: int) -> None:
    """A static export was made: earlier ones no longer need a refresh."""
    with transaction(conn):
        store.refreshed_export(conn, survey_id)
        store.record_export(conn, survey_id, iso(utcnow()), actor.id)
        actor.log(conn, "publication.exported", f"survey:{survey_id}")


def exports(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    return store.exports(conn, survey_id)


def stale_exports(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """For the retention page: static exports that show what is no longer published."""
    return store.stale_exports(conn)


def redactions_of(conn: sqlite3.Connection, survey_id: int, review_id: int) -> list[str]:
    """The phrases cut from one review of the survey, as :func:`set_redactions` took them
    (raises PublicationError for a review the survey does not have)."""
    _table, row = _review(conn, survey_id, review_id)
    return json.loads(row["redactions"])
