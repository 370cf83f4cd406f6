"""Taking quizzes: attempts, answers saved as the participant goes, submission.

The attempt page is built from the attempt's snapshot of questions, never from
the quiz as it is now, and shows only what courses.grading.public_question
allows. The ids the browser sees for options, matching choices and ordering
items are tokens derived from the attempt's secret seed: a matching choice's
real id is its pair's id, and an old-format ordering item's id is its
position, so sending the real ids would give the answers away.

Every response is about one person's attempt, so every one is never_cache.
"""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Page

from courses.grading import public_question, review
from courses.models import QuizPage
from lms.models import QuizAttempt
from lms.offline import replayable
from lms.privacy import participant_for
from lms.services.errors import AttemptClosedError, AttemptLimitError, NotEnrolledError
from lms.services.learning import (
    active_enrolment,
    save_answers,
    start_attempt,
    submit_attempt,
)

# The hidden field naming each question the form shows: a question listed here
# but with no value was cleared (every box unticked), one not listed is left alone.
SHOWN_FIELD = "shown"
MAX_SAVE_BYTES = 256 * 1024


def _token(attempt: QuizAttempt, question_id: str, raw_id: str) -> str:
    digest = hashlib.sha256(f"{attempt.seed}:{question_id}:{raw_id}".encode())
    return digest.hexdigest()[:12]


def _field(question_id: str, token: str = "") -> str:  # a form field's suffix, not a password  # nosec B107
    return f"q-{question_id}-{token}" if token else f"q-{question_id}"


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# ---------------------------------------------------------------------------
# The form: questions as the participant sees them, and answers read back.


def _question_form(attempt, question, public, answer, number, total):
    qid = question["id"]
    kind = question["type"]
    item = {
        "id": qid,
        "type": kind,
        "prompt": public["prompt"],
        "number": number,
        "total": total,
        "name": _field(qid),
    }
    if kind in ("single_choice", "multiple_choice"):
        chosen = set(_as_list(answer))
        item["options"] = [
            {
                "value": _token(attempt, qid, option["id"]),
                "text": option["text"],
                "checked": option["id"] in chosen,
            }
            for option in public["options"]
        ]
    elif kind == "true_false":
        chosen = _as_list(answer)[:1]
        item["options"] = [
            {"value": value, "text": text, "checked": [value] == chosen}
            for value, text in (("true", _("True")), ("false", _("False")))
        ]
    elif kind == "short_answer":
        item["text"] = (_as_list(answer) or [""])[0]
    elif kind == "matching":
        given = answer if isinstance(answer, dict) else {}
        choices = [
            {"value": _token(attempt, qid, f"choice:{c['id']}"), "id": c["id"], "text": c["text"]}
            for c in public["choices"]
        ]
        item["items"] = [
            {
                "name": _field(qid, _token(attempt, qid, f"item:{row['id']}")),
                "text": row["text"],
                "choices": [
                    {
                        "value": c["value"],
                        "text": c["text"],
                        "selected": str(given.get(row["id"], "")) == c["id"],
                    }
                    for c in choices
                ],
            }
            for row in public["items"]
        ]
    elif kind == "ordering":
        order = _as_list(answer)
        positions = range(1, len(public["items"]) + 1)
        item["items"] = [
            {
                "name": _field(qid, _token(attempt, qid, f"item:{row['id']}")),
                "text": row["text"],
                "choices": [
                    {
                        "value": str(position),
                        "text": str(position),
                        "selected": row["id"] in order and order.index(row["id"]) + 1 == position,
                    }
                    for position in positions
                ],
            }
            for row in public["items"]
        ]
    return item


def attempt_form(attempt: QuizAttempt, *, shuffle: bool) -> list[dict]:
    """The attempt's questions for the page, with the answers saved so far."""
    total = len(attempt.questions)
    return [
        _question_form(
            attempt,
            question,
            public_question(question, seed=attempt.seed, shuffle=shuffle),
            attempt.answers.get(question["id"]),
            number,
            total,
        )
        for number, question in enumerate(attempt.questions, start=1)
    ]


def _read_answer(attempt, question, values):
    qid = question["id"]
    kind = question["type"]
    # Ids come from the public view, so nothing here depends on the storage format.
    public = public_question(question, seed=attempt.seed, shuffle=False)
    given = values(_field(qid))
    if kind in ("single_choice", "multiple_choice"):
        ids = {_token(attempt, qid, option["id"]): option["id"] for option in public["options"]}
        chosen = list(dict.fromkeys(ids[v] for v in given if v in ids))
        return chosen if kind == "multiple_choice" else (chosen[:1] or [""])[0]
    if kind == "true_false":
        return next((v for v in given if v in ("true", "false")), "")
    if kind == "short_answer":
        return (given or [""])[0]
    if kind == "matching":
        choices = {_token(attempt, qid, f"choice:{c['id']}"): c["id"] for c in public["choices"]}
        answer = {}
        for row in public["items"]:
            chosen = values(_field(qid, _token(attempt, qid, f"item:{row['id']}")))
            if chosen and chosen[0] in choices:
                answer[row["id"]] = choices[chosen[0]]
        return answer
    if kind == "ordering":
        count = len(public["items"])
        placed = []
        for shown_at, row in enumerate(public["items"]):
            chosen = values(_field(qid, _token(attempt, qid, f"item:{row['id']}")))
            position = int(chosen[0]) if chosen and chosen[0].isdecimal() else 0
            placed.append((position if 1 <= position <= count else None, shown_at, row["id"]))
        if all(position is None for position, _, _ in placed):
            return []
        # Items left without a position go last, in the order they were shown.
        placed.sort(key=lambda p: (p[0] is None, p[0] or 0, p[1]))
        return [item_id for _, _, item_id in placed]
    return None


def read_answers(attempt: QuizAttempt, values) -> dict:
    """Answers from the form's fields (`values(name)` gives a field's list of values).

    Only the questions the form showed are read, so an empty post never wipes
    what was saved before.
    """
    shown = set(values(SHOWN_FIELD))
    return {
        question["id"]: _read_answer(attempt, question, values)
        for question in attempt.questions
        if question["id"] in shown
    }


def _json_fields(request) -> dict[str, list[str]] | None:
    if len(request.body) > MAX_SAVE_BYTES:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, ValueError):
        return None
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        return None
    return {
        str(name): [str(v) for v in (value if isinstance(value, list) else [value])]
        for name, value in fields.items()
        if isinstance(value, (str, int, list))
    }


# ---------------------------------------------------------------------------
# Who may see what.


def _owned_attempt(request, attempt_id: int, queryset=None) -> QuizAttempt:
    """The attempt if it is the logged-in person's own; 404 if none, 403 if someone else's."""
    attempt = get_object_or_404(
        (QuizAttempt.objects if queryset is None else queryset).select_related(
            "enrolment__participant"
        ),
        pk=attempt_id,
    )
    if attempt.enrolment.participant.user_id != request.user.pk:
        raise PermissionDenied
    return attempt


def _course_of(quiz: Page) -> Page:
    return quiz.get_parent()


def step_is_locked(enrolment, course: Page, quiz: Page) -> bool:
    """With "lessons in order", a quiz opens once every required step before it is done."""
    if enrolment.next_step_id in (None, quiz.pk) or not course.specific.lessons_in_order:
        return False
    # next_step is the first required step not done yet, kept up to date on every write.
    return enrolment.next_step.path < quiz.path


def _show_review(attempt: QuizAttempt, quiz: QuizPage) -> bool:
    policy = quiz.show_answers
    if policy == QuizPage.ShowAnswers.AFTER_EACH:
        return True
    if policy == QuizPage.ShowAnswers.AFTER_PASS:
        return bool(attempt.passed) or (
            QuizAttempt.objects.submitted()
            .filter(enrolment_id=attempt.enrolment_id, quiz_id=attempt.quiz_id, passed=True)
            .exists()
        )
    return False


def _review(attempt: QuizAttempt, *, shuffle: bool) -> list[dict]:
    total = len(attempt.questions)
    rows = []
    for number, question in enumerate(attempt.questions, start=1):
        answer = attempt.answers.get(question["id"])
        row = review(question, answer)
        row.update(
            number=number,
            total=total,
            type=question["type"],
            prompt=question["value"]["prompt"],
            correct=row["score"] >= 1,
            partly=0 < row["score"] < 1,
        )
        kind = question["type"]
        if kind in ("single_choice", "multiple_choice") and shuffle:
            # Same order as during the attempt, so people recognise their answers.
            public = public_question(question, seed=attempt.seed, shuffle=True)
            shown = [option["id"] for option in public["options"]]
            row["options"].sort(key=lambda option: shown.index(option["id"]))
        if kind == "true_false":
            labels = {"true": _("True"), "false": _("False")}
            row["correct_answer"] = labels.get(row["correct_answer"], "")
            row["given"] = labels.get((_as_list(answer) or [""])[0], "")
        elif kind == "short_answer":
            row["given"] = (_as_list(answer) or [""])[0]
        elif kind == "matching":
            given = answer if isinstance(answer, dict) else {}
            public = public_question(question, seed=attempt.seed, shuffle=False)
            rights = {c["id"]: c["text"] for c in public["choices"]}
            # review() lists the pairs in the order public_question lists the items.
            for pair, item in zip(row["pairs"], public["items"], strict=False):
                chosen = str(given.get(item["id"], ""))
                pair["given"] = rights.get(chosen, "")
                pair["right_given"] = chosen == item["id"]
        elif kind == "ordering":
            texts = {
                i["id"]: i["text"]
                for i in public_question(question, seed=attempt.seed, shuffle=False)["items"]
            }
            row["given"] = [texts[i] for i in _as_list(answer) if i in texts]
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# Views.


@never_cache
@require_POST
def start(request, quiz_id: int):
    """Start (or resume) an attempt; never on GET, so a link preview cannot spend one."""
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    quiz_url = quiz.get_url(request) or "/"
    if not request.user.is_authenticated:
        return redirect_to_login(quiz_url)
    course = _course_of(quiz)
    course_url = course.get_url(request) or "/"
    enrolment = active_enrolment(participant=participant_for(request), course_id=course.pk)
    if enrolment is None:
        messages.info(request, _("Enrol in the course to take its quiz."))
        return redirect(course_url)
    if step_is_locked(enrolment, course, quiz):
        messages.info(request, _("Finish the previous steps of the course to open this quiz."))
        return redirect(course_url)
    try:
        attempt = start_attempt(enrolment=enrolment, quiz=quiz)
    except NotEnrolledError:  # left the course in another tab a moment ago
        messages.info(request, _("Enrol in the course to take its quiz."))
        return redirect(course_url)
    except AttemptLimitError as error:
        allowed = error.details.get("allowed", quiz.max_attempts)
        messages.error(
            request,
            ngettext(
                "You have used the %(count)s attempt allowed for this quiz.",
                "You have used all %(count)s attempts allowed for this quiz.",
                allowed,
            )
            % {"count": allowed},
        )
        return redirect(quiz_url)
    return redirect("lms:quiz_attempt", attempt_id=attempt.pk)


@never_cache
@require_GET
def attempt_page(request, attempt_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    attempt = _owned_attempt(request, attempt_id, QuizAttempt.objects.select_related("quiz"))
    if attempt.is_submitted:
        return redirect("lms:quiz_result", attempt_id=attempt.pk)
    quiz = attempt.quiz
    course = _course_of(quiz)
    return render(
        request,
        "lms/quiz/attempt.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "course": course,
            "questions": attempt_form(attempt, shuffle=quiz.shuffle_options),
            "shown_field": SHOWN_FIELD,
        },
    )


@never_cache
@require_POST
def save(request, attempt_id: int):
    """Keep the answers given so far: JSON from quiz.js, or the form itself without JavaScript."""
    wants_json = request.content_type == "application/json"
    if not request.user.is_authenticated:
        if wants_json:
            return JsonResponse({"error": "login_required"}, status=401)
        return redirect_to_login(reverse("lms:quiz_attempt", kwargs={"attempt_id": attempt_id}))
    try:
        attempt = _owned_attempt(request, attempt_id)
    except Http404:
        if wants_json:
            return JsonResponse({"error": "not_found"}, status=404)
        raise
    except PermissionDenied:
        if wants_json:
            return JsonResponse({"error": "forbidden"}, status=403)
        raise
    if wants_json:
        fields = _json_fields(request)
        if fields is None:
            return JsonResponse({"error": "bad_request"}, status=400)
        answers = read_answers(attempt, lambda name: fields.get(name, []))
    else:
        answers = read_answers(attempt, request.POST.getlist)
    try:
        attempt = save_answers(attempt=attempt, answers=answers)
    except AttemptClosedError as error:
        if wants_json:
            return JsonResponse({"error": error.code}, status=409)
        messages.info(request, _("This attempt has already been submitted."))
        return redirect("lms:quiz_result", attempt_id=attempt.pk)
    if wants_json:
        return JsonResponse({"saved_at": attempt.saved_at.isoformat()})
    messages.success(
        request, _("Your answers are saved. Come back when you like to finish and submit them.")
    )
    return redirect("lms:quiz_attempt", attempt_id=attempt.pk)


@never_cache
@require_POST
@replayable
def submit(request, attempt_id: int):
    """Grade the attempt once: a double tap or a second tab lands on the same result."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("lms:quiz_attempt", kwargs={"attempt_id": attempt_id}))
    attempt = _owned_attempt(request, attempt_id)
    answers = {} if attempt.is_submitted else read_answers(attempt, request.POST.getlist)
    try:
        attempt = submit_attempt(attempt=attempt, answers=answers)
    except NotEnrolledError:
        messages.info(request, _("Enrol in the course again to submit this quiz."))
        course = _course_of(Page.objects.get(pk=attempt.quiz_id))
        return redirect(course.get_url(request) or "/")
    return redirect("lms:quiz_result", attempt_id=attempt.pk)


@never_cache
@require_GET
def result(request, attempt_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    attempt = _owned_attempt(
        request, attempt_id, QuizAttempt.objects.select_related("quiz", "enrolment__next_step")
    )
    if not attempt.is_submitted:
        return redirect("lms:quiz_attempt", attempt_id=attempt.pk)
    quiz = attempt.quiz
    enrolment = attempt.enrolment
    used = QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz).count()
    remaining = max(quiz.max_attempts - used, 0) if quiz.max_attempts else None
    next_step = (
        enrolment.next_step if attempt.passed and enrolment.next_step_id != quiz.pk else None
    )
    show_review = _show_review(attempt, quiz)
    return render(
        request,
        "lms/quiz/result.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "course": _course_of(quiz),
            "remaining": remaining,
            "can_retry": not attempt.passed and enrolment.is_active and remaining != 0,
            "next_step": next_step,
            "show_review": show_review,
            "review": _review(attempt, shuffle=quiz.shuffle_options) if show_review else [],
        },
    )


urlpatterns = [
    path("aprendizaje/cuestionarios/<int:quiz_id>/empezar/", start, name="quiz_start"),
    path("aprendizaje/cuestionario/<int:attempt_id>/", attempt_page, name="quiz_attempt"),
    path("aprendizaje/cuestionario/<int:attempt_id>/guardar/", save, name="quiz_save"),
    path("aprendizaje/cuestionario/<int:attempt_id>/enviar/", submit, name="quiz_submit"),
    path("aprendizaje/cuestionario/<int:attempt_id>/resultado/", result, name="quiz_result"),
]
