"""The bare endpoint: runs exactly the SQL statements an API request ran (captured beforehand) and
answers the rows as JSON — the floor against which the API's own cost is measured."""

from __future__ import annotations

import json
import os
from functools import cache

from django.db import connection
from django.http import Http404, HttpResponse


@cache
def statements() -> dict[str, list[str]]:
    with open(os.environ["PORTAIL_BENCH_SQL"], encoding="utf-8") as handle:
        return json.load(handle)


def bare(request, name: str) -> HttpResponse:
    sqls = statements().get(name)
    if sqls is None:
        raise Http404
    out = []
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(sql)
            out.append(cursor.fetchall() if cursor.description else cursor.rowcount)
    return HttpResponse(json.dumps(out, default=str), content_type="application/json")
