"""Ship Ecuador's GAD directory: provinces, municipal and rural parish GADs (INEC codes)."""

from django.db import migrations


def load(apps, schema_editor):
    from lms.services.gads import load_directory

    load_directory(apps.get_model("lms", "Province"), apps.get_model("lms", "GAD"))


class Migration(migrations.Migration):
    dependencies = [("lms", "0002_roles")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
