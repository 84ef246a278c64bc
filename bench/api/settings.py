"""Production-like settings for the API benchmark: DEBUG off, the bare endpoint mounted, a per-key
rate limit high enough for the load generator (every other setting from config.settings)."""

from config.settings import *  # noqa: F403
from config.settings import PORTAIL

DEBUG = False
ROOT_URLCONF = "bench.api.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PORTAIL = {**PORTAIL, "API_KEY_RATE_LIMIT": "1000000/60"}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

# BENCH_SESSION_ENGINE=django.contrib.sessions.backends.cached_db measures the recommended session
# engine (one query less per session request once the session is cached).
if os.environ.get("BENCH_SESSION_ENGINE"):  # noqa: F405
    SESSION_ENGINE = os.environ["BENCH_SESSION_ENGINE"]  # noqa: F405

# BENCH_SERVER_SIDE_BINDING=1 measures psycopg's server-side binding (psycopg then prepares a statement
# run five times on a connection, and PostgreSQL may reuse its plan): see bench/floor_bench.py.
if os.environ.get("BENCH_SERVER_SIDE_BINDING"):  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "server_side_binding": True}  # noqa: F405
