"""After 0007's data: the one-off flag goes, and meetings are found by trigger source."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0007_trigger_references"),
    ]

    operations = [
        migrations.RemoveField(model_name="meetingaction", name="reusable"),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(
                fields=["trigger", "trigger_source"], name="meetings_me_trigger_0485b4_idx"
            ),
        ),
    ]
