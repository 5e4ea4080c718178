"""``appliance publication-export SLUG FILE``: the static export from the console (the same zip
staff download from the publication page; see ``publication.export``)."""

from __future__ import annotations

from pathlib import Path

import click

from appliance.auth.service import CLI
from appliance.clictx import Context, pass_ctx
from appliance.publication import export, moderation_service


@click.command("publication-export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--site-url",
    default=None,
    help="Where the files will be served (for the feed's absolute links), e.g. "
    "https://www.example.nl/reviews.",
)
@pass_ctx
def publication_export(ctx: Context, slug: str, file: str, site_url: str | None) -> None:
    """Write the public page, feed, widgets and CSS of the publication at SLUG to the zip FILE."""
    from appliance import create_app

    values = ctx.settings()
    app = create_app({"data_dir": values["data_dir"], "config_file": ctx.config})
    with app.app_context():
        try:
            survey_id, data = export.archive(slug, site_url)
        except export.NotFound:
            raise click.ClickException(f"nothing is published at {slug!r}") from None
    Path(file).write_bytes(data)
    with ctx.database(values) as conn:
        moderation_service.record_export(conn, CLI, survey_id)
    click.echo(f"wrote {file} ({len(data):,} bytes); replace the files on your web server")
