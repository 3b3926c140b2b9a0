"""Issue 12, the forms half: a visitor on ANOTHER website (a second HTTP server on
127.0.0.1, another port) sends a demo-request form embedded with the iframe snippet or
the script snippet, in a browser set to Australia/Lord_Howe (the server runs in UTC).
The meeting starts at the local time the visitor picked, in their zone; the invitation
reaches the SMTP server (aiosmtpd) through `convener serve`'s worker; a double submit
makes one meeting; a date-only field takes the admin's time of day and zone; spam and
bad input are handled in the visitor's sight.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from time import sleep
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Frame, Page, expect

from tests.conftest import Inbox, free_port
from tests.dates import winter_day
from tests.e2e.conftest import (
    REPO,
    Screenshots,
    Server,
    _product_env,
    _run_command,
    _stop,
    _wait_until_serving,
    new_context,
    signed_in,
)

pytestmark = pytest.mark.browser

LORD_HOWE = "Australia/Lord_Howe"
MAIL_TIMEOUT = 30.0
# The thank-you page shows the meeting once the worker has planned it; on a busy machine
# that can take a few seconds.
PLANNED = 30_000


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    received = Inbox()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    received.port = port  # type: ignore[attr-defined]
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def form_server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[Server]:
    """`convener serve` (web server and worker) on SQLite, sending mail to the inbox."""
    import secrets

    root = tmp_path_factory.mktemp("convener-forms")
    data_dir = root / "data"
    port = free_port()
    password = secrets.token_urlsafe(16)
    env = _product_env(data_dir, port, password)
    env.update(
        CONVENER_SMTP_HOST="127.0.0.1",
        CONVENER_SMTP_PORT=str(inbox.port),  # type: ignore[attr-defined]
        CONVENER_FORM_SUBMISSIONS_PER_MINUTE="50",
    )
    log_path = root / "server.log"
    _run_command(["migrate", "--no-input"], env, log_path)
    _run_command(
        [
            "createadmin",
            "--username",
            "alice",
            "--email",
            "alice@example.com",
            "--password-from-env",
            "E2E_PASSWORD",
        ],
        env,
        log_path,
    )
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "convener", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", password, log_path, process, data_dir)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        _stop(process)


def in_installation(server: Server, code: str) -> Any:
    """Run Python in the served installation; what it prints as JSON comes back."""
    env = _product_env(server.data_dir, 0, server.password)
    result = subprocess.run(
        [sys.executable, "-m", "convener", "shell", "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


SETUP = """
import json
from convener.crm.models import CustomField
from convener.meetings.models import MeetingAction
from convener.team.models import User
from convener.webforms.models import FormField, WebForm
for key, label, kind in [
    ("preferred", "Preferred time", "datetime"),
    ("preferred_day", "Preferred day", "date"),
]:
    CustomField.objects.get_or_create(key=key, defaults={"label": label, "kind": kind})
owner = User.objects.get(username="alice")
at_time = MeetingAction.objects.create(
    name="Demo at the visitor's time",
    provider="jitsi",
    timing={"mode": "field", "field": "preferred"},
    timezone="Europe/Berlin",
    timezone_chain=["browser", "contact", "action", "default"],
)
on_day = MeetingAction.objects.create(
    name="Demo on the visitor's day",
    provider="jitsi",
    timing={"mode": "field", "field": "preferred_day", "time_of_day": "15:30"},
    timezone="Europe/Berlin",
    timezone_chain=["action"],
)
def make(slug, action, when_kind, target):
    form = WebForm.objects.create(
        name=slug, slug=slug, owner=owner, published=True, action=action
    )
    FormField.objects.create(
        form=form, key="name", label="First name", target="first_name", position=1
    )
    FormField.objects.create(
        form=form, key="email", label="Email", kind="email", target="email",
        required=True, position=2,
    )
    FormField.objects.create(
        form=form, key="when", label="Preferred time", kind=when_kind, target=target,
        required=True, position=3,
    )
make("demotime", at_time, "datetime", "fields.preferred")
make("demoday", on_day, "date", "fields.preferred_day")
make("demofollow", at_time, "datetime", "fields.preferred")
no_host = MeetingAction.objects.create(
    name="Zoom demo", provider="zoom", timing={"mode": "immediate"}
)
make("demonohost", no_host, "text", "")
print(json.dumps(True))
"""


@pytest.fixture(scope="module")
def forms(form_server: Server) -> Server:
    in_installation(form_server, SETUP)
    return form_server


class OtherSite:
    """Another origin: pages that embed the forms, as a customer's website would."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page(self, path: str, snippet: str) -> str:
        self.pages[path] = (
            "<!doctype html><html><head><title>Acme</title></head><body>"
            f"<h1>Acme Widgets</h1><p>Ask us for a demo:</p>{snippet}</body></html>"
        )
        return self.url + path


@pytest.fixture(scope="module")
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    try:
        yield site
    finally:
        site.httpd.shutdown()


def iframe_snippet(server: Server, slug: str) -> str:
    return (
        f'<iframe src="{server.url}/f/{slug}/?embed=1" title="Demo" '
        'style="width:100%;min-height:640px;border:0"></iframe>'
    )


def script_snippet(server: Server, slug: str) -> str:
    return (
        f'<script src="{server.url}/static/webforms/embed.js" '
        f'data-form="{server.url}/f/{slug}/" async></script>'
    )


@pytest.fixture
def visitor(browser: Any, forms: Server) -> Iterator[Page]:
    """A visitor's browser in Lord Howe Island's zone (UTC+10:30, +11 in summer)."""
    context = new_context(browser, forms, 390, 844, zone=LORD_HOWE)
    try:
        yield context.new_page()
    finally:
        context.close()


def the_form(page: Page) -> Frame:
    frame_element = page.locator("iframe").element_handle(timeout=10_000)
    assert frame_element is not None
    frame = frame_element.content_frame()
    assert frame is not None
    frame.wait_for_selector("form[data-public-form]")
    return frame


def meetings_of(server: Server, email: str) -> list[dict[str, Any]]:
    code = (
        "import json\nfrom convener.meetings.models import Meeting\n"
        f"print(json.dumps([{{'start': m.start.isoformat(), 'zone': m.timezone}} "
        f"for m in Meeting.objects.filter(contact__email__iexact={email!r})]))"
    )
    found: list[dict[str, Any]] = in_installation(server, code)
    return found


def wait_for_mail(inbox: Inbox, address: str) -> Any:
    import time as clock

    deadline = clock.monotonic() + MAIL_TIMEOUT
    while clock.monotonic() < deadline:
        if inbox.to(address):
            return inbox.to(address)[0]
        clock.sleep(0.3)
    raise AssertionError(f"no invitation reached {address}")


@pytest.mark.parametrize("embedding", ["iframe", "script"])
def test_a_visitor_on_another_site_books_the_demo_at_their_local_time(
    visitor: Page,
    forms: Server,
    other_site: OtherSite,
    inbox: Inbox,
    shoot: Screenshots,
    embedding: str,
) -> None:
    snippet = iframe_snippet if embedding == "iframe" else script_snippet
    email = f"ada.{embedding}@client.example"
    day = winter_day()
    visitor.goto(other_site.page(f"/{embedding}.html", snippet(forms, "demotime")))
    form = the_form(visitor)
    shoot(visitor, "embedded-form")

    form.get_by_label("First name").fill("Ada")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Preferred time").fill(f"{day.isoformat()}T10:00")
    form.get_by_role("button", name="Send").click()

    expect(form.get_by_text("Your meeting is planned for")).to_be_visible(timeout=PLANNED)
    expect(form.get_by_text(LORD_HOWE)).to_be_visible()
    # The time the visitor picked, as their own clock says it.
    expect(form.locator("[data-planned]")).to_have_text(
        f"{day:%A} {day.day} {day:%B} {day.year}, 10:00"
    )
    expect(form.get_by_text("invitation is on its way")).to_be_visible()
    shoot(visitor, "thank-you")
    made = meetings_of(forms, email)
    assert len(made) == 1
    wanted = datetime.combine(day, time(10), ZoneInfo(LORD_HOWE))
    assert datetime.fromisoformat(made[0]["start"]) == wanted
    invitation = wait_for_mail(inbox, email)
    assert "text/calendar" in {part.get_content_type() for part in invitation.walk()}


def test_a_double_click_and_a_resent_page_make_one_meeting(
    visitor: Page, forms: Server, other_site: OtherSite
) -> None:
    email = "twice@client.example"
    day = winter_day(1)
    visitor.goto(other_site.page("/twice.html", iframe_snippet(forms, "demotime")))
    form = the_form(visitor)
    token = form.locator("input[name=cv_token]").input_value()
    form.get_by_label("Email").fill(email)
    form.get_by_label("Preferred time").fill(f"{day.isoformat()}T09:00")
    form.get_by_role("button", name="Send").dblclick()
    expect(form.get_by_text("Your meeting is planned for")).to_be_visible(timeout=PLANNED)

    # The browser sends the same rendered page again (a retry, a re-posted page).
    again = visitor.request.post(
        f"{forms.url}/f/demotime/",
        form={"cv_token": token, "email": email, "when": f"{day.isoformat()}T09:00"},
    )

    assert again.ok and "Your meeting is planned for" in again.text()
    assert len(meetings_of(forms, email)) == 1


def test_a_date_only_field_takes_the_admins_time_of_day_and_zone(
    visitor: Page, forms: Server, other_site: OtherSite
) -> None:
    email = "day@client.example"
    day = winter_day(2)
    visitor.goto(other_site.page("/day.html", script_snippet(forms, "demoday")))
    form = the_form(visitor)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Preferred time").fill(day.isoformat())
    form.get_by_role("button", name="Send").click()

    expect(form.get_by_text("Your meeting is planned for")).to_be_visible(timeout=PLANNED)
    made = meetings_of(forms, email)
    wanted = datetime.combine(day, time(15, 30), ZoneInfo("Europe/Berlin"))
    assert [datetime.fromisoformat(m["start"]) for m in made] == [wanted]


def test_bad_input_is_shown_next_to_the_field_with_the_typed_values_kept(
    visitor: Page, forms: Server, other_site: OtherSite, shoot: Screenshots
) -> None:
    visitor.goto(other_site.page("/bad.html", iframe_snippet(forms, "demotime")))
    form = the_form(visitor)
    form.get_by_label("First name").fill("Bea")
    form.get_by_label("Email").fill("bea@client")
    form.get_by_label("Preferred time").fill("2001-03-04T10:00")
    form.get_by_role("button", name="Send").click()

    expect(form.locator("#id_email_error")).to_contain_text("Enter an email address")
    expect(form.get_by_label("First name")).to_have_value("Bea")
    expect(form.get_by_label("Email")).to_be_focused()
    form.get_by_label("Email").fill("bea@client.example")
    form.get_by_role("button", name="Send").click()

    expect(form.locator("#id_when_error")).to_contain_text("This time has already passed")
    expect(form.get_by_label("Email")).to_have_value("bea@client.example")
    shoot(visitor, "errors")
    assert meetings_of(forms, "bea@client.example") == []


def test_a_filled_honeypot_is_held_as_spam_for_the_admin(
    visitor: Page, forms: Server, other_site: OtherSite, browser: Any
) -> None:
    visitor.goto(other_site.page("/bot.html", iframe_snippet(forms, "demotime")))
    form = the_form(visitor)
    form.get_by_label("Email").fill("bot@spam.example")
    form.get_by_label("Preferred time").fill(f"{winter_day().isoformat()}T10:00")
    form.locator("input[name=cv_homepage]").fill("http://spam.example", force=True)
    form.get_by_role("button", name="Send").click()
    expect(form.get_by_role("status")).to_be_visible()

    assert meetings_of(forms, "bot@spam.example") == []
    context = new_context(browser, forms)
    with signed_in(context, forms) as admin:
        admin.goto("/forms/")
        admin.locator("tr[data-form-row=demotime]").get_by_role("link").last.click()
        admin.get_by_label("Outcome").select_option("spam")
        admin.get_by_role("button", name="Filter").click()
        expect(admin.locator("tr[data-submission]", has_text="bot@spam.example")).to_be_visible()


def test_the_app_itself_still_refuses_to_be_framed(forms: Server, visitor: Page) -> None:
    answer = visitor.request.get(f"{forms.url}/login/")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    public = visitor.request.get(f"{forms.url}/f/demotime/")
    assert "x-frame-options" not in public.headers


def test_an_admin_builds_and_publishes_a_form_and_embeds_its_snippet(
    browser: Any, forms: Server, other_site: OtherSite, shoot: Screenshots
) -> None:
    context = new_context(browser, forms)
    with signed_in(context, forms, shoot) as admin:
        admin.get_by_role("banner").get_by_role("link", name="Forms", exact=True).click()
        admin.get_by_role("button", name="New form").click()
        admin.get_by_label("Name").fill("Consultation")
        admin.get_by_role("button", name="Make the form").click()
        expect(admin.get_by_role("heading", name="Consultation", level=1)).to_be_visible()
        admin.get_by_role("button", name="Add a field").click()
        admin.get_by_label("Label").fill("Preferred time")
        admin.get_by_label("Kind").select_option("datetime")
        admin.get_by_label("Fills the contact field").select_option("fields.preferred")
        admin.get_by_label("Required").check()
        admin.get_by_role("button", name="Add the field").click()
        expect(admin.locator("tr[data-field-row='Preferred time']")).to_be_visible()
        admin.get_by_label("Schedule Online Meeting with the action").select_option(
            label="Demo at the visitor's time"
        )
        admin.get_by_label("Published: visitors can open and send it").check()
        admin.get_by_role("button", name="Save the form").click()
        expect(admin.locator("[data-timing-fed-by]")).to_contain_text("Preferred time")
        shoot(admin, "builder")
        snippet = admin.locator("#embed-script").input_value()

    visitor = new_context(browser, forms, 390, 844, zone=LORD_HOWE).new_page()
    try:
        visitor.goto(other_site.page("/built.html", snippet))
        form = the_form(visitor)
        form.get_by_label("Email").fill("built@client.example")
        form.get_by_label("Preferred time").fill(f"{winter_day(3).isoformat()}T11:15")
        form.get_by_role("button", name="Send").click()
        expect(form.get_by_text("Your meeting is planned for")).to_be_visible(timeout=PLANNED)
    finally:
        visitor.context.close()
    wanted = datetime.combine(winter_day(3), time(11, 15), ZoneInfo(LORD_HOWE))
    made = meetings_of(forms, "built@client.example")
    assert [datetime.fromisoformat(m["start"]) for m in made] == [wanted]


def test_the_public_page_fits_a_phone_and_keeps_to_the_policy(
    browser: Any, forms: Server, shoot: Screenshots
) -> None:
    from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS, Violations
    from tests.e2e.test_layout import assert_fits

    context = new_context(browser, forms, 390, 844, zone=LORD_HOWE)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    violations = Violations(page)
    try:
        page.goto(f"{forms.url}/f/demotime/")
        expect(page.get_by_role("heading", name="demotime")).to_be_visible()
        assert_fits(page)
        # Keyboard only: the honeypot is never reached, the button is.
        page.get_by_label("First name").focus()
        page.keyboard.press("Tab")
        expect(page.get_by_label("Email")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_label("Preferred time")).to_be_focused()
        # The date-and-time input has a stop per part (day, month, year, hours …).
        focused = []
        for _ in range(12):
            page.keyboard.press("Tab")
            focused.append(
                page.evaluate("document.activeElement.name || document.activeElement.tagName")
            )
            if focused[-1] == "BUTTON":
                break
        assert focused[-1] == "BUTTON" and "cv_homepage" not in focused, focused
        page.keyboard.press("Enter")
        expect(page.locator("#id_email_error")).to_be_visible()
        assert page.locator("input[name=cv_tz]").input_value() == LORD_HOWE
        shoot(page, "phone")
        violations.assert_none("the public form")
    finally:
        context.close()


@contextmanager
def worker_paused(server: Server) -> Iterator[None]:
    """The installation's worker stopped (SIGSTOP) and then let go: what the visitor sees
    while a submission waits for it. Stopped only between its writes: a worker frozen
    inside a write transaction would hold SQLite's write lock, and the visitor's send,
    which must be stored, would wait for it instead of being answered."""
    serve = server.process.pid
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    workers = [pid for pid in pids if _parent_of(pid) == serve and b"worker" in _cmdline(pid)]
    assert workers, "no worker under convener serve"
    database = server.data_dir / "convener.sqlite3"
    for _ in range(200):
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        if server.database != "sqlite" or _write_lock_free(database):
            break
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        sleep(0.05)
    else:
        raise AssertionError("the worker kept SQLite's write lock for 10 s")
    try:
        yield
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)


def _write_lock_free(database: Path) -> bool:
    """Whether a write transaction could begin now (nobody holds the write lock)."""
    probe = sqlite3.connect(database, timeout=0.0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def _parent_of(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_the_thank_you_page_follows_the_worker_to_the_time_in_the_visitors_zone(
    visitor: Page, forms: Server, shoot: Screenshots
) -> None:
    email = "follow@client.example"
    day = winter_day(3)
    visitor.goto(f"{forms.url}/f/demofollow/")
    visitor.get_by_label("Email").fill(email)
    visitor.get_by_label("Preferred time").fill(f"{day.isoformat()}T08:15")

    with worker_paused(forms):
        visitor.get_by_role("button", name="Send").click()
        expect(visitor.get_by_text("Your meeting is being scheduled…")).to_be_visible()
        shoot(visitor, "being-scheduled")
        expect(visitor.get_by_text("planned for")).to_have_count(0)
        waiting_at = visitor.url

    # No reload: the page asks for its outcome until the worker has planned the meeting.
    expect(visitor.locator("[data-planned]")).to_have_text(
        f"{day:%A} {day.day} {day:%B} {day.year}, 08:15", timeout=PLANNED
    )
    expect(visitor.get_by_text(LORD_HOWE)).to_be_visible()
    expect(visitor.get_by_text("invitation is on its way")).to_be_visible()
    expect(visitor.get_by_text("being scheduled")).to_have_count(0)
    assert visitor.url == waiting_at
    shoot(visitor, "planned-in-place")


def test_the_thank_you_page_says_so_when_no_meeting_could_be_planned(
    visitor: Page, forms: Server
) -> None:
    visitor.goto(f"{forms.url}/f/demonohost/")
    visitor.get_by_label("Email").fill("nohost@client.example")
    visitor.get_by_label("Preferred time").fill("whenever")

    with worker_paused(forms):
        visitor.get_by_role("button", name="Send").click()
        expect(visitor.get_by_text("Your meeting is being scheduled…")).to_be_visible()

    expect(visitor.get_by_text("we will contact you to set it")).to_be_visible(timeout=PLANNED)
    expect(visitor.get_by_text("planned for")).to_have_count(0)
    expect(visitor.get_by_text("being scheduled")).to_have_count(0)
