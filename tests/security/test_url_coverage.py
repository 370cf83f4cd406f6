"""Every URL pattern of the project, discovered, against the declared access policy.

The whole resolver is walked (the Wagtail admin, i18n-prefixed site URLs, the H5P
files, allauth, everything included), and each pattern must match exactly one entry
of tests/security/policy.py: a URL added without saying who may open it fails
`test_every_pattern_has_exactly_one_policy_entry`, naming it. Each pattern is then
requested, with objects made once for the module, as every role: anonymous, the
participant who owns the sample records, a participant of another GAD, the trainer of
the sample workshop, an editor, a programme manager and a superuser; Spanish and, for
the site's i18n patterns, English. What each gets must be what the policy says.

Each request runs in a savepoint that is rolled back, so a POST that enrols, locks
or deletes leaves nothing behind for the next role.
"""

import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, resolve
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from django.utils import timezone, translation

from tests.security import policy
from tests.security.policy import (
    DENIED,
    ELSEWHERE,
    ERROR,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    ROLES,
)

# Every test asks for the test database, so it is created (and the module's samples,
# made outside any test, go there rather than to the development database).
pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------
# Discovering the patterns.


@dataclass(frozen=True)
class Pattern:
    """One URL pattern, with the chain of patterns leading to it from the root URLconf."""

    route: str  # the full route; the language prefix, if any, left out
    name: str | None
    view: str  # dotted path of the view
    i18n: bool  # under i18n_patterns: Spanish at the root, English under /en/
    chain: tuple  # the pattern objects from the root, for building URLs
    callback: object
    key: str = ""  # the route, and the view when two patterns share a route


def _view_path(callback) -> str:
    target = getattr(callback, "view_class", None) or callback
    # Wagtail wraps admin views in decorators; functools.wraps keeps the original name.
    return f"{target.__module__}.{target.__qualname__}"


def discover() -> list[Pattern]:
    found = []

    def walk(resolver, chain, namespace, i18n):
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                nested = namespace
                if item.namespace:
                    nested = f"{namespace}:{item.namespace}" if namespace else item.namespace
                is_i18n = i18n or isinstance(item.pattern, LocalePrefixPattern)
                walk(item, (*chain, item.pattern), nested, is_i18n)
            else:
                full = (*chain, item.pattern)
                route = "".join("" if isinstance(p, LocalePrefixPattern) else str(p) for p in full)
                name = item.name and (f"{namespace}:{item.name}" if namespace else item.name)
                found.append(
                    Pattern(route, name, _view_path(item.callback), i18n, full, item.callback)
                )

    walk(get_resolver(), (), None, False)
    shared = Counter(pattern.route for pattern in found)
    return [
        replace(p, key=p.route if shared[p.route] == 1 else f"{p.route} [{p.view}]") for p in found
    ]


PATTERNS = discover()


def entries_for(pattern: Pattern) -> list:
    return [entry for entry in policy.ENTRIES if entry.matches(pattern)]


# ---------------------------------------------------------------------------
# Building a concrete URL for a pattern.


class CannotBuild(Exception):
    pass


_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
_REGEX_SPECIAL = set(".*+?[]{}|()")


def _fill_route(pattern: RoutePattern, values: dict) -> str:
    def replace(match):
        name = match["parameter"]
        if name not in values:
            raise CannotBuild(f"no value for <{name}>")
        return str(pattern.converters[name].to_url(values[name]))

    return _ROUTE_PARAMETER.sub(replace, str(pattern))


def _fill_regex(regex: str, values: dict) -> str:
    """A regex pattern's path with its groups filled in: named from `values`, unnamed
    from values["arg1"], values["arg2"]... Anything else a regex could match is refused."""
    text = regex.removeprefix("^").removesuffix("$")
    out, position, unnamed = [], 0, 0
    while position < len(text):
        char = text[position]
        if char == "\\":
            out.append(text[position + 1])
            position += 2
            continue
        if char == "(":
            depth, end = 0, position
            while True:
                if text[end] == "\\":
                    end += 2
                    continue
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                if depth == 0:
                    break
                end += 1
            group = text[position : end + 1]
            named = re.match(r"\(\?P<(\w+)>", group)
            if named:
                key = named[1]
            elif group.startswith("(?"):
                raise CannotBuild(f"cannot fill {group!r}")
            else:
                unnamed += 1
                key = f"arg{unnamed}"
            if key not in values:
                raise CannotBuild(f"no value for {key} in {regex!r}")
            out.append(str(values[key]))
            position = end + 1
            continue
        if char in _REGEX_SPECIAL:
            raise CannotBuild(f"cannot fill {regex!r}: give the entry a path")
        out.append(char)
        position += 1
    return "".join(out)


def build_path(pattern: Pattern, values: dict, *, language: str = "es") -> str:
    parts = []
    for item in pattern.chain:
        if isinstance(item, LocalePrefixPattern):
            parts.append("" if language == settings.LANGUAGE_CODE else f"{language}/")
        elif isinstance(item, RoutePattern):
            parts.append(_fill_route(item, values))
        elif isinstance(item, RegexPattern):
            parts.append(_fill_regex(item._regex, values))
        else:  # pragma: no cover - a new kind of pattern
            raise CannotBuild(f"unknown pattern {item!r}")
    return "/" + "".join(parts)


# ---------------------------------------------------------------------------
# The sample objects every URL is built from, made once for the module.

SECRET_MARKERS = ("rosa.mero@pedernales.gob.ec", "Rosa Mero Intriago")


def make_samples() -> SimpleNamespace:
    """The owner's records and everything Wagtail's admin screens point at."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from wagtail.admin.models import EditingSession
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.models import (
        Collection,
        CollectionViewRestriction,
        Page,
        PageViewRestriction,
        Site,
        Task,
        UploadedFile,
        Workflow,
    )
    from wagtail_factories import DocumentFactory, ImageFactory

    from cms.models import SiteSettings
    from courses.models import H5PActivity
    from lms import roles
    from lms.models import GAD, Certificate, ExportLog, Session, Workshop
    from lms.services import h5p as h5p_service
    from lms.services.certificates import issue
    from lms.services.learning import enrol, start_attempt, submit_attempt
    from lms.services.people import current_privacy_version, register_participant
    from lms.services.workshops import register
    from tests.factories import (
        CourseIndexPageFactory,
        CoursePageFactory,
        HomePageFactory,
        LessonPageFactory,
        QuizPageFactory,
        StandardPageFactory,
        ToolkitIndexPageFactory,
        ToolkitPageFactory,
        UserFactory,
    )

    s = SimpleNamespace()

    # People: the owner of every sample record (Pedernales) and someone of another GAD.
    s.gad = GAD.objects.get(code="1317")
    s.other_gad = GAD.objects.get(code="1701")
    owner = UserFactory(email=SECRET_MARKERS[0])
    s.participant = register_participant(
        user=owner,
        full_name=SECRET_MARKERS[1],
        gad=s.gad,
        sex="female",
        consent_version=current_privacy_version(),
    )
    other = UserFactory(email="luis.guaman@quito.gob.ec")
    s.other_participant = register_participant(
        user=other,
        full_name="Luis Guamán",
        gad=s.other_gad,
        sex="male",
        consent_version=current_privacy_version(),
    )
    s.users = {
        "participant": owner,
        "other_participant": other,
        "trainer": UserFactory(email="capacitador@ame.gob.ec", groups=[roles.TRAINER]),
        "editor": UserFactory(email="editora@ame.gob.ec", groups=[roles.EDITOR]),
        "manager": UserFactory(email="gestora@ame.gob.ec", groups=[roles.MANAGER]),
        "superuser": UserFactory(email="admin@ame.gob.ec", is_superuser=True, is_staff=True),
    }
    s.user = owner
    s.group = Group.objects.get(name=roles.PARTICIPANT)

    # Pages: the site's home, the toolkit, a course with a lesson (placing an H5P
    # activity) and a quiz, a draft and a password-protected page.
    root = Page.get_first_root_node()
    s.home = HomePageFactory(parent=root)
    s.site = Site.objects.get(is_default_site=True)
    placeholder = s.site.root_page
    s.site.root_page = s.home
    s.site.save()
    placeholder.delete()
    s.toolkit_index = ToolkitIndexPageFactory(parent=s.home)
    s.toolkit_page = ToolkitPageFactory(parent=s.toolkit_index, slug="diagnostico")
    s.revision = s.toolkit_page.save_revision(user=s.users["editor"])
    s.standard_page = StandardPageFactory(parent=s.home, slug="acerca")
    s.alias_page = s.toolkit_page.create_alias(update_slug="diagnostico-copia")
    s.draft_page = StandardPageFactory(parent=s.home, slug="borrador", live=False)
    s.private_page = StandardPageFactory(parent=s.home, slug="privada", intro=policy.PRIVATE_TEXT)
    s.page_restriction = PageViewRestriction.objects.create(
        page=s.private_page, restriction_type="password", password="clave-de-prueba"
    )
    s.activity = H5PActivity.objects.create(
        title="Actividad de seguridad", key="seguridad", main_library="Aula.Question 1.0"
    )
    default_storage.save(
        f"h5p/content/{s.activity.key}/h5p.json", ContentFile(b'{"title": "Actividad"}')
    )
    s.course_index = CourseIndexPageFactory(parent=s.home)
    s.course = CoursePageFactory(parent=s.course_index, slug="curso-seguridad")
    s.lesson = LessonPageFactory(parent=s.course, slug="leccion-seguridad")
    s.lesson.body = json.dumps(
        [
            {"type": "paragraph", "value": "<p>Contenido.</p>", "id": "p1"},
            {
                "type": "h5p",
                "value": {"activity": s.activity.pk, "requirement": "none"},
                "id": "h5p1",
            },
        ]
    )
    s.lesson.save_revision().publish()
    s.quiz = QuizPageFactory(parent=s.course, slug="evaluacion-seguridad")

    # The owner's learning records.
    enrolment = enrol(participant=s.participant, course=s.course)
    s.submitted_attempt = submit_attempt(
        attempt=start_attempt(enrolment=enrolment, quiz=s.quiz), answers={}
    )
    s.attempt = start_attempt(enrolment=enrolment, quiz=s.quiz)
    s.h5p_token = h5p_service.file_token(
        activity_id=s.activity.pk, key=s.activity.key, user_id=owner.pk
    )

    # A workshop the trainer runs, with one session; the owner is registered.
    s.workshop = Workshop.objects.create(
        title="Taller de seguridad", slug="taller-seguridad", status=Workshop.Status.PUBLISHED
    )
    s.workshop.trainers.add(s.users["trainer"])
    s.workshop.save()
    start = timezone.now() + timedelta(days=1)
    s.session = Session.objects.create(
        workshop=s.workshop, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    register(workshop=s.workshop, participant=s.participant, added_by=s.users["trainer"])
    # Another workshop, which the trainer does not train; the other participant is in it.
    s.other_workshop = Workshop.objects.create(
        title="Otro taller", slug="otro-taller", status=Workshop.Status.PUBLISHED
    )
    s.other_session = Session.objects.create(
        workshop=s.other_workshop, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    register(workshop=s.other_workshop, participant=s.other_participant)

    # The owner's certificate, its PDF ready.
    s.certificate = issue(participant=s.participant, kind=Certificate.Kind.COURSE, course=s.course)
    s.certificate.pdf.save("seguridad.pdf", ContentFile(b"%PDF-1.7 seguridad"), save=False)
    s.certificate.pdf_status = Certificate.Pdf.READY
    s.certificate.save()
    s.certificate_template = s.certificate.template or _any_template()
    s.export_log = ExportLog.objects.first()

    # Wagtail's own objects.
    s.collection = Collection.get_first_root_node().add_child(name="Materiales")
    s.collection_restriction = CollectionViewRestriction.objects.create(
        collection=s.collection, restriction_type="password", password="clave-de-prueba"
    )
    root_collection = Collection.get_first_root_node()
    s.image = ImageFactory(title="Mapa cantonal", collection=root_collection)
    s.document = DocumentFactory(
        title="Guía PDOT",
        collection=root_collection,
        file=ContentFile(b"Guia del PDOT", name="guia-pdot.txt"),
    )
    s.uploaded_image = UploadedFile.objects.create(
        file=ContentFile(b"GIF89a", name="subida.gif"),
        for_content_type=ContentType.objects.get_for_model(Image),
        uploaded_by_user=s.users["editor"],
    )
    s.uploaded_document = UploadedFile.objects.create(
        file=ContentFile(b"texto", name="subida.txt"),
        for_content_type=ContentType.objects.get_for_model(Document),
        uploaded_by_user=s.users["editor"],
    )
    s.redirect = Redirect.objects.create(old_path="/anterior", redirect_link="/")
    s.workflow = Workflow.objects.order_by("pk").first()
    s.task = Task.objects.order_by("pk").first()
    s.standard_page.save_revision(user=s.users["editor"])
    s.workflow_state = s.workflow.start(s.standard_page, s.users["editor"])
    s.task_state = s.workflow_state.current_task_state
    s.site_settings = SiteSettings.for_site(s.site)
    s.editing_session = EditingSession.objects.create(
        user=s.users["editor"],
        content_type=ContentType.objects.get_for_model(Page),
        object_id=str(s.toolkit_page.pk),
        last_seen_at=timezone.now(),
    )

    # Logged-in sessions: staff with a confirmed second factor, as the admin requires.
    s.clients = {}
    s.session_keys = {}
    for role, user in s.users.items():
        client = Client()
        client.force_login(user)
        if role not in ("participant", "other_participant"):
            device = TOTPDevice.objects.create(user=user, name="Teléfono", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        s.session_keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return s


def _any_template():
    from lms.models import CertificateTemplate

    return CertificateTemplate.objects.order_by("pk").first()


@pytest.fixture(scope="module")
def samples(django_db_setup, django_db_blocker, tmp_path_factory):
    """Made once, inside a transaction that is rolled back when the module is done.

    Files go to a temporary folder on disk, as in production: Wagtail serves documents
    from a file path, which the test settings' in-memory storage does not have.
    """
    media = tmp_path_factory.mktemp("media")
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }
    with override_settings(MEDIA_ROOT=str(media), STORAGES=storages), django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            translation.activate(settings.LANGUAGE_CODE)
            yield make_samples()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            cache.clear()


# ---------------------------------------------------------------------------
# Requesting a URL as a role, and naming what happened.


def client_for(samples, role: str) -> Client:
    """The role's client, with only its session cookie (nothing left from earlier requests).

    One client per role for the module: a new client loads the middleware again, and
    whitenoise reads every static file's headers when it starts.
    """
    client = samples.clients.get(role)
    if client is None:
        client = samples.clients[role] = Client(raise_request_exception=False)
    cookies = (
        {} if role == "anonymous" else {settings.SESSION_COOKIE_NAME: samples.session_keys[role]}
    )
    client.cookies = SimpleCookie(cookies)
    return client


# The site's login page; Wagtail's own address for it redirects there.
LOGIN_PATHS = ("/cuenta/login/", "/en/cuenta/login/", "/admin/login/")


def outcome(response, path: str) -> str:
    status = response.status_code
    if 200 <= status < 300 or status == 400:
        return OK
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response["Location"]).path
        if target.startswith(LOGIN_PATHS):
            return LOGIN
        if target == "/admin/" and path != "/admin/" and _refused_in_admin(response):
            return DENIED
        if target == path:
            return OK  # a form page sending the visitor back to itself
        return ELSEWHERE
    return {403: DENIED, 404: NOT_FOUND, 405: NOT_ALLOWED, 500: ERROR}.get(status, f"{status}")


def _refused_in_admin(response) -> bool:
    """Wagtail turns people without a permission away to its dashboard, with an error."""
    return any(
        message.level == message_levels.ERROR for message in get_messages(response.wsgi_request)
    )


def request_as(samples, role: str, method: str, url: str, data=None):
    """One request in a savepoint that is rolled back: no role sees another's writes."""
    cache.clear()
    translation.activate("es")
    with transaction.atomic():
        client = client_for(samples, role)
        response = client.post(url, data or {}) if method == "POST" else client.get(url)
        # A streamed body (exports, files) is read while the savepoint lasts; reading it to
        # the end closes the response as the test client does (a plain close() would fire
        # request_finished and close the database connection inside the transaction).
        response.body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        )
        transaction.set_rollback(True)
    return response


def leaks(response) -> bool:
    return any(marker.encode() in response.body for marker in SECRET_MARKERS)


# ---------------------------------------------------------------------------
# The tests.


def test_every_pattern_has_exactly_one_policy_entry():
    problems = []
    for pattern in PATTERNS:
        matched = entries_for(pattern)
        if not matched:
            problems.append(
                f"{pattern.key} (name {pattern.name!r}, view {pattern.view}) has no entry in "
                "tests/security/policy.py: say who may open it"
            )
        elif len(matched) > 1:
            problems.append(
                f"{pattern.key} matches {len(matched)} entries: "
                + ", ".join(entry.route for entry in matched)
            )
    assert not problems, "\n".join(problems)


def test_every_policy_entry_says_what_to_request_once():
    """Outcomes either on the entry or in its cases, never both (one would be ignored)."""
    both = [e.route for e in policy.ENTRIES if e.cases and (e.get or e.post)]
    assert not both, f"entries with both outcomes and cases: {both}"
    silent = [
        e.route for e in policy.ENTRIES if not (e.cases or e.get or e.post or e.shadowed or e.needs)
    ]
    assert not silent, f"entries that request nothing and say why not: {silent}"


def test_every_policy_entry_matches_a_pattern():
    unused = [e.route for e in policy.ENTRIES if not any(e.matches(p) for p in PATTERNS)]
    assert not unused, f"entries matching no URL pattern (stale?): {unused}"


def test_discovery_reaches_every_part_of_the_project():
    """The walk goes through includes, the i18n prefix and Wagtail's hooks."""
    routes = {pattern.route for pattern in PATTERNS}
    assert "admin/pages/<int:page_id>/edit/" in routes  # Wagtail's admin
    assert "admin/informes/" in routes  # Aula's admin URLs, through a hook
    assert "admin/participants/edit/<int:pk>/" in routes  # an Aula viewset
    assert "h5p/<str:token>/archivos/<path:name>" in routes  # outside the language prefix
    i18n = {pattern.route for pattern in PATTERNS if pattern.i18n}
    assert {"cuenta/login/", "verificar/<str:code>/", "buscar/"} <= i18n
    assert len(PATTERNS) > 300


def _values(samples, *layers) -> dict:
    specs = {}
    for layer in layers:
        specs.update(layer)
    return {name: policy.sample_value(samples, spec) for name, spec in specs.items()}


def _requests(entry, pattern, samples):
    """(case, language, method, path, url, data, expectation) for each request to make."""
    cases = entry.cases or (policy.Case(get=entry.get, post=entry.post),)
    languages = ("es", "en") if pattern.i18n else ("es",)
    for case in cases:
        values = _values(samples, policy.DEFAULT_PARAMS, entry.params, case.params)
        for language in languages:
            literal = case.path or entry.path
            if literal:
                path = literal if language == "es" else f"/{language}{literal}"
            else:
                path = build_path(pattern, values, language=language)
            query = policy.sample_query(samples, case.query or entry.query)
            url = f"{path}?{query}" if query else path
            data = _values(samples, entry.data, case.data) if case.post else {}
            for method, expected in (("GET", case.get), ("POST", case.post)):
                if expected is not None:
                    yield case, language, method, path, url, data, expected


def _param(pattern):
    matched = entries_for(pattern)
    if len(matched) == 1 and matched[0].xfail:
        mark = pytest.mark.xfail(strict=True, reason=matched[0].xfail)
        return pytest.param(pattern, id=pattern.key, marks=mark)
    return pytest.param(pattern, id=pattern.key)


@pytest.mark.parametrize("pattern", [_param(p) for p in PATTERNS])
def test_each_role_gets_what_the_policy_says(samples, pattern):
    matched = entries_for(pattern)
    assert len(matched) == 1, f"{pattern.key}: {len(matched)} policy entries match"
    entry = matched[0]
    if entry.needs:
        pytest.skip(f"not requested: {entry.needs}")
    if entry.shadowed:
        # An earlier pattern answers every URL of this one: prove it.
        values = _values(samples, policy.DEFAULT_PARAMS, entry.params)
        path = entry.path or build_path(pattern, values)
        assert resolve(path).func is not pattern.callback, f"{pattern.key} is reachable"
        return
    problems = []
    for case, language, method, path, url, data, expected in _requests(entry, pattern, samples):
        with translation.override(language):
            match = resolve(path)
        assert match.func is pattern.callback, (
            f"{url} resolves to {match.view_name or match.route}, not to {pattern.key}"
        )
        for role in ROLES:
            want = expected[role]
            response = request_as(samples, role, method, url, data)
            got = outcome(response, path)
            where = f" -> {response['Location']}" if response.has_header("Location") else ""
            if got != want:
                problems.append(
                    f"{method} {url}{case.label} as {role}: expected {want}, got {got} "
                    f"({response.status_code}{where})"
                )
            elif got in policy.TURNED_AWAY and leaks(response):
                problems.append(
                    f"{method} {url} as {role}: turned away, but shows the owner's data"
                )
            if leaks(response) and "no-store" not in response.get("Cache-Control", ""):
                problems.append(f"{method} {url} as {role}: personal data without no-store")
            if case.hidden and case.hidden.encode() in response.body:
                problems.append(f"{method} {url} as {role}: shows {case.hidden!r}")
    assert not problems, "\n".join(problems)


# Forms that also take a GET, posted without a token as someone who may use them.
FORMS = {
    "cuenta/login/": "anonymous",
    "cuenta/signup/": "anonymous",
    "cuenta/password/reset/": "anonymous",
    "cuenta/perfil/": "participant",
    "cuenta/eliminar/": "participant",
    "cuenta/consentimiento/": "participant",
    "cuenta/dos-pasos/configurar/": "trainer",
    "talleres/<slug:slug>/asistencia/": "participant",
    "capacitacion/sesiones/<int:pk>/codigo/": "trainer",
    "capacitacion/sesiones/<int:pk>/importar/": "trainer",
    "admin/participants/edit/<int:pk>/": "manager",
    "admin/pages/<int:page_id>/edit/": "editor",
    "admin/certificados/emitir/": "trainer",
    "admin/users/edit/<int:pk>/": "superuser",
}


def _post_target(pattern):
    """The first case that POSTs, with the first role it lets in; or a form of FORMS."""
    entries = entries_for(pattern)
    if len(entries) != 1 or entries[0].shadowed or entries[0].needs:
        return None
    entry = entries[0]
    for case in entry.cases or (policy.Case(get=entry.get, post=entry.post),):
        if case.post:
            role = next((r for r in ROLES if case.post[r] in (OK, ELSEWHERE)), None)
            if role:
                return entry, case, role
    if pattern.route in FORMS:
        return entry, entry.cases[0] if entry.cases else policy.Case(), FORMS[pattern.route]
    return None


POSTED = [p for p in PATTERNS if _post_target(p)]


@pytest.mark.parametrize("pattern", POSTED, ids=[p.key for p in POSTED])
def test_a_post_without_the_csrf_token_is_refused(samples, pattern):
    """Every view that takes a POST checks the CSRF token (none is exempt)."""
    entry, case, role = _post_target(pattern)
    values = _values(samples, policy.DEFAULT_PARAMS, entry.params, case.params)
    path = entry.path or case.path or build_path(pattern, values)
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if role != "anonymous":
        client.cookies = SimpleCookie({settings.SESSION_COOKIE_NAME: samples.session_keys[role]})
    with transaction.atomic():
        response = client.post(path, _values(samples, entry.data, case.data))
        transaction.set_rollback(True)
    assert response.status_code == 403, f"POST {path} as {role} without a CSRF token"
    assert b"CSRF" in response.content or b"csrf" in response.content
