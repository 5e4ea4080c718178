"""Post campaigns: producing a wave's letters as one PDF download, and the short codes that
bring a letter's reader online or opt them out.

Contracts:

- :func:`produce` builds the invitation wave the first time its letters are downloaded (each
  invitation with a link seed and its code's hash; one transaction with
  ``mailing.campaign_started``), renders the letters, then records the download (wave, number
  of letters, when, by whom) with ``mailing.letters_produced``. The PDF is returned, never
  stored. Wave 0 can be downloaded again (the same codes and links: they derive from the
  seeds); reminder waves 1.. (up to the campaign's number of reminders) go to the invitations
  not used yet, like e-mail reminders. Every wave skips addresses that opted out meanwhile.
  Letters are "produced", never "sent": whether they were posted is not known here.
- :func:`find_by_code` turns a typed code into the invitation's link token (or None); the
  code is found by its keyed hash only.
- :func:`opt_out_by_code` puts the postal address of the code's invitation on the
  organisation-wide suppression list (``privacy.suppression``), so no later post campaign
  writes to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from appliance.auth.service import Actor
from appliance.contacts.postal import FIELDS as POSTAL_FIELDS
from appliance.contacts.postal import Address
from appliance.db import transaction
from appliance.i18n import N_
from appliance.keys import Keys
from appliance.mailing import (
    build,
    build_store,
    codes,
    letters_store,
    links,
    post_build,
    store,
)
from appliance.mailing.letter_text import LetterText
from appliance.mailing.service import CampaignError
from appliance.paper import letters as pdf_letters
from appliance.planes import open_contact_field
from appliance.privacy import suppression
from appliance.surveys import store as surveys_store


class Produced:
    """A wave's letters: the PDF's bytes and how many letters it holds."""

    def __init__(self, pdf: bytes, letters: int, wave: int):
        self.pdf, self.letters, self.wave = pdf, letters, wave


def _campaign(conn: sqlite3.Connection, campaign_id: int) -> sqlite3.Row:
    campaign = store.get_campaign(conn, campaign_id)
    if campaign is None or campaign["channel"] != "post":
        raise CampaignError([N_("This is not a campaign by post.")])
    if campaign["status"] == "cancelled":
        raise CampaignError([N_("The campaign cannot do that in its present state.")])
    if campaign["survey_status"] == "closed":
        raise CampaignError([N_("The survey is closed; reopen it before inviting anyone.")])
    return campaign


def next_wave(campaign: sqlite3.Row) -> int | None:
    """The wave the next "Download" button makes: 0 before the first download, then the next
    reminder while the campaign has reminders left, else None."""
    if not campaign["started_at"]:
        return 0
    return campaign["waves_built"] if campaign["waves_built"] <= campaign["reminders"] else None


def _start(conn: sqlite3.Connection, actor: Actor, keys: Keys, campaign_id: int, k: int) -> None:
    """Build the invitation wave (with codes) unless it was built meanwhile."""
    with transaction(conn):
        campaign = store.get_campaign(conn, campaign_id)
        if campaign["started_at"]:
            return
        selection = post_build.select(
            conn,
            keys.cipher(),
            keys.hasher(),
            campaign["list_id"],
            campaign["survey_id"],
            store.segment_filter(campaign),
        )
        if not selection.contact_ids:
            raise CampaignError(
                [N_("Nobody to invite: the list (with this filter) has no one left.")]
            )
        build.create_invitations(
            conn, keys.hasher(), campaign, selection.contact_ids, k, with_codes=True
        )
        build_store.mark_imports_used(conn, campaign_id)
        store.started(conn, campaign_id, len(selection.contact_ids), selection.skipped)
        store.wave_built(conn, campaign_id, 1, None)
        actor.log(
            conn,
            "mailing.campaign_started",
            f"campaign:{campaign_id}",
            channel="post",
            recipients=len(selection.contact_ids),
            **selection.skipped,
        )


def produce(
    conn: sqlite3.Connection,
    actor: Actor,
    keys: Keys,
    settings: Mapping[str, Any],
    campaign_id: int,
    wave: int,
    texts_for: Callable[[str], pdf_letters.LetterTexts],
    *,
    k: int,
    today: date | None = None,
    extra: pdf_letters.Extra | None = None,
) -> Produced:
    """The letters of ``wave`` (see the module's contract). Raises CampaignError for a
    campaign that is not by post, cancelled, or whose survey is closed, for a wave that
    cannot be made now, and when nobody is left to write to."""
    if not (settings.get("organisation_name") or "").strip():
        # A letter names its sender in the letterhead, the text and the opt-out line.
        raise CampaignError(
            [N_("Set the organisation's name (and address) under Settings before making letters.")]
        )
    campaign = _campaign(conn, campaign_id)
    if wave == 0:
        _start(conn, actor, keys, campaign_id, k)
        campaign = store.get_campaign(conn, campaign_id)
    elif not campaign["started_at"] or not 1 <= wave <= min(
        campaign["waves_built"], campaign["reminders"]
    ):
        raise CampaignError([N_("No reminder is planned for this campaign.")])
    texts = LetterText(
        store.get_template(conn, _template_id(campaign, wave)),
        surveys_store.get_survey(conn, campaign["survey_id"]),
        settings,
        keys.cipher(),
        keys.hasher(),
        texts_for,
        today or date.today(),
    )
    letters, skipped = _letters(conn, keys, texts, campaign_id, wave)
    if not letters:
        raise CampaignError([N_("Nobody left to write to: everyone answered or opted out.")])
    data = pdf_letters.render(texts.letterhead, letters, extra)
    with transaction(conn):
        letters_store.record_run(conn, campaign_id, wave, len(letters), actor.id)
        built = store.get_campaign(conn, campaign_id)["waves_built"]
        store.wave_built(conn, campaign_id, max(built, wave + 1), None)
        actor.log(
            conn,
            "mailing.letters_produced",
            f"campaign:{campaign_id}",
            wave=wave,
            letters=len(letters),
            suppressed=skipped,
        )
    return Produced(data, len(letters), wave)


def _template_id(campaign: sqlite3.Row, wave: int) -> int:
    if wave > 0 and campaign["reminder_template_id"]:
        return campaign["reminder_template_id"]
    return campaign["template_id"]


def _letters(
    conn: sqlite3.Connection, keys: Keys, texts: LetterText, campaign_id: int, wave: int
) -> tuple[list[pdf_letters.Letter], int]:
    """The wave's letters in invitation order, and how many were left out because their
    address opted out (or is no longer usable)."""
    hasher, cipher = keys.hasher(), keys.cipher()
    rows = letters_store.wave_letters(conn, campaign_id, unused_only=wave > 0)
    opened = [post_build.opened(cipher, row, row["contact_id"]) for row in rows]
    addresses = [Address.of(fields) for fields in opened]
    hashes = [suppression.postal_hash(hasher, address) for address in addresses]
    blocked = suppression.suppressed(conn, hashes)
    out = []
    for row, fields, address, key in zip(rows, opened, addresses, hashes, strict=True):
        if key not in blocked and address.usable():
            out.append(texts.letter(row, fields))
    return out, len(rows) - len(out)


def letter_runs(conn: sqlite3.Connection, campaign_id: int) -> list[sqlite3.Row]:
    """Per wave: letters in the latest download, downloads, when last and by whom."""
    return letters_store.runs(conn, campaign_id)


# ---- codes -------------------------------------------------------------------------------------


def _invitation(conn: sqlite3.Connection, keys: Keys, typed: str) -> sqlite3.Row | None:
    code = codes.normalise(typed)
    if code is None:
        return None
    return letters_store.by_code(conn, codes.code_hash(keys.hasher(), code))


def find_by_code(conn: sqlite3.Connection, keys: Keys, typed: str) -> str | None:
    """The link token of the invitation whose code was typed, or None."""
    found = _invitation(conn, keys, typed)
    if found is None:
        return None
    return links.token(keys.hasher(), bytes(found["link_seed"]))


def opt_out_by_code(conn: sqlite3.Connection, keys: Keys, typed: str) -> tuple[bool, str] | None:
    """Suppress the postal address of the invitation whose code was typed: (True when it
    was not suppressed before, the contact's language), or None for a code not found or
    whose contact is gone (erased: nothing left to suppress)."""
    found = _invitation(conn, keys, typed)
    if found is None or found["contact_id"] is None:
        return None
    cipher = keys.cipher()
    fields = {
        name: open_contact_field(cipher, name, found[name], found["contact_id"])
        for name in POSTAL_FIELDS
        if found[name] is not None
    }
    key = suppression.postal_hash(keys.hasher(), Address.of(fields))
    with transaction(conn):
        added = suppression.add(conn, [key], "unsubscribe") == 1
    return added, found["language"] or ""
