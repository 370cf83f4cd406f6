"""The programme's figures on a small dataset counted by hand (see conftest.py)."""

from datetime import date

import pytest

from lms.models import Province
from lms.services.reports import ReportFilters, ReportScope, indicators

pytestmark = pytest.mark.django_db

EVERYTHING = ReportScope(whole_programme=True)


def figures(filters=None, scope=EVERYTHING):
    return indicators(filters or ReportFilters(), scope)


def test_headline_figures_of_the_whole_programme(programme):
    result = figures()
    total = result.total
    # Ana, Beto, Cami, Dora (deleted, still counted), Eli (waitlisted), Gil. Not Fer.
    assert total.participants == 6
    assert total.enrolments == 3
    assert total.started == 3
    assert total.halfway == 3
    assert total.completions == 2
    assert total.completion_rate == 66.7
    # W: Ana, Beto, Cami confirmed and Eli waitlisted; X: Gil. The draft Z never counts.
    assert (total.registrations, total.confirmed, total.waitlisted) == (5, 4, 1)
    # W: 3 confirmed × 2 sessions; X: 1 × 1. Attended: Ana 2 (one late), Beto 1, Gil 1.
    assert (total.sessions_expected, total.sessions_attended) == (7, 4)
    assert total.attendance_rate == 57.1
    # Dora's certificate was revoked when her data was deleted.
    assert (total.certificates, total.certificates_revoked) == (2, 1)
    assert result.workshops == 2
    assert result.sessions_held == 3


def test_gads_reached_out_of_all_gads_of_each_level(programme):
    result = figures()
    # Pedernales (Ana attended and completed) and Quito (Dora completed, Gil attended).
    # Cami (Quito) attended nothing; Eli's parish only waitlisted.
    assert result.total.gads_reached == 2
    coverage = {item.level: (item.reached, item.total) for item in result.coverage}
    assert coverage == {
        "provincial": (0, 23),
        "special": (0, 1),
        "municipal": (2, 221),
        "parish": (0, 800),
    }
    assert (result.provinces_covered, result.provinces_total) == (2, 24)
    pichincha = Province.objects.get(code="17")
    reached, whole = result.province_coverage[pichincha.pk]
    assert reached == 1
    assert whole > 50  # every GAD of Pichincha: provincial, cantons and parishes


def test_figures_by_sex_including_prefer_not_to_say(programme):
    by_sex = figures().by["sex"]
    assert by_sex["female"].participants == 3  # Ana, Dora, Gil
    assert by_sex["male"].participants == 2  # Beto, Eli
    assert by_sex["undisclosed"].participants == 1  # Cami, without an account
    assert "other" not in by_sex  # Fer did nothing
    assert by_sex["female"].completions == 2
    assert by_sex["female"].certificates == 2 - 1 + 1  # Ana and Gil; Dora's is revoked
    assert by_sex["female"].certificates_revoked == 1
    assert by_sex["female"].gads_reached == 2
    assert by_sex["male"].gads_reached == 1  # Beto's Pedernales
    assert by_sex["undisclosed"].gads_reached == 0
    assert (by_sex["undisclosed"].sessions_expected, by_sex["undisclosed"].sessions_attended) == (
        2,
        0,
    )


def test_every_dimension_adds_up_to_the_total(programme):
    result = figures()
    for dimension, cells in result.by.items():
        for name in ("participants", "enrolments", "completions", "registrations", "certificates"):
            assert sum(getattr(cell, name) for cell in cells.values()) == getattr(
                result.total, name
            ), (dimension, name)


def test_age_band_missing_is_its_own_category(programme):
    by_age = figures().by["age_band"]
    assert by_age[""].participants == 1  # Cami gave no age band
    assert by_age["30-44"].participants == 2  # Ana, Gil
    assert by_age["60+"].participants == 1


def test_by_level_and_province(programme):
    result = figures()
    assert result.by["level"]["municipal"].participants == 5
    assert result.by["level"]["parish"].participants == 1
    manabi = Province.objects.get(code="13")
    assert result.by["province"][manabi.pk].participants == 2
    assert result.by["province"][manabi.pk].gads_reached == 1


def test_province_filter(programme):
    pichincha = Province.objects.get(code="17")
    result = figures(ReportFilters(province_id=pichincha.pk))
    assert result.total.participants == 4  # Cami, Dora, Eli, Gil
    assert result.total.enrolments == 1  # Dora
    assert result.total.gads_reached == 1
    assert (result.provinces_covered, result.provinces_total) == (1, 1)
    assert sum(item.total for item in result.coverage) == result.province_coverage[pichincha.pk][1]


def test_pilot_filter(programme):
    result = figures(ReportFilters(pilots_only=True))
    assert result.total.participants == 2  # Ana and Beto, of Pedernales
    assert [(item.level, item.reached, item.total) for item in result.coverage] == [
        ("municipal", 1, 5)
    ]


def test_course_filter_leaves_out_workshops(programme):
    result = figures(ReportFilters(course_id=programme.course_a.pk))
    assert result.total.participants == 3  # Ana, Beto, Dora
    assert result.total.registrations == 0
    assert result.total.certificates == 1  # Ana's; Dora's is revoked
    empty = figures(ReportFilters(course_id=programme.course_b.pk))
    assert empty.total.participants == 0
    assert empty.total.gads_reached == 0


def test_workshop_filter_leaves_out_courses(programme):
    result = figures(ReportFilters(workshop_id=programme.x.pk))
    assert result.total.participants == 1  # Gil
    assert result.total.enrolments == 0
    assert (result.total.sessions_expected, result.total.sessions_attended) == (1, 1)
    assert result.total.certificates == 1
    assert result.sessions_held == 1


def test_period_filter(programme):
    # March 2025: W's sessions only; Ana's and Beto's enrolments were in February.
    march = figures(ReportFilters(start=date(2025, 3, 1), end=date(2025, 3, 31)))
    assert march.total.enrolments == 0
    assert march.total.registrations == 4
    assert march.sessions_held == 2
    assert march.total.certificates == 0  # issued today, not in March 2025
    assert march.total.participants == 4  # Ana, Beto, Cami, Eli
    # The day a session starts counts, in Ecuador's time.
    one_day = figures(ReportFilters(start=date(2025, 4, 8), end=date(2025, 4, 8)))
    assert one_day.sessions_held == 1
    assert one_day.total.sessions_attended == 1


def test_trainer_sees_only_their_workshops_and_its_people(programme, trainer):
    result = figures(scope=ReportScope.for_user(trainer))
    total = result.total
    assert total.participants == 4  # Ana, Beto, Cami, Eli: W's people; not Gil, not Dora
    assert total.enrolments == 2  # Ana's and Beto's courses
    assert total.registrations == 4
    assert (total.sessions_expected, total.sessions_attended) == (6, 3)
    assert total.certificates == 1  # Ana's course certificate; X's is not theirs
    assert result.workshops == 1
    assert result.total.gads_reached == 1


def test_trainer_of_nothing_sees_nothing(programme, editor):
    result = figures(scope=ReportScope.for_user(editor))
    assert result.total.participants == 0
    assert result.total.certificates == 0
