"""Spreadsheet exports of lists (« EXPORTER »): XLSX and CSV, produced as byte streams in flat memory.

Both take the column titles and an iterator of rows (tuples of ``str``, ``int``, ``Decimal``,
``date``…) — typically a selector streaming the database in chunks — and never hold the whole list:

- :func:`csv_stream` yields each chunk of lines as soon as it is written (French Excel dialect:
  ``;`` separator, UTF-8 with BOM, dates ``jj/mm/aaaa``, decimal comma);
- :func:`xlsx_stream` writes with XlsxWriter's ``constant_memory`` mode (each row is flushed to a
  temporary file), then streams the finished workbook in 64 KiB chunks and deletes it.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

CHUNK_BYTES = 64 * 1024
CSV_ROWS_PER_CHUNK = 500

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    text = str(value)
    # No formula injection when the file is opened in a spreadsheet.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text.replace(",", "."))
    except ArithmeticError:
        return False
    return True


class _Lines:
    """A write-only buffer ``csv.writer`` writes into, drained after each batch of rows."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def drain(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        return data


def csv_stream(columns: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    buffer = _Lines()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(columns)
    yield buffer.drain()
    pending = 0
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        pending += 1
        if pending >= CSV_ROWS_PER_CHUNK:
            yield buffer.drain()
            pending = 0
    if pending:
        yield buffer.drain()


def write_xlsx(path: str, columns: Sequence[str], rows: Iterable[Sequence], *, sheet: str = "Export") -> int:
    """Write the workbook to ``path`` row by row (constant memory); returns the number of rows."""
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, "tmpdir": os.path.dirname(path) or None, "in_memory": False}
    )
    try:
        worksheet = workbook.add_worksheet(sheet[:31])
        header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
        datetime_format = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        money = workbook.add_format({"num_format": '#,##0.00\\ "€"'})
        worksheet.freeze_panes(1, 0)
        for col, title in enumerate(columns):
            worksheet.set_column(col, col, max(12, min(40, len(title) + 4)))
            worksheet.write_string(0, col, title, header)
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    worksheet.write_datetime(count, col, value.replace(tzinfo=None), datetime_format)
                elif isinstance(value, date):
                    worksheet.write_datetime(count, col, datetime(value.year, value.month, value.day), date_format)
                elif isinstance(value, Decimal):
                    worksheet.write_number(count, col, float(value), money)
                elif isinstance(value, bool):
                    worksheet.write_string(count, col, "Oui" if value else "Non")
                elif isinstance(value, int | float):
                    worksheet.write_number(count, col, value)
                else:
                    worksheet.write_string(count, col, str(value))
        if count:
            worksheet.autofilter(0, 0, count, len(columns) - 1)
    finally:
        workbook.close()
    return count


def xlsx_stream(columns: Sequence[str], rows: Iterable[Sequence], *, sheet: str = "Export") -> Iterator[bytes]:
    """The workbook as chunks of bytes; its temporary file is removed once streamed (or abandoned)."""
    directory = tempfile.mkdtemp(prefix="export-")
    path = os.path.join(directory, "export.xlsx")
    try:
        write_xlsx(path, columns, rows, sheet=sheet)
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
    finally:
        for name in os.listdir(directory):
            os.unlink(os.path.join(directory, name))
        os.rmdir(directory)
