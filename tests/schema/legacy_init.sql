BEGIN TRANSACTION;
CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
INSERT INTO "_migrations" VALUES('0001_accounts','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0002_audit_log','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0003_surveys_and_grants','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0004_identity_plane','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0005_api_tokens','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0006_response_plane','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0007_survey_links','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0008_contact_requests','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0009_kiosks','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0010_response_contacts','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0011_kiosk_idle_action','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0012_mailing','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0013_default_mail_templates','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0014_report_counts','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0015_privacy_operations','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0016_invitation_segments','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0017_report_releases','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0018_first_password','2026-12-03T04:45:53Z');
INSERT INTO "_migrations" VALUES('0019_sealed_settings','2026-12-03T04:45:53Z');
CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash BLOB NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            last_used_at TEXT,
            revoked_at TEXT
        );
CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_id INTEGER,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}',
            address TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
INSERT INTO "audit_log" VALUES(1,'2026-12-03T04:45:53Z',NULL,'cli','schema.migrated','','{"applied": ["0001_accounts", "0002_audit_log", "0003_surveys_and_grants", "0004_identity_plane", "0005_api_tokens", "0006_response_plane", "0007_survey_links", "0008_contact_requests", "0009_kiosks", "0010_response_contacts", "0011_kiosk_idle_action", "0012_mailing", "0013_default_mail_templates", "0014_report_counts", "0015_privacy_operations", "0016_invitation_segments", "0017_report_releases", "0018_first_password", "0019_sealed_settings"]}','','0000000000000000000000000000000000000000000000000000000000000000','2d5bb6ff266d55bdcacd33bfcd3b1d5c1ff57166047ee28a06a29e8325c746f9');
CREATE TABLE audit_summaries (
            id INTEGER PRIMARY KEY,
            first_id INTEGER NOT NULL,
            last_id INTEGER NOT NULL,
            entries INTEGER NOT NULL,
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            actions TEXT NOT NULL,
            tail_hash TEXT NOT NULL,
            prev_signature TEXT NOT NULL,
            public_key TEXT NOT NULL,
            signature TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            list_id INTEGER NOT NULL REFERENCES contact_lists(id) ON DELETE CASCADE,
            segment_filter TEXT NOT NULL DEFAULT '{}',
            template_id INTEGER NOT NULL REFERENCES mail_templates(id),
            reminder_template_id INTEGER REFERENCES mail_templates(id),
            send_at REAL NOT NULL,
            reminders INTEGER NOT NULL DEFAULT 0 CHECK (reminders BETWEEN 0 AND 5),
            reminder_days INTEGER NOT NULL DEFAULT 7 CHECK (reminder_days BETWEEN 1 AND 90),
            waves_built INTEGER NOT NULL DEFAULT 0,
            next_wave_at REAL,
            status TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'active', 'paused', 'cancelled', 'done')),
            not_before REAL NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            recipients INTEGER NOT NULL DEFAULT 0,
            skipped TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            started_at TEXT,
            finished_at TEXT
        , responses INTEGER NOT NULL DEFAULT 0);
CREATE TABLE contact_imports (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES contact_lists(id) ON DELETE CASCADE,
            basis TEXT NOT NULL CHECK (basis IN ('consent', 'legitimate_interest')),
            purpose TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'undone')),
            rows_seen INTEGER NOT NULL DEFAULT 0,
            added INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            duplicate INTEGER NOT NULL DEFAULT 0,
            invalid INTEGER NOT NULL DEFAULT 0,
            suppressed INTEGER NOT NULL DEFAULT 0,
            dropped_columns TEXT NOT NULL DEFAULT '[]',
            message TEXT NOT NULL DEFAULT '',
            used_in_mailing INTEGER NOT NULL DEFAULT 0,
            heartbeat REAL NOT NULL DEFAULT 0,
            fraction REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            finished_at TEXT
        );
CREATE TABLE contact_lists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id)
        );
CREATE TABLE contact_requests (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            consent_text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            handled_at TEXT
        );
CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            list_id INTEGER NOT NULL REFERENCES contact_lists(id) ON DELETE CASCADE,
            import_id INTEGER NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
            replaces_id INTEGER,
            email_hash BLOB,
            email BLOB, first_name BLOB, infix BLOB, last_name BLOB, gender BLOB,
            street BLOB, house_number BLOB, postcode BLOB, town BLOB, country BLOB, phone BLOB,
            language TEXT,
            segments TEXT NOT NULL DEFAULT '{}'
        );
CREATE TABLE import_rejects (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES contact_imports(id) ON DELETE CASCADE,
            row_number INTEGER NOT NULL,
            reason TEXT NOT NULL,
            row_data BLOB NOT NULL
        );
CREATE TABLE invitations (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
            token_hash BLOB NOT NULL UNIQUE,
            used INTEGER NOT NULL DEFAULT 0
        , link_seed BLOB, campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL, segments TEXT, group_key TEXT);
CREATE TABLE kiosks (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            key_hash BLOB NOT NULL UNIQUE,
            idle_seconds INTEGER NOT NULL DEFAULT 60,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        , on_idle TEXT NOT NULL DEFAULT 'discard' CHECK (on_idle IN ('discard', 'submit')));
CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY,
            key BLOB NOT NULL,
            at REAL NOT NULL
        );
CREATE TABLE mail_templates (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            style TEXT NOT NULL DEFAULT 'formal' CHECK (style IN ('formal', 'informal')),
            fallback TEXT NOT NULL DEFAULT 'formal' CHECK (fallback IN ('formal', 'customer')),
            parts TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
INSERT INTO "mail_templates" VALUES(1,'Uitnodiging / Invitation','formal','formal','{"nl": {"subject": "Uw mening over {{ organisation }}", "text": "{{ salutation }}\n\nGraag horen wij hoe tevreden u bent over {{ organisation }}. Wilt u daarvoor een korte vragenlijst invullen? Dat duurt ongeveer vijf minuten.\n\nNaar de vragenlijst: {{ survey_link }}\n\n{% if close_date %}U kunt de vragenlijst invullen tot en met {{ close_date }}.\n\n{% endif %}Alvast hartelijk dank voor uw tijd.\n\nMet vriendelijke groet,\n{{ organisation }}\n\n--\nWilt u geen uitnodigingen voor onderzoek meer ontvangen? Meld u af:\n{{ unsubscribe_link }}\n", "html": "<p>{{ salutation }}</p>\n<p>Graag horen wij hoe tevreden u bent over {{ organisation }}. Wilt u daarvoor een korte vragenlijst invullen? Dat duurt ongeveer vijf minuten.</p>\n<p><a href=\"{{ survey_link }}\">Naar de vragenlijst</a></p>\n{% if close_date %}<p>U kunt de vragenlijst invullen tot en met {{ close_date }}.</p>\n{% endif %}<p>Alvast hartelijk dank voor uw tijd.</p>\n<p>Met vriendelijke groet,<br>{{ organisation }}</p>\n<p style=\"font-size:small;color:#555\">Wilt u geen uitnodigingen voor onderzoek meer ontvangen? <a href=\"{{ unsubscribe_link }}\">Meld u af</a>.</p>\n"}, "en": {"subject": "Your opinion of {{ organisation }}", "text": "{{ salutation }}\n\nWe would like to know how satisfied you are with {{ organisation }}. Would you fill in a short questionnaire? It takes about five minutes.\n\nTo the questionnaire: {{ survey_link }}\n\n{% if close_date %}The questionnaire is open until {{ close_date }}.\n\n{% endif %}Thank you for your time.\n\nKind regards,\n{{ organisation }}\n\n--\nNo more invitations to our research? Unsubscribe:\n{{ unsubscribe_link }}\n", "html": "<p>{{ salutation }}</p>\n<p>We would like to know how satisfied you are with {{ organisation }}. Would you fill in a short questionnaire? It takes about five minutes.</p>\n<p><a href=\"{{ survey_link }}\">To the questionnaire</a></p>\n{% if close_date %}<p>The questionnaire is open until {{ close_date }}.</p>\n{% endif %}<p>Thank you for your time.</p>\n<p>Kind regards,<br>{{ organisation }}</p>\n<p style=\"font-size:small;color:#555\">No more invitations to our research? <a href=\"{{ unsubscribe_link }}\">Unsubscribe</a>.</p>\n"}}','2026-12-03T04:45:53Z','2026-12-03T04:45:53Z');
INSERT INTO "mail_templates" VALUES(2,'Herinnering / Reminder','formal','formal','{"nl": {"subject": "Herinnering: uw mening over {{ organisation }}", "text": "{{ salutation }}\n\nEnige tijd geleden nodigden wij u uit voor ons klanttevredenheidsonderzoek. Heeft u de vragenlijst nog niet ingevuld? Dan horen wij graag alsnog van u.\n\nGraag horen wij hoe tevreden u bent over {{ organisation }}. Wilt u daarvoor een korte vragenlijst invullen? Dat duurt ongeveer vijf minuten.\n\nNaar de vragenlijst: {{ survey_link }}\n\n{% if close_date %}U kunt de vragenlijst invullen tot en met {{ close_date }}.\n\n{% endif %}Alvast hartelijk dank voor uw tijd.\n\nMet vriendelijke groet,\n{{ organisation }}\n\n--\nWilt u geen uitnodigingen voor onderzoek meer ontvangen? Meld u af:\n{{ unsubscribe_link }}\n", "html": "<p>{{ salutation }}</p>\n<p>Enige tijd geleden nodigden wij u uit voor ons klanttevredenheidsonderzoek. Heeft u de vragenlijst nog niet ingevuld? Dan horen wij graag alsnog van u.</p>\n<p>Graag horen wij hoe tevreden u bent over {{ organisation }}. Wilt u daarvoor een korte vragenlijst invullen? Dat duurt ongeveer vijf minuten.</p>\n<p><a href=\"{{ survey_link }}\">Naar de vragenlijst</a></p>\n{% if close_date %}<p>U kunt de vragenlijst invullen tot en met {{ close_date }}.</p>\n{% endif %}<p>Alvast hartelijk dank voor uw tijd.</p>\n<p>Met vriendelijke groet,<br>{{ organisation }}</p>\n<p style=\"font-size:small;color:#555\">Wilt u geen uitnodigingen voor onderzoek meer ontvangen? <a href=\"{{ unsubscribe_link }}\">Meld u af</a>.</p>\n"}, "en": {"subject": "Reminder: your opinion of {{ organisation }}", "text": "{{ salutation }}\n\nSome time ago we invited you to our customer satisfaction survey. If you have not filled it in yet, we would still like to hear from you.\n\nWe would like to know how satisfied you are with {{ organisation }}. Would you fill in a short questionnaire? It takes about five minutes.\n\nTo the questionnaire: {{ survey_link }}\n\n{% if close_date %}The questionnaire is open until {{ close_date }}.\n\n{% endif %}Thank you for your time.\n\nKind regards,\n{{ organisation }}\n\n--\nNo more invitations to our research? Unsubscribe:\n{{ unsubscribe_link }}\n", "html": "<p>{{ salutation }}</p>\n<p>Some time ago we invited you to our customer satisfaction survey. If you have not filled it in yet, we would still like to hear from you.</p>\n<p>We would like to know how satisfied you are with {{ organisation }}. Would you fill in a short questionnaire? It takes about five minutes.</p>\n<p><a href=\"{{ survey_link }}\">To the questionnaire</a></p>\n{% if close_date %}<p>The questionnaire is open until {{ close_date }}.</p>\n{% endif %}<p>Thank you for your time.</p>\n<p>Kind regards,<br>{{ organisation }}</p>\n<p style=\"font-size:small;color:#555\">No more invitations to our research? <a href=\"{{ unsubscribe_link }}\">Unsubscribe</a>.</p>\n"}}','2026-12-03T04:45:53Z','2026-12-03T04:45:53Z');
CREATE TABLE mapping_presets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            mapping TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
CREATE TABLE name_answers (
            response_id TEXT PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            value BLOB NOT NULL,
            submitted_on TEXT NOT NULL
        ) WITHOUT ROWID;
CREATE TABLE open_text_hashes (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            digest BLOB NOT NULL,
            PRIMARY KEY (survey_id, question_id, digest)
        ) WITHOUT ROWID;
CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            wave INTEGER NOT NULL DEFAULT 0,
            invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN
                ('queued', 'claimed', 'sent', 'bounced', 'failed', 'suppressed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at REAL NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT '',
            sent_at TEXT,
            unconfirmed INTEGER NOT NULL DEFAULT 0
        );
CREATE TABLE privacy_erasures (
            kind TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
            digest BLOB NOT NULL,
            erased_at TEXT NOT NULL,
            PRIMARY KEY (kind, digest)
        ) WITHOUT ROWID;
CREATE TABLE privacy_requests (
            id INTEGER PRIMARY KEY,
            received_on TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN
                ('access', 'rectification', 'erasure', 'restriction', 'objection', 'other')),
            reference TEXT NOT NULL DEFAULT '',
            deadline TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),
            outcome TEXT NOT NULL DEFAULT '',
            handled_by INTEGER REFERENCES users(id),
            handled_on TEXT,
            created_by INTEGER REFERENCES users(id),
            created_at TEXT NOT NULL
        );
CREATE TABLE recovery_codes (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            code_hash BLOB NOT NULL,
            used_at TEXT
        );
CREATE TABLE report_benchmarks (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            mean REAL,
            nps REAL,
            top2 REAL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            PRIMARY KEY (survey_id, question)
        ) WITHOUT ROWID;
CREATE TABLE report_counts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            dim1 TEXT NOT NULL,
            val1 TEXT NOT NULL,
            dim2 TEXT NOT NULL,
            val2 TEXT NOT NULL,
            answer TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (survey_id, dim1, dim2, question, val1, val2, answer)
        ) WITHOUT ROWID;
CREATE TABLE report_release_counts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            dim1 TEXT NOT NULL,
            val1 TEXT NOT NULL,
            dim2 TEXT NOT NULL,
            val2 TEXT NOT NULL,
            answer TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (survey_id, dim1, dim2, question, val1, val2, answer)
        ) WITHOUT ROWID;
CREATE TABLE report_release_waves (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            id INTEGER NOT NULL,
            recipients INTEGER NOT NULL,
            responses INTEGER NOT NULL,
            started_at TEXT,
            PRIMARY KEY (survey_id, id)
        ) WITHOUT ROWID;
CREATE TABLE report_releases (
            survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
            released_at TEXT,
            changes INTEGER NOT NULL DEFAULT 0
        );
CREATE TABLE report_segment_values (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            attribute TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (survey_id, attribute, value)
        ) WITHOUT ROWID;
CREATE TABLE researcher_grants (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            PRIMARY KEY (user_id, survey_id)
        );
CREATE TABLE response_contacts (
            response_id TEXT PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL
        ) WITHOUT ROWID;
CREATE TABLE responses (
            id TEXT PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            mode TEXT NOT NULL CHECK (mode IN ('invitation', 'link', 'kiosk', 'paper', 'phone')),
            submitted_on TEXT NOT NULL,
            language TEXT NOT NULL,
            segments TEXT NOT NULL DEFAULT '{}',
            answers TEXT NOT NULL,
            duration_s INTEGER,
            flags TEXT NOT NULL DEFAULT '[]',
            excluded_reason TEXT,
            excluded_on TEXT
        ) WITHOUT ROWID;
CREATE TABLE sessions (
            id_hash BLOB PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            stage TEXT NOT NULL CHECK (stage IN ('password', 'enrol', 'full')),
            created_at REAL NOT NULL,
            last_seen REAL NOT NULL,
            totp_failures INTEGER NOT NULL DEFAULT 0
        );
CREATE TABLE setting_overrides (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            changed_by INTEGER REFERENCES users(id)
        , sealed BLOB);
CREATE TABLE setup_codes (
            code_hash BLOB PRIMARY KEY,
            expires_at REAL NOT NULL,
            used_at TEXT
        );
CREATE TABLE submissions (
            key_hash BLOB PRIMARY KEY,
            response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            submitted_on TEXT NOT NULL
        ) WITHOUT ROWID;
CREATE TABLE suppressions (
            email_hash BLOB PRIMARY KEY,
            created_at TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('unsubscribe', 'staff', 'upload', 'bounce'))
        ) WITHOUT ROWID;
CREATE TABLE surveys (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'open', 'closed')),
            created_at TEXT NOT NULL
        , definition TEXT NOT NULL DEFAULT '{}', opens_on TEXT, closes_on TEXT, updated_at TEXT, link_token TEXT, report_segments TEXT NOT NULL DEFAULT '[]', closed_at TEXT, legacy_segments INTEGER NOT NULL DEFAULT 0);
CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'researcher')),
            password_hash TEXT NOT NULL,
            password_changed_at TEXT NOT NULL,
            language TEXT CHECK (language IS NULL OR language IN ('nl', 'en')),
            valid_from TEXT,
            valid_until TEXT,
            totp_secret BLOB,
            totp_enabled INTEGER NOT NULL DEFAULT 0,
            totp_last_step INTEGER NOT NULL DEFAULT 0,
            disabled_at TEXT,
            created_at TEXT NOT NULL
        , must_change_password INTEGER NOT NULL DEFAULT 0);
CREATE TABLE wal_pad (n INTEGER NOT NULL);
INSERT INTO "wal_pad" VALUES(0);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX login_failures_key ON login_failures(key, at);
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_actor ON audit_log(actor_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE UNIQUE INDEX contacts_list_email ON contacts(list_id, email_hash, import_id);
CREATE INDEX contacts_replaces ON contacts(replaces_id) WHERE replaces_id IS NOT NULL;
CREATE INDEX import_rejects_import ON import_rejects(import_id);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE INDEX invitations_survey ON invitations(survey_id);
CREATE INDEX responses_survey ON responses(survey_id, submitted_on);
CREATE INDEX responses_duration ON responses(survey_id, duration_s);
CREATE UNIQUE INDEX surveys_link_token ON surveys(link_token);
CREATE INDEX contact_requests_response ON contact_requests(response_id);
CREATE INDEX response_contacts_contact ON response_contacts(contact_id);
CREATE INDEX campaigns_status ON campaigns(status);
CREATE INDEX outbox_queue ON outbox(campaign_id, state, next_at);
CREATE UNIQUE INDEX outbox_once ON outbox(invitation_id, wave);
CREATE INDEX invitations_contact ON invitations(contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX contact_requests_contact ON contact_requests(contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX contacts_email ON contacts(email_hash);
CREATE INDEX contacts_import ON contacts(import_id);
CREATE INDEX name_answers_day ON name_answers(submitted_on);
CREATE INDEX privacy_requests_open ON privacy_requests(status, deadline);
CREATE INDEX invitations_wave_group ON invitations(campaign_id, group_key);
COMMIT;
