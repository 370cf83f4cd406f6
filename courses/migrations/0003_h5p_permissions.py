"""Editors manage H5P activities; trainers and managers may view (and preview) them."""

from django.db import migrations

EDITOR = "Editores"
VIEWERS = ("Capacitadores", "Gestores del programa")
ACTIONS = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="courses", model="h5pactivity")
    permissions = {}
    for action in ACTIONS:
        permissions[action], _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_h5pactivity",
            defaults={"name": f"Can {action} H5P activity"},
        )
    editor = Group.objects.filter(name=EDITOR).first()
    if editor:
        editor.permissions.add(*permissions.values())
    for group in Group.objects.filter(name__in=VIEWERS):
        group.permissions.add(permissions["view"])


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="courses", codename__endswith="_h5pactivity"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_h5p_activities"),
        ("lms", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
