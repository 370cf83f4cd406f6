import pytest
from django.core.cache import cache
from wagtail.models import Page, Site

from tests.factories import HomePageFactory, ToolkitIndexPageFactory, ToolkitPageFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _spanish():
    """Each test starts in Spanish: a request to /en/ leaves English active in the thread."""
    from django.utils import translation

    translation.activate("es")
    yield
    translation.activate("es")


@pytest.fixture
def home(db):
    """A home page as the default site's root, as the demo and production have."""
    root = Page.get_first_root_node()
    home = HomePageFactory(parent=root)
    site = Site.objects.get(is_default_site=True)
    placeholder = site.root_page
    site.root_page = home
    site.save()
    placeholder.delete()
    return home


@pytest.fixture
def toolkit_index(home):
    return ToolkitIndexPageFactory(parent=home)


@pytest.fixture
def toolkit_page(toolkit_index):
    return ToolkitPageFactory(
        parent=toolkit_index, title="Diagnóstico territorial", slug="diagnostico"
    )


@pytest.fixture
def login_staff(client):
    """Log a staff member in with a confirmed second factor, as the admin requires."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(user):
        device = TOTPDevice.objects.create(user=user, name="Teléfono", confirmed=True)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return login


@pytest.fixture
def course(home):
    """A course of two lessons and a quiz (all required), in that order."""
    from tests.factories import (
        CourseIndexPageFactory,
        CoursePageFactory,
        LessonPageFactory,
        QuizPageFactory,
    )

    index = CourseIndexPageFactory(parent=home)
    course = CoursePageFactory(
        parent=index, title="Movilidad humana en el PDOT", slug="movilidad-pdot"
    )
    LessonPageFactory(parent=course, title="Conceptos", slug="conceptos")
    LessonPageFactory(parent=course, title="Diagnóstico", slug="diagnostico")
    QuizPageFactory(parent=course, title="Evaluación final", slug="evaluacion")
    return course


@pytest.fixture
def official(db):
    """A GAD official with an account and a participant profile (Pedernales)."""
    from lms.models import GAD
    from lms.services.people import register_participant
    from tests.factories import UserFactory

    user = UserFactory(email="funcionaria@pedernales.gob.ec")
    register_participant(
        user=user,
        full_name="Rosa Mero",
        gad=GAD.objects.get(code="1317"),
        sex="female",
        consent_version="1",
    )
    return user
