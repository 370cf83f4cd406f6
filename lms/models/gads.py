"""Ecuador's decentralised autonomous governments (GAD): every participant belongs to one."""

import unicodedata

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


def normalise(text: str) -> str:
    """Lower case without accents, so "pederna" finds "Pedernales" and "galapagos" "Galápagos"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


class Province(models.Model):
    code = models.CharField(_("INEC code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return self.name


class GADQuerySet(models.QuerySet):
    def matching(self, text: str):
        """GADs whose name, canton or province contains every word typed."""
        queryset = self
        for word in normalise(text).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def pilots(self):
        return self.filter(is_pilot=True)

    def municipal(self):
        return self.filter(level=GAD.Level.MUNICIPAL)


class GAD(models.Model):
    class Level(models.TextChoices):
        PROVINCIAL = "provincial", _("Provincial")
        SPECIAL_REGIME = "special", _("Special regime (Galápagos)")
        MUNICIPAL = "municipal", _("Municipal or metropolitan")
        PARISH = "parish", _("Rural parish")

    code = models.CharField(
        _("INEC code"),
        max_length=6,
        unique=True,
        help_text=_("2 digits for a province, 4 for a canton, 6 for a parish."),
    )
    name = models.CharField(_("name"), max_length=150)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="gads"
    )
    canton = models.CharField(
        _("canton"), max_length=150, blank=True, help_text=_("For parish GADs.")
    )
    is_pilot = models.BooleanField(_("programme pilot"), default=False)
    search_text = models.CharField(max_length=400, editable=False, db_index=True)

    objects = GADQuerySet.as_manager()

    class Meta:
        ordering = ["province__name", "level", "name"]
        verbose_name = _("GAD")
        verbose_name_plural = _("GADs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$"),
                name="gad_code_is_inec_format",
                violation_error_message=_("The code must have 2, 4 or 6 digits."),
            )
        ]
        indexes = [models.Index(Lower("name"), name="gad_name_lower")]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        self.search_text = normalise(f"{self.name} {self.canton} {self.province.name}")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """How people name this GAD, with where it is."""
        if self.level == self.Level.PROVINCIAL:
            return _("Provincial GAD of %(name)s") % {"name": self.name}
        if self.level == self.Level.SPECIAL_REGIME:
            return _("Special Regime Council of %(name)s") % {"name": self.name}
        if self.level == self.Level.MUNICIPAL:
            if self.name.startswith("Distrito Metropolitano"):
                return _("GAD of the %(name)s (%(province)s)") % {
                    "name": self.name,
                    "province": self.province.name,
                }
            return _("Municipal GAD of %(name)s (%(province)s)") % {
                "name": self.name,
                "province": self.province.name,
            }
        return _("Parish GAD of %(name)s (%(canton)s, %(province)s)") % {
            "name": self.name,
            "canton": self.canton,
            "province": self.province.name,
        }
