"""The demo city's staff: every role of DESIGN.md, in every department, one shared password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from commonweal.cases.authority import Actor
from commonweal.cases.models import Role, StaffProfile
from commonweal.catalog.models import Department, Team

#: (username suffix, role, how many) in each department
TEAM = [
    ("head", Role.DEPARTMENT_HEAD, 1),
    ("supervisor", Role.SUPERVISOR, 1),
    ("agent", Role.AGENT, 2),
    ("crew", Role.FIELD_WORKER, 3),
]
#: people without a department
OFFICE = [
    ("analyst", Role.ANALYST),
    ("council", Role.OFFICIAL),
    ("auditor", Role.AUDITOR),
    ("admin", Role.ADMINISTRATOR),
]


@dataclass
class Cast:
    """The demo's actors, by department: who takes calls, who supervises, who goes out."""

    password: str
    agents: dict[int, list[Actor]] = field(default_factory=dict)
    supervisors: dict[int, Actor] = field(default_factory=dict)
    crews: dict[int, list[Actor]] = field(default_factory=dict)
    call_centre: list[Actor] = field(default_factory=list)
    usernames: list[tuple[str, str]] = field(default_factory=list)


def _actor(user: User, role: Role, department: Department | None) -> Actor:
    return Actor(
        kind="user",
        label=user.username,
        roles=frozenset({role.value}),
        user=user,
        department_id=department.pk if department else None,
    )


def build_crew_teams(departments: dict[str, Department], cast: Cast) -> None:
    """Give each department with field workers a "Crew" team of them all."""
    for department in departments.values():
        crew = cast.crews.get(department.pk, [])
        if crew:
            team = Team.objects.create(department=department, code="crew", name="Crew")
            team.members.set([actor.user for actor in crew])


def build_staff(departments: dict[str, Department]) -> Cast:
    """Create the staff users (one password hash shared by all, hashed once) and their roles."""
    password = secrets.token_urlsafe(9)
    cast = Cast(password=password)
    hashed = make_password(password)
    groups = {group.name: group for group in Group.objects.all()}

    def person(username: str, role: Role, department: Department | None) -> Actor:
        user = User.objects.create(
            username=username,
            password=hashed,
            email=f"{username}@riverton.example",
            is_staff=True,
            is_superuser=role == Role.ADMINISTRATOR,
        )
        user.groups.add(groups[role.value])
        StaffProfile.objects.create(user=user, department=department)
        cast.usernames.append((username, str(role.label)))
        return _actor(user, role, department)

    for code, department in departments.items():
        for suffix, role, count in TEAM:
            for number in range(1, count + 1):
                name = f"{code}-{suffix}" + (str(number) if count > 1 else "")
                actor = person(name, role, department)
                if role == Role.AGENT:
                    cast.agents.setdefault(department.pk, []).append(actor)
                elif role == Role.SUPERVISOR:
                    cast.supervisors[department.pk] = actor
                elif role == Role.FIELD_WORKER:
                    cast.crews.setdefault(department.pk, []).append(actor)
    cast.call_centre = cast.agents[departments["311"].pk]
    build_crew_teams(departments, cast)
    for username, role in OFFICE:
        person(username, role, None)
    return cast
