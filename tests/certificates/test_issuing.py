"""Issuing certificates: each rule, by hand, once per holder and subject, with a fixed snapshot;
revoking; what the participant's data download and deletion do to them; the admin screens."""

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from courses.models import LessonPage
from lms.models import Certificate, CertificateTemplate, Enrolment, Participant, Registration
from lms.services import certificates as service
from lms.services.attendance import set_attendance
from lms.services.learning import complete_step, enrol
from lms.services.privacy import delete_participant, export_personal_data
from lms.services.workshops import register
from tests.certificates.conftest import make_certificate
from tests.factories import UserFactory
from tests.lms.factories import gad
from tests.lms.test_learning import pass_quiz

REFERENCE = re.compile(r"^AULA-\d{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


def finish_course(participant, course):
    enrolment = enrol(participant=participant, course=course)
    for slug in ("conceptos", "diagnostico"):
        complete_step(enrolment=enrolment, step=LessonPage.objects.get(slug=slug))
    pass_quiz(enrolment)
    return Enrolment.objects.get(pk=enrolment.pk)


def attend(sessions, participant, trainer, status="present"):
    for session in sessions:
        set_attendance(session, participant, status=status, source="roster", by=trainer)


# --- Course completion -----------------------------------------------------------------


def test_completing_a_course_issues_its_certificate_with_the_snapshot(
    participant, course, pdf_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = finish_course(participant, course)

    assert enrolment.completed_at is not None
    certificate = Certificate.objects.get(participant=participant)
    assert certificate.kind == Certificate.Kind.COURSE
    assert certificate.course_id == course.pk and certificate.workshop_id is None
    assert certificate.subject_key == f"course:{course.pk}"
    assert certificate.holder_name == "Rosa Mero"
    assert certificate.gad_name == str(participant.gad.label)
    assert "Pedernales" in certificate.gad_name
    assert certificate.subject_title == "Movilidad humana en el PDOT"
    assert certificate.hours == course.estimated_hours == 4
    assert certificate.achieved_on == timezone.localdate(enrolment.completed_at)
    assert certificate.issued_by is None
    assert certificate.template == CertificateTemplate.objects.get(is_default=True)
    assert certificate.pdf_status == Certificate.Pdf.PENDING
    pdf_tasks.assert_called_once_with(certificate.pk)


def test_nothing_is_issued_before_the_course_is_complete(
    participant, course, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrol(participant=participant, course=course)
        complete_step(enrolment=enrolment, step=LessonPage.objects.get(slug="conceptos"))

    assert not Certificate.objects.exists()


def test_a_course_with_its_own_template_uses_it(participant, course):
    template = CertificateTemplate.objects.create(name="Diplomado", body="{name}")
    course.certificate_template = template
    course.save_revision().publish()

    certificate = make_certificate(participant, course=course)

    assert certificate.template == template


def test_the_pdf_is_queued_only_once_the_issue_is_committed(
    participant, course, pdf_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = make_certificate(participant, course=course)
    assert not pdf_tasks.called

    for callback in callbacks:
        callback()
    pdf_tasks.assert_called_once_with(certificate.pk)


# --- Workshops -------------------------------------------------------------------------


def test_an_automatic_workshop_issues_when_the_threshold_is_reached(
    workshop, sessions, registered, trainer, django_capture_on_commit_callbacks
):
    workshop.auto_certificates = True
    workshop.save()

    # 75 % of four sessions is three: two are not enough, excused does not count.
    with django_capture_on_commit_callbacks(execute=True):
        attend(sessions[:2], registered, trainer)
        attend(sessions[2:3], registered, trainer, status="excused")
    assert not Certificate.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        attend(sessions[3:], registered, trainer, status="late")
    certificate = Certificate.objects.get(participant=registered)
    assert certificate.kind == Certificate.Kind.WORKSHOP
    assert certificate.workshop == workshop
    assert certificate.subject_title == workshop.title
    assert certificate.hours == 8  # four sessions of two hours
    assert certificate.achieved_on == date(2030, 4, 2)  # the last session attended

    # More attendance changes nothing: one certificate.
    with django_capture_on_commit_callbacks(execute=True):
        attend(sessions[2:3], registered, trainer)
    assert Certificate.objects.count() == 1


def test_a_cancelled_session_does_not_count_and_hours_follow_the_sessions_held(
    workshop, sessions, registered, trainer, django_capture_on_commit_callbacks
):
    workshop.auto_certificates = True
    workshop.save()
    sessions[3].cancelled = True
    sessions[3].save()

    with django_capture_on_commit_callbacks(execute=True):
        attend(sessions[:3], registered, trainer)

    certificate = Certificate.objects.get()
    assert certificate.hours == 6
    assert certificate.achieved_on == date(2030, 3, 26)


def test_the_workshop_s_certified_hours_win_over_its_sessions(workshop, registered):
    workshop.hours = 20
    workshop.save()

    assert make_certificate(registered, workshop=workshop).hours == 20


def test_without_automatic_certificates_attendance_issues_nothing(
    workshop, sessions, registered, trainer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attend(sessions, registered, trainer)

    assert not Certificate.objects.exists()


def test_people_not_confirmed_get_no_automatic_certificate(
    workshop, sessions, participant, trainer, django_capture_on_commit_callbacks
):
    workshop.auto_certificates = True
    workshop.save()
    # Marked present without a registration (a walk-in the trainer did not register).
    with django_capture_on_commit_callbacks(execute=True):
        attend(sessions, participant, trainer)

    assert not Certificate.objects.exists()


def test_issuing_for_a_whole_workshop_counts_who_got_one(
    workshop, sessions, registered, other_participant, trainer
):
    register(workshop=workshop, participant=other_participant, added_by=trainer)
    attend(sessions[:3], registered, trainer)
    attend(sessions[:2], other_participant, trainer)  # below the threshold
    waiting = UserFactory(email="espera@example.org")
    Registration.objects.create(
        workshop=workshop,
        participant=Participant.objects.create(
            user=waiting, full_name="En espera", gad=gad(), sex="male"
        ),
        status=Registration.Status.WAITLISTED,
    )

    result = service.issue_for_workshop(workshop, by=trainer)

    assert (result.issued, result.existing, result.not_reached) == (1, 0, 1)
    certificate = Certificate.objects.get()
    assert certificate.participant == registered
    assert certificate.issued_by == trainer

    again = service.issue_for_workshop(workshop, by=trainer)
    assert (again.issued, again.existing, again.not_reached) == (0, 1, 1)
    assert Certificate.objects.count() == 1


# --- By hand, once, and fixed ----------------------------------------------------------


def test_a_trainer_issues_by_hand_without_the_rule(participant, course, trainer):
    certificate = make_certificate(participant, course=course, by=trainer)

    assert certificate.issued_by == trainer
    assert certificate.achieved_on == timezone.localdate()
    assert REFERENCE.match(certificate.reference)
    assert len(certificate.code) >= 32  # 24 random bytes, URL-safe base64
    assert not re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-", certificate.code)


def test_issuing_twice_gives_the_same_certificate(participant, course, workshop, pdf_tasks):
    first = make_certificate(participant, course=course)
    second = make_certificate(participant, course=course)
    third = make_certificate(participant, workshop=workshop)

    assert first.pk == second.pk != third.pk
    assert Certificate.objects.count() == 2
    assert service.issue_or_get(
        participant=participant, kind=Certificate.Kind.COURSE, course=course
    ) == (first, False)


def test_codes_and_references_differ_between_certificates(participant, other_participant, course):
    one = make_certificate(participant, course=course)
    two = make_certificate(other_participant, course=course)

    assert one.code != two.code
    assert one.reference != two.reference
    assert not set("01IO") & set(one.reference.removeprefix("AULA-")[5:])


def test_a_subject_needs_its_kind():
    with pytest.raises(ValueError):
        service.subject_key(kind=Certificate.Kind.COURSE)
    with pytest.raises(ValueError):
        service.subject_key(kind=Certificate.Kind.WORKSHOP, course=object())


def test_the_snapshot_stays_after_the_course_and_the_profile_change(participant, course):
    certificate = make_certificate(participant, course=course)

    course.title = "Otro título"
    course.estimated_hours = 40
    course.save_revision().publish()
    participant.full_name = "Rosa Elena Mero"
    participant.gad = gad("1701")
    participant.save()

    certificate.refresh_from_db()
    assert certificate.holder_name == "Rosa Mero"
    assert "Pedernales" in certificate.gad_name
    assert certificate.subject_title == "Movilidad humana en el PDOT"
    assert certificate.hours == 4


# --- Revoking --------------------------------------------------------------------------


def test_revoking_needs_a_reason_and_keeps_the_first_revocation(certificate, trainer, manager):
    with pytest.raises(service.ReasonRequiredError):
        service.revoke(certificate, by=trainer, reason="   ")

    revoked = service.revoke(certificate, by=trainer, reason="Emitido por error")
    assert revoked.is_revoked
    assert revoked.revoked_by == trainer
    assert revoked.revoked_reason == "Emitido por error"

    again = service.revoke(certificate, by=manager, reason="Otra razón")
    assert again.revoked_at == revoked.revoked_at
    assert again.revoked_by == trainer


def test_a_revoked_certificate_is_not_issued_again(certificate, trainer):
    service.revoke(certificate, by=trainer, reason="Emitido por error")

    again = make_certificate(certificate.participant, course=certificate.course)

    assert again.pk == certificate.pk and again.is_revoked


# --- Personal data ---------------------------------------------------------------------


def test_the_data_download_has_a_certificates_section(participant, certificate):
    data = export_personal_data(participant=participant)

    rows = data["Certificados"] if "Certificados" in data else data["Certificates"]
    assert len(rows) == 1
    assert certificate.reference in rows[0].values()
    assert service.verification_url(certificate) in rows[0].values()


def test_deleting_the_participant_revokes_and_forgets_the_name(
    participant, certificate, django_capture_on_commit_callbacks
):
    storage = Certificate._meta.get_field("pdf").storage
    certificate.pdf.save("certificado.pdf", ContentFile(b"%PDF-1.7 prueba"), save=False)
    certificate.pdf_status = Certificate.Pdf.READY
    certificate.save()
    name = certificate.pdf.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        delete_participant(participant=participant)

    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert certificate.revoked_reason
    assert certificate.holder_name == "" and certificate.gad_name == ""
    assert not certificate.pdf
    assert not storage.exists(name)


def test_a_deleted_person_gets_no_new_certificate(participant, course, workshop):
    make_certificate(participant, course=course)
    delete_participant(participant=participant)

    with pytest.raises(service.HolderDeletedError):
        make_certificate(Participant.objects.get(pk=participant.pk), workshop=workshop)


# --- The admin -------------------------------------------------------------------------


def test_trainers_list_search_and_filter_certificates(
    client, login_staff, trainer, certificate, other_participant, course
):
    other = make_certificate(other_participant, course=course)
    service.revoke(other, by=trainer, reason="Duplicado")
    login_staff(trainer)

    listing = client.get(reverse("certificates:index"))
    assert listing.status_code == 200
    assert certificate.reference in listing.content.decode()

    found = client.get(reverse("certificates:index"), {"q": certificate.reference})
    assert certificate.reference in found.content.decode()
    assert other.reference not in found.content.decode()

    by_name = client.get(reverse("certificates:index"), {"q": "Guamán"})
    assert other.reference in by_name.content.decode()
    assert certificate.reference not in by_name.content.decode()

    revoked = client.get(reverse("certificates:index"), {"status": "revoked"})
    assert other.reference in revoked.content.decode()
    assert certificate.reference not in revoked.content.decode()

    courses = client.get(reverse("certificates:index"), {"kind": "workshop"})
    assert certificate.reference not in courses.content.decode()


def test_the_inspect_page_offers_revoking_and_the_verification_link(
    client, login_staff, trainer, certificate
):
    login_staff(trainer)

    page = client.get(reverse("certificates:inspect", args=[certificate.pk])).content.decode()

    assert reverse("certificates:revoke", args=[certificate.pk]) in page
    assert service.verification_url(certificate) in page
    assert reverse("certificates:index") + "edit/" not in page


def test_revoking_from_the_admin_needs_a_reason(client, login_staff, trainer, certificate):
    login_staff(trainer)
    url = reverse("certificates:revoke", args=[certificate.pk])

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked

    done = client.post(url, {"reason": "Emitido por error"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_by == trainer


def test_issuing_by_hand_from_the_admin(client, login_staff, manager, participant, course):
    login_staff(manager)
    url = reverse("certificates:issue")
    assert client.get(url).status_code == 200

    missing = client.post(url, {"participant": participant.pk, "kind": "course"})
    assert missing.status_code == 200 and not Certificate.objects.exists()

    response = client.post(
        url, {"participant": participant.pk, "kind": "course", "course": course.pk}
    )

    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:inspect", args=[certificate.pk])
    assert certificate.issued_by == manager


def test_a_trainer_issues_for_the_workshops_they_run_only(
    client, login_staff, trainer, workshop, sessions, registered
):
    attend(sessions, registered, trainer)
    login_staff(trainer)
    url = reverse("certificates:issue_workshop")

    form = client.get(url, {"workshop": workshop.pk})
    assert form.status_code == 200
    assert workshop.title in form.content.decode()

    response = client.post(url, {"workshop": workshop.pk})
    assert response.status_code == 302
    assert Certificate.objects.get().participant == registered

    workshop.trainers.clear()
    workshop.save()
    refused = client.post(url, {"workshop": workshop.pk})
    assert refused.status_code == 200  # not among the choices
    assert "workshop" in refused.context["form"].errors


def test_editors_cannot_issue_or_revoke(client, login_staff, certificate):
    from lms import roles

    editor = UserFactory(email="editora@ame.gob.ec", groups=[roles.EDITOR])
    login_staff(editor)

    # Wagtail turns a refusal into a redirect to the dashboard, with a message.
    assert client.get(reverse("certificates:issue"))["Location"] == "/admin/"
    assert client.get(reverse("certificates:index"))["Location"] == "/admin/"
    refused = client.post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": "No"})
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    assert not Certificate.objects.get(pk=certificate.pk).is_revoked


def test_nobody_deletes_a_certificate(trainer, manager):
    from lms import roles

    for user in (trainer, manager):
        assert user.has_perm("lms.add_certificate") and user.has_perm("lms.change_certificate")
        assert not user.has_perm("lms.delete_certificate")
    editor = UserFactory(email="editor@ame.gob.ec", groups=[roles.EDITOR])
    assert editor.has_perm("lms.change_certificatetemplate")
    assert not editor.has_perm("lms.view_certificate")
