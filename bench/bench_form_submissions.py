"""Web form submissions against `convener serve` on the embedded default.

Run from the repository root:

    .venv/bin/python bench/bench_form_submissions.py [--count 2000] [--visitors 8]

It starts `convener serve` (web server and worker, SQLite in a fresh data directory, or a
fresh database on the server DATABASE_URL names) with an SMTP server inside this process,
and a published form whose meeting action plans an immediate Jitsi meeting. Then
`--visitors` concurrent visitors each open the form's page (to get its render token) and
send it, with a new address every time, until `--count` submissions are sent. Prints
submissions per second sustained (page and send, from the first to the last answer), the
send's p50 and p99 response time and the machine's load average while sending. The send
is answered once the submission is stored; the worker then makes the contact and the
meeting, so the benchmark waits (at most `--drain` seconds) until every submission is
processed, every meeting has its link and every invitation is at the SMTP server, prints
how long that took after the last send, and counts: one contact and one planned meeting
per submission, nothing lost.

Targets: at least 100 submissions per second, p99 at most 300 ms, nothing lost.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bench.common import (
    Children,
    Sandbox,
    SmtpSink,
    bulk_users,
    convener_command,
    free_port,
    percentile,
    rule,
    sandbox,
    setup_django,
    verdict,
    wait_for,
    wait_for_http,
    wait_for_output,
)

TOKEN = re.compile(r'name="cv_token" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="submissions in all")
    parser.add_argument("--visitors", type=int, default=8, help="concurrent visitors")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds allowed to drain")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    return parser.parse_args()


def prepare() -> str:
    """A published demo form with an immediate Jitsi action; returns its slug."""
    from convener.meetings.models import MeetingAction
    from convener.webforms.models import FieldKind, FormField, WebForm

    (owner,) = bulk_users(1, prefix="forms")
    action = MeetingAction.objects.create(name="Demo now", provider="jitsi")
    form = WebForm.objects.create(name="Demo", owner=owner, published=True, action=action)
    FormField.objects.create(form=form, key="name", label="Name", target="first_name")
    FormField.objects.create(
        form=form, key="email", label="Email", kind=FieldKind.EMAIL, target="email", required=True
    )
    return form.slug


class Visitors:
    def __init__(self, base: str, slug: str, count: int, prefix: str = "visitor") -> None:
        self.url = f"{base}/f/{slug}/"
        self.count = count
        self.next = 0
        self.lock = threading.Lock()
        self.sends: list[float] = []
        self.pages: list[float] = []
        self.failures: list[str] = []
        self.sent: list[str] = []
        self.prefix = prefix

    def take(self) -> int | None:
        with self.lock:
            if self.next >= self.count:
                return None
            self.next += 1
            return self.next

    def visit(self) -> None:
        with httpx2.Client(timeout=30.0) as client:
            while (n := self.take()) is not None:
                started = time.perf_counter()
                page = client.get(self.url)
                shown = time.perf_counter()
                found = TOKEN.search(page.text)
                if page.status_code != 200 or not found:
                    self.failures.append(f"page {page.status_code}")
                    continue
                email = f"{self.prefix}{n}@bench.example"
                answer = client.post(
                    self.url, data={"cv_token": found.group(1), "email": email, "name": f"V{n}"}
                )
                done = time.perf_counter()
                if answer.status_code != 303:
                    self.failures.append(f"send {answer.status_code}: {answer.text[:200]}")
                    continue
                with self.lock:
                    self.pages.append(shown - started)
                    self.sends.append(done - shown)
                    self.sent.append(email)


def processed() -> bool:
    """No submission waits for the worker."""
    from convener.webforms.models import Submission, SubmissionStatus

    return not Submission.objects.filter(status=SubmissionStatus.PROCESSING).exists()


def drained() -> bool:
    """No submission waits for the worker, and every meeting it made has its link."""
    from convener.meetings.models import Meeting
    from convener.webforms.models import Submission, SubmissionStatus

    waiting = Submission.objects.filter(status=SubmissionStatus.PROCESSING).exists()
    unlinked = Meeting.objects.filter(trigger="form", join_url="").exists()
    return not waiting and not unlinked


def run(args: argparse.Namespace, box: Sandbox, sink: SmtpSink) -> None:
    rule(f"form submissions on {box.database}")
    setup_django(box)
    slug = prepare()
    port = free_port()
    with Children(box) as children:
        smtp = {"CONVENER_SMTP_HOST": "127.0.0.1", "CONVENER_SMTP_PORT": str(sink.port)}
        serve = children.start("serve", [*convener_command(), "serve", "--port", str(port)], **smtp)
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/login/", child=serve)
        wait_for_output(serve, "convener worker:")
        warm = Visitors(base, slug, args.visitors, prefix="warm")  # imports and connections warm up
        warm.visit()
        visitors = Visitors(base, slug, args.count)
        threads = [threading.Thread(target=visitors.visit) for _ in range(args.visitors)]
        print(f"  {args.count} submissions by {args.visitors} concurrent visitors ...", flush=True)
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        load_average = os.getloadavg()
        print("  waiting for the worker: submissions, links, invitations ...", flush=True)
        expected = set(warm.sent) | set(visitors.sent)
        sent_at = time.perf_counter()
        try:
            wait_for(processed, timeout=args.drain, what="the submissions", every=0.25)
        except TimeoutError as late:
            print(f"  {late}")
        processing = time.perf_counter() - sent_at
        try:
            wait_for(
                lambda: expected <= set(sink.arrivals) and drained(),
                timeout=max(1.0, args.drain - processing),
                what="the links and invitations",
                every=0.25,
            )
        except TimeoutError as late:
            print(f"  {late}")
        drain = time.perf_counter() - sent_at
        invited = len(expected & set(sink.arrivals))

    from convener.crm.models import Contact
    from convener.meetings.models import Meeting
    from convener.webforms.models import Submission, SubmissionStatus

    stored = Submission.objects.filter(form__slug=slug).count()
    planned = Submission.objects.filter(
        form__slug=slug, status=SubmissionStatus.SCHEDULED, meeting__isnull=False
    ).count()
    contacts = Contact.objects.filter(email__endswith="@bench.example").count()
    meetings = Meeting.objects.filter(trigger="form").count()
    linked = Meeting.objects.filter(trigger="form").exclude(join_url="").count()
    sent = len(visitors.sent) + len(warm.sent)
    rate = len(visitors.sent) / elapsed if elapsed else 0.0
    p50, p99 = percentile(visitors.sends, 0.5) * 1000, percentile(visitors.sends, 0.99) * 1000
    rule("results")
    print(f"visitors: {args.visitors}; submissions answered 303: {len(visitors.sent)}")
    print(f"failures: {len(visitors.failures)} {visitors.failures[:3]}")
    print(
        f"sustained: {rate:.1f} submissions/s (page + send) — target ≥ 100: {verdict(rate >= 100)}"
    )
    print(
        f"send response: p50 {p50:.0f} ms, p99 {p99:.0f} ms — "
        f"target p99 ≤ 300 ms: {verdict(p99 <= 300)}"
    )
    print(
        f"page response: p50 {percentile(visitors.pages, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(visitors.pages, 0.99) * 1000:.0f} ms"
    )
    print(
        f"machine: {os.cpu_count()} CPUs; load average at the end of sending "
        f"{load_average[0]:.1f} / {load_average[1]:.1f} / {load_average[2]:.1f} (1/5/15 min)"
    )
    print(
        f"drain after the last send: every submission processed (contact and meeting) in "
        f"{processing:.1f} s, every link and invitation in {drain:.1f} s"
    )
    counts = (stored, planned, contacts, meetings, linked, invited)
    lost = sent - min(counts)
    print(
        f"after: {sent} sent, {stored} submissions stored, {planned} with their meeting "
        f"planned, {contacts} contacts, {meetings} meetings, {linked} linked, "
        f"{invited} invitations at the SMTP server — nothing lost: "
        f"{verdict(lost == 0 and meetings == sent)}"
    )


def main() -> int:
    args = parse_args()
    with (
        SmtpSink() as sink,
        sandbox("forms", keep=args.keep, CONVENER_FORM_SUBMISSIONS_PER_MINUTE="1000000000") as box,
    ):
        run(args, box, sink)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
