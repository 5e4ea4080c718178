"""Who a telephone campaign calls: the counterpart of ``mailing.build.select`` and
``mailing.post_build.select`` for the call list, and building that list.

Contracts:

- Data minimisation: only the phone field of the list's contacts is opened (and their
  segments read), never the e-mail address, its hash, the name or the postal address.
- :func:`select` skips, with reasons like the other channels: ``no_phone`` (no number, or one
  that is not a telephone number in E.164 form), ``suppressed`` (the number is on the
  organisation's "do not call" list, asked of ``privacy.suppression``) and
  ``already_invited`` (the contact was invited to this survey before, or an earlier contact
  of this build has the same number).
- :func:`build` runs inside the caller's write transaction (``mailing.service.create``): one
  invitation per contact (with its coarsened segments, as every invitation wave), one open
  call per invitation, due at the campaign's start, and the campaign's calling rules. A
  telephone campaign has one wave and no reminders; it is active from its creation, and its
  calls are handed out from its start time on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

from appliance.crypto import FieldCipher, KeyedHasher
from appliance.i18n import N_
from appliance.interviews import calls_store, dayparts
from appliance.mailing import build as mail_build
from appliance.mailing import build_store, store
from appliance.mailing.build import Selection, matches
from appliance.planes import open_contact_field
from appliance.privacy import suppression


@dataclass(frozen=True)
class PhoneSelection(Selection):
    """A selection whose ``no_address`` counts contacts without a usable phone number."""

    @property
    def skipped(self) -> dict[str, int]:
        return {
            "no_phone": self.no_address,
            "suppressed": self.suppressed,
            "already_invited": self.already_invited,
        }


@dataclass(frozen=True)
class PhoneRules:
    """How a telephone campaign calls: at most ``max_attempts`` per contact, in the parts of
    the day ``day_parts`` (bits of ``dayparts.PARTS``), at least ``min_gap_hours`` between
    attempts; an appointment goes to anyone ``grace_minutes`` after its time."""

    max_attempts: int = 6
    day_parts: int = dayparts.ALL
    min_gap_hours: int = 2
    grace_minutes: int = 15

    def problems(self) -> list[str]:
        """What is wrong with these rules (msgids); empty when they can be used."""
        out = []
        if not 1 <= self.max_attempts <= 20:
            out.append(N_("From 1 to 20 attempts per contact."))
        if not 1 <= self.day_parts <= dayparts.ALL:
            out.append(N_("Choose at least one part of the day to call in."))
        if not 0 <= self.min_gap_hours <= 168:
            out.append(N_("From 0 to 168 hours between attempts."))
        if not 0 <= self.grace_minutes <= 240:
            out.append(N_("From 0 to 240 minutes before an appointment goes to anyone."))
        return out

    def as_row(self) -> dict[str, int]:
        return {
            "max_attempts": self.max_attempts,
            "day_parts": self.day_parts,
            "min_gap_hours": self.min_gap_hours,
            "grace_minutes": self.grace_minutes,
        }


def e164(value: str) -> str | None:
    """The number in E.164 form ("+31612345678") when ``value`` is a valid telephone number
    (numbers without a country code are taken as Dutch, as the import does), else None. Valid,
    not merely possible: a number in no range in use would only cost an attempt."""
    try:
        parsed = phonenumbers.parse(value, None if value.startswith("+") else "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_of(cipher: FieldCipher, blob: bytes | None, contact_id: int) -> str | None:
    """The contact's sealed phone number opened and put in E.164 form, or None."""
    if blob is None:
        return None
    return e164(open_contact_field(cipher, "phone", blob, contact_id))


def select(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    hasher: KeyedHasher,
    list_id: int,
    survey_id: int,
    wanted: Mapping[str, list[str]],
) -> PhoneSelection:
    """The contacts a telephone campaign would call now, and how many were skipped and why
    (see the module's contract)."""
    invited = calls_store.invited_contacts(conn, survey_id)
    candidates: list[tuple[int, str]] = []
    no_phone = 0
    for row in calls_store.phone_contacts(conn, list_id):
        if wanted and not matches(json.loads(row["segments"]), wanted):
            continue
        number = phone_of(cipher, row["phone"], row["id"])
        if number is None:
            no_phone += 1
        else:
            candidates.append((row["id"], number))
    hashes = [suppression.phone_hash(hasher, number) for _, number in candidates]
    blocked = suppression.suppressed(conn, hashes)
    ids: list[int] = []
    seen: set[str] = set()
    suppressed = already = 0
    for (contact_id, number), key in zip(candidates, hashes, strict=True):
        if key in blocked:
            suppressed += 1
        elif contact_id in invited or number in seen:
            already += 1
        else:
            seen.add(number)
            ids.append(contact_id)
    return PhoneSelection(ids, no_phone, suppressed, already)


def build(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    hasher: KeyedHasher,
    campaign_id: int,
    rules: PhoneRules,
    k: int,
) -> PhoneSelection:
    """Inside a write transaction: the campaign's invitations, calls and rules (see the
    module's contract). Raises mailing.build.EmptyCampaign when nobody is left to call."""
    campaign = store.get_campaign(conn, campaign_id)
    selection = select(
        conn,
        cipher,
        hasher,
        campaign["list_id"],
        campaign["survey_id"],
        store.segment_filter(campaign),
    )
    if not selection.contact_ids:
        raise mail_build.EmptyCampaign(selection)
    mail_build.create_invitations(conn, hasher, campaign, selection.contact_ids, k)
    calls_store.insert_calls(conn, campaign_id, campaign["send_at"])
    calls_store.save_settings(conn, campaign_id, rules.as_row())
    # Retention keeps contacts of batches used in a mailing until 6 months after that use.
    build_store.mark_imports_used(conn, campaign_id)
    store.started(conn, campaign_id, len(selection.contact_ids), selection.skipped)
    return selection
