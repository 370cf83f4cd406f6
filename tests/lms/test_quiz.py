"""Taking a quiz: starting, saving as one goes, submitting once, results and who sees what."""

import json
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from courses.models import QuizPage
from lms import roles
from lms.models import Enrolment, QuizAttempt
from lms.services.learning import enrol, start_attempt, submit_attempt
from tests.factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    QuizPageFactory,
    UserFactory,
    single_choice,
)
from tests.lms.factories import ParticipantFactory

SUBMIT_QUERY_BUDGET = 12

MULTIPLE = {
    "prompt": "<p>¿Qué instrumentos planifican el territorio?</p>",
    "options": [
        {"text": "El PDOT", "correct": True, "feedback": "Sí: el PDOT planifica el desarrollo."},
        {"text": "El PUGS", "correct": True, "feedback": "Sí: el PUGS regula el suelo."},
        {"text": "Una factura", "correct": False, "feedback": "No: una factura no planifica."},
    ],
    "partial_credit": True,
    "feedback": "El PDOT y el PUGS son instrumentos de planificación.",
}
TRUE_FALSE = {
    "prompt": "<p>El PDOT se actualiza cada 20 años.</p>",
    "answer": "false",
    "feedback": "Se actualiza al inicio de cada gestión.",
}
SHORT = {
    "prompt": "<p>¿Qué significa la sigla GAD?</p>",
    "accepted_answers": ["Gobierno Autónomo Descentralizado"],
    "feedback": "GAD: Gobierno Autónomo Descentralizado.",
}
MATCHING = {
    "prompt": "<p>Relacione cada sigla con su nombre.</p>",
    "pairs": [
        {"left": "PDOT", "right": "Plan de Desarrollo y Ordenamiento Territorial"},
        {"left": "PUGS", "right": "Plan de Uso y Gestión del Suelo"},
        {"left": "INEC", "right": "Instituto Nacional de Estadística y Censos"},
    ],
    "feedback": "Las siglas de la planificación local.",
}
ORDERING = {
    "prompt": "<p>Ordene las fases del PDOT.</p>",
    "items": ["Diagnóstico", "Propuesta", "Modelo de gestión"],
    "feedback": "Primero se diagnostica, luego se propone y al final se gestiona.",
}
QUESTIONS = {
    "single_choice": single_choice(),
    "multiple_choice": MULTIPLE,
    "true_false": TRUE_FALSE,
    "short_answer": SHORT,
    "matching": MATCHING,
    "ordering": ORDERING,
}
# What must never reach the browser before the attempt is submitted.
SECRETS = {
    "single_choice": ["Correcto.", "El PDOT ordena el territorio."],
    "multiple_choice": [
        "Sí: el PDOT planifica el desarrollo.",
        "Sí: el PUGS regula el suelo.",
        "No: una factura no planifica.",
        "El PDOT y el PUGS son instrumentos de planificación.",
    ],
    "true_false": ["Se actualiza al inicio de cada gestión."],
    "short_answer": ["Gobierno Autónomo Descentralizado", "GAD: Gobierno"],
    "matching": ["Las siglas de la planificación local."],
    "ordering": ["Primero se diagnostica"],
}


# ---------------------------------------------------------------------------
# Helpers: read the attempt form as a browser would, and answer by visible text.


class FormReader(HTMLParser):
    """The quiz form's controls with their visible labels."""

    def __init__(self):
        super().__init__()
        self.controls = []  # radios, checkboxes, text inputs and selects, in page order
        self.hidden = []
        self.labels_for = {}
        self._label = None
        self._label_for = None
        self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._label, self._label_for = [], attrs.get("for")
            self._wrapped = None
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind == "hidden":
                self.hidden.append((attrs["name"], attrs.get("value", "")))
            elif kind in ("radio", "checkbox", "text"):
                control = {
                    "kind": kind,
                    "name": attrs["name"],
                    "value": attrs.get("value", ""),
                    "id": attrs.get("id"),
                    "checked": "checked" in attrs,
                    "label": "",
                }
                self.controls.append(control)
                if self._label is not None:
                    self._wrapped = control
        elif tag == "select":
            self._select = {
                "kind": "select",
                "name": attrs["name"],
                "id": attrs.get("id"),
                "options": [],
                "label": "",
            }
            self.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value", ""),
                "text": "",
                "selected": "selected" in attrs,
            }
            self._select["options"].append(self._option)

    def handle_endtag(self, tag):
        if tag == "label" and self._label is not None:
            text = " ".join("".join(self._label).split())
            if self._wrapped is not None:
                self._wrapped["label"] = text
            elif self._label_for:
                self.labels_for[self._label_for] = text
            self._label = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None

    def handle_data(self, data):
        if self._label is not None:
            self._label.append(data)
        if self._option is not None:
            self._option["text"] += data

    def result(self):
        for control in self.controls:
            if not control["label"] and control.get("id") in self.labels_for:
                control["label"] = self.labels_for[control["id"]]
        return self


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader.result()


def answer_data(html: str, question_id: str, kind: str, answer) -> dict:
    """POST data answering one question by what the page shows, plus every hidden field."""
    form = read_form(html)
    data = {}
    for name, value in form.hidden:
        data.setdefault(name, []).append(value)
    controls = [c for c in form.controls if c["name"].startswith(f"q-{question_id}")]
    if kind in ("single_choice", "true_false", "multiple_choice"):
        wanted = set(answer) if isinstance(answer, list | set | tuple) else {answer}
        chosen = [c["value"] for c in controls if c["label"] in wanted]
        assert len(chosen) == len(wanted), (wanted, controls)
        data[controls[0]["name"]] = chosen
    elif kind == "short_answer":
        data[controls[0]["name"]] = [answer]
    elif kind in ("matching", "ordering"):
        for control in controls:
            target = str(answer[control["label"]])
            value = next(o["value"] for o in control["options"] if o["text"] == target)
            data[control["name"]] = [value]
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def make_quiz(course, *questions, **rules):
    return QuizPageFactory(parent=course, questions=list(questions), **rules)


def only(kind):
    return (kind, QUESTIONS[kind])


@pytest.fixture(autouse=True)
def _spanish():
    """URLs and pages in Spanish, whatever language an earlier test's request left active."""
    with translation.override("es"):
        yield


@pytest.fixture
def quiz(course):
    return QuizPage.objects.get(slug="evaluacion")


@pytest.fixture
def enrolment(official, course):
    return enrol(participant=official.participant, course=course)


@pytest.fixture
def logged_in(client, official):
    client.force_login(official)
    return client


def start_url(quiz):
    return reverse("lms:quiz_start", kwargs={"quiz_id": quiz.pk})


def attempt_url(attempt, name="lms:quiz_attempt"):
    return reverse(name, kwargs={"attempt_id": attempt.pk})


def open_attempt(client, quiz) -> tuple[QuizAttempt, str]:
    response = client.post(start_url(quiz))
    assert response.status_code == 302
    attempt = QuizAttempt.objects.get(quiz=quiz, status="in_progress")
    assert response.url == attempt_url(attempt)
    html = client.get(response.url).content.decode()
    return attempt, html


def save_json(client, attempt, fields):
    return client.post(
        attempt_url(attempt, "lms:quiz_save"),
        data=json.dumps({"fields": fields}),
        content_type="application/json",
    )


def submit_answer(client, quiz, kind, answer):
    attempt, html = open_attempt(client, quiz)
    question_id = attempt.questions[0]["id"]
    response = client.post(
        attempt_url(attempt, "lms:quiz_submit"), answer_data(html, question_id, kind, answer)
    )
    assert response.status_code == 302
    assert response.url == attempt_url(attempt, "lms:quiz_result")
    attempt.refresh_from_db()
    return attempt


# ---------------------------------------------------------------------------
# The quiz page.


def test_quiz_page_shows_rules_and_asks_anonymous_visitors_to_log_in(client, course, quiz):
    # Open reading lets anyone past the step gate; the quiz page itself shows no question.
    course.open_reading = True
    course.save_revision().publish()
    quiz.max_attempts = 3
    quiz.save_revision().publish()

    html = client.get(quiz.url).content.decode()

    assert "2 preguntas" in html
    assert "70 %" in html
    assert "3 intentos permitidos" in html
    assert reverse("account_login") in html
    assert 'href="/cursos/movilidad-pdot/"' in html
    assert "csrfmiddlewaretoken" not in html  # the anonymous copy stays cacheable
    assert "El PDOT ordena el territorio." not in html


def test_quiz_page_asks_a_participant_who_is_not_enrolled_to_enrol(logged_in, course, quiz):
    course.open_reading = True
    course.save_revision().publish()

    html = logged_in.get(quiz.url).content.decode()

    assert "Inscríbase en el curso para rendir esta evaluación." in html
    assert start_url(quiz) not in html


def test_viewing_the_quiz_page_never_starts_an_attempt(logged_in, enrolment, quiz):
    html = logged_in.get(quiz.url).content.decode()

    assert f'action="{start_url(quiz)}"' in html
    assert ">Empezar<" in html
    assert not QuizAttempt.objects.exists()


def test_quiz_page_lists_attempts_best_score_and_attempts_left(logged_in, enrolment, quiz):
    quiz.max_attempts = 3
    quiz.save_revision().publish()
    first = start_attempt(enrolment=enrolment, quiz=quiz)
    submit_attempt(attempt=first, answers={})
    second = start_attempt(enrolment=enrolment, quiz=quiz)
    single_id = second.questions[0]["id"]
    right = next(
        item["id"] for item in second.questions[0]["value"]["options"] if item["value"]["correct"]
    )
    submit_attempt(attempt=second, answers={single_id: right})

    html = logged_in.get(quiz.url).content.decode()

    assert "Su mejor puntaje: <strong>50 %</strong>" in html
    assert "Cuenta el intento con el puntaje más alto." in html
    assert "Queda 1 intento." in html
    assert "Intento 1" in html and "Intento 2" in html
    assert ">Intentar de nuevo<" in html


def test_quiz_page_offers_to_continue_an_open_attempt(logged_in, enrolment, quiz):
    start_attempt(enrolment=enrolment, quiz=quiz)

    html = logged_in.get(quiz.url).content.decode()

    assert ">Continuar intento<" in html


# ---------------------------------------------------------------------------
# Starting and resuming.


def test_starting_an_attempt_requires_post(logged_in, enrolment, quiz):
    response = logged_in.get(start_url(quiz))

    assert response.status_code == 405
    assert not QuizAttempt.objects.exists()


def test_starting_again_resumes_the_open_attempt(logged_in, enrolment, quiz):
    first = logged_in.post(start_url(quiz))
    second = logged_in.post(start_url(quiz))

    assert first.url == second.url
    assert QuizAttempt.objects.count() == 1


def test_starting_without_enrolment_sends_to_the_course_with_a_message(logged_in, course, quiz):
    response = logged_in.post(start_url(quiz))

    assert response.url == course.url
    assert messages_of(response) == ["Inscríbase en el curso para rendir su evaluación."]
    assert not QuizAttempt.objects.exists()


def test_anonymous_start_goes_to_log_in_and_back_to_the_quiz(client, quiz):
    response = client.post(start_url(quiz))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "evaluacion" in response.url
    assert not QuizAttempt.objects.exists()


def test_attempt_limit_refuses_another_attempt_with_a_clear_message(logged_in, enrolment, quiz):
    quiz.max_attempts = 1
    quiz.save_revision().publish()
    submit_attempt(attempt=start_attempt(enrolment=enrolment, quiz=quiz), answers={})

    response = logged_in.post(start_url(quiz), follow=True)

    html = response.content.decode()
    assert response.redirect_chain[0][0] == quiz.url
    assert "Ya usó el 1 intento permitido en esta evaluación." in html
    assert "Ya usó todos los intentos permitidos en esta evaluación." in html
    assert QuizAttempt.objects.count() == 1


def test_quiz_after_unfinished_steps_stays_closed_when_lessons_go_in_order(
    logged_in, enrolment, course, quiz
):
    course.lessons_in_order = True
    course.save_revision().publish()

    response = logged_in.post(start_url(quiz))

    assert response.url == course.url
    assert messages_of(response) == [
        "Termine los pasos anteriores del curso para abrir esta evaluación."
    ]
    assert not QuizAttempt.objects.exists()


# ---------------------------------------------------------------------------
# Nothing gives the answers away before submission.


@pytest.mark.parametrize("kind", list(QUESTIONS))
def test_attempt_page_and_saving_never_reveal_answers(logged_in, enrolment, course, kind):
    quiz = make_quiz(course, only(kind))
    attempt, html = open_attempt(logged_in, quiz)
    question = attempt.questions[0]
    form = read_form(html)
    controls = [c for c in form.controls if c["name"].startswith(f"q-{question['id']}")]

    saved = save_json(logged_in, attempt, {"shown": [question["id"]]})

    for secret in SECRETS[kind]:
        assert secret not in html
        assert secret not in saved.content.decode()
    assert saved.status_code == 200
    assert set(saved.json()) == {"saved_at"}
    assert '"correct"' not in html and "is-correct" not in html
    assert not any(c.get("checked") for c in controls)
    assert not any(o["selected"] for c in controls for o in c.get("options", []))
    # Option, pair and item ids are the keys to the answers: the page shows only tokens.
    raw_ids = [
        item["id"]
        for name in ("options", "pairs", "items")
        for item in question["value"].get(name, [])
    ]
    for raw_id in raw_ids:
        assert raw_id not in html
    if kind == "matching":
        names = {c["name"].rsplit("-", 1)[1] for c in controls}
        values = {o["value"] for c in controls for o in c["options"] if o["value"]}
        assert len(values) == 3 and not names & values
    if kind == "ordering":
        shown = [c["label"] for c in controls]
        assert shown != ORDERING["items"]


def test_attempt_page_shows_progress_labels_and_no_inline_script_or_style(
    logged_in, enrolment, course
):
    quiz = make_quiz(course, *(only(kind) for kind in QUESTIONS))
    _, html = open_attempt(logged_in, quiz)

    form = read_form(html)
    assert "Pregunta 3 de 6" in html
    assert html.count("<fieldset") == 6 and html.count("<legend") == 6
    assert all(c["label"] for c in form.controls), form.controls
    assert "<script>" not in html and "style=" not in html and "<style" not in html
    assert "js/quiz.js" in html


# ---------------------------------------------------------------------------
# Saving as one goes.


def test_saved_answers_come_back_when_the_attempt_is_reopened(logged_in, enrolment, course):
    quiz = make_quiz(course, *(only(kind) for kind in QUESTIONS))
    attempt, html = open_attempt(logged_in, quiz)
    ids = {q["type"]: q["id"] for q in attempt.questions}
    data = {}
    for kind, answer in [
        ("single_choice", "El PDOT"),
        ("multiple_choice", ["El PDOT", "Una factura"]),
        ("true_false", "Falso"),
        ("short_answer", "gobierno autonomo"),
        (
            "matching",
            {
                "PDOT": "Plan de Uso y Gestión del Suelo",
                "PUGS": "Plan de Uso y Gestión del Suelo",
                "INEC": "Instituto Nacional de Estadística y Censos",
            },
        ),
        ("ordering", {"Diagnóstico": 1, "Propuesta": 3, "Modelo de gestión": 2}),
    ]:
        data.update(answer_data(html, ids[kind], kind, answer))

    response = save_json(logged_in, attempt, data)
    reopened = read_form(logged_in.get(attempt_url(attempt)).content.decode())

    assert response.status_code == 200
    checked = {c["label"] for c in reopened.controls if c.get("checked")}
    assert checked == {"El PDOT", "Una factura", "Falso"}
    text = next(c for c in reopened.controls if c["kind"] == "text")
    assert text["value"] == "gobierno autonomo"
    selected = {
        c["label"]: next(o["text"] for o in c["options"] if o["selected"])
        for c in reopened.controls
        if c["kind"] == "select"
    }
    assert selected["INEC"] == "Instituto Nacional de Estadística y Censos"
    assert selected["Propuesta"] == "3" and selected["Modelo de gestión"] == "2"


def test_unticking_every_box_clears_a_saved_answer(logged_in, enrolment, course):
    quiz = make_quiz(course, only("multiple_choice"))
    attempt, html = open_attempt(logged_in, quiz)
    question_id = attempt.questions[0]["id"]
    save_json(logged_in, attempt, answer_data(html, question_id, "multiple_choice", ["El PDOT"]))

    save_json(logged_in, attempt, {"shown": [question_id]})

    attempt.refresh_from_db()
    assert attempt.answers == {question_id: []}


def test_an_empty_post_keeps_what_was_saved(logged_in, enrolment, course):
    quiz = make_quiz(course, only("short_answer"))
    attempt, html = open_attempt(logged_in, quiz)
    question_id = attempt.questions[0]["id"]
    save_json(logged_in, attempt, answer_data(html, question_id, "short_answer", "GAD"))

    save_json(logged_in, attempt, {})

    attempt.refresh_from_db()
    assert attempt.answers == {question_id: "GAD"}


def test_saving_requires_post(logged_in, enrolment, quiz):
    attempt = start_attempt(enrolment=enrolment, quiz=quiz)

    assert logged_in.get(attempt_url(attempt, "lms:quiz_save")).status_code == 405


def test_saving_a_submitted_attempt_is_refused_with_409(logged_in, enrolment, quiz):
    attempt = start_attempt(enrolment=enrolment, quiz=quiz)
    submit_attempt(attempt=attempt, answers={})

    response = save_json(logged_in, attempt, {"shown": [attempt.questions[0]["id"]]})

    assert response.status_code == 409
    assert response.json() == {"error": "attempt_closed"}


def test_saving_malformed_json_is_a_bad_request(logged_in, enrolment, quiz):
    attempt = start_attempt(enrolment=enrolment, quiz=quiz)

    response = logged_in.post(
        attempt_url(attempt, "lms:quiz_save"), data="{nope", content_type="application/json"
    )

    assert response.status_code == 400


def test_saving_without_javascript_returns_to_the_attempt_with_a_message(
    logged_in, enrolment, course
):
    quiz = make_quiz(course, only("short_answer"))
    attempt, html = open_attempt(logged_in, quiz)
    data = answer_data(html, attempt.questions[0]["id"], "short_answer", "GAD")

    response = logged_in.post(attempt_url(attempt, "lms:quiz_save"), data, follow=True)

    assert response.redirect_chain[0][0] == attempt_url(attempt)
    assert "Sus respuestas están guardadas." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.answers == {attempt.questions[0]["id"]: "GAD"}


# ---------------------------------------------------------------------------
# Grading, through the form as participants fill it in.


@pytest.mark.parametrize(
    ("kind", "answer", "score"),
    [
        ("single_choice", "El PDOT", 100),
        ("single_choice", "El POA", 0),
        ("true_false", "Falso", 100),
        ("true_false", "Verdadero", 0),
        ("multiple_choice", ["El PDOT", "El PUGS"], 100),
        ("multiple_choice", ["El PDOT"], 50),
        ("multiple_choice", ["El PDOT", "Una factura"], 0),
        ("short_answer", "  gobierno AUTONOMO   descentralizado ", 100),
        ("short_answer", "Gobierno Autónomo", 0),
        (
            "matching",
            {
                "PDOT": "Plan de Desarrollo y Ordenamiento Territorial",
                "PUGS": "Instituto Nacional de Estadística y Censos",
                "INEC": "Instituto Nacional de Estadística y Censos",
            },
            66.67,
        ),
        (
            "matching",
            {
                "PDOT": "Plan de Desarrollo y Ordenamiento Territorial",
                "PUGS": "Plan de Uso y Gestión del Suelo",
                "INEC": "Instituto Nacional de Estadística y Censos",
            },
            100,
        ),
        ("ordering", {"Diagnóstico": 1, "Propuesta": 2, "Modelo de gestión": 3}, 100),
        ("ordering", {"Diagnóstico": 2, "Propuesta": 1, "Modelo de gestión": 3}, 0),
    ],
)
def test_each_question_type_is_graded_on_the_server(
    logged_in, enrolment, course, kind, answer, score
):
    quiz = make_quiz(course, only(kind))

    attempt = submit_answer(logged_in, quiz, kind, answer)

    assert attempt.is_submitted
    assert float(attempt.score) == score


def test_multiple_choice_without_partial_credit_is_all_or_nothing(logged_in, enrolment, course):
    quiz = make_quiz(course, ("multiple_choice", {**MULTIPLE, "partial_credit": False}))

    attempt = submit_answer(logged_in, quiz, "multiple_choice", ["El PDOT"])

    assert attempt.score == 0


def test_a_double_submit_grades_the_attempt_once_with_the_first_answers(
    logged_in, enrolment, course
):
    quiz = make_quiz(course, only("single_choice"))
    attempt, html = open_attempt(logged_in, quiz)
    question_id = attempt.questions[0]["id"]
    right = answer_data(html, question_id, "single_choice", "El PDOT")
    wrong = answer_data(html, question_id, "single_choice", "El PAC")
    submit = attempt_url(attempt, "lms:quiz_submit")

    first = logged_in.post(submit, right)
    attempt.refresh_from_db()
    graded = (attempt.score, attempt.submitted_at, attempt.answers)
    second = logged_in.post(submit, wrong)

    attempt.refresh_from_db()
    assert first.url == second.url == attempt_url(attempt, "lms:quiz_result")
    assert (attempt.score, attempt.submitted_at, attempt.answers) == graded
    assert attempt.score == 100
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 1


def test_editing_the_quiz_later_changes_neither_questions_nor_grades_of_attempts(
    logged_in, enrolment, course
):
    quiz = make_quiz(course, only("single_choice"), only("true_false"))
    taken = start_attempt(enrolment=enrolment, quiz=quiz)
    single_id = taken.questions[0]["id"]
    pdot = next(o["id"] for o in taken.questions[0]["value"]["options"] if o["value"]["correct"])
    taken = submit_attempt(
        attempt=taken, answers={single_id: pdot, taken.questions[1]["id"]: "true"}
    )
    ongoing_quiz = make_quiz(course, only("single_choice"))
    ongoing, ongoing_html = open_attempt(logged_in, ongoing_quiz)

    for page in (quiz, ongoing_quiz):
        page = QuizPage.objects.get(pk=page.pk)
        page.questions = [
            (
                "single_choice",
                single_choice(prompt="¿Pregunta nueva?", right="El PAC", wrong=("El PDOT",)),
            )
        ]
        page.pass_mark = 100
        page.save_revision().publish()

    result_html = logged_in.get(attempt_url(taken, "lms:quiz_result")).content.decode()
    ongoing_html_after = logged_in.get(attempt_url(ongoing)).content.decode()
    answers = answer_data(ongoing_html, ongoing.questions[0]["id"], "single_choice", "El PDOT")
    logged_in.post(attempt_url(ongoing, "lms:quiz_submit"), answers)

    taken.refresh_from_db()
    ongoing.refresh_from_db()
    assert taken.score == 50 and taken.passed is False and taken.pass_mark == 70
    assert "¿Pregunta nueva?" not in result_html
    assert "¿Qué documento ordena el territorio cantonal?" in ongoing_html_after
    assert "¿Pregunta nueva?" not in ongoing_html_after
    assert ongoing.score == 100 and ongoing.passed


def test_passing_completes_the_quiz_step(logged_in, enrolment, quiz):
    assert enrolment.progress_percent == 0

    submit_answer(logged_in, quiz, "single_choice", "El PDOT")  # 50 %: not yet
    enrolment.refresh_from_db()
    assert enrolment.progress_percent == 0
    attempt, html = open_attempt(logged_in, quiz)
    data = answer_data(html, attempt.questions[0]["id"], "single_choice", "El PDOT")
    data.update(answer_data(html, attempt.questions[1]["id"], "true_false", "Verdadero"))
    logged_in.post(attempt_url(attempt, "lms:quiz_submit"), data)

    enrolment.refresh_from_db()
    assert enrolment.completed_steps == 1
    assert enrolment.progress_percent == 33


# ---------------------------------------------------------------------------
# The result page.


def test_result_shows_score_pass_mark_and_a_retry_when_not_passed(logged_in, enrolment, quiz):
    quiz.max_attempts = 2
    quiz.save_revision().publish()

    attempt = submit_answer(logged_in, quiz, "single_choice", "El POA")
    html = logged_in.get(attempt_url(attempt, "lms:quiz_result")).content.decode()

    assert "Su puntaje: <strong>0 %</strong>" in html
    assert "No aprobado" in html
    assert "nota mínima 70 %" in html
    assert "Queda 1 intento." in html
    assert f'action="{start_url(quiz)}"' in html and ">Intentar de nuevo<" in html
    assert 'href="/cursos/movilidad-pdot/"' in html


def test_result_after_passing_links_to_the_next_step(logged_in, enrolment, quiz):
    attempt, html = open_attempt(logged_in, quiz)
    data = answer_data(html, attempt.questions[0]["id"], "single_choice", "El PDOT")
    data.update(answer_data(html, attempt.questions[1]["id"], "true_false", "Verdadero"))
    logged_in.post(attempt_url(attempt, "lms:quiz_submit"), data)

    html = logged_in.get(attempt_url(attempt, "lms:quiz_result")).content.decode()

    assert "Aprobado" in html
    assert "Siguiente paso: Conceptos" in html
    assert ">Intentar de nuevo<" not in html


def test_an_open_attempt_has_no_result_yet(logged_in, enrolment, quiz):
    attempt = start_attempt(enrolment=enrolment, quiz=quiz)

    response = logged_in.get(attempt_url(attempt, "lms:quiz_result"))

    assert response.status_code == 302 and response.url == attempt_url(attempt)


def test_a_submitted_attempt_page_sends_to_its_result(logged_in, enrolment, quiz):
    attempt = submit_attempt(attempt=start_attempt(enrolment=enrolment, quiz=quiz), answers={})

    response = logged_in.get(attempt_url(attempt))

    assert response.url == attempt_url(attempt, "lms:quiz_result")


@pytest.mark.parametrize(
    ("policy", "answer", "shown"),
    [
        ("never", "El PDOT", False),
        ("never", "El POA", False),
        ("after_each", "El POA", True),
        ("after_pass", "El POA", False),
        ("after_pass", "El PDOT", True),
    ],
)
def test_correct_answers_are_shown_as_the_quiz_says(
    logged_in, enrolment, course, policy, answer, shown
):
    quiz = make_quiz(course, only("single_choice"), show_answers=policy)
    attempt = submit_answer(logged_in, quiz, "single_choice", answer)

    html = logged_in.get(attempt_url(attempt, "lms:quiz_result")).content.decode()

    assert ("El PDOT ordena el territorio." in html) is shown
    assert ("respuesta correcta" in html) is shown
    if shown and answer == "El PDOT":
        assert "Correcto." in html  # the chosen option's own feedback


def test_after_passing_the_earlier_failed_attempts_show_their_answers(logged_in, enrolment, course):
    quiz = make_quiz(course, only("single_choice"), show_answers="after_pass")
    failed = submit_answer(logged_in, quiz, "single_choice", "El POA")
    submit_answer(logged_in, quiz, "single_choice", "El PDOT")

    html = logged_in.get(attempt_url(failed, "lms:quiz_result")).content.decode()

    assert "El PDOT ordena el territorio." in html


def test_review_shows_each_question_type(logged_in, enrolment, course):
    quiz = make_quiz(course, *(only(kind) for kind in QUESTIONS))
    attempt = start_attempt(enrolment=enrolment, quiz=quiz)
    submit_attempt(attempt=attempt, answers={})

    html = logged_in.get(attempt_url(attempt, "lms:quiz_result")).content.decode()

    for secrets_of_type in SECRETS.values():
        assert secrets_of_type[0] in html or secrets_of_type[-1] in html
    assert "Orden correcto" in html
    assert "Plan de Uso y Gestión del Suelo" in html


# ---------------------------------------------------------------------------
# Nobody else opens, saves or submits someone's attempt.


@pytest.fixture
def rosas_attempt(enrolment, quiz):
    return start_attempt(enrolment=enrolment, quiz=quiz)


@pytest.fixture
def other_participant(client, course):
    other = ParticipantFactory()
    enrol(participant=other, course=course)
    client.force_login(other.user)
    return client


@pytest.mark.parametrize("who", ["participant", "trainer", "manager"])
def test_nobody_else_sees_saves_or_submits_an_attempt(
    client, course, rosas_attempt, login_staff, who
):
    if who == "participant":
        other = ParticipantFactory()
        enrol(participant=other, course=course)
        client.force_login(other.user)
    else:
        group = roles.TRAINER if who == "trainer" else roles.MANAGER
        login_staff(UserFactory(groups=[group]))
    question_id = rosas_attempt.questions[0]["id"]

    seen = client.get(attempt_url(rosas_attempt))
    saved = save_json(client, rosas_attempt, {"shown": [question_id]})
    submitted = client.post(attempt_url(rosas_attempt, "lms:quiz_submit"), {"shown": question_id})
    result = client.get(attempt_url(rosas_attempt, "lms:quiz_result"))

    assert (seen.status_code, saved.status_code, submitted.status_code, result.status_code) == (
        403,
        403,
        403,
        403,
    )
    rosas_attempt.refresh_from_db()
    assert not rosas_attempt.is_submitted and rosas_attempt.answers == {}


def test_anonymous_visitors_are_sent_to_log_in(client, rosas_attempt):
    seen = client.get(attempt_url(rosas_attempt))
    saved = save_json(client, rosas_attempt, {})
    submitted = client.post(attempt_url(rosas_attempt, "lms:quiz_submit"))

    assert seen.status_code == 302 and seen.url.startswith(reverse("account_login"))
    assert saved.status_code == 401
    assert submitted.status_code == 302 and submitted.url.startswith(reverse("account_login"))
    rosas_attempt.refresh_from_db()
    assert not rosas_attempt.is_submitted


def test_unknown_attempts_are_not_found(logged_in, enrolment):
    assert logged_in.get(reverse("lms:quiz_attempt", kwargs={"attempt_id": 999})).status_code == 404


# ---------------------------------------------------------------------------
# Query budget.


def _course_with_steps(home_index, steps: int, slug: str):
    course = CoursePageFactory(parent=home_index, slug=slug)
    for number in range(steps - 1):
        LessonPageFactory(parent=course, slug=f"{slug}-leccion-{number}")
    quiz = QuizPageFactory(
        parent=course, slug=f"{slug}-evaluacion", questions=[only("single_choice")]
    )
    return course, quiz


def _submit_queries(client, participant, course, quiz) -> int:
    enrolment = enrol(participant=participant, course=course)
    attempt, html = open_attempt(client, quiz)
    data = answer_data(html, attempt.questions[0]["id"], "single_choice", "El PDOT")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(attempt_url(attempt, "lms:quiz_submit"), data)
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.completed_steps == 1  # the pass went all the way to the progress figures
    return len(queries)


def test_submitting_a_passing_attempt_stays_within_the_query_budget(
    logged_in, enrolment, course, django_assert_max_num_queries
):
    quiz = make_quiz(course, only("single_choice"))
    attempt, html = open_attempt(logged_in, quiz)
    data = answer_data(html, attempt.questions[0]["id"], "single_choice", "El PDOT")

    with django_assert_max_num_queries(SUBMIT_QUERY_BUDGET):
        response = logged_in.post(attempt_url(attempt, "lms:quiz_submit"), data)

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.passed


def test_submitting_costs_the_same_queries_in_a_course_of_5_or_200_steps(logged_in, official, home):
    index = CourseIndexPageFactory(parent=home)
    small = _course_with_steps(index, 5, "corto")
    large = _course_with_steps(index, 200, "largo")

    small_count = _submit_queries(logged_in, official.participant, *small)
    large_count = _submit_queries(logged_in, official.participant, *large)

    assert small_count == large_count <= SUBMIT_QUERY_BUDGET
    assert Enrolment.objects.get(course=large[0]).required_steps == 200


# ---------------------------------------------------------------------------
# Editors.


def test_editors_are_told_that_changes_reach_new_attempts_only(
    client, login_staff, enrolment, quiz
):
    start_attempt(enrolment=enrolment, quiz=quiz)
    login_staff(UserFactory(groups=[roles.EDITOR]))

    html = client.get(reverse("wagtailadmin_pages:edit", args=[quiz.pk])).content.decode()

    assert "Se ha hecho 1 intento en esta evaluación." in html
