"""The builder: the list of forms, a form's settings, actions and fields, and the
snippets that embed it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_POST

from convener.webforms import permissions
from convener.webforms.action_panel import action_panel
from convener.webforms.builder_forms import FormFieldForm, WebFormForm
from convener.webforms.models import FieldKind, FormField, WebForm, fields_changed


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    forms = permissions.visible_forms(request.user).annotate(received=Count("submissions"))
    rows = [(form, permissions.may_change(request.user, form)) for form in forms]
    return render(request, "webforms/list.html", {"rows": rows})


def snippets(request: HttpRequest, form: WebForm) -> dict[str, str]:
    page = request.build_absolute_uri(reverse("webform_public", kwargs={"slug": form.slug}))
    # The unversioned name on purpose: a snippet pasted on another site must keep working
    # after an upgrade.
    script = request.build_absolute_uri(static("webforms/embed.js"))
    return {
        "page_url": page,
        "iframe": (
            f'<iframe src="{page}?embed=1" title="{form.heading}" '
            'style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>'
        ),
        "script": f'<script src="{script}" data-form="{page}" async></script>',
    }


@login_required
def form_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    form = permissions.find_form(request.user, pk, edit=True) if pk else None
    settings_form = WebFormForm(request.POST or None, instance=form, user=request.user)
    if request.method == "POST" and settings_form.is_valid():
        saved: WebForm = settings_form.save(commit=False)
        if form is None:
            saved.owner = request.user  # type: ignore[assignment]
        saved.save()
        if form is None:
            _starter_fields(saved)
            messages.success(request, f"Made the form “{saved.name}”: add its fields below.")
        else:
            messages.success(request, f"Saved the form “{saved.name}”.")
        return redirect("webform_edit", pk=saved.pk)
    fields = list(form.fields.all()) if form else []
    return render(
        request,
        "webforms/edit.html",
        {
            "web_form": form,
            "form": settings_form,
            "fields": fields,
            "panel": action_panel(form, fields) if form else None,
            "snippets": snippets(request, form) if form else None,
            "has_email": any(f.target == "email" for f in fields),
        },
    )


def _starter_fields(form: WebForm) -> None:
    """A new form starts with the fields nearly every form needs: the contact's name and
    address (the address finds the contact)."""
    FormField.objects.bulk_create(
        [
            FormField(
                form=form, key="first_name", label="First name", target="first_name", position=1
            ),
            FormField(
                form=form, key="last_name", label="Last name", target="last_name", position=2
            ),
            FormField(
                form=form,
                key="email",
                label="Email",
                kind=FieldKind.EMAIL,
                target="email",
                required=True,
                position=3,
            ),
        ]
    )
    fields_changed(form.pk)  # bulk_create does not go through FormField.save


@login_required
@require_POST
def form_delete(request: HttpRequest, pk: int) -> HttpResponse:
    form = permissions.find_form(request.user, pk, edit=True)
    name = form.name
    form.delete()
    messages.success(
        request, f"Deleted the form “{name}” and its submissions. Contacts and meetings stay."
    )
    return redirect("webforms")


def _field(request: HttpRequest, pk: int) -> FormField:
    """The field `pk` if the person may change its form; else 404 or 403 as for the form."""
    field = FormField.objects.filter(pk=pk).only("form_id").first()
    if field is None:
        raise Http404("no such field")
    permissions.find_form(request.user, field.form_id, edit=True)
    return FormField.objects.select_related("form").get(pk=pk)


@login_required
def field_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _field_page(request, permissions.find_form(request.user, pk, edit=True), None)


@login_required
def field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    field = _field(request, pk)
    return _field_page(request, field.form, field)


def _field_page(request: HttpRequest, form: WebForm, field: FormField | None) -> HttpResponse:
    field_form = FormFieldForm(request.POST or None, instance=field, web_form=form)
    if request.method == "POST" and field_form.is_valid():
        saved = field_form.save(commit=False)
        if field is None:
            last = form.fields.aggregate(last=Max("position"))["last"]
            saved.position = (last or 0) + 1
        saved.save()
        messages.success(request, f"Saved the field “{saved.label}”.")
        return redirect("webform_edit", pk=form.pk)
    return render(
        request,
        "webforms/field.html",
        {"web_form": form, "field": field, "form": field_form},
    )


@login_required
@require_POST
def field_move(request: HttpRequest, pk: int) -> HttpResponse:
    form = _field(request, pk).form
    fields = list(form.fields.all())
    index = next(i for i, f in enumerate(fields) if f.pk == pk)
    other = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= other < len(fields):
        fields[index], fields[other] = fields[other], fields[index]
        for position, field in enumerate(fields, start=1):
            field.position = position
        FormField.objects.bulk_update(fields, ["position"])
        fields_changed(form.pk)  # bulk_update does not go through FormField.save
    return redirect(reverse("webform_edit", kwargs={"pk": form.pk}) + "#fields")


@login_required
@require_POST
def field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    field = _field(request, pk)
    field.delete()
    messages.success(
        request,
        f"Removed the field “{field.label}”. Submissions keep what visitors sent in it.",
    )
    return redirect("webform_edit", pk=field.form_id)
