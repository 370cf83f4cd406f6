from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lms.services.two_factor import reset_second_factor


class Command(BaseCommand):
    help = "Remove a staff member's authenticator app and recovery codes (lost phone)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account with the email {email}.")
        removed = reset_second_factor(user=user)
        self.stdout.write(
            self.style.SUCCESS(
                f"{removed} dispositivo(s) eliminado(s): {user.email} configurará su segundo factor "
                "la próxima vez que ingrese."
            )
        )
