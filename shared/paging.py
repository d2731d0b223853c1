"""One page shape and one page query for every list endpoint: `?limit=` (1 to 100, 20 by default) and
`?offset=` (from 0), answered as `{"items": [...], "total": n, "limit": l, "offset": o}`."""

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

Item = TypeVar("Item")
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_OFFSET = 10_000_000  # far past any list; keeps the number a database integer


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int


class Items(BaseModel, Generic[Item]):
    """A short list given whole (an account's users, a user's devices): not paged."""

    items: list[Item]


@dataclass(frozen=True)
class PageQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def of(self, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        """The query narrowed to this page (the query orders its rows)."""
        return query.offset(self.offset).limit(self.limit)

    def page(self, items: list[Any], total: int) -> dict[str, Any]:
        """The page's fields, for `Page[...]` or a model extending it."""
        return {"items": items, "total": total, "limit": self.limit, "offset": self.offset}


async def page_query(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PageQuery:
    return PageQuery(limit=limit, offset=offset)


Paging = Annotated[PageQuery, Depends(page_query)]


async def count_of(session: AsyncSession, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows the query finds, all pages together."""
    return await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
