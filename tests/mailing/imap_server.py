"""A real IMAP4rev1 server for the tests, over TLS from the first byte (IMAPS), in a thread.

It speaks what ``imaplib`` needs to read and empty a mailbox: CAPABILITY, LOGIN, SELECT,
UID SEARCH (ALL, UID <set>, DELETED), UID FETCH (RFC822.SIZE, BODY.PEEK[] / BODY[]),
UID STORE +FLAGS (\\Deleted), EXPUNGE and UID EXPUNGE (UIDPLUS), NOOP, LOGOUT. Like Dovecot,
it announces UIDPLUS only after the login (the greeting does not), and not at all when
``Store.uidplus`` is off. Its certificate is self-signed, made with ``cryptography`` for
127.0.0.1; :attr:`ImapServer.client_context` trusts it (and nothing else).
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import socketserver
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (an IP address SAN and "localhost") and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imap.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "imap.pem", directory / "imap.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class Store:
    """The one mailbox (folder ``INBOX``, or ``folder``) the server holds."""

    users: dict[str, str]
    folder: str = "INBOX"
    messages: dict[int, bytes] = field(default_factory=dict)
    flags: dict[int, set[str]] = field(default_factory=dict)
    next_uid: int = 1
    uidvalidity: int = 1
    uidplus: bool = True  # offered after the login, as Dovecot and Gmail do
    logins: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw: bytes, *flags: str) -> int:
        with self.lock:
            uid = self.next_uid
            self.next_uid += 1
            self.messages[uid] = raw
            self.flags[uid] = set(flags)
            return uid

    def renumber(self) -> None:
        """What a server does when it rebuilds the folder: new UIDs from 1, a new UIDVALIDITY."""
        with self.lock:
            old = [self.messages[u] for u in sorted(self.messages)]
            flags = [self.flags[u] for u in sorted(self.messages)]
            self.messages = {n: raw for n, raw in enumerate(old, 1)}
            self.flags = {n: f for n, f in enumerate(flags, 1)}
            self.next_uid = len(old) + 1
            self.uidvalidity += 1


_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|(\()|(\))|([^\s()"]+)')


def _args(text: str) -> list[str]:
    out = []
    for quoted, _open, _close, atom in _TOKEN.findall(text):
        if atom:
            out.append(atom)
        elif quoted or (not _open and not _close):
            out.append(re.sub(r"\\(.)", r"\1", quoted))
    return out


def _uids(spec: str, present: list[int]) -> list[int]:
    chosen = []
    for part in spec.split(","):
        if ":" in part:
            low, high = part.split(":")
            top = max(present, default=0)
            a = top if low == "*" else int(low)
            b = top if high == "*" else int(high)
            chosen += [u for u in present if min(a, b) <= u <= max(a, b)]
        else:
            chosen += [
                u for u in present if u == (max(present, default=0) if part == "*" else int(part))
            ]
    return sorted(set(chosen))


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        store: Store = self.server.store  # type: ignore[attr-defined]
        user = None
        selected = False
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] test server ready")
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            store.commands.append(command if command != "LOGIN" else "LOGIN")
            if command == "CAPABILITY":
                extra = " UIDPLUS" if user is not None and store.uidplus else ""
                self.send(f"* CAPABILITY IMAP4rev1{extra} AUTH=PLAIN")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completed")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif command == "LOGIN":
                name, password = (_args(args) + ["", ""])[:2]
                if store.users.get(name) == password:
                    user = name
                    store.logins.append(name)
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif user is None:
                self.send(f"{tag} BAD log in first")
            elif command in ("SELECT", "EXAMINE"):
                folder = (_args(args) or [""])[0]
                if folder.upper() != store.folder.upper():
                    self.send(f"{tag} NO [NONEXISTENT] no such folder")
                    continue
                selected = True
                with store.lock:
                    self.send(f"* {len(store.messages)} EXISTS")
                    self.send("* 0 RECENT")
                    self.send(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
                    self.send(f"* OK [UIDVALIDITY {store.uidvalidity}] UIDs valid")
                    self.send(f"* OK [UIDNEXT {store.next_uid}] next uid")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif not selected:
                self.send(f"{tag} BAD select a folder first")
            elif command == "UID" and args.upper().startswith("EXPUNGE") and not store.uidplus:
                self.send(f"{tag} BAD no UIDPLUS here")
            elif command == "UID":
                self._uid(store, tag, args)
            elif command == "EXPUNGE":
                self._expunge(store, tag, None)
            else:
                self.send(f"{tag} BAD unknown command")

    def _seq(self, store: Store, uid: int) -> int:
        return sorted(store.messages).index(uid) + 1

    def _uid(self, store: Store, tag: str, args: str) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        with store.lock:
            present = sorted(store.messages)
            if sub == "SEARCH":
                criteria = rest.upper().split()
                found = present
                if criteria[:1] == ["UID"]:
                    found = _uids(criteria[1], present)
                elif criteria[:1] == ["DELETED"]:
                    found = [u for u in present if r"\Deleted" in store.flags[u]]
                self.send("* SEARCH " + " ".join(map(str, found)) if found else "* SEARCH")
                self.send(f"{tag} OK SEARCH completed")
            elif sub == "FETCH":
                spec, _, items = rest.partition(" ")
                items = items.upper()
                for uid in _uids(spec, present):
                    raw = store.messages[uid]
                    seq = self._seq(store, uid)
                    store.commands.append("FETCH " + items)
                    if "BODY" not in items and "RFC822)" not in items:
                        self.send(f"* {seq} FETCH (UID {uid} RFC822.SIZE {len(raw)})")
                        continue
                    if "PEEK" not in items:
                        store.flags[uid].add(r"\Seen")
                    head = f"* {seq} FETCH (UID {uid} BODY[] {{{len(raw)}}}"
                    self.wfile.write(head.encode() + b"\r\n" + raw + b")\r\n")
                self.send(f"{tag} OK FETCH completed")
            elif sub == "STORE":
                spec, _, change = rest.partition(" ")
                for uid in _uids(spec, present):
                    if "+FLAGS" in change.upper() and "\\DELETED" in change.upper():
                        store.flags[uid].add(r"\Deleted")
                    flags = " ".join(sorted(store.flags[uid]))
                    self.send(f"* {self._seq(store, uid)} FETCH (UID {uid} FLAGS ({flags}))")
                self.send(f"{tag} OK STORE completed")
            elif sub == "EXPUNGE":
                self._expunge(store, tag, set(_uids(rest.strip(), present)), locked=True)
            else:
                self.send(f"{tag} BAD unknown UID command")

    def _expunge(self, store: Store, tag: str, only: set[int] | None, locked=False) -> None:
        if not locked:
            with store.lock:
                return self._expunge(store, tag, only, locked=True)
        for uid in sorted(store.messages, reverse=True):
            if r"\Deleted" in store.flags[uid] and (only is None or uid in only):
                self.send(f"* {self._seq(store, uid)} EXPUNGE")
                del store.messages[uid]
                del store.flags[uid]
        self.send(f"{tag} OK EXPUNGE completed")
        return None


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, store: Store, context: ssl.SSLContext):
        super().__init__(address, _Handler)
        self.store, self.context = store, context

    def get_request(self):
        sock, address = super().get_request()
        return self.context.wrap_socket(sock, server_side=True), address


@dataclass
class ImapServer:
    host: str
    port: int
    store: Store
    client_context: ssl.SSLContext
    cafile: str  # the certificate, for SSL_CERT_FILE: the system's way to trust it


@contextmanager
def imap_server(users: dict[str, str] | None = None, folder: str = "INBOX") -> Iterator[ImapServer]:
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = self_signed(Path(tmp))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        client = ssl.create_default_context(cafile=str(cert))
        store = Store(users or {"bounces@voorbeeld.nl": "geheim-imap"}, folder)
        server = _Server(("127.0.0.1", 0), store, context)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield ImapServer("127.0.0.1", server.server_address[1], store, client, str(cert))
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
