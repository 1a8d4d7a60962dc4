"""Settings, driven by environment variables; every one has a default that works on one machine."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_EVAL
from django.core.exceptions import ImproperlyConfigured

from site_config.themes import theme_dirs

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - only ever used with DEBUG on

# Never "*": the WebSocket origin check (site_config/origin.py) only accepts a Host header from this list.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Exact origins ("https://chat.example.com") also accepted for sockets and forms: the public origin of a TLS
# proxy in front, when the server itself is reached over plain HTTP.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "csp",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "people",
    "rooms",
    "messaging",
    "presence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "site_config.csp.PageCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "site_config.urls"

# Themes (CHAT_THEME_DIRS, comma separated) come first: their templates and static files override ours.
THEME_TEMPLATE_DIRS, THEME_STATIC_DIRS = theme_dirs(env_list("CHAT_THEME_DIRS", ""), BASE_DIR)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [*THEME_TEMPLATE_DIRS, BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "site_config.context_processors.chat",
            ],
        },
    },
]

ASGI_APPLICATION = "site_config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Socket work runs in one worker thread: reuse its connection instead of opening one per message.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (sockets, HTTP posts, presence heartbeats) share one file: wait instead of failing,
    # and take the write lock up front so a read-then-write transaction cannot deadlock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# "core" (lists and a reliable group send) or "pubsub" (Redis PUBLISH/SUBSCRIBE), compared in the benchmark.
REDIS_LAYER = os.environ.get("REDIS_LAYER", "core")
if REDIS_URL and REDIS_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # socket_timeout None: redis-py's 5 s default equals the layer's blocking read and kills idle
                # consumers (redis-py #4091); max_connections: the pool raises instead of waiting when full.
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 1000}],
                "capacity": env_int("CHANNEL_LAYER_CAPACITY", 10000),
                "expiry": 60,
            },
        }
    }
else:
    # One relay channel per process receives every group's frames (realtime/hub.py): room for bursts.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": env_int("CHANNEL_LAYER_CAPACITY", 10000)},
        }
    }

# Shared by every process when REDIS_URL is set, so the sign-up and login throttles hold across processes.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "chat",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed logins lock a username on one address only (django-axes), so someone elsewhere cannot lock its owner
# out; a success resets the count. The address is REMOTE_ADDR: the real client's only when a proxy in front
# is trusted (CHAT_TRUSTED_PROXY=1 makes `make run` start the server with proxy headers on).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("CHAT_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CHAT_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "site_config.throttle.axes_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Per address and hour, whatever the username (rotating names dodges the lockout, not this): POSTs over
# the limit get 429 before any password is hashed. 0 = no limit (load tests sign up many accounts at once).
CHAT_SIGNUPS_PER_HOUR = env_int("CHAT_SIGNUPS_PER_HOUR", 10)
CHAT_LOGINS_PER_HOUR = env_int("CHAT_LOGINS_PER_HOUR", 60)
# Who may create an account: "open" (anyone), "invite" (only through a link staff made) or "closed".
CHAT_SIGNUP = os.environ.get("CHAT_SIGNUP", "open").strip().lower()
if CHAT_SIGNUP not in {"open", "invite", "closed"}:
    raise ImproperlyConfigured("CHAT_SIGNUP must be open, invite or closed.")
# When set, sign-up asks for an e-mail address at one of these domains ("example.com,example.org").
CHAT_SIGNUP_EMAIL_DOMAINS = [
    domain.lower().lstrip("@") for domain in env_list("CHAT_SIGNUP_EMAIL_DOMAINS", "")
]


# Password reset mails: EMAIL_URL ("smtp://user:password@host:587", smtp+tls:// for STARTTLS, smtp+ssl:// for
# TLS from the start); without it, mails are printed on the console.
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    from site_config.email_url import parse_email_url

    globals().update(parse_email_url(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("CHAT_FROM_EMAIL", "chat@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "rooms:index"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [*THEME_STATIC_DIRS, BASE_DIR / "static"]
# Where `collectstatic` (make run) puts the files; servers read their hashed names from its manifest.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
# Served by WhiteNoise, so one server process needs no web server in front of it. `make run` collects them
# into STATIC_ROOT first: names get a content hash (cached for a year by browsers) and gzip copies. Without a
# collect (tests, `runserver`), the finders serve static/ as it is and pages link the plain names.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "site_config.static_storage.CollectedStaticFiles"},
}
WHITENOISE_MANIFEST_STRICT = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline <script> and no other origin, ever. 'unsafe-eval' because htmx 4 runs trigger filters and hx-on
# with the Function constructor; safe only while no hx-*/on* attribute can come from user content (tested in
# tests/site_config/test_csp.py). The per-viewer <style> of a room page carries the nonce. connect-src also
# gets the page's own ws(s):// origin (site_config/csp.py); data: is what the reconnect indicator fetches.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_EVAL],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# The chat's own knobs.
CHAT_MESSAGE_MAX_LENGTH = env_int("CHAT_MESSAGE_MAX_LENGTH", 4000)
CHAT_HISTORY_LENGTH = env_int("CHAT_HISTORY_LENGTH", 50)
CHAT_SEARCH_MAX_LENGTH = env_int("CHAT_SEARCH_MAX_LENGTH", 500)
CHAT_RATE_LIMIT_MESSAGES = env_int("CHAT_RATE_LIMIT_MESSAGES", 10)
CHAT_RATE_LIMIT_SECONDS = env_int("CHAT_RATE_LIMIT_SECONDS", 10)
CHAT_AUTO_CREATE_ROOMS = env_bool("CHAT_AUTO_CREATE_ROOMS", True)
# "everyone" or "staff": who may create rooms (the room selector, the create form, a missing room's offer).
CHAT_ROOM_CREATORS = os.environ.get("CHAT_ROOM_CREATORS", "everyone").strip().lower()
if CHAT_ROOM_CREATORS not in {"everyone", "staff"}:
    raise ImproperlyConfigured("CHAT_ROOM_CREATORS must be everyone or staff.")
# Days a room invitation link works unless its maker chooses otherwise.
CHAT_INVITATION_DAYS = env_int("CHAT_INVITATION_DAYS", 7)
PRESENCE_TTL_SECONDS = env_int("PRESENCE_TTL_SECONDS", 60)
PRESENCE_HEARTBEAT_SECONDS = env_int("PRESENCE_HEARTBEAT_SECONDS", 20)
# Joins and leaves within this window are announced together (one render per room).
PRESENCE_BROADCAST_DELAY_MS = env_int("PRESENCE_BROADCAST_DELAY_MS", 250)
# A room's online list names at most this many people, then says how many more.
PRESENCE_LIST_LIMIT = env_int("PRESENCE_LIST_LIMIT", 100)
# The process-local fan-out (realtime/hub.py): retry pause while the channel layer is down, and how often
# its group subscriptions are renewed (channels-redis expires them after a day, a Redis restart drops them).
HUB_RETRY_SECONDS = env_int("HUB_RETRY_SECONDS", 1)
HUB_REFRESH_SECONDS = env_int("HUB_REFRESH_SECONDS", 600)
# After a fan-out to N sockets of this process, the same group waits N x this many microseconds before the
# next one; frames arriving meanwhile are joined. 0 sends every frame at once.
HUB_FANOUT_PACE_US = env_int("HUB_FANOUT_PACE_US", 25)
# A reconnecting page replays up to this many missed messages; beyond it, its log is replaced by the latest.
CHAT_CATCHUP_LIMIT = env_int("CHAT_CATCHUP_LIMIT", 1000)
# A room socket holds live messages back until its page has synced (catch-up); a client that never syncs
# gets them after this many seconds.
CHAT_SYNC_GRACE_SECONDS = env_int("CHAT_SYNC_GRACE_SECONDS", 3)
# One user's open sockets, on all processes together; the one over the cap is closed with 4429. 0 = no cap.
CHAT_MAX_SOCKETS_PER_USER = env_int("CHAT_MAX_SOCKETS_PER_USER", 20)
# A socket whose client stopped reading is closed with 1013 (htmx reconnects it and the page catches up)
# once this many bytes wait in the server for it; its kernel send buffer is capped at the second figure.
CHAT_SOCKET_BACKLOG_BYTES = env_int("CHAT_SOCKET_BACKLOG_BYTES", 256 * 1024)
CHAT_SOCKET_KERNEL_BUFFER_BYTES = env_int("CHAT_SOCKET_KERNEL_BUFFER_BYTES", 128 * 1024)
# A page syncs when its socket opens; beyond that, a socket may ask for this many catch-ups a minute.
CHAT_SYNCS_PER_MINUTE = env_int("CHAT_SYNCS_PER_MINUTE", 3)
# Posts of one process stored per transaction at most (messaging/writer.py); bounds how long the database's
# write lock is held whatever the backlog. 1 stores each post on its own (docs/measurements.md).
CHAT_POST_BATCH_SIZE = env_int("CHAT_POST_BATCH_SIZE", 100)
# Distinct reactions one message may collect.
CHAT_REACTIONS_PER_MESSAGE = env_int("CHAT_REACTIONS_PER_MESSAGE", 20)
# "Someone is typing": a socket's typing frames count once per this many seconds; a typist who stops is
# dropped after the second figure; changes within the third are shown together (one render per room).
CHAT_TYPING_THROTTLE_SECONDS = env_int("CHAT_TYPING_THROTTLE_SECONDS", 2)
CHAT_TYPING_EXPIRY_SECONDS = env_int("CHAT_TYPING_EXPIRY_SECONDS", 5)
CHAT_TYPING_WINDOW_MS = env_int("CHAT_TYPING_WINDOW_MS", 300)
# A room's presence window grows by this much per socket of the room on a process (1,000 sockets: 1 s),
# up to the second figure: a big room does not need its online list several times a second.
PRESENCE_WINDOW_PER_SOCKET_US = env_int("PRESENCE_WINDOW_PER_SOCKET_US", 1000)
PRESENCE_WINDOW_MAX_MS = env_int("PRESENCE_WINDOW_MAX_MS", 5000)
# Sockets of one process doing their opening database work at a time (realtime/admission.py): the others
# wait without queueing in front of posts.
CHAT_ADMISSIONS_AT_ONCE = env_int("CHAT_ADMISSIONS_AT_ONCE", 2)
# A lazy frame (reaction chips, the typing line) waits at most this long to go out in the same write as its
# room's next message (realtime/hub.py).
HUB_LAZY_MS = env_int("HUB_LAZY_MS", 300)
# Each process repeats the last number it sent to each group this many seconds after sending (realtime/
# sequence.py), so a dropped last event is found within about that long; and logs its loss counters
# (realtime/losses.py) at most this often while they change.
HUB_WATERMARK_SECONDS = env_int("HUB_WATERMARK_SECONDS", 5)
HUB_LOSS_REPORT_SECONDS = env_int("HUB_LOSS_REPORT_SECONDS", 60)
