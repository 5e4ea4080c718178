"""Migration 0022: publishing a survey's results and anonymous reviews.

``responses.publication_notice`` is 1 when the respondent was told, on the first page and
before answering, that answers may be published: only such a response can become a public
review. ``responses.released`` is what ``folded`` was when the survey's last release was cut
(1: in the researcher's figures), so the public snapshot can be read from exactly the
released responses at any later moment, in short statements outside the write lock; a
partial index holds the few rows whose state changed since (``report_releases.generation``
counts the releases). ``publications`` holds staff's choices per survey. The public sees only
the snapshot tables: ``publication_counts`` (the published questions' answers per month of
whole ISO weeks, month '' for the whole scope), ``publication_months`` (per month: responses
in the scope and released responses outside it, which the minimum group size is checked
against), ``published_reviews`` (consented reviews, the typed name sealed) and
``published_review_counts`` (kept by triggers). A withheld review moves to
``withheld_reviews``, of which the public gate reads only the reason (to count); every
moderation step is kept in ``publication_moderation``.
``publication_exports`` lists the static exports made, and since when one needs a refresh.

Triggers keep the published copy in step with every path that erases (retention, a request,
the purge): a typed name erased from ``name_answers`` is erased from the review too, a response
deleted takes its review with it (the foreign key), and either marks the static exports made
before as needing a refresh.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run

_REVIEW_COLUMNS = """
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            response_id TEXT NOT NULL UNIQUE REFERENCES responses(id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            month TEXT NOT NULL,
            score INTEGER,
            title TEXT,
            body TEXT,
            name BLOB,
            verified INTEGER NOT NULL,
            redactions TEXT NOT NULL DEFAULT '[]',
            reply TEXT,
            replied_on TEXT"""


def m0022_publication(db: Database) -> None:
    run(
        db,
        "ALTER TABLE responses ADD COLUMN publication_notice INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE responses ADD COLUMN released INTEGER NOT NULL DEFAULT 0",
        "UPDATE responses SET released = folded",
        "CREATE INDEX responses_unreleased ON responses(survey_id) WHERE released != folded",
        # Counts the releases, so a snapshot knows which one it was cut from (two can share
        # their second).
        "ALTER TABLE report_releases ADD COLUMN generation INTEGER NOT NULL DEFAULT 0",
        """CREATE TABLE publications (
            survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
            slug TEXT NOT NULL UNIQUE,
            published INTEGER NOT NULL DEFAULT 0,
            show_averages INTEGER NOT NULL DEFAULT 1,
            show_reviews INTEGER NOT NULL DEFAULT 0,
            score_question TEXT,
            rating_questions TEXT NOT NULL DEFAULT '[]',
            text_question TEXT,
            title_question TEXT,
            name_question TEXT,
            from_date TEXT,
            modes TEXT NOT NULL DEFAULT '[]',
            published_at TEXT,
            snapshot_at TEXT,
            snapshot_release TEXT,
            aggregates_pending INTEGER NOT NULL DEFAULT 0
        )""",
        """CREATE TABLE publication_counts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            month TEXT NOT NULL,
            answer TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (survey_id, question, month, answer)
        ) WITHOUT ROWID""",
        """CREATE TABLE publication_months (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            month TEXT NOT NULL,
            n INTEGER NOT NULL,
            outside INTEGER NOT NULL,
            PRIMARY KEY (survey_id, month)
        ) WITHOUT ROWID""",
        f"""CREATE TABLE published_reviews (
            id INTEGER PRIMARY KEY,{_REVIEW_COLUMNS}
        )""",
        "CREATE INDEX published_reviews_newest ON published_reviews(survey_id, day DESC, id DESC)",
        "CREATE INDEX published_reviews_score"
        " ON published_reviews(survey_id, score, day DESC, id DESC)",
        f"""CREATE TABLE withheld_reviews (
            id INTEGER PRIMARY KEY,{_REVIEW_COLUMNS},
            reason TEXT NOT NULL,
            withheld_on TEXT NOT NULL
        )""",
        "CREATE INDEX withheld_reviews_survey ON withheld_reviews(survey_id, reason)",
        # What the public page counts of its reviews (per month, score and whether words were
        # removed; score -1 for none), kept by triggers so no page scans the reviews.
        """CREATE TABLE published_review_counts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            month TEXT NOT NULL,
            score INTEGER NOT NULL,
            redacted INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (survey_id, month, score, redacted)
        ) WITHOUT ROWID""",
        """CREATE TRIGGER published_review_counted AFTER INSERT ON published_reviews BEGIN
            INSERT INTO published_review_counts (survey_id, month, score, redacted, n)
            VALUES (NEW.survey_id, NEW.month, coalesce(NEW.score, -1), NEW.redactions != '[]', 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
        END""",
        """CREATE TRIGGER published_review_uncounted AFTER DELETE ON published_reviews BEGIN
            UPDATE published_review_counts SET n = n - 1
             WHERE survey_id = OLD.survey_id AND month = OLD.month
               AND score = coalesce(OLD.score, -1) AND redacted = (OLD.redactions != '[]');
            DELETE FROM published_review_counts WHERE survey_id = OLD.survey_id AND n <= 0;
        END""",
        """CREATE TRIGGER published_review_recounted
        AFTER UPDATE OF survey_id, month, score, redactions ON published_reviews BEGIN
            UPDATE published_review_counts SET n = n - 1
             WHERE survey_id = OLD.survey_id AND month = OLD.month
               AND score = coalesce(OLD.score, -1) AND redacted = (OLD.redactions != '[]');
            DELETE FROM published_review_counts WHERE survey_id = OLD.survey_id AND n <= 0;
            INSERT INTO published_review_counts (survey_id, month, score, redacted, n)
            VALUES (NEW.survey_id, NEW.month, coalesce(NEW.score, -1), NEW.redactions != '[]', 1)
            ON CONFLICT DO UPDATE SET n = n + 1;
        END""",
        """CREATE TABLE publication_moderation (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            review_id INTEGER NOT NULL,
            action TEXT NOT NULL,
            reason TEXT,
            at TEXT NOT NULL,
            user_id INTEGER
        )""",
        "CREATE INDEX publication_moderation_survey ON publication_moderation(survey_id, id)",
        """CREATE TABLE publication_exports (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            made_at TEXT NOT NULL,
            user_id INTEGER,
            stale_since TEXT,
            stale_reason TEXT
        )""",
        """CREATE TRIGGER published_name_erased AFTER DELETE ON name_answers BEGIN
            UPDATE published_reviews SET name = NULL
             WHERE response_id = OLD.response_id AND name IS NOT NULL;
            UPDATE withheld_reviews SET name = NULL
             WHERE response_id = OLD.response_id AND name IS NOT NULL;
        END""",
        """CREATE TRIGGER published_name_gone AFTER UPDATE OF name ON published_reviews
        WHEN OLD.name IS NOT NULL AND NEW.name IS NULL BEGIN
            UPDATE publication_exports
               SET stale_since = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), stale_reason = 'name'
             WHERE survey_id = OLD.survey_id AND stale_since IS NULL;
        END""",
        """CREATE TRIGGER published_review_gone AFTER DELETE ON published_reviews BEGIN
            UPDATE publication_exports
               SET stale_since = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), stale_reason = 'review'
             WHERE survey_id = OLD.survey_id AND stale_since IS NULL;
        END""",
    )
