"""The time-zone picker's list, rendered into every page with a zone field: the first
page of a minute (every zone's offset worked out) and the pages after it in that minute.

No database and no server: the picker's list depends only on the clock.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_FIRST_MS = 50.0
TARGET_CACHED_MS = 1.0


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convener.settings")
    import django

    django.setup()
    from django.template import Context, Template

    from convener.web.templatetags import convener as tags
    from convener.web.zone_picker import zone_options

    template = Template("{% load convener %}{% zone_datalist %}")
    firsts, cached = [], []
    for _ in range(20):
        tags._zone_datalist.cache_clear()
        start = time.perf_counter()
        html = template.render(Context())
        firsts.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        template.render(Context())
        cached.append((time.perf_counter() - start) * 1000)
    from django.utils import timezone

    zones = len(zone_options(timezone.now()))
    print(f"zones offered: {zones}, list size: {len(html) / 1024:.0f} KiB")
    print(
        f"first page of a minute: median {statistics.median(firsts):.1f} ms "
        f"(target ≤ {TARGET_FIRST_MS:.0f} ms)"
    )
    print(
        f"later pages in that minute: median {statistics.median(cached):.3f} ms "
        f"(target ≤ {TARGET_CACHED_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
