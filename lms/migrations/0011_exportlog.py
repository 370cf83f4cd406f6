"""The log of report exports, and who may see reports.

Trainers see the reports of the workshops they train; programme managers see the whole
programme's and the log of every export. Permission rows are created here when missing
because on a fresh database Django only creates them after every migration has run.
"""

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TRAINERS = "Capacitadores"
MANAGERS = "Gestores del programa"
PERMISSIONS = {
    "view_reports": "Can view reports",
    "view_programme_reports": "Can view the whole programme's reports",
    "view_exportlog": "Can view export",
}
GRANTS = {
    TRAINERS: ("view_reports",),
    MANAGERS: ("view_reports", "view_programme_reports", "view_exportlog"),
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="lms", model="exportlog")
    permissions = {
        codename: Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )[0]
        for codename, name in PERMISSIONS.items()
    }
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.add(*(permissions[codename] for codename in GRANTS[group.name]))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    # Going back drops the model: its permissions go with it, granted or not.
    Permission.objects.filter(
        content_type__app_label="lms", codename__in=list(PERMISSIONS)
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('lms', '0009_certificate_permissions'),
    ]

    operations = [
        migrations.CreateModel(
            name='ExportLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_email', models.EmailField(blank=True, max_length=254, verbose_name='user email')),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='exported at')),
                ('kind', models.CharField(choices=[('participants', 'Participants'), ('enrolments', 'Enrolments and progress'), ('attendance', 'Attendance'), ('certificates', 'Certificates'), ('indicators', 'Indicators')], max_length=30, verbose_name='report')),
                ('file_format', models.CharField(choices=[('csv', 'CSV'), ('xlsx', 'XLSX')], max_length=4, verbose_name='format')),
                ('filters', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='filters')),
                ('rows', models.PositiveIntegerField(blank=True, null=True, verbose_name='rows')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'export',
                'verbose_name_plural': 'exports',
                'ordering': ['-created_at'],
                'permissions': [('view_reports', 'Can view reports'), ('view_programme_reports', "Can view the whole programme's reports")],
                'default_permissions': ('view',),
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
