"""The JSON Schemas of the campaign operations: the campaign object (figures only, never
contact data) and what creating one takes. No Flask routes here."""

from __future__ import annotations

from appliance.api.declare import ID_SCHEMA, Schema
from appliance.interviews.dayparts import PARTS
from appliance.mailing.service import CHANNELS, MAX_REMINDERS

STATUSES = ["scheduled", "active", "paused", "cancelled", "done"]
PHASES = ["scheduled", "sending", "waiting_reminder", "finishing", *STATUSES[1:]]
COUNTED = ("queued", "sent", "bounced", "failed", "suppressed", "cancelled")
# The parts of the day by name, in the order of ``dayparts.PARTS`` (morning, afternoon, evening).
DAY_PARTS = dict(zip(("morning", "afternoon", "evening"), (p.bit for p in PARTS), strict=True))
STANDARD_INVITATION = "Uitnodiging / Invitation"  # the templates the campaign form preselects
STANDARD_REMINDER = "Herinnering / Reminder"

COUNTS = {
    "type": "object",
    "description": "Messages by state, over every wave (queued includes those being sent)",
    "required": list(COUNTED),
    "properties": {name: {"type": "integer"} for name in COUNTED},
}
MOMENT = {"type": ["string", "null"], "format": "date-time"}
CAMPAIGN_FIELDS = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "channel": {"enum": list(CHANNELS)},
    "status": {"enum": STATUSES},
    "phase": {
        "enum": PHASES,
        "description": "What it is doing now; for post and telephone campaigns their status",
    },
    "phase_at": {**MOMENT, "description": "The time the phase waits for (send time, reminder)"},
    "survey_id": {"type": "integer"},
    "survey_title": {"type": "string"},
    "list_id": {"type": "integer"},
    "list_name": {"type": "string"},
    "template_id": {"type": "integer"},
    "reminder_template_id": {"type": ["integer", "null"]},
    "segment_filter": {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    "send_at": {"type": "string", "format": "date-time"},
    "reminders": {"type": "integer"},
    "reminder_days": {"type": "integer"},
    "next_reminder_at": MOMENT,
    "created_at": {"type": "string", "format": "date-time"},
    "started_at": MOMENT,
    "finished_at": MOMENT,
    "recipients": {"type": "integer", "description": "Invited when it started"},
    "skipped": {
        "type": "object",
        "description": "Contacts of the list left out when it started, by reason",
        "additionalProperties": {"type": "integer"},
    },
    "counts": COUNTS,
    "waves": {
        "type": "array",
        "description": "Wave 0 is the invitation, then the reminders",
        "items": {
            "type": "object",
            "required": ["wave", "counts"],
            "properties": {"wave": {"type": "integer"}, "counts": COUNTS},
        },
    },
    "handled_fraction": {"type": "number", "minimum": 0, "maximum": 1},
    "per_minute": {"type": "number"},
    "minutes_left": {"type": ["number", "null"]},
    "message": {"type": "string", "description": "What holds it up, if anything"},
    "url": {"type": "string"},
}
CAMPAIGN = Schema(
    "Campaign",
    {
        "type": "object",
        "required": list(CAMPAIGN_FIELDS),
        "properties": {
            **CAMPAIGN_FIELDS,
            "counted": {
                "type": "object",
                "description": "In the answer to its creation only: who it would invite then",
                "required": ["recipients", "skipped"],
                "properties": {
                    "recipients": {"type": "integer"},
                    "skipped": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
            },
        },
    },
)


PHONE = {
    "type": "object",
    "description": "How a telephone campaign calls (telephone campaigns only)",
    "properties": {
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 20, "default": 6},
        "day_parts": {
            "type": "array",
            "description": "morning 9-12, afternoon 12-17, evening 17-21 (local time)",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": list(DAY_PARTS)},
        },
        "min_gap_hours": {"type": "integer", "minimum": 0, "maximum": 168, "default": 2},
        "grace_minutes": {"type": "integer", "minimum": 0, "maximum": 240, "default": 15},
    },
    "additionalProperties": False,
}
NEW_CAMPAIGN = {
    "type": "object",
    "required": ["name", "survey_id", "list_id", "send_at"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "survey_id": ID_SCHEMA,
        "list_id": ID_SCHEMA,
        "channel": {"enum": list(CHANNELS), "default": "email"},
        "send_at": {
            "type": "string",
            "format": "date-time",
            "description": "When to send (e-mail) or start calling (telephone); a time past "
            "starts at once",
        },
        "template_id": {
            **ID_SCHEMA,
            "description": f"Default: the standard template '{STANDARD_INVITATION}'",
        },
        "reminder_template_id": {
            **ID_SCHEMA,
            "type": ["integer", "null"],
            "description": f"Default: the standard template '{STANDARD_REMINDER}'; null: the "
            "invitation template",
        },
        "reminders": {"type": "integer", "minimum": 0, "maximum": MAX_REMINDERS, "default": 1},
        "reminder_days": {"type": "integer", "minimum": 1, "maximum": 90, "default": 7},
        "segment_filter": {
            "type": "object",
            "description": "Segment -> the values to invite (values OR, segments AND); "
            "default: the whole list",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "expected_recipients": {
            "type": "integer",
            "minimum": 0,
            "description": "The number of recipients you expect; refused (409) when the "
            "number now differs, as the page's confirmation step",
        },
        "phone": PHONE,
    },
    "additionalProperties": False,
}
