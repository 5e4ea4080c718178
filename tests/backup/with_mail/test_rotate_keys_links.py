"""After `appliance rotate-keys`, the links in messages mailed before it still work: the survey
link opens and takes the answer, an unsubscribe link made from today's hash holds at send time.
Both hold because the seeds carry their generation and unsubscribe links name theirs."""

from __future__ import annotations

from appliance.contacts import fields
from appliance.keys import load as load_keys
from appliance.mailing import unsubscribe
from appliance.privacy import suppression
from tests.backup.conftest import run
from tests.factories import state_of
from tests.mailing.conftest import link_in


def rotate(data_dir):
    r = run("--data-dir", data_dir, "rotate-keys", "--drain-seconds", "0")
    assert r.exit_code == 0, r.output


def hashed(data_dir, address):
    return suppression.address_hash(load_keys(data_dir).hasher(), fields.email(address))


def test_links_mailed_before_a_rotation_still_open_the_survey(world, app, conn):
    world.campaign(reminders=1)
    assert world.deliver().sent == 5
    mail = world.received()
    rotate(world.data_dir)
    client = app.test_client()
    jan = link_in(mail["jan@example.nl"][0], "i")
    page = client.get(jan)
    assert page.status_code == 200
    done = client.post(jan, data={"state": state_of(page.get_data(as_text=True)), "nps": "9"})
    assert done.status_code == 200
    assert conn.execute("SELECT count(*) FROM invitations WHERE used = 1").fetchone()[0] == 1
    # An unsubscribe link made from today's stored hash works and holds at send time.
    kim = hashed(world.data_dir, "kim@example.nl")
    now = load_keys(world.data_dir)
    token = unsubscribe.token_for(now.session, kim, "nl", now.hasher().generation)
    assert client.post(f"/u/{token}").status_code == 200
    assert suppression.suppressed(conn, [kim]) == {kim}
    # The seeds behind the links now say which keys made them (see KeyedHasher.seed_digest).
    seeds = conn.execute("SELECT DISTINCT typeof(link_seed), length(link_seed) FROM invitations")
    assert [tuple(r) for r in seeds] == [("blob", 17)]


def test_a_reminder_after_a_rotation_carries_the_link_of_the_invitation(world, conn):
    campaign_id = world.campaign(reminders=1)
    world.deliver()
    first = world.received()
    rotate(world.data_dir)
    conn.execute("UPDATE campaigns SET next_wave_at = 0 WHERE id = ?", (campaign_id,))
    world.smtp.handler.messages.clear()
    world.deliver()
    reminded = world.received()
    assert link_in(reminded["piet@example.nl"][0], "i") == link_in(first["piet@example.nl"][0], "i")


def test_an_unsubscribe_link_mailed_before_a_rotation_suppresses_the_address(world, app, conn):
    world.campaign(reminders=0)
    world.deliver()
    link = link_in(world.received()["kim@example.nl"][0], "u")
    rotate(world.data_dir)
    assert app.test_client().post(link).status_code == 200
    kim = hashed(world.data_dir, "kim@example.nl")
    assert suppression.suppressed(conn, [kim]) == {kim}
