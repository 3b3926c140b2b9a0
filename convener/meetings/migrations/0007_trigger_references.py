"""Trigger references: each meeting names its trigger's kind and source, and keeps the
passcode it was asked for. The one-off actions the popup and POST /meetings used to save
are removed: their meetings keep everything those actions said."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast

TRIGGER_KINDS = [
    ("contact", "Contact page"),
    ("bulk", "Bulk selection"),
    ("segment", "Segment"),
    ("form", "Web form"),
    ("campaign", "Campaign step"),
    ("work_item", "Work item"),
    ("calendar_event", "Calendar event"),
    ("booking", "Booking page"),
    ("api", "API"),
    ("webhook", "Inbound webhook"),
]


def name_sources(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    MeetingAction = apps.get_model("meetings", "MeetingAction")
    Meeting.objects.filter(trigger="contact_popup").update(trigger="contact")
    # Launch keys were already `bulk:<action>:<reference>:<contact>`: the action is the
    # source, and the keys stay as they are, so a re-run still finds its meetings.
    Meeting.objects.filter(trigger="bulk", action__isnull=False).update(
        trigger_source=Cast("action_id", CharField())
    )
    Meeting.objects.filter(action__isnull=False).update(
        requested_passcode=Subquery(
            MeetingAction.objects.filter(pk=OuterRef("action_id")).values("passcode")[:1]
        )
    )
    throwaway = MeetingAction.objects.filter(reusable=False)
    Meeting.objects.filter(action__in=throwaway).update(action=None)
    throwaway.delete()


def unname_sources(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    Meeting.objects.filter(trigger="contact").update(trigger="contact_popup")


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0003_kind_from_the_provider_registry"),
        ("crm", "0003_contact_email_unique_in_any_case"),
        ("meetings", "0006_delivery_undeliverable"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="requested_passcode",
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.AddField(
            model_name="meeting",
            name="trigger_source",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AlterField(
            model_name="meeting",
            name="trigger",
            field=models.CharField(choices=TRIGGER_KINDS, default="api", max_length=20),
        ),
        # The schema changes that follow the data are in 0008: PostgreSQL refuses to alter
        # a table with constraint checks still pending from rows changed in the same
        # transaction.
        migrations.RunPython(name_sources, unname_sources),
    ]
