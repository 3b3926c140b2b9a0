"""The fields of published forms, kept in each web process between requests.

A busy form is shown and sent many times a second, and its fields change rarely: reading
them again for every page and every send was a query and a dozen rows to build each time.
They are kept under the form's `fields_version`, which every change to a field replaces,
and which each request reads with the form row it reads anyway: a change shows on the
very next page in every process, and nothing is ever invalidated by hand.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from convener.webforms.models import FormField, WebForm

# Forms kept per process; the least recently shown go first.
KEPT_FORMS = 256

_kept: OrderedDict[tuple[int, str], tuple[FormField, ...]] = OrderedDict()
_lock = threading.Lock()


def fields_of(form: WebForm) -> list[FormField]:
    """The form's fields in their order, as of its current `fields_version`. The rows are
    shared between requests: read them, never change them."""
    key = (form.pk, form.fields_version)
    with _lock:
        fields = _kept.get(key)
        if fields is not None:
            _kept.move_to_end(key)
    if fields is None:
        fields = tuple(form.fields.all())
        with _lock:
            _kept[key] = fields
            while len(_kept) > KEPT_FORMS:
                _kept.popitem(last=False)
    return list(fields)
