"""Throw-away vendor keys and licences for the tests (never the real vendor key).

:func:`issue` writes the agreed format (``appliance.licence.document``) with its own code, so a
test of the appliance's check does not depend on the appliance's reading of it.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from appliance import db
from appliance.licence import store


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_text(key: Ed25519PrivateKey) -> str:
    """The public half as the ``licence_test_key`` setting takes it."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def issue(
    key: Ed25519PrivateKey,
    *,
    licensee: str = "Voorbeeld B.V.",
    licence_id: str = "LIC-2026-001",
    valid_from: date | None = None,
    valid_until: date | None = None,
    modules: tuple[str, ...] = ("publication", "paper", "interviews"),
    researchers: int = 3,
    interviewers: int = 5,
) -> bytes:
    today = date.today()
    payload = json.dumps(
        {
            "licensee": licensee,
            "licence_id": licence_id,
            "valid_from": (valid_from or today - timedelta(days=10)).isoformat(),
            "valid_until": (valid_until or today + timedelta(days=355)).isoformat(),
            "modules": list(modules),
            "researchers": researchers,
            "interviewers": interviewers,
            "issued": today.isoformat(),
        }
    ).encode()
    signature = key.sign(b"appliance-licence/1\n" + payload)
    return json.dumps(
        {
            "format": "appliance-licence/1",
            "payload": base64.b64encode(payload).decode(),
            "signature": base64.b64encode(signature).decode(),
        }
    ).encode()


def force(conn, body: bytes | None, *, trial_started: date | None = None) -> None:
    """Put ``body`` in place as the installed licence without the install checks (which refuse
    an ended licence): how a test reaches the grace and expired states on today's date."""
    with db.transaction(conn):
        if body is not None:
            store.save_body(conn, body, int(time.time()), None)
        if trial_started is not None:
            conn.execute(
                "UPDATE licence_state SET trial_started = ? WHERE id = 1",
                (trial_started.isoformat(),),
            )
