"""The one-statement write of a rating (PostgreSQL): the same rows and ledger entry as the
ordinary path, in two round trips, and safe beside concurrent writers of every kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum

from kaoping.ledger.models import LedgerEntry, LedgerHead
from kaoping.ledger.selectors import ledger_verify
from kaoping.ledger.services import GENESIS, entry_hash, timestamp
from kaoping.ratings import selectors
from kaoping.ratings.models import BadRatingCase, IdempotencyRecord, Rating, RatingSummary
from kaoping.ratings.services import (
    appeal_decide,
    appeal_file,
    case_advance,
    rating_submit,
    transaction_receive,
)

from ..threads import run_in_threads
from .conftest import make_user, txn_payload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement write is PostgreSQL's"),
]


@pytest.fixture
def txn(api):
    assert api.post("/transactions", txn_payload()).status_code == 201


class Statements(list[str]):
    """The statements sent through Django's cursors (prepared ones too), savepoints left out."""

    def __enter__(self) -> Statements:
        self._wrapper = connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapper.__exit__(*exc)

    def _record(self, execute, sql, params, many, context):
        if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            self.append(sql)
        return execute(sql, params, many, context)


def test_a_good_rating_takes_two_round_trips_and_hashes_like_python(api):
    tid = 'T-"引号"\\反斜杠'  # the entry's envelope escapes these in JSON: Python and SQL must agree
    assert api.post("/transactions", txn_payload(tid)).status_code == 201
    with Statements() as writes:
        r = api.post("/ratings", {"transaction": tid, "level": 5, "comment": "态度好\t\"很好\""},
                     **{"Idempotency-Key": "k-1"})
    assert r.status_code == 201, r.content
    assert len(writes) == 2, writes
    assert "nextval" in writes[0] and writes[1].startswith("WITH ledger_head_locked")
    rating = Rating.objects.get(transaction__external_id=tid)
    assert r.json()["id"] == rating.pk
    assert IdempotencyRecord.objects.get(key="k-1").body == r.json()
    entry = LedgerEntry.objects.order_by("-seq").first()
    assert entry.action == "rating.submit" and entry.object_id == tid
    prior = LedgerEntry.objects.filter(seq=entry.seq - 1).first()
    assert entry.prev_hash == (prior.hash if prior else GENESIS)
    assert entry.hash == entry_hash(seq=entry.seq, created_at=timestamp(entry.created_at), actor=entry.actor,
                                    action=entry.action, object_type=entry.object_type,
                                    object_id=entry.object_id, payload=entry.payload, prev_hash=entry.prev_hash)
    head = LedgerHead.objects.get()
    assert (head.seq, head.hash) == (entry.seq, entry.hash)
    window = RatingSummary.objects.get(kind="window", key=rating.window_id)
    assert (window.count, window.n5, window.level_sum) == (1, 1, 5)
    assert ledger_verify().ok


def test_a_bad_rating_opens_its_case_on_the_ordinary_path(api, txn):
    with Statements() as sent:
        r = api.post("/ratings", {"transaction": "T1", "level": 1})
    assert r.status_code == 201 and r.json()["case"] is not None
    assert not any(s.startswith("WITH ledger_head_locked") for s in sent)
    assert ledger_verify().ok


def test_a_second_rating_in_one_statement_writes_nothing(api, txn):
    assert api.post("/ratings", {"transaction": "T1", "level": 5}).status_code == 201
    before = (Rating.objects.count(), LedgerEntry.objects.count(), RatingSummary.objects.aggregate(n=Sum("count")))
    r = api.post("/ratings", {"transaction": "T1", "level": 4}, **{"Idempotency-Key": "other"})
    assert r.status_code == 409 and r.json()["error"] == "already_rated"
    assert (Rating.objects.count(), LedgerEntry.objects.count(),
            RatingSummary.objects.aggregate(n=Sum("count"))) == before
    assert not IdempotencyRecord.objects.filter(key="other").exists()
    assert ledger_verify().ok


def test_without_a_ledger_head_the_ordinary_path_writes_and_creates_it(db):
    txn, _ = transaction_receive(data=txn_payload("T9"))
    LedgerEntry.objects.all().delete()
    LedgerHead.objects.all().delete()
    found, reserved = selectors.transaction_get_reserving("T9")
    assert found == txn and reserved is not None
    rating = rating_submit(transaction=found, level=5, channel="api", rating_id=reserved)
    assert rating.pk is not None and Rating.objects.count() == 1
    assert LedgerHead.objects.get().seq == 1 and ledger_verify().ok


def test_an_unknown_transaction_reserves_no_id(db):
    assert selectors.transaction_get_reserving("nope") == (None, None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_every_kind_keep_one_chain_and_exact_sums():
    """Good ratings (one statement), bad ones (cases) and case steps and appeals (ordinary
    path, ledger first) from eight threads: no deadlock, one valid chain, sums equal rows."""
    office, reviewer = make_user("office", "office"), make_user("reviewer", "supervisor")
    base = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ids = [f"C{i:03d}" for i in range(160)]
    for i, tid in enumerate(ids):
        transaction_receive(data=txn_payload(tid, window=f"W{i % 3}", staff=f"S{i % 4}",
                                             accepted_at=(base - dt.timedelta(hours=2)).isoformat(),
                                             completed_at=(base - dt.timedelta(hours=1)).isoformat()))

    def run(worker: int) -> None:
        for tid in ids[worker::8]:
            txn, reserved = selectors.transaction_get_reserving(tid)
            level = 2 if int(tid[1:]) % 5 == 0 else 5 - int(tid[1:]) % 2
            rating = rating_submit(transaction=txn, level=level, channel="api", rating_id=reserved,
                                   idempotency=("token:1", tid), respond=selectors.rating_to_api)
            if level == 2:
                case = BadRatingCase.objects.get(rating=rating)
                case_advance(case=case, action="callback", note="已回访", by=office)
                appeal = appeal_file(rating=rating, reason="恶意差评", by=office)
                appeal_decide(appeal=appeal, uphold=worker % 2 == 0, note="复核", by=reviewer)

    assert run_in_threads(run, 8) == []
    assert Rating.objects.count() == 160
    kept = Rating.objects.filter(excluded=False)
    sums = RatingSummary.objects.filter(kind="window").aggregate(n=Sum("count"), s=Sum("level_sum"))
    assert (sums["n"], sums["s"]) == (kept.count(), kept.aggregate(s=Sum("level"))["s"])
    assert LedgerEntry.objects.filter(action="rating.submit").count() == 160
    assert ledger_verify().ok
