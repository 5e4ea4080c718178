"""Campaign sending speed, CPU and memory against a ceiling measured in the same run.

Sets up a data directory with N imported contacts, an open survey and a campaign, starts its own
SMTP sink on 127.0.0.1 (a separate process, so the sender's CPU time is its own), then measures:

- ceiling: plain ``smtplib`` sending one pre-rendered message to N recipients over the same number
  of reused connections (one thread per connection);
- app: the appliance's real sending round (``mailing.jobs.deliver``): claiming from the outbox,
  suppression check, decrypting each contact, personal salutation and links, rendering, sending
  with the journal, recording results. The invitation wave is built first and timed apart.

Targets: ``ratio`` = app messages/s / ceiling messages/s >= 0.7; sender CPU < 0.4 ms a message;
steady memory (RSS growth over the second half of the run close to zero).
Prints one JSON object as its last line.

    .venv/bin/python benchmarks/send_campaign.py [--quick] [--messages N] [--connections C]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ["Jan", "Piet", "Anna", "Els", "Sanne", "Mohammed", "Fatima", "Daan", "Emma", ""]
INFIX = ["", "", "", "van", "de", "van der", "ter"]
LAST = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Dekker"]
GENDER = ["man", "vrouw", "onbekend"]


# ---- the sink (child process) -------------------------------------------------------------------


def sink(port_file: str) -> None:
    """A minimal SMTP server: accepts everything, counts recipients; prints them on SIGTERM."""
    received: Counter = Counter()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        recipients: list[bytes] = []
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"MAIL":
                    recipients = []
                    writer.write(b"250 OK\r\n")
                elif verb == b"RCPT":
                    recipients.append(line[8:].strip(b"<> \r\n"))
                    writer.write(b"250 OK\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    await reader.readuntil(b"\r\n.\r\n")
                    received.update(recipients)
                    writer.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"250 OK\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(session, "127.0.0.1", 0, backlog=64)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with server:
            await stop.wait()
        app = [r for r in received if not r.startswith(b"ceiling")]
        print(
            json.dumps(
                {
                    "ceiling": sum(n for r, n in received.items() if r.startswith(b"ceiling")),
                    "app_messages": sum(received[r] for r in app),
                    "app_recipients": len(app),
                }
            ),
            flush=True,
        )

    asyncio.run(main())


def start_sink(work: Path) -> tuple[subprocess.Popen, int]:
    port_file = work / "sink-port"
    process = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port_file)], stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline:
            raise SystemExit("the SMTP sink did not start")
        time.sleep(0.05)
    return process, int(port_file.read_text())


# ---- set-up ----------------------------------------------------------------------


def prepare(work: Path, messages: int, port: int, connections: int) -> dict:
    from appliance.auth.service import CLI
    from appliance.cli import initialise
    from appliance.contacts import import_service, reader
    from appliance.contacts.mapping import Mapping, suggest
    from appliance.db import connect, db_path
    from appliance.keys import load as load_keys
    from appliance.mailing import service as mailing_service
    from appliance.mailing import store
    from appliance.settings import load as load_settings
    from appliance.surveys import service

    data_dir = work / "data"
    values = load_settings(
        {
            "data_dir": str(data_dir),
            "base_url": "https://enquete.voorbeeld.nl",
            "mail_transport": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "mail_from": "Klantenservice Voorbeeld BV <enquete@voorbeeld.nl>",
            "organisation_name": "Voorbeeld BV",
            "mail_connections": connections,
        },
        environ={},
    )
    initialise(values)
    rng = random.Random(2026)
    csv_path = work / "contacts.csv"
    with csv_path.open("w", encoding="utf-8") as fh:
        fh.write("E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Geslacht;Taal\n")
        for i in range(messages):
            fh.write(
                f"klant.{i}@voorbeeld{i % 997}.nl;{rng.choice(FIRST)};{rng.choice(INFIX)};"
                f"{rng.choice(LAST)};{rng.choice(GENDER)};{rng.choice(['nl', 'nl', 'en'])}\n"
            )
    conn = connect(db_path(data_dir))
    keys = load_keys(data_dir)
    with reader.open_table(csv_path) as table:
        mapping = Mapping.build(table.headers, suggest(table.headers))
        import_id = import_service.begin(conn, CLI, "Benchmark", "consent", "", mapping)
        import_service.run_import(conn, keys, CLI, import_id, table, mapping)
    survey_id = service.create_from_template(conn, CLI, "nps")
    service.change_status(conn, CLI, survey_id, "open")
    templates = {r["name"]: r["id"] for r in store.list_templates(conn)}
    plan = mailing_service.Plan(
        name="Benchmark",
        survey_id=survey_id,
        list_id=conn.execute("SELECT id FROM contact_lists").fetchone()[0],
        template_id=templates["Uitnodiging / Invitation"],
        reminder_template_id=None,
        send_at=time.time(),
        reminders=0,
        reminder_days=7,
        segment_filter={},
    )
    campaign_id, _ = mailing_service.create(conn, CLI, plan)
    conn.close()
    return {"values": values, "keys": keys, "campaign_id": campaign_id}


def build_wave(setup: dict) -> float:
    """Build the invitation wave alone (timed apart from sending)."""
    from appliance.db import connect, db_path, transaction
    from appliance.mailing import send_service, store

    conn = connect(db_path(setup["values"]["data_dir"]))
    started = time.perf_counter()
    campaign = store.get_campaign(conn, setup["campaign_id"])
    send_service.start(
        conn, setup["keys"], campaign, time.time(), setup["values"]["min_group_size"]
    )
    with transaction(conn):
        pass
    conn.close()
    return time.perf_counter() - started


# ---- measurements ----------------------------------------------------------------------


def ceiling(port: int, messages: int, connections: int, sample: bytes) -> tuple[float, float]:
    """Messages/s and CPU ms a message of plain smtplib over ``connections`` reused
    connections."""
    per = [
        messages // connections + (1 if i < messages % connections else 0)
        for i in range(connections)
    ]

    def work(n: int, offset: int) -> None:
        smtp = smtplib.SMTP("127.0.0.1", port)
        for i in range(n):
            smtp.sendmail("enquete@voorbeeld.nl", [f"ceiling{offset + i}@x.nl"], sample)
        smtp.quit()

    threads = [threading.Thread(target=work, args=(n, sum(per[:i]))) for i, n in enumerate(per)]
    started, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return messages / wall, cpu / messages * 1000


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def send(setup: dict) -> dict:
    from appliance.mailing import jobs

    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.25):
            samples.append((time.perf_counter(), rss_mb()))

    watcher = threading.Thread(target=watch, daemon=True)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    watcher.start()
    report = jobs.deliver(setup["values"], setup["keys"])
    done.set()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    half = [mb for t, mb in samples if t - wall0 >= wall / 2] or [rss_mb()]
    return {
        "sent": report.sent,
        "seconds": wall,
        "cpu_s": cpu,
        "rss_mb_mid": round(half[0], 1),
        "rss_mb_end": round(half[-1], 1),
        "rss_mb_max": round(max(mb for _, mb in samples) if samples else rss_mb(), 1),
    }


def sample_message(setup: dict) -> bytes:
    """One rendered invitation, as the ceiling's pre-rendered message."""
    from appliance.db import connect, db_path
    from appliance.mailing import outbox, store
    from appliance.mailing.render import CampaignMail

    conn = connect(db_path(setup["values"]["data_dir"]))
    campaign = store.get_campaign(conn, setup["campaign_id"])
    keys = setup["keys"]
    mail = CampaignMail.for_wave(conn, campaign, 0, setup["values"], keys)
    conn.execute("BEGIN IMMEDIATE")
    item = outbox.claim(conn, setup["campaign_id"], 1)[0]
    conn.execute("ROLLBACK")  # leave the row queued for the real run
    data = mail.render(item).data
    conn.close()
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20,000 messages")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--sink", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sink:
        sink(args.sink)
        return
    messages = 20_000 if args.quick else args.messages
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        process, port = start_sink(work)
        try:
            t0 = time.perf_counter()
            setup = prepare(work, messages, port, args.connections)
            prepare_s = time.perf_counter() - t0
            build_s = build_wave(setup)
            sample = sample_message(setup)
            ceiling_per_s, ceiling_cpu = ceiling(port, messages, args.connections, sample)
            app = send(setup)
        finally:
            process.send_signal(signal.SIGTERM)
            out, _ = process.communicate(timeout=30)
        counts = json.loads(out.strip().splitlines()[-1])
    app_per_s = app["sent"] / app["seconds"]
    result = {
        "messages": messages,
        "connections": args.connections,
        "message_bytes": len(sample),
        "prepare_s": round(prepare_s, 1),
        "build_wave_s": round(build_s, 2),
        "ceiling_per_s": round(ceiling_per_s),
        "app_per_s": round(app_per_s),
        "ratio": round(app_per_s / ceiling_per_s, 2),
        "cpu_ms_per_msg": round(app["cpu_s"] / max(app["sent"], 1) * 1000, 3),
        "ceiling_cpu_ms_per_msg": round(ceiling_cpu, 3),
        "rss_mb_mid": app["rss_mb_mid"],
        "rss_mb_end": app["rss_mb_end"],
        "rss_mb_max": app["rss_mb_max"],
        "received": counts["app_messages"],
        "lost": messages - counts["app_recipients"],
        "duplicates": counts["app_messages"] - counts["app_recipients"],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
