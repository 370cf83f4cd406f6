"""Editors write and publish site content without a moderator in between.

Wagtail's own migrations give the Editors group add and change on the page
tree; this programme's editors are trusted to publish as well.
"""

from django.db import migrations


def grant_publish(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    editors = Group.objects.filter(name="Editors").first()
    root = Page.objects.filter(depth=1).first()
    if not (editors and root):
        return
    # On a fresh database the permission rows are only created after all migrations
    # ran (post_migrate), so create this one now as Wagtail's own migrations do.
    page_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    publish, _ = Permission.objects.get_or_create(
        content_type=page_type, codename="publish_page", defaults={"name": "Publish any page"}
    )
    GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=publish)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant_publish, migrations.RunPython.noop)]
