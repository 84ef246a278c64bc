"""Server-side prepared statements for the few large hand-written statements of the hot reads (issue 14).

PostgreSQL spends longer *planning* the synthesis's one statement (six bounded JSON lists, four totals,
three joins: about 2.6 ms on the benchmark machine) than running it (about 2 ms). On PostgreSQL,
:func:`execute_prepared` sends ``PREPARE`` once per database connection and ``EXECUTE`` afterwards:
after five executions PostgreSQL keeps a generic plan when it costs no more than the custom ones, and
the planning is gone. Everything else keeps Django's client-side binding (a project-wide
``server_side_binding`` was measured too: it made the dashboard slower, its generic plan being worse).

Elsewhere (SQLite) the statement is simply executed. Named prepared statements live in a database
session: behind a pooler in *transaction* mode (PgBouncer) set ``PORTAIL_PREPARED_STATEMENTS=false``.
"""

from __future__ import annotations

import hashlib
import re
import weakref

from django.conf import settings
from django.db import connection

_PLACEHOLDER = re.compile(r"%s|%%")
# The statements prepared on each live psycopg connection (a reconnection starts an empty set).
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def enabled() -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "PORTAIL", {}).get("PREPARED_STATEMENTS", True)


def execute_prepared(cursor, sql: str, params: list) -> None:
    """``cursor.execute(sql, params)``, through a prepared statement on PostgreSQL. ``sql`` uses Django's
    ``%s`` placeholders, whose types PostgreSQL infers from the columns they are compared with."""
    if not enabled():
        cursor.execute(sql, params)
        return
    raw = connection.connection
    names = _prepared.setdefault(raw, set())
    name = "portail_" + hashlib.sha256(sql.encode()).hexdigest()[:20]
    if name not in names:
        numbers = iter(range(1, len(params) + 1))
        text = _PLACEHOLDER.sub(lambda m: f"${next(numbers)}" if m.group() == "%s" else "%", sql)
        cursor.execute(f"PREPARE {name} AS {text}")
        names.add(name)
    if params:
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
    else:
        cursor.execute(f"EXECUTE {name}")
