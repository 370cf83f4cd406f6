"""Demo accounts, one per role, with passwords printed by `seed_demo` (development only)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lms import roles

DEMO_PASSWORD = "aula-demo-2026"  # noqa: S105 - printed for the local demo; never used in production

DEMO_ACCOUNTS = [
    # email, first name, last name, role (None: superuser)
    ("admin@aula.example.org", "Andrea", "Salazar", None),
    ("editora@aula.example.org", "Lucía", "Andrade", roles.EDITOR),
    ("capacitador@aula.example.org", "Diego", "Villacís", roles.TRAINER),
    ("gestora@aula.example.org", "Gabriela", "Espinoza", roles.MANAGER),
]


def seed_accounts():
    """Create the demo accounts that are missing; return (email, role) pairs."""
    User = get_user_model()
    created = []
    for email, first_name, last_name, group_name in DEMO_ACCOUNTS:
        user, was_created = User.objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            if group_name is None:
                user.is_superuser = True
                user.is_staff = True
            user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
        created.append((email, group_name or "superusuario"))
    return created
