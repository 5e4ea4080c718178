"""``appliance mail``: sending from the console (``serve`` also sends, on its own schedule)."""

from __future__ import annotations

import click

from appliance.clictx import Context, pass_ctx
from appliance.mailing import jobs, service, store


@click.group("mail")
def mail_group() -> None:
    """Campaign mail: send what is due, show progress."""


@mail_group.command("send")
@pass_ctx
def send(ctx: Context) -> None:
    """Send every message that is due now, then stop (what `serve` does every few seconds).

    Safe to run beside `serve` and after a crash: one sender works at a time, and messages a
    dead sender left behind are settled first."""
    values = ctx.settings()
    with ctx.database(values):
        pass  # refuses clearly when there is no database yet
    with ctx.keys(values) as keys:
        report = jobs.deliver(values, keys)
    if report.busy:
        click.echo("another sender is running; nothing done")
        return
    if any(report.recovered):
        sent, requeued = report.recovered
        click.echo(f"recovered after a crash: {sent} sent (unconfirmed), {requeued} queued again")
    click.echo(f"sent: {report.sent}")
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    if report.problems:
        raise SystemExit(1)


@mail_group.command("status")
@pass_ctx
def status(ctx: Context) -> None:
    """One line per campaign: status and message counts."""
    with ctx.database() as conn:
        for row in store.list_campaigns(conn):
            done = service.progress(conn, row["id"])
            click.echo(
                f"{row['id']}\t{row['status']}\t{row['name']}\tqueued {done.queued}"
                f"\tsent {done.sent}\tfailed {done.failed}\tsuppressed {done.suppressed}"
            )
