"""Newsroom settings: one file, read from the environment (see README's configuration table)."""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value in production, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "dev-only-not-secret-newsroom-key-do-not-use-in-production-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Search's tsvector field and lookups; on SQLite it registers nothing that runs (its
    # connection hook checks the vendor), so one list serves both databases.
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "markdownx",
    "ninja",
    "simple_history",
    "axes",
    "django_tasks_db",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cross-Origin-Resource-Policy; the media host serves media only.
    "newsroom.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "newsroom.middleware.NewsroomLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A view's OperationalError/InterfaceError (database down) becomes 503 with Retry-After.
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as axes asks: it turns a lockout flagged during the login view into our 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.newsroom",
            ],
        },
    },
]

# Database: SQLite (WAL, busy timeout, immediate transactions) unless DATABASE_URL is set.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # A new PostgreSQL connection per request costs about a quarter of a page.
            conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same, with a health check that asks the server only when it has spoken.
        DATABASES["default"]["ENGINE"] = "newsroom.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock
                # at BEGIN so two writers queue on the busy timeout instead of failing mid-way.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA mmap_size=134217728;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept between requests: opening SQLite and running the init pragmas costs about
            # 0.4 ms, more than a cached page's whole answer (`make test` sets 0 for the live
            # server's threads).
            "CONN_MAX_AGE": int(os.environ.get("DJANGO_CONN_MAX_AGE", "600")),
            "CONN_HEALTH_CHECKS": True,
            # Tests use a file too: an in-memory database shares one cache between threads and
            # fails concurrent writers at once ("table is locked") instead of queueing them.
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / "test-db.sqlite3"))},
        }
    }

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Best-effort: a Redis outage makes pages slower, never 500 (newsroom/cache.py).
            "BACKEND": "newsroom.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "newsroom",
            "OPTIONS": {
                # Redis on the same network connects in well under 1 ms and a page's cache read
                # takes ~1 ms: 250 ms / 500 ms only bound what a blackholed Redis costs the one
                # request per process that probes it every few seconds (redis-py's default is
                # 5 s for each).
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.5,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.LocMemCache",
            "LOCATION": "newsroom",
            # A cached page takes five entries (its headers and four encodings): the default
            # 300 would hold sixty pages and cull a third of them at once.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Logins (the admin's, which the desk uses too) are throttled by django-axes: the standalone
# backend refuses a locked-out pair before ModelBackend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Counted per username *and* address: a wrong-password flood against one name locks that name
# from that address only, so neither the editor (from the office) nor a colleague sharing the
# office's address is locked out by someone else.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# 5 tries then 15 minutes: at most 480 guesses a day per pair instead of thousands a minute.
AXES_FAILURE_LIMIT = int(os.environ.get("NEWSROOM_LOGIN_FAILURE_LIMIT", "5"))
NEWSROOM_LOGIN_COOLOFF_MINUTES = int(os.environ.get("NEWSROOM_LOGIN_COOLOFF_MINUTES", "15"))
AXES_COOLOFF_TIME = timedelta(minutes=NEWSROOM_LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.security.lockout_response"
# X-Forwarded-For counts only with NEWSROOM_PROXY_COUNT proxies of ours in front (see
# newsroom/security.py); a callable also wins over django-ipware should it ever be installed.
NEWSROOM_PROXY_COUNT = int(os.environ.get("NEWSROOM_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: the newsroom's language and zone are settings.
NEWSROOM_LANGUAGE = os.environ.get("NEWSROOM_LANGUAGE", "fr")
NEWSROOM_TIME_ZONE = os.environ.get("NEWSROOM_TIME_ZONE", "Europe/Paris")
NEWSROOM_NAME = os.environ.get("NEWSROOM_NAME", "Newsroom")
# The one public address of the site: canonical links, Open Graph, JSON-LD and feeds are built
# from it, never from the request's Host header (which a client chooses, port included).
NEWSROOM_SITE_URL = os.environ.get(
    "NEWSROOM_SITE_URL",
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0] if ALLOWED_HOSTS else ''}",
).rstrip("/")
if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?", NEWSROOM_SITE_URL):
    raise ImproperlyConfigured(
        f"NEWSROOM_SITE_URL must be a scheme and a host, like https://news.example.org "
        f"(got {NEWSROOM_SITE_URL!r})."
    )
LANGUAGE_CODE = NEWSROOM_LANGUAGE
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "articles" / "locale"]
TIME_ZONE = NEWSROOM_TIME_ZONE
USE_I18N = True
USE_TZ = True

# Public pages are rendered once per freshness generation and served from the cache
# (articles/caching.py); off renders every request (the uncached benchmark, `make bench`).
NEWSROOM_PAGE_CACHE = env_bool("NEWSROOM_PAGE_CACHE", True)
# `make bench` serves Django's hello view beside the pages, as the ceiling they are compared to.
NEWSROOM_BENCH_HELLO = env_bool("NEWSROOM_BENCH_HELLO", False)

# Live coverage.
NEWSROOM_UPDATES_PER_PAGE = int(os.environ.get("NEWSROOM_UPDATES_PER_PAGE", "20"))
# A draft's preview link for people outside the newsroom opens it for at most this many days.
NEWSROOM_PREVIEW_LINK_MAX_DAYS = int(os.environ.get("NEWSROOM_PREVIEW_LINK_MAX_DAYS", "7"))
NEWSROOM_POLL_MAX_AGE = int(os.environ.get("NEWSROOM_POLL_MAX_AGE", "5"))
NEWSROOM_POLL_INTERVAL = int(os.environ.get("NEWSROOM_POLL_INTERVAL", "10"))

# The read API: requests a minute from one anonymous address (django-ninja's cache-based
# throttle, in the shared cache); staff signed in are not limited.
NEWSROOM_API_ANON_RATE = os.environ.get("NEWSROOM_API_ANON_RATE", "120/min")

# articles/egress.py refuses loopback addresses and ports other than 80 and 443, so a pasted URL
# cannot reach services on this machine. Its tests need a server of their own on 127.0.0.1: they
# turn this on for themselves. Never from the environment: no deployment should be able to.
NEWSROOM_EGRESS_ALLOW_LOOPBACK_FOR_TESTS = False
# Background work (archiving cited pages, capturing posts, making renditions) is queued in the
# database and run by `manage.py db_worker` (`make run` starts one beside the server). The tests
# run each task at once, inside the test (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("NEWSROOM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A task RUNNING this long lost its worker (articles/worker.py, `manage.py recover_tasks`): it
# is queued again, unless it has already been claimed this many times (then it is FAILED).
NEWSROOM_TASK_STALLED_SECONDS = int(os.environ.get("NEWSROOM_TASK_STALLED_SECONDS", "900"))
NEWSROOM_TASK_MAX_ATTEMPTS = int(os.environ.get("NEWSROOM_TASK_MAX_ATTEMPTS", "3"))
# The User-Agent of the server's own fetches; empty: Newsroom, the site address and its name.
NEWSROOM_EGRESS_USER_AGENT = os.environ.get("NEWSROOM_EGRESS_USER_AGENT", "")

STATIC_URL = "static/"
# Where collectstatic puts what whitenoise serves (a folder of its own: a scratch server's).
STATIC_ROOT = Path(os.environ.get("NEWSROOM_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploads can be served from an origin of their own (NEWSROOM_MEDIA_URL=https://media.example.net/
# media/): whatever a file turned out to be, it never runs with the site's cookies or origin.
# This process serves that host too when NEWSROOM_SERVE_MEDIA is on (add it to ALLOWED_HOSTS).
MEDIA_URL = os.environ.get("NEWSROOM_MEDIA_URL", "media/")
if "://" in MEDIA_URL and not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d+)?/[^?#]*/", MEDIA_URL):
    raise ImproperlyConfigured(
        f"NEWSROOM_MEDIA_URL must be an address ending with a slash, like "
        f"https://media.example.net/media/ (got {MEDIA_URL!r})."
    )
NEWSROOM_MEDIA_ORIGIN = (
    re.match(r"https?://[^/]+", MEDIA_URL).group(0)
    if "://" in MEDIA_URL
    else os.environ.get("NEWSROOM_MEDIA_ORIGIN", "")
)
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media"))
# The application serves uploaded pictures itself (newsroom/media.py); turn off when nginx or
# S3-compatible storage serves MEDIA_URL instead.
NEWSROOM_SERVE_MEDIA = env_bool("NEWSROOM_SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "newsroom.storage.ModuleAwareStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"

# Editor: django-markdownx renders previews with the public renderer.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "articles.rendering.render_markdown"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
# Uploads (articles/images.py). A file over this many bytes is refused before it is read; a
# picture over this many pixels before it is decoded: a 100-megapixel PNG can weigh 12 KB.
NEWSROOM_IMAGE_MAX_BYTES = int(os.environ.get("NEWSROOM_IMAGE_MAX_BYTES", str(20 * 1024 * 1024)))
NEWSROOM_IMAGE_MAX_PIXELS = int(os.environ.get("NEWSROOM_IMAGE_MAX_PIXELS", "50000000"))
# The stored original is at most this wide; renditions are made at these widths (never wider
# than the original) in AVIF, WebP and the original's format.
NEWSROOM_IMAGE_MAX_WIDTH = int(os.environ.get("NEWSROOM_IMAGE_MAX_WIDTH", "2400"))
NEWSROOM_IMAGE_WIDTHS = tuple(
    int(width) for width in os.environ.get("NEWSROOM_IMAGE_WIDTHS", "400,800,1200,1600").split(",")
)
MARKDOWNX_UPLOAD_MAX_SIZE = NEWSROOM_IMAGE_MAX_BYTES
# The types a browser may declare for an upload; its bytes decide what it is.
MARKDOWNX_UPLOAD_CONTENT_TYPES = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/avif",
]

# Content Security Policy: no inline script without the per-request nonce, no third party.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Uploads served from object storage or a CDN (django-storages) come from its origin.
    "img-src": [CSP.SELF, "data:", *filter(None, [NEWSROOM_MEDIA_ORIGIN])],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # The one frame a page may hold: YouTube's privacy-enhanced player, which a video card
    # loads only when the reader asks (static/js/embeds.js). Nothing else of any platform.
    "frame-src": ["https://www.youtube-nocookie.com"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    # Browsers post what the policy blocked here (newsroom/security.py logs it).
    "report-uri": "/csp-report/",
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# A window this site opens, or that opens it, gets no handle on the other (Django's default, said).
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Permissions-Policy (newsroom/middleware.py): what a page and its frames may ask the browser
# for. Pages need the share sheet and the clipboard (the Share button); the video player frame
# needs what YouTube's player asks for; nothing may use a camera, a microphone, a location...
# Only features Chromium knows: an unknown name is a console error on every page.
NEWSROOM_PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": ["self", '"https://www.youtube-nocookie.com"'],
    "camera": [],
    "clipboard-write": ["self"],
    "display-capture": [],
    "encrypted-media": ["self", '"https://www.youtube-nocookie.com"'],
    "fullscreen": ["self", '"https://www.youtube-nocookie.com"'],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": ["self", '"https://www.youtube-nocookie.com"'],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "web-share": ["self"],
    "xr-spatial-tracking": [],
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Production: HTTPS only. Behind a TLS-terminating proxy, set NEWSROOM_PROXY_SSL_HEADER=1.
    SECURE_SSL_REDIRECT = env_bool("NEWSROOM_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("NEWSROOM_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is a promise to browsers that ships in their source and takes months to undo:
    # opt in once every subdomain serves HTTPS for good, then submit the domain to hstspreload.org.
    SECURE_HSTS_PRELOAD = env_bool("NEWSROOM_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # W021 asks for preload on every deployment; off is the deliberate default above.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("NEWSROOM_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
