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
        );
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
INSERT INTO "contact_imports" VALUES(1,1,'consent','','done',0,0,0,0,0,0,'[]','',0,0.0,0.0,'2026-12-01T09:00:00Z',NULL,NULL);
CREATE TABLE contact_lists (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id)
        );
INSERT INTO "contact_lists" VALUES(1,'Klanten','2026-12-01T09:00:00Z',NULL);
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
INSERT INTO "contacts" VALUES(1,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-1"}');
INSERT INTO "contacts" VALUES(2,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-2"}');
INSERT INTO "contacts" VALUES(3,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-3"}');
INSERT INTO "contacts" VALUES(4,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-4"}');
INSERT INTO "contacts" VALUES(5,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-5"}');
INSERT INTO "contacts" VALUES(6,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-6"}');
INSERT INTO "contacts" VALUES(7,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-7"}');
INSERT INTO "contacts" VALUES(8,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-8"}');
INSERT INTO "contacts" VALUES(9,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-9"}');
INSERT INTO "contacts" VALUES(10,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-10"}');
INSERT INTO "contacts" VALUES(11,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-11"}');
INSERT INTO "contacts" VALUES(12,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-12"}');
INSERT INTO "contacts" VALUES(13,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-13"}');
INSERT INTO "contacts" VALUES(14,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-14"}');
INSERT INTO "contacts" VALUES(15,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-15"}');
INSERT INTO "contacts" VALUES(16,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-16"}');
INSERT INTO "contacts" VALUES(17,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-17"}');
INSERT INTO "contacts" VALUES(18,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-18"}');
INSERT INTO "contacts" VALUES(19,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-19"}');
INSERT INTO "contacts" VALUES(20,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-20"}');
INSERT INTO "contacts" VALUES(21,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-21"}');
INSERT INTO "contacts" VALUES(22,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "zuid", "klantnummer": "K-22"}');
INSERT INTO "contacts" VALUES(23,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-23"}');
INSERT INTO "contacts" VALUES(24,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'nl','{"regio": "noord", "klantnummer": "K-24"}');
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
        , link_seed BLOB, campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL);
INSERT INTO "invitations" VALUES(1,1,1,X'8A186F4A4C116DAF499FD7E80DFE1FAF422D50CD2D186ED9B9E4D6E39D9E8B2F',1,NULL,NULL);
INSERT INTO "invitations" VALUES(2,1,2,X'CA9E33FE783E9D4625069AD5CBCE8E25DF54BF151F840CDFB4C84ACB58184BCF',1,NULL,NULL);
INSERT INTO "invitations" VALUES(3,1,3,X'632AD4D1BEA13C988FAD5ACC87B73FA2259A55FC26BF4C43904EE0B098DDC872',1,NULL,NULL);
INSERT INTO "invitations" VALUES(4,1,4,X'D607A7E36BDC7A21338BC3932ED0A87D1489CE8C1041463C8034BB90256A553C',1,NULL,NULL);
INSERT INTO "invitations" VALUES(5,1,5,X'612499A30570F240E0D0E52885D2AFBB2E8ADA69163B7BBC971345DEF1BC5340',1,NULL,NULL);
INSERT INTO "invitations" VALUES(6,1,6,X'3273A12E806C9A4BEE39603119961B2A582493C966AC1CAF7BAB278E2915BD1C',1,NULL,NULL);
INSERT INTO "invitations" VALUES(7,1,7,X'89313BF0BBBE4A78E000A38544E7DF5D698904DA8F03A2D5E83629093C9A7601',1,NULL,NULL);
INSERT INTO "invitations" VALUES(8,1,8,X'27BF1DAF7E2EFED26AD85FD9C57A15377D2B3042720FC36C8FF28796EE3E5B3C',1,NULL,NULL);
INSERT INTO "invitations" VALUES(9,1,9,X'92F1BF306DBE12731169117B40CBD2FD0723FC8D4C50C263D8B83655BC3BB10F',1,NULL,NULL);
INSERT INTO "invitations" VALUES(10,1,10,X'0D5A8319A5326C5C00B7AB7D24621E71C815D2955F8C5EE0A4355295910567FD',1,NULL,NULL);
INSERT INTO "invitations" VALUES(11,1,11,X'A7C09A7A8A948FEE4D9E245F5B960312A32250582AEC9943D2CA41CD24074FD2',1,NULL,NULL);
INSERT INTO "invitations" VALUES(12,1,12,X'26C64CF1B56EAA88A7F28EC20CEAFACFA657E95E38BD9988174C846591E1AC4C',1,NULL,NULL);
INSERT INTO "invitations" VALUES(13,1,13,X'6F1A1929980F449F9A2BACFAAE1B4AD503899CAC14164DB7F86469B350AF594A',1,NULL,NULL);
INSERT INTO "invitations" VALUES(14,1,14,X'5E8CB84640D6FA54D903F3394FFCEFEFC22200FE78284F3F935638F4DD729FD9',1,NULL,NULL);
INSERT INTO "invitations" VALUES(15,1,15,X'9C04607B46563CD2A7AD3380354DC02D83221220E032561A24EF68014230C096',1,NULL,NULL);
INSERT INTO "invitations" VALUES(16,1,16,X'1CBD62BB7DCF2C80A5D98E6D66C604EDBA5037C0DEA5E541C08EC839C70A8A7C',1,NULL,NULL);
INSERT INTO "invitations" VALUES(17,1,17,X'3B2F00EA9BF390829C5094BD23EA41036D42B3195BBD755EA08B06EAB416FB25',1,NULL,NULL);
INSERT INTO "invitations" VALUES(18,1,18,X'31A92C9CCC673FBC6F54F582241FAB06805068C6097742766C7757E0AFD6365B',1,NULL,NULL);
INSERT INTO "invitations" VALUES(19,1,19,X'273E82EE9E700F6AC013D64C78AF65D08F3197ED407DCBC884E8B706463575FC',1,NULL,NULL);
INSERT INTO "invitations" VALUES(20,1,20,X'F1B7736E74B4F8EEBAF9BF8FABE06A4B4E9BE302FEED2E34606502A1FAAF6EF9',1,NULL,NULL);
INSERT INTO "invitations" VALUES(21,1,21,X'2D22C19021FE3DFCB91A2DE25AAC9D2DFA5FD1A89AB012C553FD74B5F586CF68',1,NULL,NULL);
INSERT INTO "invitations" VALUES(22,1,22,X'61A50A4E43A1EF6BA1C5244CF285A43E387021434ADC144827EE56CEC8353694',1,NULL,NULL);
INSERT INTO "invitations" VALUES(23,1,23,X'49C5E29F47742E4EA95FA519B8C36B1AD09B377EFE330771CA024999E4FFB51A',1,NULL,NULL);
INSERT INTO "invitations" VALUES(24,1,24,X'1127F6C4656A40CC39BA0BDB8A8083D14F2AD244027190726C3FEB035275E06B',1,NULL,NULL);
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
CREATE TABLE recovery_codes (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            code_hash BLOB NOT NULL,
            used_at TEXT
        );
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
INSERT INTO "responses" VALUES('0201204131a7492648c9e6ce4f9431ff',1,'invitation','2027-01-01','nl','{"regio": "zuid", "klantnummer": "K-22"}','{"nps": "na", "sat": "5", "channel": "web", "topics": ["staff", "price"], "again": "yes", "aspects": {"service": "1", "quality": "2"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('14edf6e10d0ace23d7dbd5d69acd8d3d',2,'link','2027-01-01','nl','{}','{"nps": "2"}',NULL,'[]','speeder','2027-01-01');
INSERT INTO "responses" VALUES('1999c8ddc0594717d497e7ffb7da6955',1,'invitation','2027-01-05','nl','{"regio": "noord", "klantnummer": "K-12"}','{"nps": "2", "channel": "web", "topics": ["price", "staff"], "again": "yes", "aspects": {"service": "1", "quality": "2"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('1d50f985ecdc12f0767f84c9a3c3c8b3',2,'link','2027-01-02','nl','{}','{"nps": "9"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('22e01360caf577946bcfe513a9e207c4',1,'invitation','2026-12-28','nl','{"regio": "noord", "klantnummer": "K-18"}','{"nps": "6", "sat": "5", "channel": "web", "topics": ["price", "staff"], "again": "no", "aspects": {"service": "3", "quality": "4"}, "call": "yes"}',NULL,'[]','speeder','2026-12-28');
INSERT INTO "responses" VALUES('2308c64c721913d706fedff7102aea87',1,'invitation','2026-12-29','nl','{"regio": "zuid", "klantnummer": "K-19"}','{"nps": "na", "channel": "web", "topics": ["staff", "price"], "again": "yes", "aspects": {"service": "3", "quality": "2"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('28377ea332aa5250ae99bea7e54e0b1e',1,'invitation','2026-12-26','nl','{"regio": "noord", "klantnummer": "K-2"}','{"nps": "4", "sat": "4", "channel": "web", "topics": ["staff"], "again": "no", "aspects": {"service": "2", "quality": "4"}, "call": "no"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('29945659bcd229bf10b061318d7a601b',1,'invitation','2027-01-03','nl','{"regio": "noord", "klantnummer": "K-24"}','{"nps": "2", "sat": "1", "channel": "shop", "topics": ["staff"], "again": "yes", "aspects": {"service": "4", "quality": "4"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('35acbf615e91f89fe4369434121c30b8',2,'link','2026-12-29','nl','{}','{"nps": "0"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('431b9f7554da0243ccf7019b7b09b747',1,'invitation','2026-12-27','nl','{"regio": "zuid", "klantnummer": "K-3"}','{"nps": "8", "sat": "5", "channel": "shop", "topics": ["speed", "staff"], "again": "yes", "aspects": {"service": "3", "quality": "2"}, "call": "yes", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('4c17e769e3a5e23efe7b30c7b2e20e4f',2,'link','2027-01-05','nl','{}','{"nps": "9"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('4e947568d04e2f4d2ddd1fe8fb88d944',1,'invitation','2026-12-30','nl','{"regio": "zuid", "klantnummer": "K-6"}','{"nps": "3", "channel": "shop", "topics": ["speed", "price"], "again": "no", "aspects": {"service": "3", "quality": "1"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('6500ad2d70e5b598b7e6bf1a730c740e',1,'invitation','2026-12-27','nl','{"regio": "noord", "klantnummer": "K-17"}','{"nps": "7", "sat": "3", "channel": "shop", "topics": ["speed", "price"], "again": "no", "aspects": {"service": "5", "quality": "1"}, "call": "no", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('658435d4374eab0ae8b0bf33b237ed46',1,'link','2026-12-26','nl','{}','{"nps": "0", "sat": "4", "channel": "shop", "topics": ["speed"], "again": "yes", "aspects": {"service": "1", "quality": "4"}, "call": "yes", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('66f4534c48e8f8d63219939e80bf5b27',1,'invitation','2026-12-25','nl','{"regio": "noord", "klantnummer": "K-15"}','{"nps": "2", "sat": "3", "channel": "shop", "topics": ["speed", "price"], "again": "yes", "aspects": {"service": "4", "quality": "1"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('6a94c7e5ab584c0ddedd881db999029d',1,'invitation','2027-01-04','nl','{"regio": "noord", "klantnummer": "K-11"}','{"nps": "3", "sat": "1", "channel": "shop", "topics": ["speed"], "again": "no", "aspects": {"service": "2", "quality": "5"}, "call": "no"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('70a76a2fecc39d0c2399390eb7b03e3b',1,'invitation','2026-12-30','nl','{"regio": "noord", "klantnummer": "K-20"}','{"nps": "1", "sat": "1", "channel": "shop", "topics": ["speed"], "again": "no", "aspects": {"service": "2", "quality": "3"}, "call": "yes", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('72a5f0007cdbbd862be57d070fad3e88',1,'invitation','2027-01-06','nl','{"regio": "zuid", "klantnummer": "K-13"}','{"nps": "0", "sat": "1", "channel": "shop", "topics": ["staff", "speed"], "again": "no", "aspects": {"service": "4", "quality": "3"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('76fcac0b25158d994f5adaeb516b0c01',1,'invitation','2027-01-01','nl','{"regio": "zuid", "klantnummer": "K-8"}','{"nps": "5", "sat": "2", "channel": "web", "topics": ["price", "staff"], "again": "no", "aspects": {"service": "1", "quality": "3"}, "call": "no", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('7e684d86e78d5ab3043d18fe71285c6d',1,'invitation','2026-12-26','nl','{"regio": "noord", "klantnummer": "K-16"}','{"nps": "0", "sat": "5", "channel": "shop", "topics": ["staff"], "again": "yes", "aspects": {"service": "5", "quality": "4"}, "call": "no"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('80dff830d3fa6190d4430ee1fc6b456c',1,'kiosk','2026-12-24','nl','{}','{"nps": "6", "channel": "shop", "topics": ["price", "staff"], "again": "no", "aspects": {"service": "1", "quality": "4"}, "call": "no"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('81fa542038a870d6ca2925af203ec09b',1,'invitation','2026-12-25','nl','{"regio": "zuid", "klantnummer": "K-1"}','{"nps": "10", "sat": "2", "channel": "shop", "topics": ["speed"], "again": "yes", "aspects": {"service": "2", "quality": "1"}, "call": "yes", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('8a3b9bb20587d713531bfc80a470cbb8',2,'link','2027-01-03','nl','{}','{"nps": "9"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('8e932c83a4fff4cf57de692b59d34b66',2,'link','2027-01-04','nl','{}','{"nps": "6"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('937d2731376f2c906b082cea324b7c0e',1,'kiosk','2026-12-28','nl','{}','{"nps": "0", "sat": "5", "channel": "shop", "topics": ["staff"], "again": "yes", "aspects": {"service": "1", "quality": "5"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('94fde179ce86d6d49fecd230bb417007',1,'invitation','2026-12-24','nl','{"regio": "zuid", "klantnummer": "K-14"}','{"nps": "5", "channel": "shop", "topics": ["staff", "speed"], "again": "yes", "aspects": {"service": "4", "quality": "5"}, "call": "no"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('98d35189844636dab85815c0ffba2c83',1,'kiosk','2027-01-05','nl','{}','{"nps": "5", "sat": "4", "channel": "web", "topics": ["price", "speed"], "again": "no", "aspects": {"service": "2", "quality": "5"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('ad2a59c6dd838159525cd03054507abd',1,'kiosk','2027-01-06','nl','{}','{"nps": "na", "channel": "shop", "topics": ["price"], "again": "yes", "aspects": {"service": "4", "quality": "1"}, "call": "no"}',NULL,'[]','speeder','2027-01-06');
INSERT INTO "responses" VALUES('b36ffe5b0e2441954d204abacb2ae491',1,'invitation','2026-12-29','nl','{"regio": "zuid", "klantnummer": "K-5"}','{"nps": "5", "sat": "2", "channel": "web", "topics": ["speed"], "again": "yes", "aspects": {"service": "4", "quality": "2"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('b3f36060bfd4b7cc6c233805fe48ea65',1,'link','2027-01-04','nl','{}','{"nps": "na", "sat": "2", "channel": "shop", "topics": ["price", "staff"], "again": "yes", "aspects": {"service": "4", "quality": "4"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('b7433628620906bd4f4f7825a4ec2042',1,'invitation','2026-12-31','nl','{"regio": "noord", "klantnummer": "K-7"}','{"nps": "5", "sat": "3", "channel": "shop", "topics": ["speed", "staff"], "again": "yes", "aspects": {"service": "2", "quality": "3"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('c77962ad7b50e8cde31ee4fe1c221454',2,'link','2026-12-30','nl','{}','{"nps": "7"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('d7b53a96246afaa0f4329f728134d514',1,'link','2026-12-25','nl','{}','{"nps": "0", "channel": "shop", "topics": ["speed", "staff"], "again": "no", "aspects": {"service": "5", "quality": "2"}, "call": "no"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('d8d78fe9e2d738dee47a7cae99fa5526',1,'invitation','2027-01-03','nl','{"regio": "noord", "klantnummer": "K-10"}','{"nps": "6", "sat": "1", "channel": "web", "topics": ["price", "speed"], "again": "no", "aspects": {"service": "2", "quality": "5"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('db4266b625a40ae35b046e7dec3a9716',1,'invitation','2027-01-02','nl','{"regio": "noord", "klantnummer": "K-23"}','{"nps": "0", "sat": "5", "channel": "web", "topics": ["speed"], "again": "no", "aspects": {"service": "2", "quality": "4"}, "call": "no", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('e36f492489b67e7f99425cce9aafb8b2',1,'invitation','2026-12-28','nl','{"regio": "zuid", "klantnummer": "K-4"}','{"nps": "3", "sat": "3", "channel": "shop", "topics": ["staff"], "again": "no", "aspects": {"service": "4", "quality": "1"}, "call": "no", "remark": "Fijn geholpen"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('e3756a63055c7a4a9e3e8b084203fc58',1,'invitation','2027-01-02','nl','{"regio": "zuid", "klantnummer": "K-9"}','{"nps": "4", "channel": "web", "topics": ["price"], "again": "yes", "aspects": {"service": "1", "quality": "3"}, "call": "yes"}',NULL,'[]','speeder','2027-01-02');
INSERT INTO "responses" VALUES('e3b027c85c6cfbbf4caa9a2c50706e17',1,'invitation','2026-12-31','nl','{"regio": "zuid", "klantnummer": "K-21"}','{"nps": "na", "sat": "1", "channel": "web", "topics": ["price"], "again": "yes", "aspects": {"service": "3", "quality": "5"}, "call": "yes"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('e74bb872f10bfca0da2aa899c979e4a2',2,'link','2026-12-31','nl','{}','{"nps": "2"}',NULL,'[]',NULL,NULL);
INSERT INTO "responses" VALUES('feb01af6f74ab031a5a986aaadd64bfe',1,'kiosk','2026-12-27','nl','{}','{"nps": "8", "channel": "shop", "topics": ["speed"], "again": "yes", "aspects": {"service": "2", "quality": "5"}, "call": "yes"}',NULL,'[]',NULL,NULL);
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
        );
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
        , definition TEXT NOT NULL DEFAULT '{}', opens_on TEXT, closes_on TEXT, updated_at TEXT, link_token TEXT);
INSERT INTO "surveys" VALUES(1,'Every type','open','2026-12-01T09:00:00Z','{"languages": ["nl", "en"], "title": {"nl": "Every type", "en": "Every type"}, "pages": [{"id": "p1", "questions": [{"id": "nps", "type": "nps", "text": {"nl": "Recommend?", "en": "Recommend?"}, "na": true}, {"id": "sat", "type": "rating", "text": {"nl": "Satisfied?", "en": "Satisfied?"}}, {"id": "channel", "type": "single", "text": {"nl": "Channel?", "en": "Channel?"}, "choices": [{"value": "shop", "label": {"nl": "Shop", "en": "Shop"}}, {"value": "web", "label": {"nl": "Web", "en": "Web"}}]}, {"id": "topics", "type": "multiple", "text": {"nl": "Topics?", "en": "Topics?"}, "choices": [{"value": "price", "label": {"nl": "Price", "en": "Price"}}, {"value": "staff", "label": {"nl": "Staff", "en": "Staff"}}, {"value": "speed", "label": {"nl": "Speed", "en": "Speed"}}]}, {"id": "again", "type": "yesno", "text": {"nl": "Again?", "en": "Again?"}}]}, {"id": "p2", "questions": [{"id": "aspects", "type": "matrix", "text": {"nl": "Aspects", "en": "Aspects"}, "items": [{"value": "service", "label": {"nl": "Service", "en": "Service"}}, {"value": "quality", "label": {"nl": "Quality", "en": "Quality"}}], "scale": [1, 5]}, {"id": "remark", "type": "text_long", "text": {"nl": "Remarks?", "en": "Remarks?"}}, {"id": "who", "type": "name", "text": {"nl": "Your name", "en": "Your name"}}, {"id": "call", "type": "contact_optin", "text": {"nl": "Call me?", "en": "Call me?"}}]}]}',NULL,NULL,NULL,NULL);
INSERT INTO "surveys" VALUES(2,'Alleen NPS','open','2026-12-01T09:00:00Z','{"languages": ["nl"], "title": {"nl": "Alleen NPS"}, "pages": [{"questions": [{"id": "nps", "type": "nps", "text": {"nl": "Aanbevelen?"}}]}]}',NULL,NULL,NULL,NULL);
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
        );
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
COMMIT;
