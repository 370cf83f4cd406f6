"""Participants' LOPDP rights: access, portability, deletion and consent."""

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from cms.models import SiteSettings
from lms.models import Participant
from lms.services import privacy
from lms.services.privacy import delete_participant, export_personal_data
from tests.factories import StandardPageFactory, UserFactory
from tests.lms.factories import ParticipantFactory, gad

PASSWORD = "contrasena-segura-123"
MY_DATA_URLS = ["lms:my_data", "lms:my_data_json", "lms:my_data_csv", "lms:delete_account"]


@pytest.fixture
def participant(db):
    return ParticipantFactory(
        full_name="Rosa Chiriboga", phone="0987654321", user__email="rosa@example.org"
    )


@pytest.fixture
def other(db):
    return ParticipantFactory(
        full_name="Luis Andrade", phone="0911111111", user__email="luis@example.org"
    )


@pytest.fixture
def logged_in(client, participant):
    client.force_login(participant.user)
    return client


@pytest.fixture
def site_settings(db):
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


@pytest.fixture
def new_notice(site_settings):
    site_settings.privacy_notice_version = "2"
    site_settings.save()
    return site_settings


@pytest.fixture
def fake_feature():
    """A later feature's records, registered for one test only."""
    calls = []

    def export(participant):
        calls.append(("export", participant.pk))
        return [{"Taller": "Planificación con movilidad humana", "Asistencia": "presente"}]

    def anonymise(participant):
        calls.append(("anonymise", participant.pk, participant.full_name))

    privacy.register_personal_data("Talleres", export)
    privacy.register_anonymiser(anonymise)
    yield calls
    privacy.PERSONAL_DATA[:] = [e for e in privacy.PERSONAL_DATA if e[1] is not export]
    privacy.ANONYMISERS.remove(anonymise)


def delete(client, password=PASSWORD, understood=True):
    data = {"password": password}
    if understood:
        data["understood"] = "on"
    return client.post(reverse("lms:delete_account"), data)


def read_csv(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_json_download_holds_my_data_and_nobody_elses(logged_in, participant, other):
    response = logged_in.get(reverse("lms:my_data_json"))
    assert response["Content-Disposition"] == 'attachment; filename="aula-mis-datos.json"'
    assert response["Content-Type"] == "application/json; charset=utf-8"
    text = response.content.decode("utf-8")
    assert "Pedernales" in text  # ensure_ascii=False keeps accents and ñ readable
    profile = json.loads(text)["Perfil"]
    assert profile[0]["Nombre completo"] == "Rosa Chiriboga"
    assert profile[0]["Correo electrónico"] == "rosa@example.org"
    assert profile[0]["Código del GAD (INEC)"] == "1317"
    assert "Luis" not in text
    assert "luis@example.org" not in text


def test_csv_download_holds_my_data_and_nobody_elses(logged_in, participant, other):
    response = logged_in.get(reverse("lms:my_data_csv"))
    assert response["Content-Disposition"] == 'attachment; filename="aula-mis-datos.csv"'
    rows = read_csv(response)
    assert rows[0] == ["Perfil"]
    header, values = rows[1], rows[2]
    record = dict(zip(header, values, strict=True))
    assert record["Nombre completo"] == "Rosa Chiriboga"
    assert record["Teléfono"] == "0987654321"
    assert "Luis" not in response.content.decode("utf-8")


@pytest.mark.parametrize("name", MY_DATA_URLS + ["lms:consent"])
def test_pages_about_my_data_are_never_stored(logged_in, name):
    response = logged_in.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_csv_download_escapes_cells_that_start_a_formula(logged_in, participant):
    participant.full_name = '=HYPERLINK("http://malo.example")'
    participant.position = "@SUM(A1)"
    participant.phone = "+593 99 123 4567"
    participant.save()
    rows = read_csv(logged_in.get(reverse("lms:my_data_csv")))
    record = dict(zip(rows[1], rows[2], strict=True))
    assert record["Nombre completo"] == '\'=HYPERLINK("http://malo.example")'
    assert record["Cargo"] == "'@SUM(A1)"
    assert record["Teléfono"] == "'+593 99 123 4567"


@pytest.mark.parametrize("name", MY_DATA_URLS + ["lms:consent"])
def test_anonymous_visitors_are_sent_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_user_without_participant_is_asked_to_complete_the_profile(client, db):
    client.force_login(UserFactory())
    response = client.get(reverse("lms:my_data"))
    assert response.status_code == 200
    assert reverse("lms:profile") in response.content.decode()
    assert client.get(reverse("lms:my_data_json"))["Location"] == reverse("lms:my_data")


def test_wrong_password_deletes_nothing(logged_in, participant):
    response = delete(logged_in, password="no-es-mi-clave-123")
    assert response.status_code == 200
    assert "no es su contraseña actual" in response.content.decode()
    participant.refresh_from_db()
    assert participant.full_name == "Rosa Chiriboga"
    assert participant.anonymised_at is None
    assert get_user_model().objects.filter(pk=participant.user_id).exists()


def test_deleting_needs_the_i_understand_box(logged_in, participant):
    assert delete(logged_in, understood=False).status_code == 200
    participant.refresh_from_db()
    assert participant.anonymised_at is None


def test_deleting_erases_name_email_and_phone_but_keeps_gad_sex_and_age(logged_in, participant):
    response = delete(logged_in)
    assert response.status_code == 302
    assert response["Location"] == "/"
    participant.refresh_from_db()
    assert participant.full_name == "Participante eliminado"
    assert (participant.email, participant.phone, participant.position) == ("", "", "")
    assert participant.consent_version == ""
    assert participant.consent_at is None
    assert participant.anonymised_at is not None
    assert participant.user is None
    assert participant.gad == gad("1317")
    assert participant.sex == Participant.Sex.FEMALE
    assert participant.age_band == Participant.AgeBand.FROM_30


def test_deleting_removes_the_login_and_says_so(logged_in, participant):
    user_id = participant.user_id
    response = delete(logged_in)
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert "_auth_user_id" not in logged_in.session
    assert any("cuenta ha sido eliminada" in str(m) for m in get_messages(response.wsgi_request))


def test_deleting_ends_every_session_of_that_user(logged_in, participant):
    phone = Client()
    phone.force_login(participant.user)
    phone_session = phone.session.session_key
    delete(logged_in)
    assert not Session.objects.filter(session_key=phone_session).exists()
    response = phone.get(reverse("lms:my_data"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deleting_forgets_the_login_attempts_recorded_for_that_email(logged_in, participant):
    from axes.models import AccessAttempt, AccessLog

    seen = {"ip_address": "203.0.113.7", "user_agent": "Firefox", "path_info": "/cuenta/login/"}
    AccessLog.objects.create(username="rosa@example.org", **seen)
    AccessAttempt.objects.create(username="rosa@example.org", failures_since_start=1, **seen)
    AccessLog.objects.create(username="luis@example.org", **seen)
    delete(logged_in)
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["luis@example.org"]
    assert not AccessAttempt.objects.exists()


def test_deleting_keeps_counts_of_participants_by_gad_and_sex(logged_in, participant, other):
    ParticipantFactory(user=None, gad=gad("0101"), sex=Participant.Sex.MALE)

    def counts():
        by_gad = Participant.objects.values_list("gad__code").annotate(n=Count("pk"))
        by_sex = Participant.objects.values_list("sex").annotate(n=Count("pk"))
        return sorted(by_gad), sorted(by_sex)

    before = counts()
    delete(logged_in)
    assert counts() == before


def test_deleting_twice_is_harmless(participant):
    first = delete_participant(participant=participant)
    anonymised_at = first.anonymised_at
    second = delete_participant(participant=participant)
    assert second.anonymised_at == anonymised_at
    assert Participant.objects.filter(pk=participant.pk).count() == 1


def test_participant_without_account_can_be_deleted(db):
    person = ParticipantFactory(user=None, full_name="Ana Sin Cuenta")
    delete_participant(participant=person)
    person.refresh_from_db()
    assert person.full_name == "Participante eliminado"
    assert person.email == ""


def test_deleting_leaves_other_people_alone(logged_in, participant, other):
    delete(logged_in)
    other.refresh_from_db()
    assert other.full_name == "Luis Andrade"
    assert other.user is not None


def test_a_registered_feature_is_exported_and_anonymised(participant, fake_feature):
    data = export_personal_data(participant=participant)
    assert data["Talleres"] == [
        {"Taller": "Planificación con movilidad humana", "Asistencia": "presente"}
    ]
    delete_participant(participant=participant)
    # Anonymisers run first, while the person's details are still there to find records by.
    assert ("anonymise", participant.pk, "Rosa Chiriboga") in fake_feature


def test_a_registered_feature_appears_on_my_data_and_in_the_csv(logged_in, fake_feature):
    assert "Talleres" in logged_in.get(reverse("lms:my_data")).content.decode()
    rows = read_csv(logged_in.get(reverse("lms:my_data_csv")))
    assert ["Talleres"] in rows
    assert ["Planificación con movilidad humana", "presente"] in rows


def test_staff_without_participant_cannot_delete_here(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        reverse("lms:delete_account"), {"password": PASSWORD, "understood": "on"}
    )
    assert response.status_code == 200
    assert get_user_model().objects.filter(pk=staff.pk).exists()


def test_new_privacy_notice_sends_participant_to_the_consent_page(logged_in, new_notice):
    response = logged_in.get(reverse("lms:profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('lms:consent')}?next=%2Fcuenta%2Fperfil%2F"


def test_participant_who_accepted_the_current_notice_is_not_redirected(logged_in, site_settings):
    assert logged_in.get(reverse("lms:profile")).status_code == 200


def test_accepting_records_version_and_time_and_returns_to_next(logged_in, participant, new_notice):
    accepted_before = participant.consent_at
    response = logged_in.post(
        reverse("lms:consent"), {"accept": "on", "next": reverse("lms:profile")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("lms:profile")
    participant.refresh_from_db()
    assert participant.consent_version == "2"
    assert participant.consent_at > accepted_before
    assert logged_in.get(reverse("lms:profile")).status_code == 200


def test_consent_needs_the_box_ticked(logged_in, participant, new_notice):
    response = logged_in.post(reverse("lms:consent"), {"next": reverse("lms:profile")})
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.consent_version == "1"


@pytest.mark.parametrize("name", MY_DATA_URLS + ["lms:consent", "account_logout"])
def test_rights_pages_stay_reachable_without_accepting(logged_in, new_notice, name):
    assert logged_in.get(reverse(name)).status_code == 200


def test_privacy_notice_page_stays_reachable_without_accepting(logged_in, home, new_notice):
    notice = StandardPageFactory(parent=home, title="Aviso de privacidad", slug="privacidad")
    new_notice.privacy_page = notice
    new_notice.save()
    assert logged_in.get(notice.url).status_code == 200
    consent_page = logged_in.get(reverse("lms:consent")).content.decode()
    assert f'href="{notice.url}"' in consent_page


def test_json_requests_are_not_redirected(logged_in, new_notice):
    response = logged_in.get(
        reverse("lms:gad_search"), {"q": "pederna"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200


def test_unsafe_next_is_ignored(logged_in, participant, new_notice):
    response = logged_in.post(
        reverse("lms:consent"), {"accept": "on", "next": "https://malo.example/robar"}
    )
    assert response["Location"] == "/"
    participant.refresh_from_db()
    assert participant.consent_version == "2"


def test_consent_check_costs_one_query_for_participant_and_one_for_settings(
    logged_in, new_notice, django_assert_num_queries
):
    # Session and user, then the participant and the site settings.
    with django_assert_num_queries(4):
        response = logged_in.get(reverse("lms:profile"))
    assert response.status_code == 302


def test_rights_pages_stay_reachable_without_accepting_in_english(logged_in, new_notice):
    with translation.override("en"):
        url = reverse("lms:my_data")
    assert url.startswith("/en/")
    assert logged_in.get(url).status_code == 200


def test_user_without_participant_can_delete_their_login(client, db):
    user = UserFactory()
    client.force_login(user)
    assert delete(client)["Location"] == "/"
    assert not get_user_model().objects.filter(pk=user.pk).exists()
