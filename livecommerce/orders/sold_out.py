"""Sold-out marks: a node answers attempts on a sold-out sale without asking anyone.

DESIGN section 6, step 2. When a node sees a sale's last unit go, it marks the sale and
reads from the gate, once, who holds its units (the buyer and idempotency key of every
reservation). From then on an attempt by anybody else is refused with no round trip,
while a holder retrying its key still goes to the gate and gets its order.

Stock can come back (an order expires or is cancelled, maybe on another node), so a
mark is trusted for ``ttl`` seconds; then one read of the gate renews it (still sold
out) or drops it (stock is back: attempts go to the gate again). That read carries the
holders only if a key was reserved since the last one (the gate's version moved), so a
sale that stays sold out costs one small round trip per ``ttl``. The old mark keeps
answering while the read is in flight, so a busy sale does not send a burst of attempts
to the gate every ``ttl``. A key reserved after stock came back elsewhere is thus known
here within about ``ttl``, the delay after which this node sells returned stock again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from livecommerce.orders.gate import Holders, SaleRef

log = logging.getLogger(__name__)

ReadHolders = Callable[[SaleRef, str | None], Awaitable[Holders | None]]
"""The sale's holders, given the version already known (``HolderReader.holders``)."""


@dataclass(slots=True)
class SoldOutMark:
    ref: SaleRef
    since: float  # time.monotonic() of the last read that found the sale sold out
    holders: frozenset[tuple[int, str]] | None = None  # None until the first read is back
    version: str | None = None  # the gate's version when ``holders`` were read
    reading: bool = False

    def refuses(self, buyer_id: int, key: str) -> bool:
        """True if this attempt is surely refused; False if only the gate can tell."""
        return self.holders is not None and (buyer_id, key) not in self.holders


class SoldOutMarks:
    def __init__(self, read: ReadHolders, *, ttl: float) -> None:
        self.ttl = ttl
        self._read = read
        self._marks: dict[int, SoldOutMark] = {}
        self._reads: set[asyncio.Task[None]] = set()

    def get(self, sale_id: int) -> SoldOutMark | None:
        """The sale's mark, if it is fresh or being renewed; starts the renewal when due."""
        mark = self._marks.get(sale_id)
        if mark is None:
            return None
        age = time.monotonic() - mark.since
        if age <= self.ttl:
            return mark
        if age > 2 * self.ttl:  # the renewal never came back: stop trusting the mark
            del self._marks[sale_id]
            return None
        if not mark.reading:
            self._start_read(mark)
        return mark

    def mark(self, ref: SaleRef) -> None:
        """The sale sold out: mark it (unless marked) and read its holders."""
        if self.get(ref.sale_id) is None:
            mark = self._marks[ref.sale_id] = SoldOutMark(ref, time.monotonic())
            self._start_read(mark)

    def clear(self, sale_id: int) -> None:
        self._marks.pop(sale_id, None)

    def _start_read(self, mark: SoldOutMark) -> None:
        mark.reading = True
        task = asyncio.create_task(self._renew(mark), name=f"sold-out-{mark.ref.sale_id}")
        self._reads.add(task)
        task.add_done_callback(self._reads.discard)

    async def _renew(self, mark: SoldOutMark) -> None:
        sale_id = mark.ref.sale_id
        try:
            found = await self._read(mark.ref, mark.version)
        except Exception:
            log.info("could not read the holders of sale %d", sale_id, exc_info=True)
            found = None
        finally:
            mark.reading = False
        if self._marks.get(sale_id) is not mark:
            return  # cleared (stock came back here) or replaced meanwhile
        if found is None or found.sold < found.quantity:
            del self._marks[sale_id]  # stock is back, or the gate cannot say
            return
        if found.keys is not None:
            mark.holders, mark.version = found.keys, found.version
        mark.since = time.monotonic()
