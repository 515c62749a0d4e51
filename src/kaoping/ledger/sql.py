"""Single-row INSERT without the ORM's query compiler, for the hot write paths.

Why: a rating submitted through the API (R4.8: ≥ 500/s on two cores) spends most of
its CPU time in Django compiling the same four or five statements again and again.
:func:`insert_row` builds the ``INSERT ... RETURNING`` text once per model and only
converts the values each time, with the fields' own ``pre_save`` (``auto_now_add``)
and ``get_db_prep_save`` — the same conversions ``Model.save()`` applies — so the row
stored is the one ``save(force_insert=True)`` would store. No signals are sent: use it
only for models without ``post_save`` receivers.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model


@cache
def _statement(model: type[Model], vendor: str) -> tuple[str, tuple[Field[Any, Any], ...], bool]:
    opts = model._meta
    pk = opts.pk
    assert pk is not None
    auto_pk = pk.get_internal_type() in {"AutoField", "BigAutoField", "SmallAutoField"}
    fields = tuple(f for f in opts.concrete_fields if not (auto_pk and f.primary_key))
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if auto_pk:
        sql += f" RETURNING {qn(pk.column)}"
    return sql, fields, auto_pk


def insert_row(obj: Model) -> Model:
    """Insert ``obj`` as a new row and set its primary key; returns ``obj``.

    Examples
    --------
    >>> entry = insert_row(IdempotencyRecord(scope="token:1", key="k-1", ...))  # doctest: +SKIP
    >>> entry.pk is not None  # doctest: +SKIP
    True
    """
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: each use of the proxy costs a look-up
    sql, fields, auto_pk = _statement(type(obj), db.vendor)
    params = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        if auto_pk:
            obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


#: the name under which :func:`~kaoping.ledger.services.ledger_append_with` offers the
#: locked ledger head to the writes it runs in the same statement
LOCKED_HEAD = "ledger_head_locked"


@cache
def _after_lock_statement(model: type[Model], vendor: str, with_pk: bool) -> tuple[str, tuple[Field[Any, Any], ...]]:
    opts = model._meta
    fields = tuple(f for f in opts.concrete_fields if with_pk or not f.primary_key)
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"SELECT {', '.join(typed(f) for f in fields)} FROM {LOCKED_HEAD}")
    return sql, fields


def typed(field: Field[Any, Any]) -> str:
    """A placeholder cast to ``field``'s column type, without a length.

    A value selected (rather than inserted with ``VALUES``) does not take the column's
    type, and a prepared statement's parameters need one; a cast to ``varchar(n)`` would
    cut a long text silently, so lengths are left to the column, which refuses it.
    """
    db_type = field.db_type(connection) or "text"
    return "%s::" + re.sub(r"\(\d+\)", "", db_type.split(" CHECK")[0])


def insert_after_lock(obj: Model) -> tuple[str, list[Any]]:
    """``INSERT ... SELECT <obj's values> FROM ledger_head_locked`` and its parameters.

    A write for :func:`~kaoping.ledger.services.ledger_append_with`: selecting from the
    locked head makes PostgreSQL take the ledger lock before it writes the row. The
    primary key is written when ``obj`` has one (reserved from its sequence), else the
    column's default assigns it. Values are converted as :func:`insert_row` does.

    Examples
    --------
    >>> sql, params = insert_after_lock(IdempotencyRecord(scope="token:1", key="k-1", ...))  # doctest: +SKIP
    >>> sql.startswith('INSERT INTO "ratings_idempotencyrecord"')  # doctest: +SKIP
    True
    """
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: each use of the proxy costs a look-up
    sql, fields = _after_lock_statement(type(obj), db.vendor, obj.pk is not None)
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]


@contextlib.contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor on Django's connection that prepares its statements on the server (PostgreSQL).

    Why: the hot statements of a rating cost PostgreSQL more to parse and plan than to
    run. Django binds parameters on the client and turns psycopg's automatic
    preparation off (for connection poolers); this cursor binds on the server and
    prepares every statement once per connection. It is Django's cursor wrapper around
    it, so errors are Django's (``IntegrityError``) and tests see the queries. Use it only
    for a few fixed statements whose placeholders are typed (:func:`typed`).
    """
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    raw = db.connection
    if raw.prepare_threshold is None:  # Django's "never": then psycopg ignores prepare=True too.
        raw.prepare_threshold = 2**31 - 1  # Django's own cursors bind on the client and never prepare
    cursor = _preparing_cursor_class()(raw)
    wrapped = db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)
    with wrapped:
        yield wrapped


@cache
def _preparing_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True)

    return PreparingCursor
