"""Text that reaches email headers and calendar lines, as Convener accepts it.

A meeting's title becomes an email Subject, a person's name the display name in To, an
address a To or Reply-To header. A line break in any of them would end the header and
start another one (header injection); the other control characters end a line for some
readers too (Python's `str.splitlines` splits on form feeds, file separators, NEL and the
Unicode line separators). So one-line text refuses them all, at input, with an error
that names the field. Descriptions keep their line breaks and tabs: they only ever reach
message bodies and escaped calendar text.

`one_line` is the net under that: it flattens text that never went through these checks
(made before them, or rendered from a template) just before it reaches a header.
"""

from __future__ import annotations

import re

# C0 controls (line feed, carriage return, tab...), DEL, C1 controls (NEL), and the
# Unicode line and paragraph separators.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_NOT_ONE_LINE = re.compile(f"[{_CONTROL}]")
# The same without tab, line feed and carriage return.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

_NAMES = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab"}


def _named(char: str) -> str:
    return _NAMES.get(char, f"the control character U+{ord(char):04X}")


def single_line_error(value: str) -> str | None:
    """Why `value` is not one line of plain text, or None when it is."""
    found = _NOT_ONE_LINE.search(value)
    if found is None:
        return None
    return f"must be one line without control characters; it contains {_named(found.group())}"


def text_error(value: str) -> str | None:
    """Why `value` is not plain text (line breaks and tabs allowed), or None."""
    found = _NOT_TEXT.search(value)
    if found is None:
        return None
    return f"must not contain control characters; it contains {_named(found.group())}"


def one_line(value: str) -> str:
    """`value` with every run of control characters made one space: for a header."""
    return re.sub(f"[{_CONTROL}]+", " ", value).strip()
