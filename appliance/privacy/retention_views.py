"""The retention page: what falls due when, the past deletion receipts, and a button to erase
what is due now (the daily job does the same)."""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, url_for
from flask_babel import format_number
from flask_babel import gettext as _

from appliance import audit
from appliance.admin.forms import ActionForm
from appliance.auth.guard import requires
from appliance.paper import scan_service
from appliance.privacy import retention, retention_service
from appliance.privacy.blueprint import bp
from appliance.publication import moderation_service
from appliance.web import actor, get_db, state

UPCOMING_SHOWN = 6


@bp.route("/retention")
@requires("privacy.oversee")
def show_retention():
    conn = get_db()
    receipts = [
        {**dict(row), "details": json.loads(row["details"])}
        for row in audit.search(conn, audit.Filter(action=retention.RECEIPT), limit=10)
    ]
    return render_template(
        "privacy/retention.html",
        plan=retention.plan(conn, state().settings),
        kinds=retention.KINDS,
        shown=UPCOMING_SHOWN,
        rules=retention.Rules.of(state().settings),
        receipts=receipts,
        summaries=audit.summaries(conn),
        purge_time=state().settings["purge_time"],
        stale_exports=moderation_service.stale_exports(conn),
        scans_waiting=scan_service.waiting_count(conn),
        form=ActionForm(),
    )


@bp.route("/retention/run", methods=["POST"])
@requires("privacy.oversee")
def run_retention():
    if not ActionForm().validate_on_submit():
        return redirect(url_for("compliance.show_retention"))
    receipt = retention_service.apply(
        get_db(),
        state().settings,
        actor=actor(),
        signer=state().keys.signer(),
        defer_rebuild=True,
    )
    flash(
        _("%(n)s items erased; the receipt is in the audit log.", n=format_number(receipt.total)),
        "success",
    )
    return redirect(url_for("compliance.show_retention"))
