"""The "Members" group: what a new team member may do, given to every existing member.

Before this, every member could see and change everything; afterwards each may see every
contact and meeting and change their own. Permissions are normally made after all
migrations ran (post_migrate), so the ones the group needs are made here.
"""

from django.db import migrations

MEMBERS = "Members"
# The defaults as they were when this migration was written (convener.team.access
# keeps the current list; a later change of defaults is a migration of its own).
DEFAULTS = [
    ("view_own_contacts", "Can view their own contacts"),
    ("view_others_contacts", "Can view other members' contacts"),
    ("edit_own_contacts", "Can edit their own contacts"),
    ("view_own_meetings", "Can view the meetings they host"),
    ("view_others_meetings", "Can view meetings other members host"),
    ("edit_own_meetings", "Can change the meetings they host"),
]


def create_members_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("team", "User")
    content_type, _ = ContentType.objects.get_or_create(app_label="team", model="access")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in DEFAULTS
    ]
    group, _ = Group.objects.get_or_create(name=MEMBERS)
    group.permissions.add(*permissions)
    group.user_set.add(*User.objects.all())


def remove_members_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MEMBERS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("team", "0002_access"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_members_group, remove_members_group)]
