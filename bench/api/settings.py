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

# BENCH_SERVER_SIDE_BINDING=1 measures psycopg's server-side binding project-wide, with psycopg preparing
# every statement run BENCH_PREPARE_THRESHOLD (5) times on a connection (Django leaves the threshold
# unset, which prepares nothing). Measured (issue 14): the synthesis gains its planning, the dashboard
# loses about 5 ms to a worse generic plan; hence only the synthesis is prepared (common/sql.py).
if os.environ.get("BENCH_SERVER_SIDE_BINDING"):  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
        "server_side_binding": True,
        "prepare_threshold": int(os.environ.get("BENCH_PREPARE_THRESHOLD", "5")),  # noqa: F405
    }

# BENCH_NO_HEALTH_CHECKS=1 measures the per-request connection check (a ``SELECT 1`` before the first
# query of each request, CONN_HEALTH_CHECKS) by turning it off.
if os.environ.get("BENCH_NO_HEALTH_CHECKS"):  # noqa: F405
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False  # noqa: F405
