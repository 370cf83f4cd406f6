"""The demo tells the programme's story on the reports dashboard: 120 of 221 municipal GADs."""

import io

from django.core.management import call_command

from courses.models import CoursePage
from lms.demo_reports import COHORT_SLUGS
from lms.models import (
    GAD,
    Attendance,
    Certificate,
    Enrolment,
    Participant,
    QuizAttempt,
    Registration,
    StepProgress,
)
from lms.services.reports import ATTENDED, ReportFilters, ReportScope, indicators


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def programme():
    return indicators(ReportFilters(), ReportScope(whole_programme=True))


def test_the_demo_reaches_120_of_the_221_municipal_gads_across_the_country(db):
    output = seed()

    figures = programme()
    municipal = next(c for c in figures.coverage if c.level == GAD.Level.MUNICIPAL)
    assert (municipal.reached, municipal.total) == (120, 221)
    assert "120 de 221 GAD municipales" in output
    assert figures.provinces_covered >= 20
    assert {c.level for c in figures.coverage if c.reached} >= {"municipal", "provincial", "parish"}
    # Every pilot is among them, with an official who attended a cohort session.
    pilots_reached = (
        Attendance.objects.filter(
            session__workshop__slug__in=COHORT_SLUGS,
            participant__gad__is_pilot=True,
            status__in=ATTENDED,
        )
        .values("participant__gad")
        .distinct()
        .count()
    )
    assert pilots_reached == 5


def test_the_demo_officials_look_like_the_people_trained(db):
    seed()

    figures = programme()
    by_sex = {sex: cell.participants for sex, cell in figures.by["sex"].items()}
    assert set(by_sex) == {"female", "male", "other", "undisclosed"}
    assert by_sex["female"] > by_sex["male"] > by_sex["undisclosed"] >= by_sex["other"] > 0
    assert 280 <= figures.total.participants <= 340
    assert "" in figures.by["age_band"]  # some left their age blank
    assert 60 <= figures.total.attendance_rate <= 90
    assert 0 < figures.total.completions < figures.total.enrolments
    assert figures.total.certificates > 200
    officials = Participant.objects.filter(registrations__workshop__slug__in=COHORT_SLUGS)
    assert not officials.filter(user__isnull=False).exists()
    assert officials.filter(email__endswith=".gob.ec").count() == officials.count()
    assert Attendance.objects.filter(
        session__workshop__slug__in=COHORT_SLUGS, status="excused"
    ).exists()


def test_the_demo_enrolments_agree_with_their_steps_and_certificates(db):
    seed()

    required = {step.pk for step in CoursePage.objects.get().steps() if step.required}
    enrolments = Enrolment.objects.filter(
        participant__registrations__workshop__slug__in=COHORT_SLUGS
    )
    for enrolment in enrolments:
        done = StepProgress.objects.filter(
            enrolment=enrolment, completed_at__isnull=False, step_id__in=required
        ).count()
        assert enrolment.completed_steps == done
        assert enrolment.progress_percent == 100 * done // enrolment.required_steps
        assert (enrolment.completed_at is not None) == (done == enrolment.required_steps)
    completed = enrolments.filter(completed_at__isnull=False)
    assert (
        Certificate.objects.filter(
            kind="course", participant__in=completed.values("participant")
        ).count()
        == completed.count()
    )
    passed_quizzes = QuizAttempt.objects.filter(enrolment__in=enrolments, passed=True)
    assert passed_quizzes.exists()
    assert QuizAttempt.objects.filter(enrolment__in=enrolments, passed=False).exists()
    # No PDF is rendered while seeding: these holders have no account to download one.
    assert not Certificate.objects.filter(
        participant__registrations__workshop__slug__in=COHORT_SLUGS, pdf_status="ready"
    ).exists()


def test_seeding_the_demo_twice_changes_no_figure(db):
    seed()
    first = programme()
    counts = [
        model.objects.count()
        for model in (Participant, Registration, Attendance, Enrolment, Certificate)
    ]

    seed()

    again = programme()
    assert [
        model.objects.count()
        for model in (Participant, Registration, Attendance, Enrolment, Certificate)
    ] == counts
    assert again.total == first.total
    assert again.coverage == first.coverage
    assert again.provinces_covered == first.provinces_covered
