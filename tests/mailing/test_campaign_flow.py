"""End to end through a real SMTP server: import, send a campaign, read every message, answer
through one link, unsubscribe through another, then the reminder reaches only the others."""

from __future__ import annotations

import re

from appliance.mailing import store
from tests.factories import answer_page
from tests.mailing.conftest import link_in, text_of


def test_invitation_answer_unsubscribe_then_reminder_only_to_the_others(world, app, conn):
    campaign_id = world.campaign(reminders=1)
    report = world.deliver()
    assert report.sent == 5 and not report.problems
    mail = world.received()
    assert sorted(mail) == [
        "els@example.nl",
        "jan@example.nl",
        "kim@example.nl",
        "piet@example.nl",
        "sam@example.nl",
    ]
    assert all(len(messages) == 1 for messages in mail.values())

    jan = mail["jan@example.nl"][0]
    assert jan["From"] == "Voorbeeld BV <enquete@voorbeeld.nl>"
    assert jan["Subject"] == "Uw mening over Voorbeeld BV"
    assert jan["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert jan["Message-ID"] and jan["Date"]
    assert text_of(jan).startswith("Geachte heer Jansen,")
    assert text_of(mail["els@example.nl"][0]).startswith("Geachte mevrouw De Vries,")
    sam = mail["sam@example.nl"][0]  # English, no gender: the neutral full name
    assert sam["Subject"] == "Your opinion of Voorbeeld BV"
    assert text_of(sam).startswith("Dear Sam de Vries,")
    assert jan.get_body(("html",)).get_content().count('href="https://enquete.example.nl/i/') == 1
    # Each recipient has a link of their own.
    assert len({link_in(m[0], "i") for m in mail.values()}) == 5

    client = app.test_client()
    # Jan answers through his link.
    link = link_in(jan, "i")
    done = answer_page(client, link, {"nps": "9"})
    assert done.status_code == 200

    assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 1
    # Kim unsubscribes: opening the link changes nothing, the button does.
    unsubscribe = link_in(mail["kim@example.nl"][0], "u")
    assert (
        mail["kim@example.nl"][0]["List-Unsubscribe"]
        == f"<https://enquete.example.nl{unsubscribe}>"
    )
    client.get(unsubscribe)
    assert conn.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0
    assert client.post(unsubscribe).status_code == 200
    assert conn.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 1

    # The reminder, brought forward to now.
    conn.execute("UPDATE campaigns SET next_wave_at = 0 WHERE id = ?", (campaign_id,))
    conn.commit()
    world.smtp.handler.messages.clear()
    report = world.deliver()
    assert report.sent == 3
    reminded = world.received()
    assert sorted(reminded) == ["els@example.nl", "piet@example.nl", "sam@example.nl"]
    piet = reminded["piet@example.nl"][0]
    assert piet["Subject"] == "Herinnering: uw mening over Voorbeeld BV"
    # The reminder carries the same personal link as the invitation.
    assert link_in(piet, "i") == link_in(mail["piet@example.nl"][0], "i")
    assert store.get_campaign(conn, campaign_id)["status"] == "done"
    # Nothing is left to send: another round sends nothing.
    world.smtp.handler.messages.clear()
    assert world.deliver().sent == 0 and not world.smtp.handler.messages
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert "mailing.campaign_started" in actions and "mailing.campaign_finished" in actions
    summary = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'mailing.campaign_finished'"
    ).fetchone()[0]
    assert '"sent": 8' in summary and "@" not in summary
    assert (
        re.search(
            r"example\.nl", " ".join(r[0] for r in conn.execute("SELECT details FROM audit_log"))
        )
        is None
    )
