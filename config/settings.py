"""Settings for the Social Value Portal, all read from the environment (12-factor).

With nothing set, the portal runs as the embedded demo: SQLite, Celery tasks run eagerly in the
web process, e-mail printed to the console. Production sets DEBUG=false, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-demo-key-only-for-local-development-never-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "The environment variable SECRET_KEY must be set when DEBUG is off. "
            "For a local demo, set DEBUG=true (the Makefile's 'make demo' does)."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Links in e-mails use the request's address when there is one; SITE_URL otherwise (scheduled reminders).
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_forms_gds",
    "django_htmx",
    "simple_history",
    "axes",
    "django_celery_beat",
    "formtools",
    "charter",
    "toms",
    "commitments",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "common.site.SiteURLMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "charter.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so its 400 passes through the others (CSP, frame options): no null characters anywhere.
    "common.middleware.RefuseNullCharactersMiddleware",
]

# The demo (`make demo` sets DEMO with DEBUG) shows the portal's 404 page, not Django's technical one.
DEMO = env_bool("DEMO", False)
if DEBUG and DEMO:
    MIDDLEWARE.insert(1, "config.demo.PortalNotFoundMiddleware")

ROOT_URLCONF = "config.urls"
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
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- Database: SQLite file by default, PostgreSQL via DATABASE_URL in production and CI.
_default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {"default": environ.Env.db_url_config(env_str("DATABASE_URL", _default_db))}
except Exception as exc:  # django-environ raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if not DATABASES["default"].get("ENGINE"):  # django-environ only warns about a URL it cannot read
    raise ImproperlyConfigured(
        "DATABASE_URL is not a valid database URL: it must look like "
        "postgres://user:password@host:5432/name or sqlite:////absolute/path/db.sqlite3."
    )
# Persistent connections: a new PostgreSQL connection per request doubled the p95 latency under
# load (bench/mixed_load.py). Health checks drop a connection the server has closed.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: in-process by default; Redis (CACHE_URL=redis://…) when several processes serve.
try:
    CACHES = {"default": environ.Env.cache_url_config(env_str("CACHE_URL", "locmemcache://"))}
except Exception as exc:
    raise ImproperlyConfigured(f"CACHE_URL is not a valid cache URL: {exc}") from exc

# --- The Charter
SIGNATURE_CONFIRMATION_DAYS = env_int("SIGNATURE_CONFIRMATION_DAYS", 7)
# Signing submissions allowed from one address per hour (the form is public).
SIGNING_RATE_LIMIT_PER_HOUR = env_int("SIGNING_RATE_LIMIT_PER_HOUR", 20)
# How long the link in an invitation to join an organisation works.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

# --- Quarterly returns: due this many days after the quarter ends; reminders this many days before.
RETURN_DEADLINE_DAYS = env_int("RETURN_DEADLINE_DAYS", 30)
RETURN_REMINDER_DAYS_BEFORE = env_int("RETURN_REMINDER_DAYS_BEFORE", 7)
MAX_EVIDENCE_BYTES = env_int("MAX_EVIDENCE_BYTES", 10 * 1024 * 1024)
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}

# --- Users log in by e-mail.
AUTH_USER_MODEL = "charter.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# An idle session ends: it lasts SESSION_IDLE_MINUTES from the last request (charter.middleware
# renews it at most once a minute while it is in use).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 120)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Password-reset e-mails sent to one address per hour (past it, the page says the same, nothing is sent).
PASSWORD_RESET_EMAILS_PER_HOUR = env_int("PASSWORD_RESET_EMAILS_PER_HOUR", 3)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Where requests come from: 0 when clients connect to the portal itself; N when it sits behind N
# proxies that each append the address they saw to X-Forwarded-For (docker-compose sets 1). The
# header is ignored unless this is set, since anyone can send it (charter.ratelimit.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Lock out repeated failed sign-ins (django-axes), for an hour: 5 failures for one e-mail address
# from one client address (a stranger elsewhere cannot lock a named person out), and 30 from one
# address across all e-mail addresses (one address cannot try a few passwords on everyone).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "charter.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "charter.ratelimit.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
# An e-mail address is one identity whatever its case: failures are counted against it in lower case.
AXES_USERNAME_CALLABLE = "charter.lockout.username"
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail: printed to the console unless EMAIL_URL names a real server.
try:
    _email = environ.Env.email_url_config(env_str("EMAIL_URL", "consolemail://"))
except Exception as exc:
    raise ImproperlyConfigured(f"EMAIL_URL is not a valid e-mail URL: {exc}") from exc
globals().update(_email)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Social Value Portal <no-reply@localhost>")
# Where people write to the ICB's social value team (the contact page).
CONTACT_EMAIL = env_str("CONTACT_EMAIL", "socialvalue@cheshireandmerseyside.nhs.uk")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery: with no broker configured, tasks run eagerly in-process.
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
# In eager mode nothing is sent; the in-memory transport stops kombu looking for a local broker.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", None if CELERY_TASK_ALWAYS_EAGER else CELERY_BROKER_URL)
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "return-reminders": {"task": "commitments.tasks.send_return_reminders", "schedule": 60 * 60 * 24},
    # Builds each quarter's snapshot once its deadline has passed (RETURN_DEADLINE_DAYS after it ends).
    "snapshots-after-deadline": {"task": "reporting.tasks.build_snapshots_after_deadline", "schedule": 60 * 60 * 6},
}

# --- API
# An API token lasts this many days; a password change or reset revokes it sooner.
API_TOKEN_EXPIRY_DAYS = env_int("API_TOKEN_EXPIRY_DAYS", 90)
REST_FRAMEWORK = {
    # The token first, so an anonymous request gets 401 (with WWW-Authenticate); expired tokens are refused.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "charter.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The API reads JSON only (what its schema documents): a form or multipart body cannot carry its nested lines.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Every 400 (a body that is not JSON included) in the documented {"detail", "errors"} shape.
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cheshire and Merseyside Social Value Portal API",
    "DESCRIPTION": "Read the TOM framework and the public register; report quarterly returns. Request bodies "
    "are JSON. Text may not contain the null character (U+0000): a request with one anywhere is refused with 400.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies have their own components, so a text field that may not be blank says so (minLength 1)
    # without claiming that of the same field in answers.
    "COMPONENT_SPLIT_REQUEST": True,
    # Refusals every operation shares (404 for an id or page not there, 400 for a query, 415) documented on each.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "common.api.document_shared_refusals"],
}

# --- Forms follow the GOV.UK Design System.
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# --- Content Security Policy: nothing is loaded from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# --- Security: on by default outside DEBUG, so `check --deploy` is clean in production.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a decision for the owner of the whole domain; until it is taken, W021 is expected.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Uploads
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_SPREADSHEET_UPLOAD_BYTES = env_int("MAX_SPREADSHEET_UPLOAD_BYTES", 10 * 1024 * 1024)
# Large uploads are refused before they are read in full (common/uploads.py): a declared
# Content-Length over the largest accepted file gets 413 unread, and a file's bytes past that
# size are never kept, whatever the request declared.
MIDDLEWARE.append("common.uploads.UploadSizeMiddleware")
FILE_UPLOAD_HANDLERS = [
    "common.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
