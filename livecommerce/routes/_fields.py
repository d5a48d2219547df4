"""Field types the API shares: ids the database can hold, text the database can store.

Values past these bounds would reach the database driver and fail there, as a 500:
PostgreSQL's ``integer`` ids stop at 2**31 - 1 (SQLite's at 2**63 - 1) and PostgreSQL
refuses a NUL character in any text.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from livecommerce.errors import NotFound

MAX_ROW_ID = 2**31 - 1
"""The largest id a row has on both shapes (``Integer`` primary keys)."""

NO_NUL = r"^[^\x00]*$"


def _known_id(value: int) -> int:
    # Raised from a validator, a DomainError is not a validation error: it reaches the
    # error handlers as it is, so an id no row can have is a 404 like any unknown id.
    if not 0 < value <= MAX_ROW_ID:
        raise NotFound(f"nothing has id {value}")
    return value


RowId = Annotated[int, AfterValidator(_known_id)]
"""A path id: out of range, it names nothing (404), without asking the database."""

BodyId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""An id inside a request body: out of range, it is invalid input (422)."""


def text(*, max_length: int, **extra: Any) -> Any:
    """A ``Field`` for free text: bounded, and without NUL characters."""
    return Field(max_length=max_length, pattern=NO_NUL, **extra)
