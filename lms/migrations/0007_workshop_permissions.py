"""Trainers and managers schedule workshops and consultative processes."""

from django.db import migrations

ROLES = ("Capacitadores", "Gestores del programa")
ACTIONS = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="lms", model="workshop")
    permissions = [
        Permission.objects.get_or_create(
            content_type=content_type,
            codename=f"{action}_workshop",
            defaults={"name": f"Can {action} workshop"},
        )[0]
        for action in ACTIONS
    ]
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="lms", codename__endswith="_workshop").delete()


class Migration(migrations.Migration):
    dependencies = [("lms", "0006_workshops")]

    operations = [migrations.RunPython(grant, revoke)]
