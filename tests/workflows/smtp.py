"""A small real SMTP server for the tests (Django's SMTP backend talks to it over TCP): it keeps the
messages it accepts and can break down after N of them (« 421 », connection closed), as an SMTP relay
does when it goes down in the middle of a session."""

from __future__ import annotations

import socket
import socketserver
import threading
from email import message_from_bytes


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: SmtpServer = self.server.owner  # type: ignore[attr-defined]
        self.reply("220 tests ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 tests")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                if server.broken():
                    self.reply("421 Service indisponible, fermeture")
                    return
                self.reply("354 Fin par <CRLF>.<CRLF>")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                server.accept(message_from_bytes(data))
                self.reply("250 Accepté")
            elif verb == "QUIT":
                self.reply("221 Au revoir")
                return
            else:
                self.reply("502 Commande inconnue")


class SmtpServer:
    def __init__(self, fail_after: int | None = None):
        self.fail_after = fail_after
        self.messages = []
        self._lock = threading.Lock()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.owner = self
        self.port = self._server.server_address[1]

    def broken(self) -> bool:
        with self._lock:
            return self.fail_after is not None and len(self.messages) >= self.fail_after

    def accept(self, message) -> None:
        with self._lock:
            self.messages.append(message)

    def recipients(self) -> list[str]:
        return [m["To"] for m in self.messages]

    def __enter__(self) -> SmtpServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A port nothing listens on (an SMTP server that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
