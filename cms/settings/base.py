"""Settings shared by every environment; everything that differs comes from the environment.

Each variable read here is documented in `.env.example`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cms import static_headers

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "lms",
    "courses",
    "cms",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.contrib.table_block",
    # The body's data tables (cms.blocks): its admin script must be collected.
    "wagtail.contrib.typed_table_block",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "whitenoise.runserver_nostatic",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
]
# Widgets render with the project's templates (templates/lms/widgets/...).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cms.middleware.SiteCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Above the page cache, so a page it answers still carries X-Frame-Options.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Above the page cache, so it marks cached pages too (what a device may keep offline).
    "lms.offline.OfflineScopeMiddleware",
    # After LocaleMiddleware, so /en/ URLs resolve; before everything a cached page can skip.
    "cms.page_cache.PageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cms.security_headers.PrivateByDefaultMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lms.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lms.privacy.ConsentMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: it turns lockouts raised below into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "lms.offline.context",
            ],
        },
    },
]

# SQLite under var/ by default so a fresh clone runs with nothing else installed;
# production and CI point DATABASE_URL at PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'aula.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # Write-ahead logging lets pages be read while a visit is recorded, and a
        # commit no longer waits for the disk twice; a writer waits for another
        # instead of failing at once, and takes its lock when its transaction starts.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every app server must see the same cache (rendered pages, rate limits), so the
# default is the database; Redis when REDIS_URL is set.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "aula",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "aula_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "600"))

AUTH_USER_MODEL = "lms.User"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out email and address are refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "lms:profile"
WAGTAILADMIN_LOGIN_URL = "account_login"
# Pages for signed-in people send visitors straight to the site's one login page.
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL
# Password resets and changes go through the site's account pages, for everyone.
WAGTAIL_PASSWORD_RESET_ENABLED = False

# Accounts (django-allauth): email and password, a confirmed email before the
# first login, and the same answer whether or not an email is registered.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_SIGNUP_FORM_CLASS = "lms.forms.ParticipantSignupForm"
ACCOUNT_ADAPTER = "lms.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Aula: "
# Failed logins per email and address are django-axes' job (below); allauth only
# keeps a generous per-address ceiling against password spraying.
ACCOUNT_RATE_LIMITS = {"login_failed": "60/m/ip"}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# Staff (trainers, editors, managers) confirm a TOTP code before any admin or
# trainer page. Only the local demo may turn this off; production refuses to.
STAFF_TWO_FACTOR_REQUIRED = env_bool("STAFF_TWO_FACTOR_REQUIRED", True)
# Where staff must have confirmed their second factor: the admin and the trainers'
# attendance area on the site (in both languages).
STAFF_AREA_PREFIXES = ["/admin/", "/capacitacion/", "/en/capacitacion/"]
OTP_TOTP_ISSUER = "Aula"

# Brute-force protection (django-axes): ten failures for one email from one
# address lock that pair out for a while, never for good.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_USERNAME_CALLABLE = "lms.security.login_identifier"
# Behind a proxy the client's address is in X-Forwarded-For: set
# AXES_PROXY_COUNT to the number of proxies in front of the app servers (1 for the
# nginx of deploy/, which sends the client's address alone). django-ipware counts only
# the proxies listed in the header after the client, and the nearest one never lists
# itself: one proxy is an ipware count of 0, and with 1 it finds no address at all.
_proxies = int(env("AXES_PROXY_COUNT", "0"))  # not a setting: django-axes retired that name
AXES_IPWARE_PROXY_COUNT = _proxies - 1 if _proxies > 0 else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if _proxies > 0 else ["REMOTE_ADDR"]
)
# allauth's own per-address limits (logins, sign-ups) read the same header; without
# this they would count every visitor behind nginx as one address.
ALLAUTH_TRUSTED_PROXY_COUNT = _proxies

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Guayaquil"
USE_I18N = True
USE_TZ = True
# Ecuadorian formats (dd/mm/aaaa, 1.234,5) come from cms/formats/es.
FORMAT_MODULE_PATH = ["cms.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The H5P player, installed by `npm ci` (see package.json), served unmodified.
    ("h5p-standalone", BASE_DIR / "node_modules" / "h5p-standalone" / "dist"),
]
# The player's fonts are fetched by sandboxed frames, whose origin is opaque.
WHITENOISE_ADD_HEADERS_FUNCTION = static_headers.add_headers
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads (images, documents, H5P packages, certificate PDFs) go to an S3-compatible bucket
# when one is named, so every app server and host sees the same files (django-storages;
# docs/deployment.md). Objects are private: pages link to images by URLs signed for
# AWS_QUERYSTRING_EXPIRE seconds, longer than a cached page lives; documents, H5P files
# and certificates are still read through the app, which checks who may see them.
# Credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or
# the host's role, as boto3 finds them.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL").rstrip("/")
AWS_QUERYSTRING_EXPIRE = int(env("AWS_QUERYSTRING_EXPIRE", "7200"))
MEDIA_ORIGINS: list[str] = []
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "region_name": AWS_S3_REGION_NAME or None,
            "endpoint_url": AWS_S3_ENDPOINT_URL or None,
            "location": env("AWS_LOCATION").strip("/"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": AWS_QUERYSTRING_EXPIRE,
            # Like the disk: a second upload named like the first gets a new name.
            "file_overwrite": False,
            "signature_version": "s3v4",
        },
    }
    # Where signed URLs point, for the pages' Content-Security-Policy (img-src): the
    # endpoint's origin (path-style URLs), else the bucket's host on AWS, global or regional
    # as boto3 picks it.
    _bucket_host = f"https://{AWS_STORAGE_BUCKET_NAME}.s3"
    MEDIA_ORIGINS = env_list("MEDIA_ORIGINS") or (
        [AWS_S3_ENDPOINT_URL]
        if AWS_S3_ENDPOINT_URL
        else [f"{_bucket_host}.amazonaws.com"]
        + ([f"{_bucket_host}.{AWS_S3_REGION_NAME}.amazonaws.com"] if AWS_S3_REGION_NAME else [])
    )

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Aula <no-responder@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background tasks (workshop emails, calendar invites, reminders; Wagtail's reference index)
# are stored in the database and run by `manage.py db_worker` (docs/workshops.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Public pages run no inline script and load nothing from other hosts; video
# embeds are the one exception, and only once a visitor presses play.
VIDEO_HOSTS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", *VIDEO_HOSTS],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Images on pages are read from the bucket, if media are there.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += MEDIA_ORIGINS
# The Wagtail admin still ships inline scripts and styles (inline panels, date
# pickers), so it alone is allowed them; cms.middleware applies this.
ADMIN_CSP_UPDATE = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["blob:"],
    "frame-ancestors": ["'self'"],
}

# H5P: package files are reached with a signed token that expires (the sandboxed
# player sends no cookies). H5P_FILES_ORIGIN serves them from another host name,
# without cookies, e.g. "https://h5p.aula.example.org" (empty: the site's own).
H5P_TOKEN_SECONDS = int(env("H5P_TOKEN_SECONDS", str(6 * 3600)))
H5P_FILES_ORIGIN = env("H5P_FILES_ORIGIN", "").rstrip("/")
if H5P_FILES_ORIGIN:  # lessons and admin previews frame the player from there
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"].append(H5P_FILES_ORIGIN)
# Names a deployment (a git tag, say). The service worker's version includes it, so a new
# release renews the caches on every phone even when no static file changed (lms.views.offline).
AULA_RELEASE = env("AULA_RELEASE", "")
H5P_STATE_MAX_BYTES = 64 * 1024
H5P_STATEMENTS_PER_MINUTE = 120

# Certificates (docs/certificates.md): the issuer named on verification pages and in
# Open Badges credentials (its URL defaults to WAGTAILADMIN_BASE_URL), the Ed25519
# private key that signs credentials (PEM, or base64 of its 32 bytes; required in
# production, derived from SECRET_KEY elsewhere) and lookups allowed per address.
CERTIFICATE_ISSUER_NAME = env(
    "CERTIFICATE_ISSUER_NAME",
    "Organización Internacional para las Migraciones (OIM) y "
    "Asociación de Municipalidades Ecuatorianas (AME)",
)
CERTIFICATE_ISSUER_URL = env("CERTIFICATE_ISSUER_URL")
CERTIFICATE_SIGNING_KEY = env("CERTIFICATE_SIGNING_KEY")
CERTIFICATE_LOOKUPS_PER_MINUTE = int(env("CERTIFICATE_LOOKUPS_PER_MINUTE", "30"))

WAGTAIL_SITE_NAME = "Aula"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_CONTENT_LANGUAGES = [("es", _("Spanish"))]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("es", "Español"), ("en", "English")]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        # Spanish stemming on PostgreSQL ("migrantes" finds "migración"); ignored elsewhere.
        "SEARCH_CONFIG": "spanish",
    }
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "ods", "pdf", "pptx", "odp", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # Wagtail logs every page action, django-tasks every task, WeasyPrint every step of a
    # PDF and axes every login at INFO: too chatty for a console.
    "loggers": {
        name: {"level": env("LOG_LEVEL_LIBRARIES", "WARNING")}
        for name in ("wagtail", "django_tasks", "modelsearch", "weasyprint", "fontTools", "axes")
    },
}

# Tag URLs stay plain ASCII: ?etiqueta=diagnostico for "Diagnóstico".
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True
AXES_VERBOSE = False
