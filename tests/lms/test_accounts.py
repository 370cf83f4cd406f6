"""Sign-up, email confirmation, login by email, password reset and brute-force protection."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from lms.models import GAD, Participant
from lms.services.people import add_participant

PASSWORD = "Planificacion-2026!"


@pytest.fixture
def pedernales(db):
    return GAD.objects.get(code="1317")


def signup_data(chosen, **overrides):
    return {
        "email": "ana@pedernales.gob.ec",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": "Ana Zambrano",
        "gad": str(chosen.pk),
        "gad_query": chosen.label,
        "position": "Directora de Planificación",
        "sex": "female",
        "age_band": "30-44",
        "phone": "",
        "consent": "on",
        **overrides,
    }


def confirm_link(message) -> str:
    return re.search(r"https?://[^\s]+/cuenta/confirm-email/[^\s]+", message.body).group(0)


def test_signup_creates_the_participant_with_consent_and_sends_a_spanish_confirmation(
    client, pedernales, home
):
    response = client.post(reverse("account_signup"), signup_data(pedernales))

    assert response.status_code == 302
    participant = Participant.objects.get(full_name="Ana Zambrano")
    assert participant.gad == pedernales
    assert participant.user.email == "ana@pedernales.gob.ec"
    assert participant.consent_version == "1"
    assert participant.consent_at is not None
    assert len(mail.outbox) == 1
    assert "Confirm" not in mail.outbox[0].subject  # Spanish, not English
    assert "/cuenta/confirm-email/" in mail.outbox[0].body


def test_typing_part_of_a_name_without_javascript_offers_the_matching_gads(
    client, pedernales, home
):
    response = client.post(
        reverse("account_signup"), signup_data(pedernales, gad="", gad_query="pederna")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Varios GAD coinciden con «pederna»" in html
    assert f'value="{pedernales.pk}"> GAD Municipal de Pedernales (Manabí)' in html
    assert not Participant.objects.exists()


def test_a_unique_match_is_chosen_without_javascript(client, pedernales, home):
    client.post(
        reverse("account_signup"), signup_data(pedernales, gad="", gad_query="huaquillas el oro")
    )
    assert Participant.objects.get().gad.code == "0707"


def test_consent_is_required(client, pedernales, home):
    response = client.post(reverse("account_signup"), signup_data(pedernales, consent=""))
    assert "debe aceptar el aviso de privacidad" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_passwords_shorter_than_twelve_characters_are_refused(client, pedernales, home):
    response = client.post(
        reverse("account_signup"),
        signup_data(pedernales, password1="Corta-2026", password2="Corta-2026"),
    )
    assert "al menos 12 caracteres" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_signup_with_a_registered_email_looks_the_same_and_creates_nothing(
    client, pedernales, home
):
    first = client.post(reverse("account_signup"), signup_data(pedernales))
    client.logout()
    mail.outbox.clear()

    second = client.post(reverse("account_signup"), signup_data(pedernales, full_name="Impostora"))

    assert second.status_code == first.status_code == 302
    assert second["Location"] == first["Location"]
    assert get_user_model().objects.count() == 1
    assert not Participant.objects.filter(full_name="Impostora").exists()
    # Whatever is sent goes to the owner of the address only.
    assert all(message.to == ["ana@pedernales.gob.ec"] for message in mail.outbox)


def test_login_needs_a_confirmed_email_then_works_by_email(client, pedernales, home):
    client.post(reverse("account_signup"), signup_data(pedernales))
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "ana@pedernales.gob.ec", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and "confirm-email" in response["Location"]

    link = confirm_link(mail.outbox[-1])
    client.post(link)
    assert EmailAddress.objects.get(email="ana@pedernales.gob.ec").verified
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": "ANA@pedernales.gob.ec", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_confirming_joins_the_participant_a_trainer_added_earlier(
    client, pedernales, home, django_user_model
):
    trainer = django_user_model.objects.create_user("capacitador@example.org")
    earlier = add_participant(
        full_name="Ana Z.",
        email="Ana@Pedernales.gob.ec",
        gad=pedernales,
        added_by=trainer,
        sex="undisclosed",
    )

    client.post(reverse("account_signup"), signup_data(pedernales))
    client.post(confirm_link(mail.outbox[-1]))

    earlier.refresh_from_db()
    assert earlier.user.email == "ana@pedernales.gob.ec"
    assert earlier.full_name == "Ana Zambrano"  # the profile typed at sign-up wins
    assert earlier.sex == "female"
    assert Participant.objects.count() == 1


def test_password_reset_answers_the_same_for_unknown_emails(
    client, pedernales, home, django_user_model
):
    django_user_model.objects.create_user("conocida@example.org", password=PASSWORD)
    known = client.post(reverse("account_reset_password"), {"email": "conocida@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "desconocida@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_logout_ends_the_session_on_the_server(client, django_user_model, home):
    user = django_user_model.objects.create_user("salir@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()

    client.post(reverse("account_logout"))

    assert not Session.objects.filter(session_key=session_key).exists()


def test_login_gets_a_new_session_key(client, django_user_model, home):
    user = django_user_model.objects.create_user("nueva@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.get(reverse("account_login"))
    session = client.session
    session["visto"] = True
    session.save()
    before = client.session.session_key

    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert client.session.session_key != before


def fail_logins(client, email, times, ip="203.0.113.7"):
    for _ in range(times):
        response = client.post(
            reverse("account_login"), {"login": email, "password": "equivocada-123"}, REMOTE_ADDR=ip
        )
    return response


@pytest.mark.parametrize("email", ["existe@example.org", "no-existe@example.org"])
def test_ten_wrong_passwords_lock_that_email_from_that_address(
    client, django_user_model, home, email
):
    user = django_user_model.objects.create_user("existe@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    fail_logins(client, email, 10)
    locked = client.post(
        reverse("account_login"), {"login": email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )

    assert locked.status_code == 429
    assert "Demasiados intentos" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_is_the_same_whether_or_not_the_email_exists(
    client, django_user_model, home
):
    user = django_user_model.objects.create_user("existe@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    existing = fail_logins(client, "existe@example.org", 11)
    missing = fail_logins(client, "no-existe@example.org", 11)
    assert existing.status_code == missing.status_code == 429
    assert existing.content == missing.content


def test_the_lockout_does_not_reach_other_addresses_and_ends_after_the_cool_off(
    client, django_user_model, home, settings
):
    from axes.models import AccessAttempt

    user = django_user_model.objects.create_user("existe@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    fail_logins(client, user.email, 10)

    other = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.9",
    )
    assert other.status_code == 302
    client.logout()

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    later = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert later.status_code == 302
