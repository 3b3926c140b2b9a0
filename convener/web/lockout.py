"""The page a locked-out login gets: the login page it came from, with a message that says
what happened and how long to wait, answered 429 Too Many Requests.

django-axes (see the settings) decides the lockout and calls `locked_out_response`. The web
login and the administration's login are both Django LoginViews, so the response they
rendered still holds their form: its error is replaced and the same template rendered
again, keeping each page's own look, fields and `next`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return (
        "Too many failed attempts to log in with this username from your address. "
        f"Logging in is paused for {minutes} minute{'s' if minutes != 1 else ''}: "
        "wait, then try again, or ask an administrator to unlock it."
    )


def locked_out_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    status = int(settings.AXES_HTTP_RESPONSE_CODE)
    message = lockout_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if not isinstance(original_response, TemplateResponse) or not isinstance(form, Form):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    # The form says "wrong username or password" (axes refuses before the password is
    # checked): the lockout is the only thing worth saying.
    form.errors.clear()
    form.add_error(None, ValidationError(message, code="locked_out"))
    original_response.content = original_response.rendered_content
    original_response.status_code = status
    return original_response
