from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Participants and records")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from allauth.account.signals import email_confirmed
        from django.contrib.auth.signals import user_logged_in

        from lms import signals

        user_logged_in.connect(signals.remember_staff_role, dispatch_uid="lms_remember_staff_role")
        email_confirmed.connect(
            signals.join_earlier_participant, dispatch_uid="lms_claim_participant"
        )

        from django.db.models.signals import post_save

        from lms.models import Attendance

        post_save.connect(
            signals.complete_courses_after_attendance,
            sender=Attendance,
            dispatch_uid="lms_complete_courses_after_attendance",
        )

        from lms.checks import register_checks

        register_checks()

        # Features register their personal-data exporters and anonymisers on import.
        import lms.services.h5p
        import lms.services.learning
        import lms.services.workshops  # noqa: F401

        # Workshop emails, calendar invites and reminders.
        from lms.tasks import connect_receivers

        connect_receivers()

        # Certificates: issued on course completion and on attendance; their personal
        # data and anonymiser register on import.
        from lms.services.certificates import connect_receivers as connect_certificates

        connect_certificates()
