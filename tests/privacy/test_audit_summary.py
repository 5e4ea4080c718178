"""Audit entries past retention become one signed summary; the chain of the entries kept still
verifies, and any change to the summaries or a stretch cut out is found."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance import audit
from appliance.keys import load as load_keys
from appliance.privacy import retention, retention_service
from tests.privacy import world as w
from tests.privacy.world import world_fixture  # noqa: F401


@pytest.fixture
def public(data_dir) -> bytes:
    return audit.public_key_of(load_keys(data_dir).signer())


def _expire(conn, world, months: int = 25) -> retention.Receipt:
    return retention_service.apply(conn, world.settings, now=w.at_noon(world.day(months)))


def test_old_entries_become_a_signed_summary_and_the_chain_still_verifies(conn, world, public):
    written = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    actions = audit.actions(conn)
    receipt = _expire(conn, world)
    assert receipt.counts["audit_entries"] == written
    # Only the receipt of this run is left as an entry.
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1
    result = audit.verify(conn, public)
    assert result.ok and result.summarised == written and result.checked == 1
    (summary,) = audit.summaries(conn)
    assert summary["entries"] == written
    assert set(__import__("json").loads(summary["actions"])) == set(actions)


def test_entries_within_the_term_are_kept(conn, world, public):
    written = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert _expire(conn, world, months=23).counts["audit_entries"] == 0
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == written + 1
    assert audit.verify(conn, public).ok


def test_summaries_chain_and_the_log_keeps_growing(conn, world, public):
    _expire(conn, world)
    audit.record(conn, "test.after", actor="cli")
    _expire(conn, world, months=50)
    first, second = audit.summaries(conn)
    assert second["prev_signature"] == first["signature"]
    assert second["first_id"] == first["last_id"] + 1
    assert audit.verify(conn, public).ok


def test_a_changed_summary_does_not_verify(conn, world, public):
    _expire(conn, world)
    conn.execute("UPDATE audit_summaries SET entries = entries - 1")
    result = audit.verify(conn, public)
    assert not result.ok and "signature" in result.reason


def test_a_removed_summary_is_noticed(conn, world, public):
    _expire(conn, world)
    conn.execute("DELETE FROM audit_summaries")
    assert not audit.verify(conn, public).ok


def test_a_summary_signed_by_another_key_is_refused(conn, world, public):
    """Someone deletes a stretch of the log and writes a summary of their own: it verifies
    under its own key, but not as this appliance's."""
    last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    forger = Ed25519PrivateKey.generate()
    with __import__("appliance.db", fromlist=["transaction"]).transaction(conn):
        audit.summarise(conn, forger, last)
    assert audit.verify(conn).ok  # without the appliance's key it looks fine
    result = audit.verify(conn, public)
    assert not result.ok and "another key" in result.reason


def test_a_tampered_log_is_not_laundered_into_a_summary(conn, world, public):
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 2")
    receipt = _expire(conn, world)
    assert receipt.counts["audit_entries"] == 0
    assert audit.summaries(conn) == []
    assert not audit.verify(conn, public).ok


def test_the_log_stays_append_only_after_a_summary(conn, world):
    import sqlite3

    _expire(conn, world)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
