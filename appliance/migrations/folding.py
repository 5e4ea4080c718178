"""Migration 0020: report counters folded in the background instead of in the submission.

``responses.folded`` says how the counters hold a response: 0 not yet, 1 in the figures,
2 counted as excluded. The fold (``appliance.reports.fold_store``) takes the responses whose
state differs from what they should be (``1 + excluded``), a small partial index that holds only
those for the seconds until the fold takes them. Every response stored before this migration is
in the counters already. ``report_folds`` holds per survey the moment up to which its counters
are complete, whether a recount is under way (the fold leaves the survey alone meanwhile), a
generation that any direct change of the counters raises (a recount built before it is redone)
and the reportable segments staff chose for a recount the background jobs have yet to run.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0020_folded_counters(db: Database) -> None:
    run(
        db,
        "ALTER TABLE responses ADD COLUMN folded INTEGER NOT NULL DEFAULT 0",
        "UPDATE responses SET folded = 1 + (excluded_on IS NOT NULL)",
        "CREATE INDEX responses_unfolded ON responses(survey_id)"
        " WHERE folded != 1 + (excluded_on IS NOT NULL)",
        """CREATE TABLE report_folds (
            survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
            folded_until TEXT,
            recounting INTEGER NOT NULL DEFAULT 0,
            generation INTEGER NOT NULL DEFAULT 0,
            pending_segments TEXT
        )""",
    )
