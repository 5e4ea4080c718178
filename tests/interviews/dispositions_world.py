"""A constructed sample for the response-rate tests: campaigns of every sampled channel with
invitations, outbox rows, letter runs and calls in known states, written straight into the
tables whose dispositions are read (the call list's own tests build calls the real way)."""

from __future__ import annotations

from appliance.contacts import store as contacts_store
from appliance.db import iso, transaction, utcnow
from tests.factories import invite


class Sample:
    """Campaigns of one survey; each ``add_*`` returns what it made."""

    def __init__(self, conn, data_dir, survey_id: int):
        self.conn, self.data_dir, self.survey_id = conn, data_dir, survey_id
        with transaction(conn):
            self.list_id = contacts_store.create_list(conn, f"Steekproef {survey_id}", None)
            self.import_id = contacts_store.start_import(
                conn, self.list_id, "consent", "", None, []
            )
            contacts_store.finish_import(conn, self.import_id)
        self.template_id = conn.execute("SELECT min(id) FROM mail_templates").fetchone()[0]

    def campaign(self, channel: str) -> int:
        with transaction(self.conn):
            return self.conn.execute(
                "INSERT INTO campaigns (name, survey_id, list_id, template_id, send_at,"
                " status, created_at, channel, waves_built, started_at)"
                " VALUES (?, ?, ?, ?, 0, 'active', ?, ?, 1, ?) RETURNING id",
                (
                    f"{channel} campaign",
                    self.survey_id,
                    self.list_id,
                    self.template_id,
                    iso(utcnow()),
                    channel,
                    iso(utcnow()),
                ),
            ).fetchone()[0]

    def contact(self) -> int:
        with transaction(self.conn):
            return self.conn.execute(
                "INSERT INTO contacts (list_id, import_id) VALUES (?, ?) RETURNING id",
                (self.list_id, self.import_id),
            ).fetchone()[0]

    def invitation(self, campaign_id: int, *, used: bool = False, states=()) -> tuple[str, int]:
        """An invitation of the campaign (its token, its id), used or not, with one outbox
        row per state in ``states``."""
        contact_id = self.contact()
        with transaction(self.conn):
            token, invitation_id = invite(self.conn, self.data_dir, self.survey_id, contact_id)
            self.conn.execute(
                "UPDATE invitations SET campaign_id = ?, used = ? WHERE id = ?",
                (campaign_id, int(used), invitation_id),
            )
            for wave, state in enumerate(states):
                self.conn.execute(
                    "INSERT INTO outbox (campaign_id, wave, invitation_id, state)"
                    " VALUES (?, ?, ?, ?)",
                    (campaign_id, wave, invitation_id, state),
                )
        return token, invitation_id

    def letters_produced(self, campaign_id: int, letters: int) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO letter_runs (campaign_id, wave, letters, produced_at)"
                " VALUES (?, 0, ?, ?)",
                (campaign_id, letters, iso(utcnow())),
            )

    def call(
        self, campaign_id: int, outcome: str = "not_attempted", *, status="closed", attempts=1
    ) -> int:
        _token, invitation_id = self.invitation(campaign_id)
        with transaction(self.conn):
            return self.conn.execute(
                "INSERT INTO calls (campaign_id, contact_id, invitation_id, status,"
                " last_outcome, attempts) SELECT ?, contact_id, id, ?, ?, ? FROM invitations"
                " WHERE id = ? RETURNING id",
                (campaign_id, status, outcome, attempts, invitation_id),
            ).fetchone()[0]

    def calls(self, campaign_id: int, outcomes: dict[str, int]) -> None:
        for outcome, n in outcomes.items():
            for _ in range(n):
                self.call(campaign_id, outcome)
