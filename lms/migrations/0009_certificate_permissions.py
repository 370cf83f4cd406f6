"""Editors design certificate templates; trainers and managers issue and revoke certificates.

Nobody but a superuser may delete a certificate: one that should not stand is revoked.
"""

from django.db import migrations

EDITORS = ("Editores",)
ISSUERS = ("Capacitadores", "Gestores del programa")
GRANTS = {
    "certificatetemplate": (EDITORS, ("add", "change", "delete", "view")),
    # add: issue; change: revoke; view: the listing and each certificate's page.
    "certificate": (ISSUERS, ("add", "change", "view")),
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, (roles, actions) in GRANTS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="lms", model=model)
        permissions = [
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )[0]
            for action in actions
        ]
        for group in Group.objects.filter(name__in=roles):
            group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for model, (roles, actions) in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="lms",
            codename__in=[f"{action}_{model}" for action in actions],
        )
        for group in Group.objects.filter(name__in=roles):
            group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    # After the default template's data migration (which came first, on 0008), so the
    # graph keeps one leaf; the two are independent of each other.
    dependencies = [("lms", "0010_default_certificate_template")]

    operations = [migrations.RunPython(grant, revoke)]
