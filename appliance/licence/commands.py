"""``appliance licence show`` and ``appliance licence install FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from appliance.clictx import Context, pass_ctx
from appliance.licence import service
from appliance.licence.document import MAX_BYTES, LicenceError

STATE_TEXT = {
    "trial": "trial",
    "trial_over": "trial ended: no new surveys, campaigns or accounts",
    "licensed": "licensed",
    "grace": "licence ended, in its grace period",
    "expired": "licence and grace period ended: no new surveys, campaigns or accounts",
}


def describe(status: service.Status) -> str:
    """One line for the console and the journal."""
    line = f"licence: {STATE_TEXT[status.state]}; last day {status.last_day.isoformat()}"
    if status.state in ("trial", "licensed", "grace"):
        line += f" ({status.days_left} days left)"
    if status.problem:
        line += f"; the installed licence failed its check ({status.problem}) and does not count"
    return line


@click.group("licence")
def licence_group() -> None:
    """Show or install the appliance's licence (checked offline, never phoned home)."""


@licence_group.command("show")
@pass_ctx
def show(ctx: Context) -> None:
    """What is licensed, until when, and the accounts in use."""
    values = ctx.settings()
    with ctx.database(values) as conn:
        status = service.check(conn, service.trusted_key(values), service.today())
        usage = service.usage(conn, status)
    click.echo(describe(status))
    if status.licence is not None:
        lic = status.licence
        click.echo(f"licensee:     {lic.licensee}")
        click.echo(f"licence:      {lic.licence_id}")
        click.echo(f"valid:        {lic.valid_from.isoformat()} to {lic.valid_until.isoformat()}")
    modules = ", ".join(sorted(status.modules)) or "none"
    click.echo(f"modules:      {modules}")
    for role, (active, limit) in usage.items():
        allowed = "no limit" if limit is None else str(limit)
        click.echo(f"{role + 's:':<13} {active} active, {allowed} allowed")


@licence_group.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
def install(ctx: Context, file: Path) -> None:
    """Check FILE against the vendor's key and install it (audited)."""
    values = ctx.settings()
    data = file.read_bytes()[: MAX_BYTES + 1]
    with ctx.database(values) as conn:
        try:
            licence = service.install(
                conn, data, service.trusted_key(values), service.today(), actor_id=None, actor="cli"
            )
        except LicenceError as exc:
            raise click.ClickException(f"not installed: {exc}") from None
        status = service.status(conn, service.today())
    click.echo(f"installed licence {licence.licence_id} for {licence.licensee}")
    click.echo(describe(status))
