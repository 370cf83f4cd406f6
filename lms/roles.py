"""The roles people play in Aula, as Django groups created by migration.

Wagtail's own "Editors" and "Moderators" groups are renamed to Spanish; the
others are Aula's. Code refers to roles through these constants only.
"""

PARTICIPANT = "Participantes"
TRAINER = "Capacitadores"
EDITOR = "Editores"
MANAGER = "Gestores del programa"
STAFF_ROLES = (TRAINER, EDITOR, MANAGER)


def is_staff_member(user) -> bool:
    """Trainers, editors, managers and superusers: everyone who may open the admin."""
    return user.is_authenticated and user.has_perm("wagtailadmin.access_admin")
