"""Contact emails become unique in any letter case.

An existing database may hold contacts whose addresses differ only in case. Merging them
is not safe to do blindly (each may own meetings, invitations and field values that
disagree), so the migration refuses, lists every such group, and leaves the database as
it was; once a person has merged or corrected them, `convener migrate` succeeds.
"""

from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.models.functions import Lower

LISTED_GROUPS = 50


def refuse_addresses_that_differ_only_in_case(apps, schema_editor):
    Contact = apps.get_model("crm", "Contact")
    db = schema_editor.connection.alias
    duplicated = (
        Contact.objects.using(db)
        .annotate(email_key=Lower("email"))
        .values("email_key")
        .annotate(count=models.Count("id"))
        .filter(count__gt=1)
        .order_by("email_key")
        .values_list("email_key", flat=True)
    )
    keys = list(duplicated)
    if not keys:
        return
    lines = []
    for key in keys[:LISTED_GROUPS]:
        contacts = (
            Contact.objects.using(db)
            .annotate(email_key=Lower("email"))
            .filter(email_key=key)
            .order_by("id")
        )
        lines.append("  " + ", ".join(f"#{c.id} {c.email}" for c in contacts))
    if len(keys) > LISTED_GROUPS:
        lines.append(f"  ... and {len(keys) - LISTED_GROUPS} more")
    raise CommandError(
        "Contact emails are now unique in any letter case, but these contacts share an "
        "address that differs only in case (contact id, email):\n"
        + "\n".join(lines)
        + "\nNo contact was changed. Keep one contact per address: correct the others, e.g.\n"
        "  convener shell -c \"from convener.crm.models import Contact; "
        "Contact.objects.filter(pk=ID).update(email='NEW ADDRESS')\"\n"
        "then run `convener migrate` again."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(
            refuse_addresses_that_differ_only_in_case, migrations.RunPython.noop, elidable=True
        ),
        migrations.AlterField(
            model_name="contact",
            name="email",
            field=models.EmailField(max_length=254),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                Lower("email"),
                name="crm_contact_email_unique_in_any_case",
                violation_error_message=(
                    "Another contact already has this email address (in any letter case)."
                ),
            ),
        ),
    ]
