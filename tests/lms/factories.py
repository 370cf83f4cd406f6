import factory
from django.utils import timezone

from lms.models import GAD, Participant
from lms.services.people import current_privacy_version
from tests.factories import UserFactory

PEDERNALES = "1317"


def gad(code: str = PEDERNALES) -> GAD:
    """One of the GADs the migration loads (1317 is Pedernales, Manabí)."""
    return GAD.objects.select_related("province").get(code=code)


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A participant with a login; pass user=None for one a trainer added."""

    class Meta:
        model = Participant

    user = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"Participante {n}")
    email = factory.LazyAttributeSequence(
        lambda o, n: o.user.email if o.user else f"sin-cuenta{n}@example.org"
    )
    gad = factory.LazyFunction(gad)
    position = "Técnica de planificación"
    sex = Participant.Sex.FEMALE
    age_band = Participant.AgeBand.FROM_30
    phone = "0991234567"
    consent_version = factory.LazyFunction(current_privacy_version)
    consent_at = factory.LazyFunction(timezone.now)
