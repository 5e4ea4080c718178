"""What the licence refuses inside the services, so the web pages, the API and the CLI obey alike.

Contracts (each function returns msgids, English, translated where they are shown; an empty
list means allowed):

- :func:`creation_refusals`: no new survey, campaign or account while the licence's state
  refuses new work (``trial_over``, ``expired``; :attr:`Status.may_create`);
- :func:`channel_refusals`: a campaign by post needs the paper module, one by telephone the
  interviews module;
- :func:`account_refusals`: an account that starts counting as an active account of its role
  (created, re-enabled, its ended access period extended, or moved into the role) is new work,
  and for the limited roles it must fit the licence's number
  (:func:`appliance.licence.service.account_room`).

Nothing here blocks what is already under way: answering, unsubscribing, data-subject requests,
retention, backups and reports never ask. The first admin (``/setup``) and admin accounts made
or re-enabled from the server's console (the operator's way back in) are not new work; the
callers decide that, see ``appliance.auth.service``.

"Today" is :func:`appliance.licence.service.today`, the same day the pages count in.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from appliance.i18n import N_
from appliance.licence import service

NO_NEW_WORK = {
    "trial_over": N_(
        "The trial of this appliance has ended: no new surveys, campaigns or accounts can be "
        "made until a licence is installed. Everything else keeps working."
    ),
    "expired": N_(
        "The licence of this appliance has ended: no new surveys, campaigns or accounts can be "
        "made until a new licence is installed. Everything else keeps working."
    ),
}
LIMIT_REACHED = {
    "researcher": N_(
        "The licence's limit of active researcher accounts is reached. Disable a researcher "
        "account or end its access period first, or install a licence for more researchers."
    ),
    "interviewer": N_(
        "The licence's limit of active interviewer accounts is reached. Disable an interviewer "
        "account first, or install a licence for more interviewers."
    ),
}
CHANNEL_MODULE = {"post": "paper", "phone": "interviews"}
CHANNEL_REFUSED = {
    "post": N_(
        "Campaigns by post belong to the module Paper forms, which is not part of this "
        "appliance's licence."
    ),
    "phone": N_(
        "Campaigns by telephone belong to the module Interviewer modes, which is not part of "
        "this appliance's licence."
    ),
}


def today() -> date:
    return service.today()


def creation_refusals(conn: sqlite3.Connection, on: date | None = None) -> list[str]:
    """Why no new survey, campaign or account may be made now ([]: it may)."""
    status = service.status(conn, on or today())
    return [] if status.may_create else [NO_NEW_WORK[status.state]]


def channel_refusals(conn: sqlite3.Connection, channel: str, on: date | None = None) -> list[str]:
    """Why a campaign of ``channel`` may not be made now because of its module ([]: it may)."""
    module = CHANNEL_MODULE.get(channel)
    if module is None or service.status(conn, on or today()).allows(module):
        return []
    return [CHANNEL_REFUSED[channel]]


def account_refusals(conn: sqlite3.Connection, role: str, on: date | None = None) -> list[str]:
    """Why one more active account of ``role`` may not be made now: new work refused, or the
    role's limit reached. Call inside the transaction that writes it (the count is then the
    one the write sees)."""
    on = on or today()
    return creation_refusals(conn, on) or limit_refusals(conn, role, on)


def limit_refusals(conn: sqlite3.Connection, role: str, on: date | None = None) -> list[str]:
    """Why one more active account of ``role`` does not fit the licence's limit ([]: it
    does). Inside the writing transaction, as :func:`account_refusals`."""
    if role in LIMIT_REACHED and not service.account_room(conn, role, on or today()):
        return [LIMIT_REACHED[role]]
    return []
