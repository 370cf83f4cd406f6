"""Aula's roles as groups: participant, trainer (AME), editor, manager (AME/IOM).

Wagtail's own groups are renamed to Spanish; their page, image and document
permissions stay. Permission rows are created here when missing because on a
fresh database Django only creates them after every migration has run.
"""

from django.db import migrations

PARTICIPANT = "Participantes"
TRAINER = "Capacitadores"
EDITOR = "Editores"
MANAGER = "Gestores del programa"

ADMIN_ACCESS = ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin")
PARTICIPANT_VIEW = ("lms", "participant", "view_participant", "Can view participant")
PARTICIPANT_ADD = ("lms", "participant", "add_participant", "Can add participant")
PARTICIPANT_CHANGE = ("lms", "participant", "change_participant", "Can change participant")
PARTICIPANT_EXPORT = ("lms", "participant", "export_personal_data", "Can export personal data")
GAD_VIEW = ("lms", "gad", "view_gad", "Can view GAD")
GAD_ADD = ("lms", "gad", "add_gad", "Can add GAD")
GAD_CHANGE = ("lms", "gad", "change_gad", "Can change GAD")
SITE_SETTINGS = ("cms", "sitesettings", "change_sitesettings", "Can change site settings")

ROLE_PERMISSIONS = {
    PARTICIPANT: [],
    TRAINER: [ADMIN_ACCESS, PARTICIPANT_VIEW, PARTICIPANT_ADD, PARTICIPANT_CHANGE, GAD_VIEW],
    EDITOR: [ADMIN_ACCESS, SITE_SETTINGS],
    MANAGER: [
        ADMIN_ACCESS,
        PARTICIPANT_VIEW,
        PARTICIPANT_ADD,
        PARTICIPANT_CHANGE,
        PARTICIPANT_EXPORT,
        GAD_VIEW,
        GAD_ADD,
        GAD_CHANGE,
    ],
}


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group.objects.filter(name="Editors").update(name=EDITOR)
    Group.objects.filter(name="Moderators").update(name="Moderadores")
    for role, permissions in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, model, codename, name in permissions:
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=codename, defaults={"name": name}
            )
            group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=[PARTICIPANT, TRAINER, MANAGER]).delete()
    Group.objects.filter(name=EDITOR).update(name="Editors")
    Group.objects.filter(name="Moderadores").update(name="Moderators")


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0001_initial"),
        ("cms", "0003_sitesettings_privacy_notice_version"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0098_apitoken"),
        # Wagtail grants image and document rights to "Editors" by name: rename after.
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
