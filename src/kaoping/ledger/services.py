"""Appending to the ledger. Only other services call this, inside their transaction.

What is hashed
--------------
An entry's ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8)
of ``[seq, created_at, actor, action, object_type, object_id, payload, prev_hash]``,
where ``created_at`` is ISO 8601 UTC with microseconds and ``payload`` is the stored
canonical-JSON text itself. ``prev_hash`` is the previous entry's hash (64 zeros for
the first). The chain is kept linear by locking the single :class:`LedgerHead` row
(``SELECT ... FOR UPDATE``) before a service writes anything; the lock is held until
the transaction commits, so writers queue and entries follow commit order.

Rows
----
``payload["rows"]`` lists *row sets*, one per table touched::

    {"t": "score", "ids": [[1001, 10000]], "h": "<base64>", "root": "<hex>"}

``ids`` are the primary keys as (start, count) runs, ``h`` the first 8 bytes of each
row's digest (:mod:`kaoping.ledger.tables`) in id order, base64, and ``root`` the
Merkle root of the full digests. A single change is a row set of one row (its root is
the row's full digest). A deletion is ``{"t": ..., "deleted": [[id, 1]]}``. A bulk
import writes one entry per batch of :data:`BATCH_ROWS` rows.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from kaoping.engine.errors import KaopingError

from .models import LedgerEntry, LedgerHead
from .sql import LOCKED_HEAD, insert_row, prepared_cursor, typed
from .tables import canonical_json, id_ranges, merkle_root, table

GENESIS = "0" * 64
BATCH_ROWS = 10_000


class LedgerError(KaopingError):
    default_code = "ledger_error"


def actor_of(by: Any = None, source: str = "system") -> str:
    """Who to record: the user's login name, else the channel (``cli``, ``api`` ...)."""
    if by is not None and getattr(by, "pk", None) is not None:
        return str(by.get_username())
    return source


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise LedgerError("账本只能在写入数据的同一事务中追加", code="no_transaction")


def ledger_lock() -> LedgerHead:
    """Lock the ledger head for the rest of the transaction (writers queue here).

    Call it before writing covered rows, so that rows and entries of concurrent
    services never interleave. Plain SQL: every write of the application passes here.
    """
    _require_transaction()
    table = connection.ops.quote_name(LedgerHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} WHERE id = 1{lock}")
        row = cursor.fetchone()
    if row is None:
        LedgerHead.objects.bulk_create([LedgerHead(pk=1)], ignore_conflicts=True)
        return LedgerHead.objects.select_for_update().get(pk=1)
    return LedgerHead(id=1, seq=row[0], hash=row[1])


def rowset_from_digests(key: str, ids: Sequence[int], digests: Sequence[bytes]) -> dict[str, Any]:
    """Row set of rows already digested (ids ascending, digests in the same order)."""
    return {
        "t": key,
        "ids": id_ranges(ids),
        "h": base64.b64encode(b"".join(d[:8] for d in digests)).decode(),
        "root": merkle_root(digests).hex(),
    }


def rowset(key: str, rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Row set for rows given as value tuples in the table's field order, by ascending id."""
    digest = table(key).digest
    return rowset_from_digests(key, [int(row[0]) for row in rows], [digest(row) for row in rows])


def rowset_from_db(key: str, ids: Iterable[int]) -> dict[str, Any]:
    """Row set of rows as the database holds them now (read back after writing)."""
    rows = list(table(key).rows(ids))
    return rowset(key, rows)


def rowset_deleted(key: str, ids: Iterable[int]) -> dict[str, Any]:
    return {"t": key, "deleted": id_ranges(sorted(ids))}


def _check_lengths(**texts: str) -> None:
    """Refuse a text longer than its column: PostgreSQL would drop trailing spaces beyond
    the length silently, and the stored entry would no longer match its hash."""
    for name, text in texts.items():
        limit = LedgerEntry._meta.get_field(name).max_length
        if limit is not None and len(text) > limit:
            raise LedgerError(f"账本字段 {name} 超过 {limit} 个字符", code="too_long", location=name)


def entry_hash(*, seq: int, created_at: str, actor: str, action: str, object_type: str,
               object_id: str, payload: str, prev_hash: str) -> str:
    envelope = canonical_json([seq, created_at, actor, action, object_type, object_id, payload, prev_hash])
    return hashlib.sha256(envelope.encode()).hexdigest()


def timestamp(value: Any) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def ledger_append(*, action: str, actor: str, object_type: str, object_id: str,
                  rows: Sequence[Mapping[str, Any]] = (), data: Mapping[str, Any] | None = None,
                  ) -> LedgerEntry:
    """Append one entry recording ``rows`` (row sets) and ``data`` (facts for people)."""
    _check_lengths(actor=actor, action=action, object_type=object_type, object_id=object_id)
    head = ledger_lock()
    payload = canonical_json({**(data or {}), "rows": list(rows)})
    created = timezone.now()
    seq = head.seq + 1
    digest = entry_hash(seq=seq, created_at=timestamp(created), actor=actor, action=action,
                        object_type=object_type, object_id=object_id, payload=payload,
                        prev_hash=head.hash)
    entry = insert_row(LedgerEntry(
        seq=seq, created_at=created, actor=actor, action=action, object_type=object_type,
        object_id=object_id, payload=payload, prev_hash=head.hash, hash=digest,
    ))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(LedgerHead._meta.db_table)} "
                       "SET seq = %s, hash = %s WHERE id = 1", [seq, digest])
    return entry  # type: ignore[return-value]


def ledger_append_with(writes: Sequence[tuple[str, Sequence[Any]]], *, action: str, actor: str,
                       object_type: str, object_id: str, rows: Sequence[Mapping[str, Any]] = (),
                       data: Mapping[str, Any] | None = None) -> int | None:
    """Run ``writes`` and append their entry in ONE statement (PostgreSQL); returns its seq.

    Why: the hottest write, a rating through the API (R4.8), then costs one round trip
    instead of eight, and the ledger lock is held for that statement and its commit
    only. Each write is ``(sql, params)`` of the form ``INSERT ... SELECT ... FROM
    ledger_head_locked`` (:func:`~kaoping.ledger.sql.insert_after_lock`): reading the
    locked head makes every write wait for the lock, so this writer too locks the head
    before any covered row. The entry's hash is computed by the database, over exactly
    the envelope :func:`entry_hash` hashes (``seq`` and ``prev_hash`` are known only once
    the lock is held). The statement is prepared once per connection
    (:func:`~kaoping.ledger.sql.prepared_cursor`), so its placeholders are typed.
    Outside a transaction the statement commits by itself; inside one it runs in a
    savepoint, so a failed write leaves the caller's transaction usable.

    Returns None, with nothing written, when the head row does not exist yet (a new
    database): the caller then writes through the ordinary path, which creates it.
    ``created_at`` is taken before the lock, so concurrent entries may carry times a few
    milliseconds out of order; ``seq`` is the order of the chain.

    Examples
    --------
    >>> seq = ledger_append_with([insert_after_lock(rating)], action="rating.submit", actor="api",
    ...                          object_type="rating", object_id="T1", rows=[...])  # doctest: +SKIP
    """
    if connection.vendor != "postgresql":
        raise LedgerError("单语句写入仅用于 PostgreSQL", code="unsupported")
    _check_lengths(actor=actor, action=action, object_type=object_type, object_id=object_id)
    payload = canonical_json({**(data or {}), "rows": list(rows)})
    created = timezone.now()
    # the envelope is [seq, <middle>, prev_hash]: Python fixes the middle, the database the ends
    middle = canonical_json([timestamp(created), actor, action, object_type, object_id, payload])[1:-1]
    params: list[Any] = []
    for _, values in writes:
        params += values
    params += [created, actor, action, object_type, object_id, payload, middle]
    sql = _append_with_sql(tuple(sql for sql, _ in writes))
    savepoint = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with savepoint, prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


@functools.cache
def _append_with_sql(writes: tuple[str, ...]) -> str:
    """The statement of :func:`ledger_append_with` around these writes (built once)."""
    qn = connection.ops.quote_name
    head, entries = qn(LedgerHead._meta.db_table), qn(LedgerEntry._meta.db_table)
    ctes = [f"{LOCKED_HEAD} AS (SELECT seq + 1 AS seq, hash AS prev FROM {head} WHERE id = 1 FOR UPDATE)"]
    ctes += [f"w{number} AS ({sql})" for number, sql in enumerate(writes)]
    given = ("created_at", "actor", "action", "object_type", "object_id", "payload")
    ctes.append(
        f"e AS (INSERT INTO {entries} (seq, {', '.join(given)}, prev_hash, hash) "
        f"SELECT l.seq, {', '.join(typed(LedgerEntry._meta.get_field(name)) for name in given)}, l.prev, "
        f"encode(sha256(convert_to('[' || l.seq::text || ',' || %s::text || ',\"' || l.prev || '\"]', 'UTF8')), "
        f"'hex') FROM {LOCKED_HEAD} l RETURNING seq, hash)")
    return f"WITH {', '.join(ctes)} UPDATE {head} SET seq = e.seq, hash = e.hash FROM e WHERE {head}.id = 1 RETURNING e.seq"


def ledger_append_rowsets(*, action: str, actor: str, object_type: str, object_id: str,
                          rowsets: Sequence[Mapping[str, Any]], data: Mapping[str, Any] | None = None) -> int:
    """Record a bulk write: one entry per row set (per batch); returns the entry count."""
    for number, rs in enumerate(rowsets, 1):
        count = sum(c for _, c in rs["ids"])
        ledger_append(action=action, actor=actor, object_type=object_type, object_id=object_id,
                      rows=[rs], data={**(data or {}), "batch": number, "count": count})
    return len(rowsets)
