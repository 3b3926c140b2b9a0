"""CSV import: 100,000 contacts from one uploaded file, on the embedded default.

Run from the repository root:

    .venv/bin/python bench/bench_csv_import.py [--rows 100000] [--existing 10000]

It builds a fresh installation (SQLite in a fresh data directory, or a fresh database on
the server DATABASE_URL names) with 20 team members, one custom field ("Seats", a number)
and `--existing` contacts, and writes a CSV file of `--rows` rows beside it: email, first
and last name, company, owner (one of the members, by email), time zone and seats. The
first `--existing` rows update the existing contacts (their addresses in upper case, to
match in any letter case); one row in a hundred has a problem (a bad address, or "EST" as
the zone); the rest are new contacts.

Then it starts `convener serve --web-workers 1` (gunicorn and the worker), logs in as a
member who may edit others' contacts, uploads the file through the import page (streamed
from disk), starts the import with the guessed mapping, and waits for the report. It
prints:

* the upload: its time and the peak RSS of the gunicorn worker that received and read it;
* the import: its time from "Import" to the report, rows per second, and the peak RSS of
  the `convener worker` process against its RSS before the import.

Targets: the whole import well within a coffee break (no target was set: reported), and
memory that does not grow with the file: the worker's peak at most 50 MB over its RSS
before the import.
"""

from __future__ import annotations

import argparse
import csv
import re
import secrets
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bench.common import (
    Children,
    bulk_users,
    command_line,
    convener_command,
    descendants,
    free_port,
    proc_status,
    rule,
    sandbox,
    setup_django,
    verdict,
    wait_for,
    wait_for_http,
)

GROWTH_TARGET_MB = 50
PASSWORD = secrets.token_urlsafe(16)
ZONES = ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", ""]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=10_000, help="rows that update")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    return parser.parse_args()


def write_csv(path: Path, rows: int, existing: int, owners: list[str]) -> None:
    """The file, written row by row (the benchmark holds no more of it than the importer)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["Email", "First name", "Last name", "Company", "Owner", "Time zone", "Seats"]
        )
        for n in range(rows):
            email = f"contact-{n:07d}@example.org"
            zone = ZONES[n % len(ZONES)]
            if n < existing:
                email = email.upper()  # the existing contact, in another letter case
            elif n % 100 == 50:
                email = f"contact-{n:07d}(at)example.org"
            elif n % 100 == 75:
                zone = "EST"
            owner = owners[n % len(owners)]
            writer.writerow(
                [email, "Pat", f"Number {n}", f"Company {n % 997}", owner, zone, str(n % 50)]
            )


def prepare(existing: int) -> list[str]:
    """Members, the custom field, the existing contacts and the importing member."""
    from convener.crm.models import Contact, CustomField
    from convener.team.members import permissions
    from convener.team.models import User

    owners = bulk_users(20, prefix="sales")
    CustomField.objects.create(key="seats", label="Seats", kind="number")
    batch: list[Any] = []
    for n in range(existing):
        batch.append(Contact(email=f"contact-{n:07d}@example.org", owner=owners[n % 20]))
        if len(batch) == 5000:
            Contact.objects.bulk_create(batch)
            batch = []
    Contact.objects.bulk_create(batch)
    importer = User.objects.create_user("importer", "importer@example.com", PASSWORD)
    importer.user_permissions.add(*permissions(["team.edit_others_contacts"]))
    return [owner.email for owner in owners]


def log_in(client: httpx2.Client) -> None:
    client.get("/login/").raise_for_status()
    answer = client.post(
        "/login/",
        data={
            "username": "importer",
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: {answer.status_code}")


def processes(serve_pid: int) -> tuple[int, int]:
    """The gunicorn worker and the `convener worker` process under `convener serve`."""
    found = {pid: command_line(pid) for pid in descendants(serve_pid)}
    workers = [pid for pid, line in found.items() if line.endswith("convener worker")]
    masters = set(Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split())
    web = [pid for pid, line in found.items() if "gunicorn" in line and str(pid) not in masters]
    if len(workers) != 1 or len(web) != 1:
        raise RuntimeError(f"expected one web worker and one task worker: {found}")
    return web[0], workers[0]


def rates_by_fifth(samples: list[tuple[float, int]], total: int) -> str:
    """Rows per second over each fifth of the file: the same from the first fifth to the
    last when the cost of a row does not grow with the contacts already there."""
    rates = []
    for fifth in range(5):
        low, high = total * fifth // 5, total * (fifth + 1) // 5
        start = next((t for t, rows in samples if rows >= low), None)
        end = next((t for t, rows in samples if rows >= high), None)
        if start is None or end is None or end <= start:
            rates.append("?")
        else:
            rates.append(f"{(high - low) / (end - start):,.0f}")
    return ", ".join(rates)


def main() -> int:
    args = parse_args()
    with sandbox("csv-import", keep=args.keep) as box:
        setup_django(box)
        from convener.imports.models import ContactImport

        rule(f"CSV import: {args.rows:,} rows, {args.existing:,} of them existing contacts")
        print(f"database: {box.database}")
        owners = prepare(args.existing)
        path = box.data_dir / "contacts.csv"
        write_csv(path, args.rows, args.existing, owners)
        size_mb = path.stat().st_size / 2**20
        print(f"  file: {size_mb:.1f} MB")
        port = free_port()
        with Children(box) as children:
            serve = children.start(
                "serve", [*convener_command(), "serve", "--port", str(port), "--web-workers", "1"]
            )
            base = f"http://127.0.0.1:{port}"
            wait_for_http(f"{base}/login/", child=serve)
            web, worker = processes(serve.pid)
            with httpx2.Client(base_url=base, timeout=600.0) as client:
                log_in(client)
                client.get("/contacts/import/").raise_for_status()
                web_before = proc_status(web)["VmRSS"]
                started = time.perf_counter()
                with path.open("rb") as file:
                    answer = client.post(
                        "/contacts/import/",
                        data={"csrfmiddlewaretoken": client.cookies["csrftoken"]},
                        files={"file": ("contacts.csv", file, "text/csv")},
                    )
                upload_seconds = time.perf_counter() - started
                web_peak = proc_status(web)["VmHWM"]
                match = re.fullmatch(r"/contacts/import/(\d+)/", answer.headers.get("location", ""))
                if answer.status_code != 302 or not match:
                    raise RuntimeError(f"upload refused: {answer.status_code} {answer.text[-800:]}")
                pk = int(match.group(1))
                job = ContactImport.objects.get(pk=pk)
                form = {f"column-{i}": key for i, key in enumerate(job.mapping)}
                print(f"  guessed mapping: {job.mapping}")
                worker_before = proc_status(worker)["VmRSS"]
                started = time.perf_counter()
                answer = client.post(
                    f"/contacts/import/{pk}/start/",
                    data={**form, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
                )
                if answer.status_code != 302:
                    raise RuntimeError(f"not started: {answer.status_code} {answer.text[-800:]}")

                samples: list[tuple[float, int]] = []

                def finished() -> bool:
                    state = ContactImport.objects.values("status", "rows_done").get(pk=pk)
                    samples.append((time.perf_counter() - started, state["rows_done"]))
                    return state["status"] in ("done", "failed")

                wait_for(finished, timeout=3600, what="the import", every=0.25)
                seconds = time.perf_counter() - started
                worker_peak = proc_status(worker)["VmHWM"]
                report = client.get(f"/contacts/import/{pk}/report.csv")
        job = ContactImport.objects.get(pk=pk)
        rule("results")
        if job.status != "done":
            print(f"the import stopped: {job.failure}")
            return 1
        print(
            f"upload of {size_mb:.1f} MB: {upload_seconds:.1f}s; gunicorn worker peak RSS "
            f"{web_peak / 1024:.0f} MB (before {web_before / 1024:.0f} MB)"
        )
        print(
            f"import: {job.rows_done:,} rows in {seconds:.1f}s = {job.rows_done / seconds:,.0f}"
            f" rows/s; {job.created_contacts:,} created, {job.updated_contacts:,} updated,"
            f" {job.unchanged_contacts:,} unchanged, {job.skipped_rows:,} skipped"
        )
        growth = (worker_peak - worker_before) / 1024
        print(
            f"worker peak RSS {worker_peak / 1024:.0f} MB, {worker_before / 1024:.0f} MB before"
            f" the import: +{growth:.0f} MB  [target +{GROWTH_TARGET_MB} MB at most:"
            f" {verdict(growth <= GROWTH_TARGET_MB)}]"
        )
        print(f"  rows per second, by fifth of the file: {rates_by_fifth(samples, job.rows_done)}")
        lines = report.text.count("\n") - 1
        print(f"report: {lines:,} lines, {len(report.content) / 2**20:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
