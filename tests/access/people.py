"""The people of the access matrix, and what each of them may do.

The rules of docs/permissions.md, written out again from the permissions each person
holds, without asking convener.team.access: the matrix compares the product with them.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTACT_PERMS = [
    f"team.{w}_contacts" for w in ("view_own", "view_others", "edit_own", "edit_others")
]
MEETING_PERMS = [
    f"team.{w}_meetings" for w in ("view_own", "view_others", "edit_own", "edit_others")
]
USE_OTHERS = "connections.use_others_connections"
EVERY_PERMISSION = [*CONTACT_PERMS, *MEETING_PERMS, USE_OTHERS]
DEFAULTS = frozenset(
    p for p in [*CONTACT_PERMS, *MEETING_PERMS] if not p.split(".")[1].startswith("edit_others")
)


def short(perm: str) -> str:
    return perm.split(".")[1].replace("_", " ")


@dataclass(frozen=True)
class Person:
    """Someone asking. `role`: administrator, owner (owns the contact, hosts the meeting
    on their own account), other (a member who does neither) or anonymous."""

    label: str
    role: str
    perms: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.label

    @property
    def signed_in(self) -> bool:
        return self.role != "anonymous"

    @property
    def admin(self) -> bool:
        return self.role == "administrator"

    def holds(self, perm: str) -> bool:
        return self.admin or perm in self.perms

    def _whose(self) -> str:
        return "own" if self.role == "owner" else "others"

    def sees(self, kind: str) -> bool:
        """kind: contacts, meetings (invitations go with their meeting), or connection
        (the owner's connected account)."""
        if kind == "connection":
            return self.role in {"administrator", "owner"}
        whose = self._whose()
        return self.holds(f"team.view_{whose}_{kind}") or self.holds(f"team.edit_{whose}_{kind}")

    def changes(self, kind: str) -> bool:
        if kind == "connection":
            return self.role in {"administrator", "owner"}
        allowed = self.holds(f"team.edit_{self._whose()}_{kind}")
        if kind == "meetings" and self.role == "other":
            # The meeting runs on the owner's connected account.
            allowed = allowed and self.holds(USE_OTHERS)
        return allowed

    def adds_contacts(self) -> bool:
        return self.holds("team.edit_own_contacts") or self.holds("team.edit_others_contacts")

    def adds_own_contacts(self) -> bool:
        return self.holds("team.edit_own_contacts")


def _people() -> list[Person]:
    people = [
        Person("administrator", "administrator"),
        Person("owner with the defaults", "owner", DEFAULTS),
        Person(
            "owner who may only view",
            "owner",
            frozenset({"team.view_own_contacts", "team.view_own_meetings"}),
        ),
        Person("owner without permissions", "owner"),
        Person("anonymous", "anonymous"),
        Person("member with the defaults", "other", DEFAULTS),
        Person("member without permissions", "other"),
    ]
    people += [
        Person(f"member with only {short(p)}", "other", frozenset({p})) for p in EVERY_PERMISSION
    ]
    people += [
        Person(f"member with the defaults but {short(p)}", "other", DEFAULTS - {p})
        for p in sorted(DEFAULTS)
    ]
    people += [
        Person(f"member with the defaults and {short(p)}", "other", DEFAULTS | {p})
        for p in EVERY_PERMISSION
        if p not in DEFAULTS
    ]
    people.append(
        Person(
            "member with the defaults, edit others meetings and use others connections",
            "other",
            DEFAULTS | {"team.edit_others_meetings", USE_OTHERS},
        )
    )
    return people


PEOPLE = _people()
