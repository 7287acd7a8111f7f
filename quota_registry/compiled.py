"""Queries the ORM compiles once: for a path that runs the same query many times a second with other values (a bid
in the last minute of an e-bidding: the bidder's party and the trade's lock, docs/benchmarks.md). Building and
compiling a queryset with subqueries costs the ORM about ten times what running it costs the database; here the ORM
builds it once, for placeholder values, and each run puts the real values where the placeholders are among the
compiled parameters and runs the same SQL (`Model.objects.raw`: instances as the ORM makes them, annotations set
as attributes).

What a compiled query may depend on besides the values passed at each run is its key: whatever else the builder
reads (the day, who asks) must be in the key, or the query would keep giving the answer for the first one. Only
plain values go through placeholders (ids); related objects are not selected with the row (no `select_related`)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.db import router
from django.db.models import Model, QuerySet

PLACEHOLDER = -(2**62)  # an id no row has: placeholders are PLACEHOLDER, PLACEHOLDER - 1, ...


class Compiled:
    """Compiled queries by key, the most recently used `size` kept (per process)."""

    def __init__(self, size: int = 1024):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def first(self, key: Hashable, build: Callable[..., QuerySet], **values: int) -> Model | None:
        """The first row of the query `build(**placeholders)` gives, run with `values` (ints) in the placeholders'
        places; `build` is called only the first time `key` is seen (and after it was forgotten)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is None:
            entry = _compile(build, sorted(values))
            with self._lock:
                self._entries[key] = entry
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        model, for_write, sql, params, slots = entry
        args = [values[slots[i]] if i in slots else p for i, p in enumerate(params)]
        # the database as the ORM would choose it now: the primary for a locking read, the router's for a read
        alias = router.db_for_write(model) if for_write else router.db_for_read(model)
        return next(iter(model._default_manager.db_manager(alias).raw(sql, args)), None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _compile(build: Callable[..., QuerySet], names: list[str]) -> tuple:
    placeholders = {name: PLACEHOLDER - i for i, name in enumerate(names)}
    qs = build(**placeholders)[:1]
    sql, params = qs.query.sql_with_params()
    slots = {}
    for i, p in enumerate(params):
        for name, value in placeholders.items():
            if type(p) is int and p == value:
                slots[i] = name
    missing = set(names) - set(slots.values())
    if missing:
        raise ValueError(f"the compiled query does not take {sorted(missing)} as parameters")
    return qs.model, qs._for_write, sql, list(params), slots
