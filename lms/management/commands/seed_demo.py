from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.demo import seed_site
from lms.demo import DEMO_PASSWORD, seed_accounts


class Command(BaseCommand):
    help = "Fill the database with the Spanish demo site and one account per role (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG and not getattr(settings, "ALLOW_DEMO_SEED", False):
            raise CommandError(
                "seed_demo crea cuentas con contraseñas conocidas: úselo solo en desarrollo."
            )
        home = seed_site()
        accounts = seed_accounts()
        self.stdout.write(self.style.SUCCESS(f"Sitio de demostración listo: {home.title}"))
        self.stdout.write(f"Cuentas de demostración (contraseña de todas: {DEMO_PASSWORD}):")
        for email, role in accounts:
            self.stdout.write(f"  {email:<32} {role}")
