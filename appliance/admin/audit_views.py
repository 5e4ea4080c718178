"""Admin pages for the audit log: filter, page back, verify the chain, export as CSV."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, render_template, request

from appliance import audit
from appliance.admin import service
from appliance.admin.forms import AuditFilterForm
from appliance.auth.guard import requires
from appliance.db import connect, iso, utcnow
from appliance.web import actor, get_db, state

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 100
MAX_ID = 2**63 - 1


def _local_midnight(day: date) -> str:
    return iso(datetime.combine(day, time.min, tzinfo=state().tz))


def _filter(form: AuditFilterForm) -> audit.Filter:
    """The form's local days become UTC bounds, so a day means the day as the admin sees it."""
    if not form.validate():
        return audit.Filter()
    return audit.Filter(
        action=(form.action.data or "").strip(),
        actor=(form.actor.data or "").strip(),
        since=_local_midnight(form.date_from.data) if form.date_from.data else "",
        until=_local_midnight(form.date_until.data + timedelta(days=1))
        if form.date_until.data
        else "",
    )


@bp.route("/")
@requires("audit.read")
def show_log():
    form = AuditFilterForm(request.args)
    flt = _filter(form)
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None
    conn = get_db()
    rows = audit.search(conn, flt, limit=PAGE_SIZE + 1, before_id=before)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k not in ("before", "verify") and v}
    # Walking the whole chain is linear in the log's length: only when asked for.
    verification = (
        audit.verify(conn, audit.public_key_of(state().keys.signer()))
        if request.args.get("verify")
        else None
    )
    return render_template(
        "admin/audit.html",
        form=form,
        rows=rows,
        more=more,
        args=args,
        next_before=rows[-1]["id"] if more else None,
        verification=verification,
        actions=audit.actions(conn),
    )


@bp.route("/export.csv")
@requires("audit.read")
def export_log():
    flt = _filter(AuditFilterForm(request.args))
    service.audit_exported(get_db(), actor(), flt)
    # A connection of its own: the streamed body outlives the request's connection.
    conn = connect(state().db_path, readonly=True)

    def generate():
        try:
            yield from audit.to_csv(audit.iter_all(conn, flt))
        finally:
            conn.close()

    filename = f"audit-log-{iso(utcnow())[:10]}.csv"
    return Response(
        generate(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
