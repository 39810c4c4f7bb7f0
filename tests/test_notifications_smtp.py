"""The SMTP sender against a real SMTP conversation on loopback (a minimal sink server)."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes

import pytest

from activities.notifications import Mail, SmtpSender


class _Sink(socketserver.StreamRequestHandler):
    """Speaks just enough SMTP (RFC 5321) to accept one message and keep it."""

    def handle(self) -> None:
        self.wfile.write(b"220 sink ready\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.messages.append(data)  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                self.server.envelope.append(line.strip().decode())  # type: ignore[attr-defined]
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def sink() -> Iterator[socketserver.TCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Sink)
    server.messages, server.envelope = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_mail_goes_out_to_its_address_with_a_stable_message_id(sink: socketserver.TCPServer) -> None:
    host, port = sink.server_address[:2]
    sender = SmtpSender(str(host), int(port), "kinerja@bkpsdm.example")

    sender.send(Mail("digest:199001012015021002:x:3", "penilai@palukota.example", "Pengingat: SKP", "Batas waktu."))

    [raw] = sink.messages  # type: ignore[attr-defined]
    mail = message_from_bytes(raw)
    assert mail["To"] == "penilai@palukota.example"
    assert mail["From"] == "kinerja@bkpsdm.example" and mail["Subject"] == "Pengingat: SKP"
    assert mail["Message-ID"] == "<digest.199001012015021002.x.3@bkpsdm.example>"  # the same on every retry
    assert mail.get_payload().strip() == "Batas waktu."
    assert "rcpt TO:<penilai@palukota.example>" in sink.envelope  # type: ignore[attr-defined]


def test_an_unreachable_relay_raises_so_the_dispatcher_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    with pytest.raises(OSError):
        SmtpSender("127.0.0.1", port, "kinerja@x.example").send(Mail("m", "a@b.example", "s", "b"))
