from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cms.demo import seed_site
from courses.demo import seed_course
from lms.demo import (
    DEMO_PARTICIPANT_EMAIL,
    DEMO_PASSWORD,
    seed_accounts,
    seed_learning,
    seed_people,
)
from lms.demo_reports import seed_programme_reach
from lms.demo_two_factor import DEMO_TOTP_SECRET, seed_staff_devices
from lms.demo_workshops import seed_workshops


class Command(BaseCommand):
    help = "Fill the database with the Spanish demo site and one account per role (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG and not getattr(settings, "ALLOW_DEMO_SEED", False):
            raise CommandError(
                "seed_demo crea cuentas con contraseñas conocidas: úselo solo en desarrollo."
            )
        home = seed_site()
        accounts = seed_accounts()
        seed_staff_devices(
            get_user_model().objects.filter(email__in=[email for email, _ in accounts])
        )
        trainer = get_user_model().objects.get(email=accounts[2][0])
        seed_people(added_by=trainer)
        course = seed_course(home)
        seed_learning(course)
        seed_workshops(trainer=trainer, course=course)
        reach = seed_programme_reach(trainer=trainer, course=course)
        accounts.append((DEMO_PARTICIPANT_EMAIL, "Participantes"))
        self.stdout.write(self.style.SUCCESS(f"Sitio de demostración listo: {home.title}"))
        self.stdout.write(
            f"Formación nacional con la AME: {reach.officials} funcionarios de "
            f"{reach.municipal_gads} de {reach.municipal_total} GAD municipales."
        )
        self.stdout.write(f"Cuentas de demostración (contraseña de todas: {DEMO_PASSWORD}):")
        for email, role in accounts:
            self.stdout.write(f"  {email:<32} {role}")
        self.stdout.write(
            f"Clave TOTP del personal de demostración (segundo factor): {DEMO_TOTP_SECRET}"
        )
