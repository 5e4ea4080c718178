"""``appliance purge``: the retention engine from the console (the daily job runs the same)."""

from __future__ import annotations

import click

from appliance.auth.service import CLI
from appliance.clictx import Context, pass_ctx
from appliance.privacy import retention, retention_service

KIND_NAMES = {
    "contacts": "contacts",
    "import_rejects": "rejected import rows",
    "names": "typed names",
    "contact_requests": "contact requests",
    "mail_files": "mail files",
    "audit_entries": "audit-log entries",
}


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only show what is due now and what falls due when.")
@click.option("--upcoming", default=5, show_default=True, help="Due days to show per kind.")
@pass_ctx
def purge(ctx: Context, dry_run: bool, upcoming: int) -> None:
    """Erase the personal data whose retention has passed, and log a deletion receipt."""
    values = ctx.settings()
    with ctx.database(values) as conn:
        found = retention.plan(conn, values)
        if dry_run:
            _show_plan(found, upcoming)
            return
        receipt = retention_service.apply(conn, values, actor=CLI, defer_rebuild=True)
    for kind in retention.KINDS:
        click.echo(f"erased {receipt.counts[kind]:>8,}  {KIND_NAMES[kind]}")
    click.echo(
        f"receipt: audit entry {receipt.audit_id}"
        + ("; database compacted" if receipt.compacted else "")
    )


def _show_plan(found: retention.Plan, upcoming: int) -> None:
    click.echo(f"as of {found.today} (dry run: nothing is erased)")
    click.echo(f"{'kind':<22} {'due now':>8}  next due days")
    for kind in retention.KINDS:
        line = found.lines[kind]
        days = ", ".join(f"{day}: {n:,}" for day, n in line.upcoming[:upcoming]) or "-"
        if len(line.upcoming) > upcoming:
            days += f", ... ({len(line.upcoming) - upcoming} more days)"
        click.echo(f"{KIND_NAMES[kind]:<22} {line.due_now:>8,}  {days}")
    click.echo(
        "contacts fall due after the last invitation or reminder sent to them"
        " (or their import if none was sent), whatever the survey's state"
    )
