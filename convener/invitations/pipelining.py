"""SMTP with command pipelining (RFC 2920), for the invitations' kept connections.

Without it a message takes four round trips to the mail server: MAIL, RCPT, DATA, then
the content. Servers that offer PIPELINING (Postfix, Exim, Exchange, Gmail, the
sending services) take MAIL, RCPT and DATA in one write and answer them in order, so a
message takes two: a mail thread sends twice as many messages a second to a server a
few milliseconds away, and each message costs half the writes. A server that does not
offer it gets smtplib's dialogue unchanged, as do messages with MAIL or RCPT options.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.mail.backends.smtp import EmailBackend as DjangoEmailBackend

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

_ACCEPTED = (250, 251)


class _Pipelining(smtplib.SMTP):
    def sendmail(
        self,
        from_addr: str,
        to_addrs: str | Sequence[str],
        msg: SizedBuffer | str,
        mail_options: Sequence[str] = (),
        rcpt_options: Sequence[str] = (),
    ) -> dict[str, tuple[int, bytes]]:
        self.ehlo_or_helo_if_needed()
        if mail_options or rcpt_options or not self.has_extn("pipelining"):
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        message = (
            smtplib._fix_eols(msg).encode("ascii")  # type: ignore[attr-defined]
            if isinstance(msg, str)
            else bytes(msg)  # type: ignore[call-overload]
        )
        recipients = [to_addrs] if isinstance(to_addrs, str) else list(to_addrs)
        size = f" size={len(message)}" if self.has_extn("size") else ""
        self.send(
            "".join(
                [
                    _line("MAIL", f"FROM:{smtplib.quoteaddr(from_addr)}{size}"),
                    *(_line("RCPT", f"TO:{smtplib.quoteaddr(each)}") for each in recipients),
                    _line("DATA"),
                ]
            )
        )
        # Every reply is read before anything is decided: they come in the order sent.
        sender = self.getreply()
        refused = {}
        for each in recipients:
            code, answer = self.getreply()
            if code not in _ACCEPTED:
                refused[each] = (code, answer)
        data = self.getreply()
        # 421: the server is closing the connection. Raised as smtplib raises it, so a
        # refusal is told from a temporary failure the same way on either path.
        if sender[0] == 421:
            self.close()
            raise smtplib.SMTPSenderRefused(sender[0], sender[1], from_addr)
        if any(code == 421 for code, _ in refused.values()):
            self.close()
            raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
        if data[0] == 421:
            self.close()
            raise smtplib.SMTPDataError(*data)
        if sender[0] != 250 or len(refused) == len(recipients):
            if data[0] == 354:
                # A server that began the content anyway gets an empty one, then RSET.
                self.send(b".\r\n")
                self.getreply()
            self._rset()  # type: ignore[attr-defined]
            if sender[0] != 250:
                raise smtplib.SMTPSenderRefused(sender[0], sender[1], from_addr)
            raise smtplib.SMTPRecipientsRefused(refused)  # type: ignore[arg-type]
        if data[0] != 354:
            self._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPDataError(*data)
        content = smtplib._quote_periods(message)  # type: ignore[attr-defined]
        if not content.endswith(b"\r\n"):
            content += b"\r\n"
        self.send(content + b".\r\n")
        code, answer = self.getreply()
        if code != 250:
            if code == 421:
                self.close()
            else:
                self._rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPDataError(code, answer)
        return refused


def _line(command: str, arguments: str = "") -> str:
    text = f"{command} {arguments}" if arguments else command
    if "\r" in text or "\n" in text:
        # As smtplib refuses it: a line break would start a command of its own.
        raise ValueError("an SMTP command may not contain a line break")
    return text + "\r\n"


class PipeliningSMTP(_Pipelining):
    pass


class PipeliningSMTPSSL(_Pipelining, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoEmailBackend):
    """Django's SMTP backend over connections that pipeline where the server allows."""

    @property
    def connection_class(self) -> Any:
        return PipeliningSMTPSSL if self.use_ssl else PipeliningSMTP
