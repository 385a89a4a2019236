"""Commonweal settings, read from the environment.

Every variable is documented in the README's environment table. Defaults are safe for a
developer's machine: SQLite in the data directory, console email, DEBUG off. The checks in
`commonweal.checks` refuse a configuration that would be unsafe in production.
"""

import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no variable: 1, true, yes and on (any case) mean yes."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated list, dropping blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def read_or_create_secret_key(data_dir: Path) -> str:
    """Return the secret key kept in the data directory, creating it on first use.

    A fresh installation thus never runs on a key that anyone else knows.
    """
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DATA_DIR = Path(os.environ.get("COMMONWEAL_DATA_DIR") or PROJECT_DIR / "var").resolve()
DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or read_or_create_secret_key(DATA_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "commonweal.core",
    "commonweal.catalog",
    "commonweal.cases",
    "commonweal.demo",
    "commonweal.open311",
    "commonweal.notifications",
    "commonweal.console",
    "commonweal.portal",
    "commonweal.feedback",
    "commonweal.analytics",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "commonweal.core.middleware.NulPathMiddleware",
    "commonweal.core.middleware.HomeTimeZoneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
#: The Open311 API's shorter chain (`commonweal.wsgi` serves /open311/v2/ with it): callers
#: authenticate with a key, so the API has no use for sessions, CSRF cookies, logged-in
#: users, messages or static files. Security headers, the language of error messages and
#: Content-Length stay.
API_MIDDLEWARE = [
    "commonweal.core.middleware.ApiLocaleMiddleware" if name.endswith(".LocaleMiddleware") else name
    for name in MIDDLEWARE
    if name.rsplit(".", 1)[1]
    not in {
        "WhiteNoiseMiddleware",
        "SessionMiddleware",
        "CsrfViewMiddleware",
        "AuthenticationMiddleware",
        "MessageMiddleware",
        "NulPathMiddleware",
        "HomeTimeZoneMiddleware",
    }
]
#: where the API's handler takes over (PATH_INFO, after any script prefix)
API_PATH_PREFIX = "/open311/v2/"

ROOT_URLCONF = "commonweal.urls"
WSGI_APPLICATION = "commonweal.wsgi.application"

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
                "commonweal.console.access.console_context",
                "commonweal.core.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'commonweal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that asks the server nothing when the
    # connection's socket is quiet (see commonweal.core.postgresql.base).
    DATABASES["default"]["ENGINE"] = "commonweal.core.postgresql"
if DATABASES["default"]["ENGINE"] == "commonweal.core.postgresql" and env_bool(
    "DATABASE_SERVER_SIDE_BINDING", default=True
):
    # Parameters travel apart from the SQL, so psycopg prepares a statement the fifth time a
    # connection runs it and PostgreSQL stops planning it again (an Open311 request's
    # five-join query: 0.47 → 0.14 ms). Set DATABASE_SERVER_SIDE_BINDING=0 behind a pooler
    # in transaction mode (PgBouncer before 1.21), which cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while the one writer writes; a busy timeout makes a second
    # writer wait its turn instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The analytics snapshot reads the database over a connection of its own (ADBC), which
    # an in-memory test database would not let it do: tests get a file, one per test run.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"commonweal-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or DATA_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "commonweal.core.storage.StaticStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Commonweal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_ENGINE = "commonweal.core.sessions"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGIN_URL = "admin:login"

# One cache in the database, shared by every server process (rate limits must be global);
# and one in each process's memory for the dashboard's drawn charts (`analytics.charts`:
# keyed by what they draw, so never stale; a few hundred of 7-30 kB each).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "commonweal_cache",
        "OPTIONS": {
            # Past MAX_ENTRIES the cache deletes its expired entries and then 1/CULL_FREQUENCY
            # of the live ones. Rate limits keep their counts here: with Django's defaults (300
            # and 3) a crowd of clients, or one client inventing API keys, wiped others'
            # counts. Expired entries still go; live ones stay (a fraction of 1/10⁹ is none).
            "MAX_ENTRIES": 10_000,
            "CULL_FREQUENCY": 1_000_000_000,
        },
    },
    "charts": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "charts",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
    # and a dashboard slice's figures, per snapshot generation (`analytics.report.dashboard`;
    # a few to a few dozen kB each)
    "figures": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "figures",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 200},
    },
}

#: reverse proxies in front of the server (to find a client's address for rate limits)
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))

REST_FRAMEWORK: dict[str, object] = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "commonweal.open311.views.open311_exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    "URL_FORMAT_OVERRIDE": None,  # the format is the path's suffix, as Open311 says
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Commonweal Open311 GeoReport v2",
    "DESCRIPTION": "Report and follow service requests. JSON and XML; see /open311/.",
    "VERSION": "2",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["commonweal.open311.schema.one_format_per_path"],
    "SERVERS": [{"url": "/open311/v2", "description": "This server"}],
}
# Where residents and staff reach this site; emails link to it.
COMMONWEAL_SITE_URL = os.environ.get("COMMONWEAL_SITE_URL", "http://127.0.0.1:8000")

# Background work: tasks are queued in the database and run by `commonweal worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:index"
LOGOUT_REDIRECT_URL = "console:login"

#: reports the public site takes from one address per hour (over it: a clear message)
PORTAL_REPORTS_PER_HOUR = int(os.environ.get("PORTAL_REPORTS_PER_HOUR", "20"))
#: map tiles for the report form's map (a form without the map works as well)
COMMONWEAL_TILE_URL = os.environ.get(
    "COMMONWEAL_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
COMMONWEAL_TILE_ATTRIBUTION = os.environ.get(
    "COMMONWEAL_TILE_ATTRIBUTION", "© OpenStreetMap contributors"
)

#: days after a closure within which a resident may appeal it, and days a review may take
COMMONWEAL_APPEAL_DAYS = int(os.environ.get("COMMONWEAL_APPEAL_DAYS", "30"))
COMMONWEAL_APPEAL_DECISION_DAYS = int(os.environ.get("COMMONWEAL_APPEAL_DECISION_DAYS", "10"))
#: days a department has to answer a complaint
COMMONWEAL_COMPLAINT_DAYS = int(os.environ.get("COMMONWEAL_COMPLAINT_DAYS", "15"))
#: where the analytics snapshot (Parquet) lives
COMMONWEAL_ANALYTICS_DIR = Path(
    os.environ.get("COMMONWEAL_ANALYTICS_DIR") or DATA_DIR / "analytics"
).resolve()
#: whether each server worker loads the analytics rollups as it starts (memory from the start,
#: no wait at the first dashboard) or at its first dashboard (see analytics.engine)
COMMONWEAL_ANALYTICS_PRELOAD = env_bool("COMMONWEAL_ANALYTICS_PRELOAD", True)

#: dotted path of the address geocoder (see commonweal.catalog.geocoding)
COMMONWEAL_GEOCODER = os.environ.get(
    "COMMONWEAL_GEOCODER", "commonweal.catalog.geocoding.NoGeocoder"
)
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "311@localhost")
#: POSTs allowed per API key and per client address ("N/second|minute|hour|day")
OPEN311_POST_RATES = {
    "open311_post_key": os.environ.get("OPEN311_POST_RATE_PER_KEY", "120/minute"),
    "open311_post_ip": os.environ.get("OPEN311_POST_RATE_PER_IP", "30/minute"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # one line per task run every few seconds drowns what matters
        "django.tasks": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
