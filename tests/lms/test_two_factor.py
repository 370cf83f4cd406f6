"""Staff confirm a code from an authenticator app (or a recovery code) before any admin page."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms import roles
from lms.checks import staff_two_factor
from lms.demo_two_factor import DEMO_TOTP_SECRET, seed_staff_devices
from lms.services.two_factor import issue_recovery_codes
from tests.factories import UserFactory

SETUP = reverse("lms:two_factor_setup")
VERIFY = reverse("lms:two_factor_verify")
CODES = reverse("lms:two_factor_recovery_codes")


@pytest.fixture(autouse=True)
def _require_two_factor(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True


@pytest.fixture
def trainer(db):
    return UserFactory(email="capacitador@example.org", groups=[roles.TRAINER])


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def app_device(user, **fields):
    return TOTPDevice.objects.create(user=user, name="Teléfono", confirmed=True, **fields)


def current_code(device) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def wrong_code(device) -> str:
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: UserFactory(groups=[roles.TRAINER]),
        lambda: UserFactory(groups=[roles.EDITOR]),
        lambda: UserFactory(groups=[roles.MANAGER]),
        lambda: UserFactory(is_superuser=True, is_staff=True),
    ],
    ids=["trainer", "editor", "manager", "superuser"],
)
@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/"])
def test_staff_without_an_app_are_sent_to_set_one_up(client, db, make_user, path):
    client.force_login(make_user())

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={path.replace('/', '%2F')}"


def test_staff_with_an_app_are_asked_for_a_code(trainer_client, trainer):
    app_device(trainer)

    response = trainer_client.get("/admin/pages/?q=plan")

    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2Fpages%2F%3Fq%3Dplan"


def test_setup_shows_a_qr_code_without_inline_script_or_style(trainer_client, trainer):
    response = trainer_client.get(SETUP, {"next": "/admin/"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    # Only scripts from files; data blocks (type="application/json") never run.
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html)
    assert "<style" not in html and " style=" not in html
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    device = TOTPDevice.objects.get(user=trainer)
    assert not device.confirmed
    secret = re.search(r'class="secret-key">([A-Z2-7 ]+)<', html).group(1)
    assert b32decode(secret.replace(" ", "")) == device.bin_key


def test_reloading_setup_keeps_the_same_key(trainer_client, trainer):
    trainer_client.get(SETUP)
    trainer_client.get(SETUP)

    assert TOTPDevice.objects.filter(user=trainer).count() == 1


def test_setting_up_an_app_opens_the_admin_and_shows_recovery_codes_once(trainer_client, trainer):
    trainer_client.get(SETUP)
    device = TOTPDevice.objects.get(user=trainer)

    response = trainer_client.post(SETUP, {"code": current_code(device), "next": "/admin/pages/"})

    assert response.status_code == 302
    assert response["Location"] == f"{CODES}?next=%2Fadmin%2Fpages%2F"
    device.refresh_from_db()
    assert device.confirmed
    page = trainer_client.get(response["Location"]).content.decode()
    tokens = StaticToken.objects.filter(device__user=trainer)
    assert tokens.count() == 10
    assert all(f"{t.token[:4]}-{t.token[4:]}" in page for t in tokens)
    assert 'href="/admin/pages/"' in page
    assert tokens[0].token[:4] not in trainer_client.get(CODES).content.decode()
    assert trainer_client.get("/admin/").status_code == 200


def test_setup_refuses_a_wrong_code_in_spanish(trainer_client, trainer):
    trainer_client.get(SETUP)
    device = TOTPDevice.objects.get(user=trainer)

    response = trainer_client.post(SETUP, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "Ese código no coincide" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert trainer_client.get("/admin/").status_code == 302


def test_setup_makes_repeated_failures_wait(trainer_client, trainer):
    trainer_client.get(SETUP)
    device = TOTPDevice.objects.get(user=trainer)
    device.throttling_failure_count = 8
    device.throttling_failure_timestamp = timezone.now()
    device.save()

    response = trainer_client.post(SETUP, {"code": current_code(device)})

    assert "Espere 3 minutos" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_a_password_alone_cannot_replace_a_confirmed_app(trainer_client, trainer):
    app_device(trainer)

    response = trainer_client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{VERIFY}?next=")
    assert TOTPDevice.objects.filter(user=trainer).count() == 1


def test_a_verified_session_may_replace_the_app(login_staff, trainer):
    client = login_staff(trainer)
    old = TOTPDevice.objects.get(user=trainer)
    client.get(SETUP)
    new = TOTPDevice.objects.get(user=trainer, confirmed=False)

    client.post(SETUP, {"code": current_code(new)})

    assert list(TOTPDevice.objects.filter(user=trainer)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get("/admin/").status_code == 200


def test_a_correct_code_opens_the_admin(trainer_client, trainer):
    device = app_device(trainer)

    response = trainer_client.post(VERIFY, {"code": current_code(device), "next": "/admin/pages/"})

    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"
    assert trainer_client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused_in_spanish_and_counted(trainer_client, trainer):
    device = app_device(trainer)

    response = trainer_client.post(VERIFY, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "Ese código no es válido" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert trainer_client.get("/admin/").status_code == 302


def test_the_same_code_cannot_be_used_twice(client, trainer):
    device = app_device(trainer)
    code = current_code(device)
    client.force_login(trainer)
    client.post(VERIFY, {"code": code})
    client.logout()
    client.force_login(trainer)

    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_after_repeated_failures_even_a_correct_code_must_wait(trainer_client, trainer):
    device = app_device(
        trainer, throttling_failure_count=6, throttling_failure_timestamp=timezone.now()
    )

    response = trainer_client.post(VERIFY, {"code": current_code(device)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Demasiados códigos incorrectos" in html and "Espere" in html
    assert trainer_client.get("/admin/").status_code == 302


def test_throttling_lifts_after_the_wait(trainer_client, trainer):
    device = app_device(
        trainer,
        throttling_failure_count=3,
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5),
    )

    response = trainer_client.post(VERIFY, {"code": current_code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_recovery_code_works_once_and_only_once(client, trainer):
    app_device(trainer)
    code = issue_recovery_codes(user=trainer)[0]
    client.force_login(trainer)

    response = client.post(VERIFY, {"recovery_code": code.upper(), "next": "/admin/"})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=trainer).count() == 9

    client.logout()
    client.force_login(trainer)
    response = client.post(VERIFY, {"recovery_code": code})
    assert "no es válido o ya se usó" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_recovery_code_without_an_app_leads_to_setting_one_up(trainer_client, trainer):
    code = issue_recovery_codes(user=trainer)[0]

    response = trainer_client.post(VERIFY, {"recovery_code": code, "next": "/admin/"})

    assert response["Location"] == f"{SETUP}?next=%2Fadmin%2F"


def test_regenerating_recovery_codes_needs_a_verified_session(trainer_client, trainer):
    app_device(trainer)
    old = issue_recovery_codes(user=trainer)

    response = trainer_client.post(CODES)

    assert response["Location"].startswith(f"{VERIFY}?next=")
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(old)


def test_regenerating_recovery_codes_replaces_the_old_ones(login_staff, trainer):
    client = login_staff(trainer)
    old = issue_recovery_codes(user=trainer)

    response = client.post(CODES)
    page = client.get(response["Location"]).content.decode()

    new = list(StaticToken.objects.values_list("token", flat=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert f"{new[0][:4]}-{new[0][4:]}" in page
    assert StaticDevice.objects.filter(user=trainer).count() == 1


def test_recovery_codes_are_not_shown_without_having_just_been_made(login_staff, trainer):
    client = login_staff(trainer)
    codes = issue_recovery_codes(user=trainer)

    html = client.get(CODES).content.decode()

    assert codes[0][:4] not in html
    assert "10 códigos de recuperación sin usar" in html


def test_next_must_stay_on_this_site(trainer_client, trainer):
    device = app_device(trainer)

    response = trainer_client.post(
        VERIFY, {"code": current_code(device), "next": "https://evil.example.org/"}
    )

    assert response["Location"] == "/admin/"


def test_admin_requests_from_scripts_get_403_not_a_redirect(trainer_client):
    response = trainer_client.get("/admin/pages/", headers={"x-requested-with": "XMLHttpRequest"})

    assert response.status_code == 403
    assert response.json()["location"].startswith(SETUP)


def test_the_gate_never_loops_even_over_the_whole_site(trainer_client, trainer, settings):
    settings.STAFF_AREA_PREFIXES = ["/"]
    app_device(trainer)

    assert trainer_client.get(VERIFY).status_code == 200
    assert trainer_client.get("/static/css/site.css").status_code == 200
    assert trainer_client.get("/cuenta/perfil/")["Location"].startswith(VERIFY)
    assert VERIFY not in trainer_client.post("/admin/logout/").get("Location", "")


def test_staff_can_log_out_without_a_second_factor(trainer_client, trainer):
    app_device(trainer)

    response = trainer_client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in trainer_client.session


def test_participants_are_not_asked_for_a_second_factor(client, db):
    client.force_login(UserFactory(groups=[roles.PARTICIPANT]))

    response = client.get("/admin/")

    assert "dos-pasos" not in response.get("Location", "")
    assert client.get(reverse("lms:profile")).status_code == 200
    assert client.get(SETUP).status_code == 403


def test_with_the_requirement_off_the_admin_opens_without_a_code(trainer_client, trainer, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = False

    assert trainer_client.get("/admin/").status_code == 200


def test_check_refuses_the_requirement_off_without_debug(settings):
    settings.DEBUG = False
    settings.STAFF_TWO_FACTOR_REQUIRED = False

    assert [error.id for error in staff_two_factor(None)] == ["lms.E001"]
    assert "lms.E001" in [error.id for error in run_checks()]


@pytest.mark.parametrize(("debug", "required"), [(True, False), (False, True), (True, True)])
def test_check_allows_the_requirement_off_only_with_debug(settings, debug, required):
    settings.DEBUG = debug
    settings.STAFF_TWO_FACTOR_REQUIRED = required

    assert staff_two_factor(None) == []


def test_check_refuses_throttling_turned_off(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0

    assert [error.id for error in staff_two_factor(None)] == ["lms.E002"]


def test_demo_staff_share_the_published_key(client, db):
    trainer = UserFactory(email="capacitador@aula.example.org", groups=[roles.TRAINER])
    participant = UserFactory(groups=[roles.PARTICIPANT])

    assert seed_staff_devices([trainer, participant]) == [trainer.email]
    assert seed_staff_devices([trainer]) == [trainer.email]

    device = TOTPDevice.objects.get(user=trainer)
    assert device.confirmed
    assert TOTPDevice.objects.filter(user=participant).count() == 0
    # The README's one-liner: totp(b32decode(secret)).
    code = f"{totp(b32decode(DEMO_TOTP_SECRET)):06d}"
    client.force_login(trainer)
    assert client.post(VERIFY, {"code": code})["Location"] == "/admin/"


def test_an_administrator_resets_a_lost_second_factor(db):
    from io import StringIO

    from django.core.management import call_command
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lms import roles
    from tests.factories import UserFactory

    user = UserFactory(email="perdio-el-telefono@example.org", groups=[roles.TRAINER])
    TOTPDevice.objects.create(user=user, name="Teléfono", confirmed=True)
    StaticDevice.objects.create(user=user, name="Códigos")
    out = StringIO()

    call_command("reset_two_factor", "Perdio-El-Telefono@example.org", stdout=out)

    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert "2 dispositivo(s)" in out.getvalue()
