"""The site's default certificate template, in Spanish, with two signatories (text only).

Editors change it in the admin ("Plantillas de certificado"). Nothing is created when
a default template exists already; going back leaves the template in place.
"""

from django.db import migrations

NAME = "Certificado de Aula"
HEADING = "Certificado"
BODY = (
    "Se certifica que {name}, del {gad}, completó {subject}, con una duración de "
    "{hours} horas, el {date}."
)
FOOTER = (
    "Verifique este certificado con el código QR o en la dirección impresa. Referencia: {reference}"
)
SIGNATORIES = [
    ("Coordinación del programa", "Organización Internacional para las Migraciones (OIM) Ecuador"),
    ("Dirección de Capacitación", "Asociación de Municipalidades Ecuatorianas (AME)"),
]


def create_default(apps, schema_editor):
    CertificateTemplate = apps.get_model("lms", "CertificateTemplate")
    Signatory = apps.get_model("lms", "Signatory")
    if CertificateTemplate.objects.filter(is_default=True).exists():
        return
    template = CertificateTemplate.objects.create(
        name=NAME,
        is_default=True,
        orientation="landscape",
        page_size="A4",
        heading=HEADING,
        body=BODY,
        footer=FOOTER,
    )
    for order, (name, role) in enumerate(SIGNATORIES):
        Signatory.objects.create(template=template, sort_order=order, name=name, role=role)


class Migration(migrations.Migration):
    dependencies = [("lms", "0008_certificates")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
