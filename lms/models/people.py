"""Accounts and the people Aula tracks."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from lms.models.gads import GAD


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A login. People log in with their email; the person behind it is a Participant."""

    username = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self):
        return self.get_full_name() or self.email


class ParticipantQuerySet(models.QuerySet):
    def with_email(self, email: str):
        return self.filter(email__iexact=email.strip())

    def without_account(self):
        return self.filter(user__isnull=True)

    def active(self):
        return self.filter(anonymised_at__isnull=True)


class Participant(models.Model):
    """A person whose learning and attendance are tracked, with or without a login."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    class AgeBand(models.TextChoices):
        UNDER_30 = "18-29", _("18 to 29")
        FROM_30 = "30-44", _("30 to 44")
        FROM_45 = "45-59", _("45 to 59")
        FROM_60 = "60+", _("60 or older")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participant",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    gad = models.ForeignKey(
        GAD, verbose_name=_("GAD"), on_delete=models.PROTECT, related_name="participants"
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    sex = models.CharField(_("sex"), max_length=12, choices=Sex.choices)
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    consent_version = models.CharField(
        _("privacy notice version accepted"), max_length=20, blank=True
    )
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    anonymised_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        permissions = [("export_personal_data", _("Can export personal data"))]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="participant_email_unique_ci",
                violation_error_message=_("A participant with this email already exists."),
            )
        ]

    def __str__(self):
        return self.full_name

    @property
    def has_account(self) -> bool:
        return self.user_id is not None
