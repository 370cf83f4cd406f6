"""Who may open every URL pattern of Aula: the declared access policy.

tests/security/test_url_coverage.py walks the whole URL resolver and requires each
pattern to match exactly one entry here, then requests it as every role and compares.
A new URL pattern needs an entry: say who may open it, and with which sample objects
its URL is built.

An entry's `route` is a pattern's full route (the language prefix left out), or a prefix
ending in "*" for a group of patterns that answer everyone alike (most of the Wagtail
admin). `get` and `post` give the outcome per role of a GET, and of a POST with an
empty body (asked only of views that take a POST); the point is access, not whether
a form is valid:

- ok: let in (2xx; a 400 that judged the request; a form page sending back to itself);
- login: sent to log in;
- denied: turned away (403, or Wagtail's redirect to its dashboard with an error);
- not_found: 404, as for someone else's record that must not be confirmed to exist;
- not_allowed: 405, the method is not taken;
- elsewhere: sent on to another page without the data (a staff account without a
  participant profile sent to complete one; a POST that did its work and moved on);
- error: 500 (Wagtail's deliberate error page).

Roles: anonymous; participant, who owns every sample record (enrolment, attempts,
registration, certificate); other_participant, of another GAD, owning none of them;
trainer, who trains the sample workshop; editor; manager; superuser. Staff have
confirmed their second factor.
"""

import re
from dataclasses import dataclass, field
from typing import Any

OK = "ok"
LOGIN = "login"
DENIED = "denied"
NOT_FOUND = "not_found"
NOT_ALLOWED = "not_allowed"
ELSEWHERE = "elsewhere"
ERROR = "error"
# The body of the password-protected page, which nobody sees without the password.
PRIVATE_TEXT = "Acta reservada del comité"
# A turned-away response must not show the owner's personal data.
TURNED_AWAY = frozenset({LOGIN, DENIED, NOT_FOUND, NOT_ALLOWED})

ROLES = (
    "anonymous",
    "participant",
    "other_participant",
    "trainer",
    "editor",
    "manager",
    "superuser",
)
STAFF = ("trainer", "editor", "manager")


def access(anonymous, participant, other_participant, trainer, editor, manager, superuser):
    return dict(
        zip(
            ROLES,
            (anonymous, participant, other_participant, trainer, editor, manager, superuser),
            strict=True,
        )
    )


def everyone(outcome: str) -> dict:
    return dict.fromkeys(ROLES, outcome)


def staff(*allowed: str, participants: str = DENIED) -> dict:
    """Anonymous visitors log in; participants are turned away; of the staff roles the
    ones named are let in and the others turned away; superusers are let in."""
    return {
        "anonymous": LOGIN,
        "participant": participants,
        "other_participant": participants,
        **{role: OK if role in allowed else DENIED for role in STAFF},
        "superuser": OK,
    }


def admin(*allowed: str) -> dict:
    """The same in the Wagtail admin, which sends a signed-in person without admin access
    to the login page (with an error), to sign in as someone who has it."""
    return staff(*allowed, participants=LOGIN)


def with_(base: dict, **changes: str) -> dict:
    return {**base, **changes}


def set_(base: dict, outcome: str, *roles: str, others: str | None = None) -> dict:
    """`base`, with `outcome` for the roles named (every staff role and superusers if
    none are), and `others` for the remaining staff roles, if given."""
    named = roles or (*STAFF, "superuser")
    changed = dict(base)
    for role in (*STAFF, "superuser"):
        if role in named:
            changed[role] = outcome
        elif others is not None:
            changed[role] = others
    return changed


PUBLIC = everyone(OK)
NOBODY = everyone(NOT_FOUND)
POST_ONLY = everyone(NOT_ALLOWED)
SIGNED_IN = access(LOGIN, OK, OK, OK, OK, OK, OK)
# Participant pages: staff accounts have no participant profile and are sent to make one.
PARTICIPANTS = access(LOGIN, OK, OK, ELSEWHERE, ELSEWHERE, ELSEWHERE, ELSEWHERE)
ANY_STAFF = admin(*STAFF)
SUPERUSER_ONLY = admin()
EDITORS = admin("editor")
# Trainers and managers: "view participants" (and the workshops they work with).
PEOPLE = admin("trainer", "manager")
MANAGERS = admin("manager")
# The trainers' area on the site: the trainers of the workshop, managers, superusers.
TRAINING = staff("trainer", "manager")
# An admin view that takes only POST: a GET is refused once past the admin's door.
ADMIN_POST_ONLY = set_(ANY_STAFF, NOT_ALLOWED)


@dataclass(frozen=True)
class Case:
    """One concrete URL of a pattern, with what each role gets from it."""

    get: dict | None = None
    post: dict | None = None
    params: dict = field(default_factory=dict)
    query: str = ""
    label: str = ""
    path: str = ""
    data: dict = field(default_factory=dict)  # the POST body: parameter -> sample value
    hidden: str = ""  # text no role may see in the response


@dataclass(frozen=True)
class Entry:
    route: str
    get: dict | None = None
    post: dict | None = None
    why: str = ""
    view: str = ""  # the view's dotted path, when two patterns share a route
    params: dict = field(default_factory=dict)
    query: str = ""
    cases: tuple = ()
    shadowed: str = ""  # an earlier pattern answers every URL of this one: why
    needs: str = ""  # not requested: the object it needs that the fixture cannot make
    xfail: str = ""  # a known access-control bug, reported; the expectation is the fix
    path: str = ""  # a literal path, for a pattern whose regex cannot be filled in
    data: dict = field(default_factory=dict)  # the POST body: parameter -> sample value

    def matches(self, pattern) -> bool:
        if self.view and self.view != pattern.view:
            return False
        if self.route.endswith("*"):
            return pattern.route.startswith(self.route[:-1])
        return pattern.route == self.route


# ---------------------------------------------------------------------------
# Sample values for URL parameters: a sample's name (its pk is used), "=literal",
# or a function of the samples.

DEFAULT_PARAMS = {
    "page_id": "toolkit_page",
    "parent_page_id": "toolkit_index",
    "page_to_move_id": "toolkit_page",
    "image_id": "image",
    "document_id": "document",
    "doc_id": "document",
    "revision_id": "revision",
}


def sample_value(samples, spec) -> Any:
    if callable(spec):
        return spec(samples)
    if isinstance(spec, str) and spec.startswith("="):
        return spec[1:]
    if isinstance(spec, str):
        value = getattr(samples, spec)
        return getattr(value, "pk", value)
    return spec


def sample_query(samples, query) -> str:
    """A query string: a function of the samples, or text where {name} is a sample's pk."""
    if callable(query):
        return query(samples)
    return re.sub(r"\{(\w+)\}", lambda match: str(sample_value(samples, match[1])), query)


def page_path(name: str):
    """The path of a sample page below the site's root, as the page route captures it."""

    def value(samples):
        return getattr(samples, name).url_path.removeprefix(samples.home.url_path)

    value.__name__ = f"page_path({name})"
    return value


def unlock_path(samples) -> str:
    """Where the password-protected page's form posts, as the page route captures it."""
    return (
        f"_util/authenticate_with_password/{samples.page_restriction.pk}/{samples.private_page.pk}/"
    )


PAGE_TYPE = {"content_type_app_name": "=cms", "content_type_model_name": "=toolkitpage"}
# The workflow in progress on the standard page, at its first task.
WORKFLOW = {
    "page_id": "standard_page",
    "action_name": "=approve",
    "task_state_id": "task_state",
    "task_id": "task",
    "workflow_state_id": "workflow_state",
}
SETTINGS = {"app_name": "=cms", "model_name": "=sitesettings", "pk": "site"}


def theirs_and_not(expect, sample, *, post=False, data="", extra=None):
    """Cases for a trainers' page: for the sample workshop (or session), which the trainer
    trains, as `expect` says; for another one, the trainer is turned away (managers and
    superusers are not). `data` is the field that posts the workshop's registrant."""

    def case(name, outcome, person, label):
        if not post:
            return Case(get=outcome, params={"pk": name}, label=label)
        body = {**(extra or {}), **({data: person} if data else {})}
        return Case(POST_ONLY, outcome, params={"pk": name}, data=body, label=label)

    return (
        case(sample, expect, "participant", ""),
        case(
            f"other_{sample}",
            with_(expect, trainer=DENIED),
            "other_participant",
            " (a workshop the trainer does not train)",
        ),
    )


def block_preview_query(samples) -> str:
    from wagtail.blocks import Block

    return "id=" + next(iter(Block.definition_registry))


def attr(name: str, attribute: str):
    def value(samples):
        return getattr(getattr(samples, name), attribute)

    return value


# ---------------------------------------------------------------------------
# The policy.

ENTRIES = [
    # -- The public site -----------------------------------------------------------
    Entry(
        "^((?:[\\w\\-]+/)*)$",
        view="cms.routing.serve",
        why="Wagtail pages: public, except lessons (enrolled participants) and drafts",
        cases=(
            Case(PUBLIC, params={"arg1": "="}, label=" (home)"),
            Case(PUBLIC, params={"arg1": page_path("toolkit_page")}, label=" (toolkit)"),
            Case(PUBLIC, params={"arg1": page_path("course")}, label=" (course)"),
            Case(
                access(LOGIN, OK, *[ELSEWHERE] * 5),
                params={"arg1": page_path("lesson")},
                label=" (lesson)",
            ),
            Case(PUBLIC, params={"arg1": page_path("quiz")}, label=" (quiz)"),
            Case(NOBODY, params={"arg1": "=borrador/"}, label=" (draft)"),
            Case(
                PUBLIC,
                params={"arg1": page_path("private_page")},
                label=" (password form)",
                hidden=PRIVATE_TEXT,
            ),
            # Wagtail's helpers for private pages, answered by the page route (cms.routing).
            Case(
                PUBLIC,
                PUBLIC,
                params={"arg1": unlock_path},
                label=" (the password form's own address; a wrong password)",
                hidden=PRIVATE_TEXT,
            ),
            Case(
                post=everyone(ELSEWHERE),
                params={"arg1": unlock_path},
                data={"password": "=clave-de-prueba", "return_url": "=/privada/"},
                label=" (the right password: back to the page)",
            ),
            Case(
                everyone(LOGIN),
                params={"arg1": "=_util/login/"},
                label=" (pages for signed-in people: the site's login)",
            ),
        ),
    ),
    Entry(
        "^((?:[\\w\\-]+/)*)$",
        view="wagtail.views.serve",
        shadowed="Aula's router (cms.routing.serve) takes the same route first",
        params={"arg1": "="},
    ),
    Entry("buscar/", PUBLIC),
    # Wagtail's helpers for private pages sit behind Aula's page route, which is listed
    # before include(wagtail_urls) and matches "_util/..." too; it answers them itself
    # (the cases of the page route above).
    Entry(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        shadowed="Aula's page route (cms.routing.serve) matches it first and calls this "
        "view, for a live page under that password restriction only",
        params={"page_view_restriction_id": "page_restriction", "page_id": "private_page"},
    ),
    Entry(
        "_util/login/",
        shadowed="Aula's page route (cms.routing.serve) matches it first and sends it to "
        "the site's login page",
    ),
    Entry(
        "documentos/^(\\d+)/(.*)$",
        PUBLIC,
        why="documents in public collections are public",
        params={"arg1": "document", "arg2": attr("document", "filename")},
    ),
    Entry(
        "documentos/authenticate_with_password/<int:restriction_id>/",
        PUBLIC,
        params={"restriction_id": "collection_restriction"},
    ),
    # -- H5P files: a signed token, not the session, opens them -------------------------
    Entry(
        "h5p/<str:token>/",
        why="the sandboxed player: anyone holding a valid token (frames send no cookies)",
        cases=(
            Case(PUBLIC, params={"token": "h5p_token"}),
            Case(NOBODY, params={"token": "=no-es-un-token"}, label=" (bad token)"),
        ),
    ),
    Entry(
        "h5p/<str:token>/archivos/<path:name>",
        why="package files: a valid token only",
        params={"name": "=h5p.json"},
        cases=(
            Case(PUBLIC, params={"token": "h5p_token"}),
            Case(NOBODY, params={"token": "=no-es-un-token"}, label=" (bad token)"),
        ),
    ),
    # -- Accounts (django-allauth and Aula's) ---------------------------------------------
    Entry("cuenta/login/", access(OK, *[ELSEWHERE] * 6), why="signed-in people are sent on"),
    Entry("cuenta/signup/", access(OK, *[ELSEWHERE] * 6)),
    Entry("cuenta/logout/", access(ELSEWHERE, *[OK] * 6), why="GET asks to confirm; POST logs out"),
    Entry("cuenta/inactive/", PUBLIC),
    Entry("cuenta/reauthenticate/", SIGNED_IN),
    # Login and reauthentication by emailed code are off: these send people back.
    Entry("cuenta/reauthenticate/code/", access(LOGIN, *[ELSEWHERE] * 6)),
    Entry("cuenta/reauthenticate/code/confirm/", access(LOGIN, *[ELSEWHERE] * 6)),
    Entry("cuenta/email/", SIGNED_IN),
    Entry("cuenta/confirm-email/", PUBLIC),
    Entry("cuenta/^confirm-email/(?P<key>[-:\\w]+)/$", PUBLIC, params={"key": "=clave-falsa"}),
    Entry("cuenta/password/change/", SIGNED_IN),
    Entry(
        "cuenta/password/set/",
        access(LOGIN, *[ELSEWHERE] * 6),
        why="for accounts without a password: these have one, and are sent to change it",
    ),
    Entry("cuenta/password/reset/", PUBLIC),
    Entry("cuenta/password/reset/done/", PUBLIC),
    Entry("cuenta/password/reset/key/done/", PUBLIC),
    Entry(
        "cuenta/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        PUBLIC,
        params={"uidb36": "=1", "key": "=clave-falsa"},
    ),
    Entry("cuenta/login/code/confirm/", access(LOGIN, *[ELSEWHERE] * 6)),
    Entry("cuenta/perfil/", SIGNED_IN),
    Entry("cuenta/gad/buscar/", PUBLIC, why="the GAD picker of the sign-up form"),
    Entry(
        "cuenta/dos-pasos/",
        set_(staff(), ELSEWHERE),
        why="staff confirm a code there; once confirmed (as here) they are sent on to the admin",
    ),
    Entry("cuenta/dos-pasos/configurar/", staff(*STAFF)),
    Entry("cuenta/dos-pasos/codigos/", staff(*STAFF)),
    # -- Privacy rights --------------------------------------------------------------------
    Entry("cuenta/mis-datos/", SIGNED_IN),
    Entry("cuenta/mis-datos/descargar.json", PARTICIPANTS),
    Entry("cuenta/mis-datos/descargar.csv", PARTICIPANTS),
    Entry("cuenta/eliminar/", SIGNED_IN),
    Entry("cuenta/consentimiento/", PARTICIPANTS),
    # -- Learning ------------------------------------------------------------------------
    Entry("aprendizaje/", SIGNED_IN),
    Entry("aprendizaje/historial/", SIGNED_IN, why="one's own transcript only"),
    Entry(
        "aprendizaje/cursos/<int:course_id>/inscribirme/",
        POST_ONLY,
        post=access(LOGIN, *[ELSEWHERE] * 6),
        params={"course_id": "course"},
    ),
    Entry(
        "aprendizaje/cursos/<int:course_id>/salir/",
        POST_ONLY,
        post=access(LOGIN, *[ELSEWHERE] * 6),
        params={"course_id": "course"},
    ),
    Entry(
        "aprendizaje/cursos/<int:course_id>/pasos/<int:step_id>/terminar/",
        POST_ONLY,
        post=access(LOGIN, *[ELSEWHERE] * 6),
        params={"course_id": "course", "step_id": "lesson"},
    ),
    Entry(
        "aprendizaje/cuestionarios/<int:quiz_id>/empezar/",
        POST_ONLY,
        post=access(LOGIN, *[ELSEWHERE] * 6),
        params={"quiz_id": "quiz"},
    ),
    Entry(
        "aprendizaje/cuestionario/<int:attempt_id>/",
        access(LOGIN, OK, *[DENIED] * 5),
        why="an attempt is its participant's alone",
        params={"attempt_id": "attempt"},
    ),
    Entry(
        "aprendizaje/cuestionario/<int:attempt_id>/guardar/",
        POST_ONLY,
        post=access(LOGIN, ELSEWHERE, *[DENIED] * 5),
        params={"attempt_id": "attempt"},
    ),
    Entry(
        "aprendizaje/cuestionario/<int:attempt_id>/enviar/",
        POST_ONLY,
        post=access(LOGIN, ELSEWHERE, *[DENIED] * 5),
        params={"attempt_id": "attempt"},
    ),
    Entry(
        "aprendizaje/cuestionario/<int:attempt_id>/resultado/",
        access(LOGIN, OK, *[DENIED] * 5),
        params={"attempt_id": "submitted_attempt"},
    ),
    Entry(
        "aprendizaje/cursos/<int:course_id>/pasos/<int:step_id>/h5p/<int:activity_id>/resultados/",
        POST_ONLY,
        post=access(LOGIN, OK, *[DENIED] * 5),
        why="enrolled participants report their own results (400: the empty body is judged)",
        params={"course_id": "course", "step_id": "lesson", "activity_id": "activity"},
    ),
    Entry(
        "aprendizaje/cursos/<int:course_id>/pasos/<int:step_id>/h5p/<int:activity_id>/estado/",
        POST_ONLY,
        post=access(LOGIN, OK, *[DENIED] * 5),
        params={"course_id": "course", "step_id": "lesson", "activity_id": "activity"},
    ),
    # -- Offline learning ------------------------------------------------------------------
    Entry("sw.js", PUBLIC, why="the service worker: the same script for everyone"),
    Entry("manifest.webmanifest", PUBLIC),
    Entry("sin-conexion/", PUBLIC, why="what works offline; the lists are filled on the device"),
    Entry(
        "aprendizaje/sincronizar/",
        PUBLIC,
        why="who is signed in (an opaque cache scope) and a CSRF token, for sending changes",
    ),
    Entry(
        "aprendizaje/cursos/<int:course_id>/sin-conexion/",
        access("401", OK, *[DENIED] * 5),
        why="what a course download holds: for its enrolled participants (JSON, so 401)",
        params={"course_id": "course"},
    ),
    # -- Workshops and attendance ----------------------------------------------------------
    Entry("talleres/", PUBLIC),
    Entry("talleres/<slug:slug>/", PUBLIC, params={"slug": attr("workshop", "slug")}),
    Entry("talleres/<slug:slug>/calendario.ics", PUBLIC, params={"slug": attr("workshop", "slug")}),
    Entry(
        "talleres/<slug:slug>/inscribirme/",
        POST_ONLY,
        post=access(LOGIN, *[ELSEWHERE] * 6),
        params={"slug": attr("workshop", "slug")},
    ),
    Entry(
        "talleres/<slug:slug>/cancelar/",
        POST_ONLY,
        post=access(LOGIN, *[ELSEWHERE] * 6),
        params={"slug": attr("workshop", "slug")},
    ),
    Entry(
        "talleres/<slug:slug>/asistencia/",
        access(LOGIN, OK, *[DENIED] * 5),
        why="check-in is for confirmed registrants",
        params={"slug": attr("workshop", "slug")},
    ),
    Entry("capacitacion/", TRAINING),
    # Each trainers' page, for the trainer's workshop and for one they do not train.
    Entry("capacitacion/talleres/<int:pk>/", cases=theirs_and_not(TRAINING, "workshop")),
    Entry(
        "capacitacion/talleres/<int:pk>/asistencia.csv", cases=theirs_and_not(TRAINING, "workshop")
    ),
    Entry(
        "capacitacion/talleres/<int:pk>/asistencia.xlsx", cases=theirs_and_not(TRAINING, "workshop")
    ),
    Entry("capacitacion/sesiones/<int:pk>/asistencia/", cases=theirs_and_not(TRAINING, "session")),
    Entry(
        "capacitacion/sesiones/<int:pk>/asistencia/marcar/",
        why="one tap on the roster: sends back to it",
        cases=theirs_and_not(
            set_(TRAINING, ELSEWHERE, "trainer", "manager", "superuser"),
            "session",
            post=True,
            data="participant",
            extra={"status": "=present"},
        ),
    ),
    Entry(
        "capacitacion/sesiones/<int:pk>/asistencia/todos-presentes/",
        cases=theirs_and_not(
            set_(TRAINING, ELSEWHERE, "trainer", "manager", "superuser"), "session", post=True
        ),
    ),
    Entry(
        "capacitacion/sesiones/<int:pk>/asistencia/agregar/",
        why="400: the empty walk-in form is judged",
        cases=theirs_and_not(TRAINING, "session", post=True),
    ),
    Entry("capacitacion/sesiones/<int:pk>/codigo/", cases=theirs_and_not(TRAINING, "session")),
    Entry("capacitacion/sesiones/<int:pk>/importar/", cases=theirs_and_not(TRAINING, "session")),
    Entry(
        "capacitacion/sesiones/<int:pk>/importar/revisar/",
        why="without an upload token the review sends back to the upload",
        cases=theirs_and_not(
            set_(TRAINING, ELSEWHERE, "trainer", "manager", "superuser"), "session"
        ),
    ),
    # -- Certificates -------------------------------------------------------------------
    Entry("verificar/clave.json", PUBLIC),
    Entry(
        "verificar/logros/<str:subject>/",
        PUBLIC,
        params={"subject": lambda s: f"curso-{s.course.pk}"},
    ),
    Entry("verificar/<str:code>/", PUBLIC, params={"code": attr("certificate", "code")}),
    Entry(
        "verificar/<str:code>/insignia.json", PUBLIC, params={"code": attr("certificate", "code")}
    ),
    Entry(
        "verificar/<str:code>/insignia.jwt", PUBLIC, params={"code": attr("certificate", "code")}
    ),
    Entry(
        "aprendizaje/certificados/<int:pk>/pdf/",
        access(LOGIN, OK, NOT_FOUND, *[ELSEWHERE] * 4),
        why="only the holder downloads the PDF; anyone else's is not found",
        params={"pk": "certificate"},
    ),
    # -- The Wagtail admin: Aula's screens ------------------------------------------------
    Entry(
        "admin/login/",
        everyone(LOGIN),
        view="django.views.generic.base.RedirectView",
        why="one login page for everyone",
    ),
    Entry(
        "admin/login/",
        view="wagtail.admin.views.account.LoginView",
        shadowed="the redirect to the site's login page takes the same route first",
    ),
    Entry("admin/", ANY_STAFF),
    Entry("admin/informes/", PEOPLE),
    Entry(
        "admin/informes/exportar/<str:kind>.<str:fmt>",
        cases=(
            Case(PEOPLE, params={"kind": "=indicators", "fmt": "=csv"}),
            Case(MANAGERS, params={"kind": "=participants", "fmt": "=xlsx"}),
        ),
    ),
    Entry("admin/informes/gad/<int:pk>/", MANAGERS, params={"pk": "gad"}),
    Entry("admin/informes/pilotos/", MANAGERS),
    Entry(
        "admin/informes/participantes/<int:pk>/",
        why="trainers see the people of the workshops they train; managers anyone",
        cases=(
            Case(PEOPLE, params={"pk": "participant"}),
            Case(
                with_(PEOPLE, trainer=DENIED),
                params={"pk": "other_participant"},
                label=" (someone outside the trainer's workshops)",
            ),
        ),
    ),
    Entry("admin/informes/exportaciones/*", MANAGERS),
    Entry("admin/h5p/<int:pk>/vista-previa/", ANY_STAFF, params={"pk": "activity"}),
    Entry(
        "admin/h5p/<int:pk>/vista-previa/resultado/",
        with_(POST_ONLY, anonymous=LOGIN, participant=LOGIN, other_participant=LOGIN),
        post=ANY_STAFF,
        params={"pk": "activity"},
    ),
    Entry("admin/participants/", PEOPLE),
    Entry("admin/participants/results/", PEOPLE),
    Entry("admin/participants/new/", PEOPLE),
    Entry("admin/participants/edit/<int:pk>/", PEOPLE, params={"pk": "participant"}),
    Entry("admin/participants/delete/<int:pk>/", SUPERUSER_ONLY, params={"pk": "participant"}),
    Entry("admin/participants/history/<int:pk>/", PEOPLE, params={"pk": "participant"}),
    Entry("admin/participants/history-results/<int:pk>/", PEOPLE, params={"pk": "participant"}),
    Entry("admin/participants/usage/<int:pk>/", PEOPLE, params={"pk": "participant"}),
    Entry("admin/participants/inspect/<int:pk>/", PEOPLE, params={"pk": "participant"}),
    Entry("admin/participant_chooser/", PEOPLE),
    Entry("admin/participant_chooser/results/", PEOPLE),
    Entry("admin/participant_chooser/chosen/<str:pk>/", PEOPLE, params={"pk": "participant"}),
    Entry(
        "admin/participant_chooser/chosen-multiple/",
        PEOPLE,
        query="id={participant}",
    ),
    Entry("admin/participant_chooser/create/", PEOPLE),
    Entry("admin/gads/", PEOPLE),
    Entry("admin/gads/results/", PEOPLE),
    Entry("admin/gads/new/", MANAGERS),
    Entry("admin/gads/edit/<int:pk>/", MANAGERS, params={"pk": "gad"}),
    Entry("admin/gads/delete/<int:pk>/", SUPERUSER_ONLY, params={"pk": "gad"}),
    Entry("admin/gads/history/<int:pk>/", MANAGERS, params={"pk": "gad"}),
    Entry("admin/gads/history-results/<int:pk>/", MANAGERS, params={"pk": "gad"}),
    Entry("admin/gads/usage/<int:pk>/", MANAGERS, params={"pk": "gad"}),
    Entry("admin/gad_chooser/", ANY_STAFF, why="the GAD directory is public"),
    Entry("admin/gad_chooser/results/", ANY_STAFF),
    Entry("admin/gad_chooser/chosen/<str:pk>/", ANY_STAFF, params={"pk": "gad"}),
    Entry("admin/gad_chooser/chosen-multiple/", ANY_STAFF, query="id={gad}"),
    Entry("admin/gad_chooser/create/", MANAGERS),
    Entry("admin/workshops/", PEOPLE),
    Entry("admin/workshops/results/", PEOPLE),
    Entry("admin/workshops/new/", PEOPLE),
    Entry(
        "admin/workshops/edit/<int:pk>/",
        why="any trainer edits any workshop, its trainers included (reported: the attendance "
        "pages' per-workshop rule can be widened this way)",
        cases=(
            Case(PEOPLE, params={"pk": "workshop"}),
            Case(PEOPLE, params={"pk": "other_workshop"}, label=" (not the trainer's)"),
        ),
    ),
    Entry("admin/workshops/delete/<int:pk>/", PEOPLE, params={"pk": "workshop"}),
    Entry("admin/workshops/history/<int:pk>/", PEOPLE, params={"pk": "workshop"}),
    Entry("admin/workshops/history-results/<int:pk>/", PEOPLE, params={"pk": "workshop"}),
    Entry("admin/workshops/usage/<int:pk>/", PEOPLE, params={"pk": "workshop"}),
    Entry("admin/workshops/<int:pk>/serie/", PEOPLE, params={"pk": "workshop"}),
    Entry("admin/certificate_templates/*", EDITORS, params={"pk": "certificate_template"}),
    Entry("admin/certificados/", PEOPLE),
    Entry("admin/certificados/results/", PEOPLE),
    Entry("admin/certificados/<int:pk>/", PEOPLE, params={"pk": "certificate"}),
    Entry("admin/certificados/<int:pk>/revocar/", PEOPLE, params={"pk": "certificate"}),
    Entry("admin/certificados/emitir/", PEOPLE),
    Entry("admin/certificados/emitir-taller/", PEOPLE),
    Entry("admin/avance-cursos/", PEOPLE),
    Entry("admin/avance-cursos/results/", PEOPLE),
    Entry("admin/avance-cursos/enrol-gad/", PEOPLE),
    Entry(
        "admin/snippets/",
        with_(SUPERUSER_ONLY, superuser=DENIED),
        why="lists no model (H5P activities have their own menu item): Wagtail refuses everyone",
    ),
    Entry("admin/snippets/courses/h5pactivity/", ANY_STAFF),
    Entry("admin/snippets/courses/h5pactivity/results/", ANY_STAFF),
    Entry("admin/snippets/courses/h5pactivity/add/", EDITORS),
    Entry("admin/snippets/courses/h5pactivity/edit/<int:pk>/", EDITORS, params={"pk": "activity"}),
    Entry(
        "admin/snippets/courses/h5pactivity/delete/<int:pk>/", EDITORS, params={"pk": "activity"}
    ),
    Entry("admin/snippets/courses/h5pactivity/usage/<int:pk>/", EDITORS, params={"pk": "activity"}),
    Entry(
        "admin/snippets/courses/h5pactivity/history/<int:pk>/", EDITORS, params={"pk": "activity"}
    ),
    Entry(
        "admin/snippets/courses/h5pactivity/history-results/<int:pk>/",
        EDITORS,
        params={"pk": "activity"},
    ),
    Entry("admin/snippets/courses/h5pactivity/copy/<int:pk>/", EDITORS, params={"pk": "activity"}),
    Entry("admin/snippets/choose/courses/h5pactivity/create/", EDITORS),
    Entry(
        "admin/snippets/choose/courses/h5pactivity/chosen/<str:pk>/",
        ANY_STAFF,
        params={"pk": "activity"},
    ),
    Entry("admin/snippets/choose/courses/h5pactivity/", ANY_STAFF),
    Entry("admin/snippets/choose/courses/h5pactivity/results/", ANY_STAFF),
    Entry("admin/snippets/choose/courses/h5pactivity/chosen-multiple/", ANY_STAFF),
    # -- The Wagtail admin: Wagtail's own screens -------------------------------------------
    Entry("admin/test404/", ANY_STAFF, why="Wagtail's not-found page, for checking it"),
    Entry(
        "admin/failwhale/",
        set_(ANY_STAFF, ERROR),
        why="Wagtail's deliberate error, for checking error reporting",
    ),
    Entry(
        "admin/^.*/$",
        set_(ANY_STAFF, NOT_FOUND),
        why="the admin's catch-all",
        path="/admin/no-existe/",
    ),
    Entry(
        "admin/api/main/^pages/",
        ANY_STAFF,
        why="the explorer's listing: only pages the user may explore",
    ),
    Entry(
        "admin/api/main/^pages/<int:pk>/",
        set_(EDITORS, NOT_FOUND, "trainer", "manager"),
        why="a page the user may not explore is not found",
        params={"pk": "toolkit_page"},
    ),
    Entry(
        "admin/api/main/^pages/find/",
        set_(EDITORS, ELSEWHERE, "editor", "superuser", others=NOT_FOUND),
        query="html_path=/caja-de-herramientas/diagnostico/",
    ),
    Entry(
        "admin/api/main/^pages/<int:pk>/action/<str:action_name>/",
        ADMIN_POST_ONLY,
        post=set_(EDITORS, NOT_FOUND, "trainer", "manager"),
        params={"pk": "toolkit_page", "action_name": "=copy"},
    ),
    Entry("admin/api/main/^documents/", ANY_STAFF),
    Entry("admin/api/main/^documents/<int:pk>/", ANY_STAFF, params={"pk": "document"}),
    Entry("admin/api/main/^documents/find/", set_(ANY_STAFF, ELSEWHERE), query="id={document}"),
    Entry("admin/api/main/^images/", ANY_STAFF),
    Entry("admin/api/main/^images/<int:pk>/", ANY_STAFF, params={"pk": "image"}),
    Entry("admin/api/main/^images/find/", set_(ANY_STAFF, ELSEWHERE), query="id={image}"),
    # Pages: editors hold add, change and publish on the whole tree; trainers and managers
    # no page permission at all.
    Entry("admin/pages/", EDITORS),
    Entry("admin/pages/<int:parent_page_id>/", EDITORS),
    Entry("admin/pages/<int:parent_page_id>/results/", EDITORS),
    Entry("admin/pages/add/*", EDITORS, params=PAGE_TYPE),
    Entry("admin/pages/usage/*", EDITORS, params=PAGE_TYPE),
    Entry(
        "admin/pages/create/<slug:app_label>/<slug:model_name>",
        set_(ANY_STAFF, ELSEWHERE, "editor", "superuser"),
        why="lists the parents the user may add this type under (none for trainers and "
        "managers); with one, goes straight to it",
        params={"app_label": "=cms", "model_name": "=toolkitpage"},
    ),
    Entry("admin/pages/<int:page_id>/usage/", EDITORS),
    Entry("admin/pages/<int:page_id>/edit/", EDITORS),
    Entry("admin/pages/<int:page_id>/edit/preview/", EDITORS),
    Entry("admin/pages/<int:page_id>/view_draft/", EDITORS),
    Entry(
        "admin/pages/<int:parent_page_id>/add_subpage/",
        set_(EDITORS, ELSEWHERE, "editor", "superuser"),
        why="one page type may go there, so the type is chosen for the editor",
    ),
    Entry("admin/pages/<int:page_id>/delete/", EDITORS),
    Entry("admin/pages/<int:page_id>/unpublish/", EDITORS),
    Entry("admin/pages/<int:page_id>/convert_alias/", EDITORS, params={"page_id": "alias_page"}),
    Entry("admin/pages/search/", EDITORS),
    Entry("admin/pages/search/results/", EDITORS),
    Entry("admin/pages/<int:page_to_move_id>/move/", EDITORS),
    Entry(
        "admin/pages/<int:page_to_move_id>/move/<int:destination_id>/confirm/",
        ANY_STAFF,
        post=set_(EDITORS, ELSEWHERE, "editor", "superuser"),
        why="Wagtail shows its confirmation (two titles) to any staff; the move itself is checked",
        params={"destination_id": "toolkit_index"},
    ),
    Entry(
        "admin/pages/<int:page_to_move_id>/set_position/",
        ADMIN_POST_ONLY,
        post=EDITORS,
    ),
    Entry("admin/pages/<int:page_id>/copy/", EDITORS),
    Entry(
        "admin/pages/workflow/action/*",
        SUPERUSER_ONLY,
        why="approving is for the task's group (Moderadores): none of Aula's roles",
        params=WORKFLOW,
    ),
    Entry("admin/pages/workflow/collect_action_data/*", SUPERUSER_ONLY, params=WORKFLOW),
    Entry("admin/pages/workflow/preview/*", SUPERUSER_ONLY, params=WORKFLOW),
    Entry(
        "admin/pages/workflow/confirm_cancellation/<int:page_id>/",
        ANY_STAFF,
        why="Wagtail's confirmation text only; cancelling is checked when it happens",
        params=WORKFLOW,
    ),
    Entry("admin/pages/<int:page_id>/privacy/", EDITORS),
    Entry(
        "admin/pages/<int:page_id>/lock/",
        ADMIN_POST_ONLY,
        post=set_(SUPERUSER_ONLY, ELSEWHERE, "superuser"),
        why="no role of Aula's holds the lock permission (Wagtail's Moderadores do)",
    ),
    Entry(
        "admin/pages/<int:page_id>/unlock/",
        ADMIN_POST_ONLY,
        post=set_(SUPERUSER_ONLY, ELSEWHERE, "superuser"),
    ),
    Entry(
        "admin/pages/<int:page_id>/revisions/",
        set_(ANY_STAFF, ELSEWHERE),
        why="an old address: sends on to the page's history, which decides",
    ),
    Entry("admin/pages/<int:page_id>/revisions/<int:revision_id>/*", EDITORS),
    Entry(
        "admin/pages/^(?P<pk>\\d+)/revisions/compare/*",
        EDITORS,
        params={"pk": "toolkit_page", "revision_id_a": "=earliest", "revision_id_b": "=latest"},
    ),
    Entry("admin/pages/<int:page_id>/workflow_history/", EDITORS, params=WORKFLOW),
    Entry(
        "admin/pages/<int:page_id>/workflow_history/detail/<int:workflow_state_id>/",
        EDITORS,
        params=WORKFLOW,
    ),
    Entry("admin/pages/<int:page_id>/history/", EDITORS),
    Entry("admin/pages/<int:page_id>/history/results/", EDITORS),
    Entry(
        "admin/bulk/<str:app_label>/<str:model_name>/<str:action>/",
        ANY_STAFF,
        why="the confirmation lists the chosen pages by title, those the user may not act on "
        "apart; the action itself is checked page by page",
        params={"app_label": "=wagtailcore", "model_name": "=page", "action": "=delete"},
        query="id={toolkit_page}",
    ),
    Entry("admin/choose-*", ANY_STAFF, why="choosers of links and pages (public titles)"),
    Entry(
        "admin/tag-autocomplete/*",
        ANY_STAFF,
        params={"app_name": "=taggit", "model_name": "=tag"},
        query="term=a",
    ),
    # Collections, workflows, redirects, sites, users and groups: no role of Aula's holds
    # their permissions; superusers manage them.
    Entry("admin/collections/", SUPERUSER_ONLY),
    Entry("admin/collections/add/", SUPERUSER_ONLY),
    Entry("admin/collections/<int:pk>/", SUPERUSER_ONLY, params={"pk": "collection"}),
    Entry(
        "admin/collections/<int:pk>/delete/",
        set_(SUPERUSER_ONLY, NOT_FOUND, *STAFF),
        why="a collection the user may not delete is not found",
        params={"pk": "collection"},
    ),
    Entry(
        "admin/collections/<int:collection_id>/privacy/",
        SUPERUSER_ONLY,
        params={"collection_id": "collection"},
    ),
    Entry("admin/workflows/list/*", SUPERUSER_ONLY),
    Entry("admin/workflows/add/", SUPERUSER_ONLY),
    Entry(
        "admin/workflows/enable/<int:pk>/",
        ADMIN_POST_ONLY,
        post=set_(SUPERUSER_ONLY, ELSEWHERE, "superuser"),
        params={"pk": "workflow"},
    ),
    Entry("admin/workflows/disable/<int:pk>/", SUPERUSER_ONLY, params={"pk": "workflow"}),
    Entry("admin/workflows/edit/<int:pk>/", SUPERUSER_ONLY, params={"pk": "workflow"}),
    Entry("admin/workflows/usage/*", SUPERUSER_ONLY, params={"pk": "workflow"}),
    Entry(
        "admin/workflows/remove/*",
        ADMIN_POST_ONLY,
        post=set_(SUPERUSER_ONLY, ELSEWHERE, "superuser"),
        params={"page_pk": "standard_page", "workflow_pk": "workflow"},
    ),
    Entry(
        "admin/workflows/tasks/add/<str:app_label>/<str:model_name>/",
        SUPERUSER_ONLY,
        params={"app_label": "=wagtailcore", "model_name": "=groupapprovaltask"},
    ),
    Entry(
        "admin/workflows/tasks/select_type/",
        set_(SUPERUSER_ONLY, ELSEWHERE, "superuser"),
        why="one task type: superusers go straight to it",
    ),
    Entry("admin/workflows/tasks/index/*", SUPERUSER_ONLY),
    Entry("admin/workflows/tasks/edit/<int:pk>/", SUPERUSER_ONLY, params={"pk": "task"}),
    Entry("admin/workflows/tasks/disable/<int:pk>/", SUPERUSER_ONLY, params={"pk": "task"}),
    Entry(
        "admin/workflows/tasks/enable/<int:pk>/",
        ADMIN_POST_ONLY,
        post=set_(SUPERUSER_ONLY, ELSEWHERE, "superuser"),
        params={"pk": "task"},
    ),
    Entry(
        "admin/workflows/task_chooser/*",
        ANY_STAFF,
        why="Wagtail's chooser of workflow tasks (their names) opens to any staff",
        params={"task_id": "task"},
    ),
    Entry("admin/reports/locked/*", SUPERUSER_ONLY, why="for those who may unlock pages"),
    Entry("admin/reports/workflow/*", EDITORS),
    Entry("admin/reports/workflow_tasks/*", EDITORS),
    Entry(
        "admin/reports/site-history/*", ANY_STAFF, why="each sees the history of what they may see"
    ),
    Entry("admin/reports/aging-pages/*", EDITORS),
    Entry("admin/reports/page-types-usage/*", EDITORS),
    Entry("admin/account/", ANY_STAFF),
    Entry(
        "admin/logout/",
        ADMIN_POST_ONLY,
        post=everyone(LOGIN),
        why="a GET never logs out; a POST does, and sends to the login page",
    ),
    Entry("admin/dismissibles/", ANY_STAFF),
    Entry(
        "admin/editing-sessions/ping/*",
        ADMIN_POST_ONLY,
        post=set_(EDITORS, NOT_FOUND, "trainer", "manager"),
        why="a page the user may not edit is not found",
        params={
            "app_label": "=wagtailcore",
            "model_name": "=page",
            "object_id": "toolkit_page",
            "session_id": "editing_session",
        },
    ),
    Entry(
        "admin/editing-sessions/release/<int:session_id>/",
        ADMIN_POST_ONLY,
        post=ANY_STAFF,
        why="releases only the user's own editing sessions",
        params={"session_id": "editing_session"},
    ),
    Entry("admin/block-preview/", ANY_STAFF, query=block_preview_query),
    Entry(
        "admin/settings/<slug:app_name>/<slug:model_name>/",
        set_(EDITORS, ELSEWHERE, "editor", "superuser"),
        why="sends on to the default site's settings",
        params=SETTINGS,
    ),
    Entry("admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/", EDITORS, params=SETTINGS),
    Entry(
        "admin/settings/<slug:app_name>/<slug:model_name>/<int:pk>/preview/",
        set_(EDITORS, NOT_FOUND, "editor", "superuser"),
        why="site settings have no preview",
        params=SETTINGS,
    ),
    Entry("admin/redirects/", SUPERUSER_ONLY),
    Entry("admin/redirects/results/", SUPERUSER_ONLY),
    Entry("admin/redirects/add/", SUPERUSER_ONLY),
    Entry(
        "admin/redirects/<int:redirect_id>/*", SUPERUSER_ONLY, params={"redirect_id": "redirect"}
    ),
    Entry("admin/redirects/import/", SUPERUSER_ONLY),
    Entry(
        "admin/redirects/import/process/",
        set_(SUPERUSER_ONLY, NOT_ALLOWED, "superuser"),
        post=SUPERUSER_ONLY,
        view="cms.admin_fixes.process_redirect_import",
        why="Wagtail's step, refusing a POST without the import form (400, not Wagtail's 500)",
    ),
    Entry(
        "admin/redirects/import/process/",
        view="wagtail.contrib.redirects.views.process_import",
        shadowed="cms.admin_fixes.process_redirect_import takes the same route first",
    ),
    # Documents and images: editors, on the root collection.
    Entry("admin/documents/", EDITORS),
    Entry("admin/documents/results/", EDITORS),
    Entry("admin/documents/add/", EDITORS),
    Entry("admin/documents/edit/<int:document_id>/", EDITORS),
    Entry("admin/documents/delete/<int:document_id>/", EDITORS),
    Entry("admin/documents/usage/<int:document_id>/", EDITORS),
    Entry("admin/documents/multiple/add/", EDITORS),
    Entry("admin/documents/multiple/<int:doc_id>/", ADMIN_POST_ONLY, post=EDITORS),
    Entry("admin/documents/multiple/<int:doc_id>/delete/", ADMIN_POST_ONLY, post=EDITORS),
    Entry(
        "admin/documents/multiple/create_from_uploaded_document/<int:uploaded_file_id>/",
        ADMIN_POST_ONLY,
        post=with_(EDITORS, superuser=DENIED),
        view="cms.admin_fixes.CreateDocumentFromUploadView",
        why="an upload is its uploader's (the editor's) alone; Wagtail's step, which failed "
        "(500) checking WAGTAILDOCS_EXTENSIONS before the file was attached",
        params={"uploaded_file_id": "uploaded_document"},
    ),
    Entry(
        "admin/documents/multiple/create_from_uploaded_document/<int:uploaded_file_id>/",
        view="wagtail.documents.views.multiple.CreateFromUploadedDocumentView",
        shadowed="cms.admin_fixes.CreateDocumentFromUploadView takes the same route first",
        params={"uploaded_file_id": "uploaded_document"},
    ),
    Entry(
        "admin/documents/multiple/delete_upload/<int:uploaded_file_id>/",
        ADMIN_POST_ONLY,
        post=with_(EDITORS, superuser=DENIED),
        params={"uploaded_file_id": "uploaded_document"},
    ),
    Entry(
        "admin/documents/chooser/",
        ANY_STAFF,
        why="lists only the documents the user may choose (none for trainers and managers)",
    ),
    Entry("admin/documents/chooser/results/", ANY_STAFF),
    Entry("admin/documents/chooser/chosen/<str:pk>/", EDITORS, params={"pk": "document"}),
    Entry("admin/documents/chooser/chosen-multiple/", ANY_STAFF, query="id={document}"),
    Entry("admin/documents/chooser/create/", EDITORS),
    Entry("admin/images/", EDITORS),
    Entry("admin/images/results/", EDITORS),
    Entry("admin/images/add/", EDITORS),
    Entry("admin/images/<int:image_id>/", EDITORS),
    Entry("admin/images/<int:image_id>/delete/", EDITORS),
    Entry("admin/images/usage/<int:image_id>/", EDITORS),
    Entry(
        "admin/images/<int:image_id>/generate_url/*",
        set_(EDITORS, NOT_FOUND, "editor", "superuser"),
        why="no dynamic image serve view is installed",
    ),
    Entry(
        "admin/images/<int:image_id>/preview/<str:filter_spec>/",
        EDITORS,
        params={"filter_spec": "=fill-80x80"},
    ),
    Entry("admin/images/multiple/add/", EDITORS),
    Entry("admin/images/multiple/<int:image_id>/", ADMIN_POST_ONLY, post=EDITORS),
    Entry("admin/images/multiple/<int:image_id>/delete/", ADMIN_POST_ONLY, post=EDITORS),
    Entry(
        "admin/images/multiple/create_from_uploaded_image/<int:uploaded_file_id>/",
        ADMIN_POST_ONLY,
        post=with_(EDITORS, superuser=DENIED),
        why="an upload is its uploader's (the editor's) alone",
        params={"uploaded_file_id": "uploaded_image"},
    ),
    Entry(
        "admin/images/multiple/delete_upload/<int:uploaded_file_id>/",
        ADMIN_POST_ONLY,
        post=with_(EDITORS, superuser=DENIED),
        params={"uploaded_file_id": "uploaded_image"},
    ),
    Entry("admin/images/chooser/<int:image_id>/select_format/", EDITORS),
    Entry(
        "admin/images/chooser/",
        ANY_STAFF,
        why="lists only the images the user may choose (none for trainers and managers)",
    ),
    Entry("admin/images/chooser/results/", ANY_STAFF),
    Entry("admin/images/chooser/chosen/<str:pk>/", EDITORS, params={"pk": "image"}),
    Entry("admin/images/chooser/chosen-multiple/", ANY_STAFF, query="id={image}"),
    Entry("admin/images/chooser/create/", EDITORS),
    Entry("admin/sites/*", SUPERUSER_ONLY, params={"pk": "site"}),
    Entry("admin/users/*", SUPERUSER_ONLY, params={"pk": "user"}),
    Entry("admin/groups/*", SUPERUSER_ONLY, params={"pk": "group"}),
    Entry("admin/sprite/", PUBLIC, why="the admin's icons, before login"),
    Entry("admin/jsi18n/", PUBLIC, why="the admin's translations, before login"),
    Entry(
        "admin/password_reset/*",
        NOBODY,
        why="WAGTAIL_PASSWORD_RESET_ENABLED is off: everyone resets on the site",
        params={"uidb64": "=MQ", "token": "=clave-falsa"},
    ),
]
