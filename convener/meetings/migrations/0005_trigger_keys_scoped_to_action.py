"""Trigger keys name their action: `trigger:ref:contact` becomes `trigger:action:ref:contact`,
so that re-running a launch made before this change still finds its meetings."""

from django.db import migrations

CHUNK = 1000


def scope_to_action(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    keyed = Meeting.objects.filter(trigger_key__isnull=False, action__isnull=False).order_by("pk")
    last = 0
    while True:
        batch = list(keyed.filter(pk__gt=last).only("pk", "trigger", "trigger_key", "action_id")[:CHUNK])
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for meeting in batch:
            head = f"{meeting.trigger}:"
            if meeting.trigger_key.startswith(head):
                rest = meeting.trigger_key[len(head):]
                meeting.trigger_key = f"{head}{meeting.action_id}:{rest}"
                changed.append(meeting)
        Meeting.objects.bulk_update(changed, ["trigger_key"])


def unscope(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    keyed = Meeting.objects.filter(trigger_key__isnull=False, action__isnull=False)
    changed = []
    for meeting in keyed.only("pk", "trigger", "trigger_key", "action_id").iterator(CHUNK):
        head = f"{meeting.trigger}:{meeting.action_id}:"
        if meeting.trigger_key.startswith(head):
            meeting.trigger_key = f"{meeting.trigger}:{meeting.trigger_key[len(head):]}"
            changed.append(meeting)
    Meeting.objects.bulk_update(changed, ["trigger_key"], batch_size=CHUNK)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0004_idempotent_request"),
    ]

    operations = [migrations.RunPython(scope_to_action, unscope)]
