"""Invitations reach a mail server that offers PIPELINING in two exchanges a message, and
one that does not in smtplib's four; refusals are reported the same way on both."""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage

from convener.invitations import smtp
from convener.invitations.pipelining import PipeliningSMTP
from tests.conftest import Inbox, free_port


class Relay:
    """A TCP relay in front of the mail server that keeps each write the client made, as
    the server's side of the connection received it."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.writes: list[bytes] = []
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, keep: bool) -> None:
        with contextlib.suppress(OSError):  # the other way round ended the connection
            while chunk := source.recv(65536):
                if keep:
                    self.writes.append(chunk)
                target.sendall(chunk)
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def commands(self) -> list[bytes]:
        """The client's writes that end in DATA, upper-cased (smtplib writes lower case)."""
        return [w.upper() for w in self.writes if w.upper().endswith(b"DATA\r\n")]

    def close(self) -> None:
        self.listener.close()
        for end in self.sockets:
            end.close()


@pytest.fixture
def mail_server(settings: Any) -> Iterator[tuple[Inbox, Relay]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    relay = Relay(port)
    settings.SMTP_HOST = settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = relay.port
    smtp._drop()  # this thread's kept connection belongs to another test's server
    try:
        yield inbox, relay
    finally:
        smtp._drop()
        relay.close()
        controller.stop()


def invitation(to: str) -> EmailMessage:
    return EmailMessage(
        "Intro call",
        "Join: https://meet.example/abc\n.\nA line that is only a dot, above.",
        "Convener <invites@convener.example>",
        [to],
    )


def test_a_server_offering_pipelining_gets_mail_rcpt_and_data_in_one_write(
    mail_server: tuple[Inbox, Relay],
) -> None:
    inbox, relay = mail_server

    assert smtp.send(invitation("bob@example.org")) == 1
    assert smtp.send(invitation("eve@example.org")) == 1

    assert [rcpts for _, rcpts in inbox.envelopes] == [["bob@example.org"], ["eve@example.org"]]
    assert inbox.messages[0].get_content().splitlines()[1:] == [
        ".",
        "A line that is only a dot, above.",
    ]
    commands = relay.commands()
    assert len(commands) == 2
    for sent, to in zip(commands, ["bob", "eve"], strict=True):
        lines = sent.decode().splitlines()
        assert lines[0].startswith("MAIL FROM:<INVITES@CONVENER.EXAMPLE>")
        assert lines[1:] == [f"RCPT TO:<{to.upper()}@EXAMPLE.ORG>", "DATA"]


def test_a_server_without_pipelining_gets_one_command_at_a_time(
    mail_server: tuple[Inbox, Relay],
) -> None:
    inbox, relay = mail_server
    inbox.pipelining = False

    assert smtp.send(invitation("bob@example.org")) == 1

    assert [rcpts for _, rcpts in inbox.envelopes] == [["bob@example.org"]]
    assert relay.commands() == [b"DATA\r\n"]
    assert any(w.upper().startswith(b"MAIL FROM:") and w.count(b"\r\n") == 1 for w in relay.writes)


def test_a_refused_recipient_is_reported_and_the_connection_sends_the_next(
    mail_server: tuple[Inbox, Relay],
) -> None:
    inbox, relay = mail_server
    inbox.refused.add("gone@example.org")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.send(invitation("gone@example.org"))
    assert refused.value.recipients["gone@example.org"][0] == 550
    # The same connection goes on (RSET), for the backend's callers that keep it.
    with PipeliningSMTP("127.0.0.1", relay.port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("invites@convener.example", ["gone@example.org"], b"Subject: x\r\n")
        assert client.sendmail("invites@convener.example", ["bob@example.org"], b"\r\nHi") == {}
        partly = client.sendmail(
            "invites@convener.example", ["gone@example.org", "eve@example.org"], b"\r\nHi"
        )
        assert partly == {"gone@example.org": (550, b"5.1.1 mailbox unavailable")}

    assert [rcpts for _, rcpts in inbox.envelopes] == [["bob@example.org"], ["eve@example.org"]]


class Strict(Inbox):
    """Refuses the sender, or the content once it has arrived."""

    refuse_sender = False
    refuse_content = False

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_sender:
            return "553 5.7.1 sender not allowed"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_content:
            return "554 5.6.0 message refused"
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_refused_sender_or_content_raises_what_smtplib_raises(pipelining: bool) -> None:
    inbox = Strict(pipelining=pipelining)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with PipeliningSMTP("127.0.0.1", port) as client:
            inbox.refuse_sender = True
            with pytest.raises(smtplib.SMTPSenderRefused) as sender:
                client.sendmail("invites@convener.example", ["bob@example.org"], b"\r\nHi")
            assert sender.value.smtp_code == 553
            inbox.refuse_sender, inbox.refuse_content = False, True
            with pytest.raises(smtplib.SMTPDataError) as content:
                client.sendmail("invites@convener.example", ["bob@example.org"], b"\r\nHi")
            assert content.value.smtp_code == 554
            inbox.refuse_content = False
            assert client.sendmail("invites@convener.example", ["bob@example.org"], b"\r\nHi") == {}
        assert [rcpts for _, rcpts in inbox.envelopes] == [["bob@example.org"]]
    finally:
        controller.stop()
