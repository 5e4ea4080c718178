"""Commit order as data: the attacker copies the data directory and reads SQLite's own files.

Answering an invitation marks it used and stores the response in one commit. The WAL keeps every
commit's pages in order, so a copy of it links each response to its invitation; inside a page,
cells sit in the order they were written. The tests answer invitations one at a time in a known
order and attack copies taken while serving, after a clean stop, from a backup and after the
nightly rebuild (:mod:`tests.anonymity.forensics`)."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import urllib.parse
import urllib.request
from datetime import date

from appliance import db
from appliance.backup import archive
from appliance.db import transaction
from tests.anonymity import forensics
from tests.factories import invite, open_survey, state_of, submit_response
from tests.serving import running_server

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _invitations(conn, data_dir, count: int) -> tuple[int, list[tuple[str, int]]]:
    """An open survey and ``count`` invitations as (token, invitation id), in random order."""
    survey_id = open_survey(conn)
    with transaction(conn):
        made = [invite(conn, data_dir, survey_id) for _ in range(count)]
    random.Random(5).shuffle(made)

    return survey_id, made


def _invite(server, count: int) -> tuple[int, list[tuple[str, int]]]:
    """:func:`_invitations` on a running server's database."""
    conn = db.connect(db.db_path(server.data_dir))
    try:
        return _invitations(conn, server.data_dir, count)
    finally:
        conn.close()


def _truth(conn) -> dict[str, str]:
    """response id -> the marker its respondent typed (the order they answered in)."""
    return {
        r[0]: json.loads(r[1])["why"]
        for r in conn.execute("SELECT id, answers FROM responses")
        if "why" in json.loads(r[1])
    }


def _files(data_dir) -> tuple[bytes, bytes]:
    """What a copy of the data directory holds: the database file, then its WAL."""
    path = db.db_path(data_dir)
    wal = path.with_name(path.name + "-wal")
    main = path.read_bytes()
    try:
        return main, wal.read_bytes()
    except FileNotFoundError:
        return main, b""


def _settled(data_dir) -> bool:
    main, log = _files(data_dir)
    return forensics.wal_pages(log) <= {forensics.pad_page(main)}


def _correct(links: dict[str, int], truth: dict[str, str], marker_of: dict[int, str]) -> int:
    return sum(truth.get(rid) == marker_of.get(invitation) for rid, invitation in links.items())


def _submit_in_order(conn, data_dir, survey_id, made) -> dict[int, str]:
    """Answer every invitation, one commit each, in the given order; invitation -> marker."""
    marker_of = {}
    for n, (token, invitation_id) in enumerate(made):
        marker_of[invitation_id] = f"marker-{n}"
        submit_response(
            conn,
            data_dir,
            survey_id,
            {"nps": str(n % 11), "why": f"marker-{n}"},
            f"k{n}",
            mode="invitation",
            today=date(2026, 11, 30),
            invitation=token,
            quality_flags=False,
        )
    return marker_of


def test_the_attack_links_every_response_of_a_log_left_in_place(conn, data_dir):
    """The positive control: a WAL that is not truncated after each commit links them all."""
    survey_id, made = _invitations(conn, data_dir, 30)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    marker_of = _submit_in_order(conn, data_dir, survey_id, made)
    links = forensics.linked(*_files(data_dir))
    assert _correct(links, _truth(conn), marker_of) == 30


def _rank(conn) -> dict[str, int]:
    return {rid: int(marker.split("-")[1]) for rid, marker in _truth(conn).items()}


def test_a_backup_and_the_nightly_rebuild_keep_no_order_in_their_pages(conn, data_dir, tmp_path):
    survey_id, made = _invitations(conn, data_dir, 3000)
    _submit_in_order(conn, data_dir, survey_id, made)
    db.truncate_wal(conn)
    rank = _rank(conn)
    # The positive control: the live file keeps arrival order inside its pages (the latest
    # cells lowest), though it is too diluted for the rank correlation to show.
    live = forensics.cell_order(_files(data_dir)[0])
    assert forensics.lowest_cell_lateness(live, rank) > 0.7

    snapshot = tmp_path / "snapshot.db"
    archive._snapshot(db.db_path(data_dir), snapshot)
    copied = snapshot.read_bytes()
    cells = forensics.cell_order(copied)
    assert set(rank) <= {c[2] for c in cells}
    assert abs(forensics.order_correlation(cells, rank)) < 0.05
    assert 0.35 < forensics.lowest_cell_lateness(cells, rank) < 0.65
    assert forensics.linked(copied, b"") == {}

    db.forget_order(conn)
    rebuilt, log = _files(data_dir)
    assert log == b""
    cells = forensics.cell_order(rebuilt)
    assert abs(forensics.order_correlation(cells, rank)) < 0.05
    assert 0.35 < forensics.lowest_cell_lateness(cells, rank) < 0.65


def _answer(base_url: str, token: str, marker: str) -> None:
    with OPENER.open(f"{base_url}/i/{token}", timeout=30) as page:
        state = state_of(page.read().decode())

    body = urllib.parse.urlencode({"state": state, "nps": "7", "why": marker}).encode()
    with OPENER.open(f"{base_url}/i/{token}", data=body, timeout=30) as done:
        assert done.status == 200


def test_copies_taken_while_serving_and_after_a_stop_link_at_most_the_last_few(tmp_path):
    with running_server(tmp_path) as server:
        survey_id, made = _invite(server, 30)
        copies: list[tuple[bytes, bytes]] = []
        answering = threading.Event()
        answering.set()

        def thief():
            rng = random.Random(9)
            while answering.is_set():
                copies.append(_files(server.data_dir))
                time.sleep(rng.uniform(0.0, 0.03))

        taking = threading.Thread(target=thief)
        taking.start()
        marker_of = {}
        try:
            for n, (token, invitation_id) in enumerate(made):
                marker_of[invitation_id] = f"marker-{n}"
                _answer(server.base_url, token, f"marker-{n}")
        finally:
            answering.clear()
            taking.join()
        # Right after the burst, too.
        copies.append(_files(server.data_dir))
    stopped = _files(server.data_dir)
    conn = db.connect(db.db_path(server.data_dir))
    truth = _truth(conn)
    conn.close()
    assert len(truth) == 30
    assert len(copies) >= 10
    worst = max(_correct(forensics.linked(*copy), truth, marker_of) for copy in copies)
    assert worst <= 3, worst
    # A clean stop leaves no log behind: the file alone links nothing.
    assert stopped[1] == b""
    assert forensics.linked(*stopped) == {}


def test_responses_answered_through_the_server_leave_no_log(tmp_path):
    with running_server(tmp_path) as server:
        _, made = _invite(server, 5)
        for n, (token, _) in enumerate(made):
            _answer(server.base_url, token, f"m{n}")
            # Acknowledged, then truncated: nothing of the commit is left in the log, which
            # holds at most the page of wal_pad, written to start a new one.
            deadline = time.monotonic() + 5
            while not _settled(server.data_dir) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _settled(server.data_dir)


def test_every_acknowledged_response_survives_a_kill(tmp_path):
    """Truncating the log after each commit must not cost durability: kill -9 right after the
    last thank-you page loses nothing."""
    with running_server(tmp_path) as server:
        _, made = _invite(server, 20)
        workers = [
            threading.Thread(target=_answer, args=(server.base_url, token, f"m{n}"))
            for n, (token, _) in enumerate(made)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    conn = db.connect(db.db_path(server.data_dir))
    try:
        assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 20
        assert conn.execute("SELECT count(*) FROM invitations WHERE used").fetchone()[0] == 20
    finally:
        conn.close()
