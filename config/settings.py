"""Settings read from the environment, with embedded defaults that run without any service.

Defaults: SQLite file and media folder under ``var/``, console e-mail, in-process Prefect.
``DATABASE_URL`` switches to PostgreSQL (``postgres://user@host:5432/name``).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAIL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} doit être un nombre entier (reçu : {value!r}).") from None


# --- Security (issue 11) ---------------------------------------------------------------------
# Production is the default: DEBUG is on only when asked for (DJANGO_DEBUG=true, as bin/demo does),
# and outside DEBUG the application refuses to start without a secret key of its own.
DEBUG = env_bool("DJANGO_DEBUG", False)
# Keys that were ever written in this repository (defaults, examples, the demo's): never valid in production.
KNOWN_SECRET_KEYS = frozenset(
    {
        "dev-only-insecure-key-change-me-in-production",
        "remplacer-par-une-longue-valeur-aleatoire",
        "demo-only-insecure-key-portail-of-never-use-it-in-production-0123456789",
    }
)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()


def _weak_secret_key(key: str) -> str | None:
    if not key:
        return "DJANGO_SECRET_KEY n'est pas défini"
    if key in KNOWN_SECRET_KEYS or key.startswith("django-insecure"):
        return "DJANGO_SECRET_KEY est une valeur connue (exemple ou démonstration)"
    if len(key) < 50 or len(set(key)) < 5:
        return "DJANGO_SECRET_KEY est trop courte (50 caractères variés au moins)"
    return None


if DEBUG:
    SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me-in-production"
elif reason := _weak_secret_key(SECRET_KEY):
    raise ImproperlyConfigured(
        f"Démarrage refusé : {reason}. Donnez une clé secrète aléatoire propre à cette installation, par exemple "
        "DJANGO_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
        "ou demandez explicitement le mode de développement avec DJANGO_DEBUG=true."
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "http://localhost:8000,http://127.0.0.1:8000")

# Reverse proxies in front of the application (nginx: 1). The login limiter reads the client's address
# from X-Forwarded-For only through that many proxies, and the proxy's X-Forwarded-Proto is trusted.
TRUSTED_PROXIES = env_int("PORTAIL_TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# PORTAIL_HTTPS=true (production, served over HTTPS): HTTP is redirected to HTTPS (unless the proxy already
# does it: DJANGO_SECURE_SSL_REDIRECT=false), cookies are sent over HTTPS only, HSTS for a year.
HTTPS = env_bool("PORTAIL_HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Request limits: a body over PORTAIL_MAX_REQUEST_BYTES is refused with a 413 before being read (a deposit
# carries at most 20 Mo per file); form and JSON fields over DATA_UPLOAD_MAX_MEMORY_SIZE likewise; a URL
# longer than PORTAIL_MAX_URL_LENGTH characters is a 414.
MAX_REQUEST_BYTES = env_int("PORTAIL_MAX_REQUEST_BYTES", 100 * 1024 * 1024)
MAX_URL_LENGTH = env_int("PORTAIL_MAX_URL_LENGTH", 4096)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PORTAIL_MAX_FORM_BYTES", 5 * 1024 * 1024)
# Downloads: the application checks the reader's scope, then may hand the file over to the proxy
# (PORTAIL_SENDFILE=x-accel-redirect for nginx, x-sendfile for Apache/lighttpd; PORTAIL_SENDFILE_PREFIX: the
# internal location that maps MEDIA_ROOT, « /media-protege/ » by default).
SENDFILE = os.environ.get("PORTAIL_SENDFILE", "").strip().lower()
SENDFILE_PREFIX = os.environ.get("PORTAIL_SENDFILE_PREFIX", "/media-protege/")
if SENDFILE not in ("", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured("PORTAIL_SENDFILE : « x-accel-redirect », « x-sendfile » ou vide.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_fsm",
    "django_htmx",
    "accounts",
    "cases",
    "echanges",
    "workflows",
    "portal",
]

MIDDLEWARE = [
    # Hostile input (NUL bytes, oversized bodies or URLs, unreadable forms) is answered with a clear 4xx
    # before any view runs; a lost database is a 503 (config.middleware).
    "config.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's AuthenticationMiddleware, the signed-in user read from the actor cache when it is on.
    "accounts.middleware.CachedAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content-Security-Policy on every response (portal, back office, API and its docs): only our own
# scripts, styles and images; no inline script, no eval, no framing (django-csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "portal.forms.PortalFormRenderer"
CSRF_FAILURE_VIEW = "portal.views.pages.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'portail.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers wait
    # for each other (up to the timeout) instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not memory) so that tests can use several connections; one per process so that
    # parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-portail-{os.getpid()}.sqlite3")}
    # The covering index of the norm's state feeds is a plain index on SQLite (no INCLUDE): expected there.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Cache: login throttling and API-key rate limits count in it, so it must be shared by every
# worker in production (PORTAIL_CACHE_URL=redis://host:6379/0); in-process memory by default.
_cache_url = os.environ.get("PORTAIL_CACHE_URL", "")
_ACTOR_CACHE_DEFAULT = "300" if _cache_url.startswith(("redis://", "rediss://")) else "0"
CACHES = {
    "default": (
        # Django's Redis cache, keeping its redis-py client (common/cache.py).
        {"BACKEND": "common.cache.RedisCache", "LOCATION": _cache_url}
        if _cache_url.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portail-of"}
    )
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
LOGIN_URL = "portal:connexion"
LOGIN_REDIRECT_URL = "portal:tableau_de_bord"
LOGOUT_REDIRECT_URL = "portal:connexion"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # a reset link is valid three days

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The portal's CSS/JS are vendored in portal/static and served by WhiteNoise (no CDN, no Node build):
# from the apps' folders in development and tests, from STATIC_ROOT after collectstatic in production.
WHITENOISE_USE_FINDERS = env_bool("PORTAIL_STATIC_FROM_APPS", True)
WHITENOISE_MAX_AGE = 3600
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("PORTAIL_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": os.environ.get("PORTAIL_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "emails"))  # file backend
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portail OF <ne-pas-repondre@portail-of.local>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PORTAIL_LOG_LEVEL", "WARNING")},
    # Every login, failed or successful (portal, API, back office), with the account and the client's address.
    "loggers": {"portail.connexions": {"level": os.environ.get("PORTAIL_LOGIN_LOG_LEVEL", "INFO")}},
}

# --- Business settings -------------------------------------------------------------------
PORTAIL = {
    # Validity of an API key, in days (the guide: 365).
    "API_KEY_VALIDITY_DAYS": int(os.environ.get("PORTAIL_API_KEY_VALIDITY_DAYS", "365")),
    # First numbers handed out (7-digit numbers, like the guide's 3866466.1).
    "FIRST_DOSSIER_NUMBER": 3_000_000,
    "FIRST_FACTURE_NUMBER": 2_100_000,
    "FIRST_REGLEMENT_NUMBER": 60_000,
    # The synthesis's statement PREPAREd once per PostgreSQL connection (common/sql.py); false behind a
    # pooler in transaction mode (PgBouncer), where a connection's prepared statements are not yours.
    "PREPARED_STATEMENTS": env_bool("PORTAIL_PREPARED_STATEMENTS", True),
    # Processes sending the morning digest in parallel.
    "DIGEST_PROCESSES": int(os.environ.get("PORTAIL_DIGEST_PROCESSES", "2")),
    # Links in e-mails and notifications: pages of the web portal (``portal/urls.py``).
    "BASE_URL": os.environ.get("PORTAIL_BASE_URL", "http://127.0.0.1:8000"),
    "DOSSIER_PATH": "/dossiers/{id}/",
    "FACTURE_PATH": "/factures/{id}/",
    "REGLEMENT_PATH": "/paiements/{id}/",
    "HABILITATIONS_PATH": "/habilitations/cle/",
    "NOTIFICATIONS_PATH": "/notifications/",
    # Calls allowed per API key: « N/seconds », counted in the shared cache.
    "API_KEY_RATE_LIMIT": os.environ.get("PORTAIL_API_KEY_RATE_LIMIT", "600/60"),
    # Reverse proxies in front of the application (see TRUSTED_PROXIES above).
    "TRUSTED_PROXIES": TRUSTED_PROXIES,
    # Seconds a signed-in user's or an API key's habilitations stay cached (accounts.actors.ActorCache,
    # invalidated on any change). On by default with a shared cache only: an in-process cache would not
    # see a change made through another worker.
    "ACTOR_CACHE_SECONDS": int(os.environ.get("PORTAIL_ACTOR_CACHE_SECONDS", _ACTOR_CACHE_DEFAULT)),
}

# --- Courriers, flows and operations (issue 10) ---------------------------------------------
# The OPCO that signs the letters and the avis de paiement. The defaults are demonstration values
# (« .example » e-mail, fictitious SIRET and telephone): set the real ones in the environment.
# PORTAIL_OPCO_ADDRESS: lines separated by « | » or new lines.
PORTAIL_OPCO_NAME = os.environ.get("PORTAIL_OPCO_NAME", "OPCO Mobilités")
PORTAIL_OPCO_ADDRESS = os.environ.get(
    "PORTAIL_OPCO_ADDRESS", "Service Gestion des dossiers|12 rue de la Démonstration|92310 SÈVRES"
)
PORTAIL_OPCO_PHONE = os.environ.get("PORTAIL_OPCO_PHONE", "01 00 00 00 00")
PORTAIL_OPCO_EMAIL = os.environ.get("PORTAIL_OPCO_EMAIL", "gestion@opco-mobilites.example")
PORTAIL_OPCO_SIRET = os.environ.get("PORTAIL_OPCO_SIRET", "77777777700015")
PORTAIL_OPCO_LEGAL_FOOTER = os.environ.get(
    "PORTAIL_OPCO_LEGAL_FOOTER",
    "Opérateur de compétences agréé par l'État (article L. 6332-1 du code du travail) — données de démonstration",
)
PORTAIL_OPCO_SIGNATORY = os.environ.get("PORTAIL_OPCO_SIGNATORY", "Le service Gestion des dossiers")
PORTAIL_OPCO_CITY = os.environ.get("PORTAIL_OPCO_CITY", "Sèvres")
# Operators alerted by e-mail when a flow run fails or the courrier outbox stops draining.
PORTAIL_OPS_EMAILS = env_list("PORTAIL_OPS_EMAILS", "exploitation@portail-of.example")
# The PDF converter (documents/converters.py): « auto », « unoserver », « soffice » or « docx2pdf »; fixed
# ports make the processes of a machine share one LibreOffice listener (manage.py serve_converter).
PORTAIL_PDF_CONVERTER = os.environ.get("PORTAIL_PDF_CONVERTER", "auto")
PORTAIL_UNOSERVER_PORT = int(os.environ["PORTAIL_UNOSERVER_PORT"]) if os.environ.get("PORTAIL_UNOSERVER_PORT") else None
PORTAIL_UNOSERVER_UNO_PORT = (
    int(os.environ["PORTAIL_UNOSERVER_UNO_PORT"]) if os.environ.get("PORTAIL_UNOSERVER_UNO_PORT") else None
)
PORTAIL_UNO_PYTHON = os.environ.get("PORTAIL_UNO_PYTHON") or None
PORTAIL_SOFFICE = os.environ.get("PORTAIL_SOFFICE") or None
PORTAIL_FLOWS = {
    # The courrier flow drains the outbox every N seconds.
    "COURRIERS_INTERVAL_SECONDS": int(os.environ.get("PORTAIL_COURRIERS_INTERVAL", "30")),
    # Waits before the 2nd and 3rd attempts of a batch of courriers (then the courrier is « en échec »).
    "COURRIER_RETRY_DELAYS": [int(x) for x in env_list("PORTAIL_COURRIER_RETRY_DELAYS", "10,30")],
    # Waits before retrying an e-mail pass (digest, key reminders) whose SMTP server failed.
    "MAIL_RETRY_DELAYS": [int(x) for x in env_list("PORTAIL_MAIL_RETRY_DELAYS", "30,120")],
    # Alert when the oldest requested courrier has waited longer than this.
    "BACKLOG_ALERT_MINUTES": int(os.environ.get("PORTAIL_BACKLOG_ALERT_MINUTES", "10")),
}

# Every login (portal, API, back office) goes through the shared limiter of accounts.services.login.
AUTHENTICATION_BACKENDS = ["accounts.backends.LimitedModelBackend"]
