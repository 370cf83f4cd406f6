"""Quiz attempts under real concurrency: a double tap, two tabs, several phones at once.

Only PostgreSQL shows these races (SQLite serialises every write), so the tests
skip elsewhere; CI runs them with DATABASE_URL pointing at PostgreSQL.
"""

import threading

import pytest
from django.db import connection, connections

from courses.models import QuizPage
from lms.models import Enrolment, QuizAttempt
from lms.services.errors import AttemptLimitError
from lms.services.learning import enrol, start_attempt, submit_attempt
from tests.factories import QuizPageFactory, single_choice

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency tests need PostgreSQL (SQLite serialises writes): set DATABASE_URL.",
    ),
    # Serialized rollback brings back what migrations load (GADs, Wagtail's root page),
    # which flushing the database after a transactional test would wipe.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 8


def run_together(target, count: int) -> list:
    """Run `target` in `count` threads released at the same moment; return results or errors."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except Exception as error:  # the test inspects what each thread met
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def enrolment(official, course):
    return enrol(participant=official.participant, course=course)


def correct_answers(attempt: QuizAttempt) -> dict:
    answers = {}
    for question in attempt.questions:
        if question["type"] == "single_choice":
            answers[question["id"]] = next(
                item["id"] for item in question["value"]["options"] if item["value"]["correct"]
            )
        elif question["type"] == "true_false":
            answers[question["id"]] = question["value"]["answer"]
    return answers


def test_two_simultaneous_submissions_grade_the_attempt_once(enrolment, course):
    quiz = QuizPageFactory(parent=course)
    attempt = start_attempt(enrolment=enrolment, quiz=quiz)
    answers = correct_answers(attempt)

    results = run_together(lambda: submit_attempt(attempt=attempt, answers=answers), 2)

    assert all(isinstance(result, QuizAttempt) for result in results), results
    attempt.refresh_from_db()
    assert attempt.is_submitted and attempt.score == 100
    assert {(r.pk, r.score, r.submitted_at) for r in results} == {
        (attempt.pk, attempt.score, attempt.submitted_at)
    }
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 1
    enrolment.refresh_from_db()
    assert enrolment.completed_steps == 1


def test_parallel_starts_never_exceed_the_attempt_limit(enrolment, course):
    quiz = QuizPageFactory(
        parent=course, max_attempts=2, questions=[("single_choice", single_choice())]
    )

    def take_quiz_twice():
        """Start, submit (failing), and start again, as a participant tapping fast would."""
        # Each thread reads its own copies, as separate requests would.
        mine = Enrolment.objects.get(pk=enrolment.pk)
        page = QuizPage.objects.get(pk=quiz.pk)
        taken = []
        for _ in range(2):
            try:
                attempt = start_attempt(enrolment=mine, quiz=page)
            except AttemptLimitError:
                taken.append("limit")
                continue
            submit_attempt(attempt=attempt, answers={})
            taken.append(attempt.number)
        return taken

    results = run_together(take_quiz_twice, THREADS)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    attempts = QuizAttempt.objects.filter(enrolment=enrolment, quiz=quiz)
    assert attempts.count() == 2
    assert sorted(attempts.values_list("number", flat=True)) == [1, 2]
    assert not attempts.in_progress().exists()
    assert any("limit" in taken for taken in results)
