"""Open Badges 3.0: the credential in JSON-LD, signed as a JWT that the published JWK verifies;
the signing key from settings (or derived from SECRET_KEY), and production's refusal without one."""

import base64
import json
import os
import subprocess
import sys

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.urls import reverse

from lms.services import certificates as service
from tests.certificates.conftest import make_certificate

BASE = "http://testserver"


def pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def raw_public(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def get_badge(client, certificate):
    return client.get(reverse("lms:certificate_badge", args=[certificate.code]))


def get_token(client, certificate) -> str:
    response = client.get(reverse("lms:certificate_badge_jwt", args=[certificate.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    return response.content.decode()


def published_key(client):
    response = client.get(reverse("lms:certificate_key"))
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    return key


def test_the_credential_has_the_required_fields(client, certificate, participant):
    participant.phone = "0991234567"
    participant.save()

    response = get_badge(client, certificate)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["X-Robots-Tag"].startswith("noindex")
    credential = json.loads(response.content)
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["id"] == f"{BASE}/verificar/{certificate.code}/insignia.json"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    issuer = credential["issuer"]
    assert issuer["type"] == ["Profile"]
    assert issuer["id"] and issuer["url"]
    assert issuer["name"].startswith("Organización Internacional para las Migraciones (OIM)")
    assert credential["validFrom"].endswith("Z")
    assert credential["validFrom"].startswith(certificate.issued_at.astimezone().strftime("%Y"))
    assert "Movilidad humana en el PDOT" in credential["name"]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == "Rosa Mero"
    achievement = subject["achievement"]
    assert achievement["id"] == f"{BASE}/verificar/logros/curso-{certificate.course_id}/"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Movilidad humana en el PDOT"
    assert achievement["description"] and achievement["criteria"]["narrative"]
    assert "credentialStatus" not in credential and "validUntil" not in credential
    text = response.content.decode()
    assert participant.email not in text
    assert "0991234567" not in text


def test_the_achievement_is_the_same_for_every_holder(
    client, participant, other_participant, workshop
):
    one = make_certificate(participant, workshop=workshop)
    two = make_certificate(other_participant, workshop=workshop)

    first = get_badge(client, one).json()["credentialSubject"]["achievement"]
    second = get_badge(client, two).json()["credentialSubject"]["achievement"]

    assert first == second
    assert first["id"] == f"{BASE}/verificar/logros/taller-{workshop.pk}/"
    assert "75" in first["criteria"]["narrative"]
    served = client.get(reverse("lms:certificate_achievement", args=[f"taller-{workshop.pk}"]))
    assert served.status_code == 200
    assert served.json()["id"] == first["id"]


def test_an_achievement_nobody_holds_is_not_found(client, workshop):
    for subject in (f"taller-{workshop.pk}", "curso-999", "otra-cosa"):
        response = client.get(reverse("lms:certificate_achievement", args=[subject]))
        assert response.status_code == 404


def test_the_signed_credential_verifies_with_the_published_key(client, certificate):
    token = get_token(client, certificate)
    jwk = published_key(client)

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == jwk["kid"]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    assert "d" not in jwk  # never the private part
    payload = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"])
    credential = get_badge(client, certificate).json()
    assert {key: payload[key] for key in credential} == credential
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == int(certificate.issued_at.timestamp())


def test_a_tampered_credential_does_not_verify(client, certificate):
    token = get_token(client, certificate)
    header, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["credentialSubject"]["name"] = "Otra Persona"
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()

    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            f"{header}.{forged_payload}.{signature}",
            jwt.PyJWK(published_key(client)).key,
            algorithms=["EdDSA"],
        )


def test_a_configured_key_signs_and_is_published(client, certificate, settings):
    key = Ed25519PrivateKey.generate()
    settings.CERTIFICATE_SIGNING_KEY = pem(key)

    jwk = published_key(client)
    token = get_token(client, certificate)

    assert base64.urlsafe_b64decode(jwk["x"] + "=") == raw_public(key)
    assert jwt.decode(token, key.public_key(), algorithms=["EdDSA"])["jti"].endswith(
        "/insignia.json"
    )


def test_the_key_may_be_given_as_base64(settings):
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    escaped_pem = pem(key).replace("\n", "\\n")  # one line in an environment file

    for text in (base64.b64encode(seed).decode(), base64.b64encode(der).decode(), escaped_pem):
        assert raw_public(service.parse_signing_key(text)) == raw_public(key)


def test_other_keys_are_refused_by_the_system_check(settings):
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for wrong in ("not a key", pem(rsa_key), base64.b64encode(b"short").decode()):
        settings.CERTIFICATE_SIGNING_KEY = wrong
        errors = service.signing_key_check(None)
        assert [error.id for error in errors] == ["lms.E010"], wrong

    settings.CERTIFICATE_SIGNING_KEY = ""
    assert service.signing_key_check(None) == []


def test_without_a_key_every_process_derives_the_same_one_from_the_secret(settings):
    first = raw_public(service.signing_key())
    service._load_key.cache_clear()
    assert raw_public(service.signing_key()) == first

    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert raw_public(service.signing_key()) != first


def test_a_revoked_credential_says_so_and_its_token_no_longer_validates(
    client, certificate, trainer
):
    service.revoke(certificate, by=trainer, reason="Emitido por error")
    certificate.refresh_from_db()

    credential = get_badge(client, certificate).json()
    assert credential["validUntil"].endswith("Z")
    status = credential["credentialStatus"]
    assert status["statusPurpose"] == "revocation" and status["revoked"] is True
    assert "Emitido por error" not in json.dumps(credential)

    token = get_token(client, certificate)
    key = jwt.PyJWK(published_key(client)).key
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, key, algorithms=["EdDSA"])
    payload = jwt.decode(token, key, algorithms=["EdDSA"], options={"verify_exp": False})
    assert payload["exp"] == int(certificate.revoked_at.timestamp())


def test_unknown_codes_are_not_found(client, db):
    assert client.get(reverse("lms:certificate_badge", args=["desconocido"])).status_code == 404
    assert client.get(reverse("lms:certificate_badge_jwt", args=["desconocido"])).status_code == 404


def test_the_verification_page_links_the_credential(client, home, certificate):
    body = client.get(reverse("lms:certificate_verify", args=[certificate.code])).content.decode()

    assert reverse("lms:certificate_badge", args=[certificate.code]) in body
    assert reverse("lms:certificate_badge_jwt", args=[certificate.code]) in body
    assert reverse("lms:certificate_key") in body


def production(env: dict) -> subprocess.CompletedProcess:
    clean = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "CERTIFICATE_SIGNING_KEY")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "ALLOWED_HOSTS": "aula.example.org",
            "DJANGO_SECRET_KEY": "k" * 64,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_signing_key():
    refused = production({})
    assert refused.returncode != 0
    assert "CERTIFICATE_SIGNING_KEY must be set" in refused.stderr

    seed = base64.b64encode(os.urandom(32)).decode()
    assert production({"CERTIFICATE_SIGNING_KEY": seed}).returncode == 0
