"""Pages of a list: what was asked (:class:`PageRequest`) and what is answered (:class:`Page`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from common.errors import InvalidInput
from rules.verdicts import Problem

T = TypeVar("T")
MAX_PAGE_SIZE = 100
# Far beyond any list, and small enough that the offset always fits the database's 64-bit integers.
MAX_PAGE = 10_000_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    taille: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, -(-self.total // self.taille))


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    taille: int = 10

    def bounds(self) -> tuple[int, int]:
        problems = []
        if self.page < 1:
            problems.append(Problem("page", "La page commence à 1."))
        elif self.page > MAX_PAGE:
            problems.append(Problem("page", f"La page est comprise entre 1 et {MAX_PAGE:_}.".replace("_", " ")))
        if not 1 <= self.taille <= MAX_PAGE_SIZE:
            problems.append(Problem("taille", f"La taille de page est comprise entre 1 et {MAX_PAGE_SIZE}."))
        if problems:
            raise InvalidInput(problems)
        start = (self.page - 1) * self.taille
        return start, start + self.taille


def paginate(qs, page: PageRequest) -> Page:
    """One page of a queryset in two queries (rows, then the count only when the page is full)."""
    start, end = page.bounds()
    items = list(qs[start:end])
    if page.page == 1 and len(items) < page.taille:
        total = len(items)  # the first page tells the total without a COUNT
    else:
        total = qs.order_by().count()
    return Page(items=items, total=total, page=page.page, taille=page.taille)
