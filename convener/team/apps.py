from django.apps import AppConfig
from django.db.models.signals import post_save


class TeamConfig(AppConfig):
    name = "convener.team"
    label = "team"
    verbose_name = "Team"

    def ready(self) -> None:
        from convener.team.members import join_members
        from convener.team.models import User

        post_save.connect(join_members, sender=User, dispatch_uid="team.join_members")
