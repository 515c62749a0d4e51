"""Reading the ledger: ``ledger_verify`` (``kaoping ledger verify``).

1. The chain: entries numbered 1, 2, 3 … without a gap, each entry's hash recomputed
   from its fields, each ``prev_hash`` equal to the hash before it, and the head row
   equal to the last entry (entries cut off the end are noticed).
2. The rows: the row sets of every entry are replayed in order, giving for each row of
   each covered table the digest the ledger last recorded for it. Every current row is
   digested again and compared: a row whose digest differs was changed, a row the
   ledger never recorded was inserted behind the application, a recorded row that is
   gone was deleted. Each finding names the row (table, id, and what it is).
3. The batches: where no later entry superseded a batch's rows, the Merkle root of the
   rows' full digests is recomputed and compared, so the 8-byte digests used to locate
   a change do not weaken the check.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from .models import LedgerEntry, LedgerHead
from .services import GENESIS, entry_hash, timestamp
from .tables import COVERED, Table, expand_ranges, merkle_root, table, tables

#: findings described in full (a query each); later ones are named by table and id
DESCRIBED = 20


@dataclass(slots=True)
class Problem:
    kind: str
    message: str


@dataclass(slots=True)
class VerifyReport:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            counted = "，".join(f"{table(k).name} {n}" for k, n in self.rows.items() if n)
            return (f"账本校验通过：共 {self.entries} 条记录，链头 #{self.head_seq} {self.head_hash[:16]}…；"
                    f"核对 {sum(self.rows.values())} 行数据（{counted or '无'}），与账本一致。")
        lines = [f"账本校验未通过：发现 {len(self.problems)} 处不一致。第一处：{self.problems[0].message}"]
        lines += [f"  - {p.message}" for p in self.problems[1:20]]
        if len(self.problems) > 20:
            lines.append(f"  …… 另有 {len(self.problems) - 20} 处")
        return "\n".join(lines)


@dataclass(slots=True)
class _RowSet:
    seq: int
    key: str
    ids: list[int]
    root: bytes


def _check_chain(report: VerifyReport) -> tuple[dict[str, dict[int, tuple[bytes, int]]], list[_RowSet]]:
    problems = report.problems
    state: dict[str, dict[int, tuple[bytes, int]]] = {key: {} for key in COVERED}
    rowsets: list[_RowSet] = []
    prev_hash, expected, last_hash = GENESIS, 1, GENESIS
    fields = ("seq", "created_at", "actor", "action", "object_type", "object_id", "payload",
              "prev_hash", "hash")
    for seq, created, actor, action, otype, oid, payload, prev, digest in (
        LedgerEntry.objects.order_by("seq").values_list(*fields).iterator(chunk_size=200)
    ):
        report.entries += 1
        if seq != expected:
            missing = f"第 {expected} 条" if seq == expected + 1 else f"第 {expected}–{seq - 1} 条"
            problems.append(Problem("entry_missing", f"账本{missing}记录缺失（被删除），其后为第 {seq} 条"))
        elif prev != prev_hash:
            problems.append(Problem(
                "chain_broken", f"账本第 {seq} 条记录的前一条哈希与第 {seq - 1} 条不符（前一条被修改或替换）"))
        recomputed = entry_hash(seq=seq, created_at=timestamp(created), actor=actor, action=action,
                                object_type=otype, object_id=oid, payload=payload, prev_hash=prev)
        if recomputed != digest:
            problems.append(Problem(
                "entry_changed", f"账本第 {seq} 条记录（{action} {otype}:{oid}）的内容与其哈希不符（记录被修改）"))
        prev_hash, expected, last_hash = digest, seq + 1, digest
        try:
            data = json.loads(payload)
            rows = data.get("rows", [])
        except (ValueError, AttributeError):
            problems.append(Problem("entry_changed", f"账本第 {seq} 条记录的内容无法解析（记录被修改）"))
            continue
        for rs in rows:
            key = rs.get("t")
            if key not in state:
                continue
            recorded = state[key]
            if "deleted" in rs:
                for pk in expand_ranges(rs["deleted"]):
                    recorded.pop(pk, None)
                continue
            ids = expand_ranges(rs["ids"])
            h = base64.b64decode(rs["h"])
            index = len(rowsets)
            rowsets.append(_RowSet(seq, key, ids, bytes.fromhex(rs["root"])))
            for i, pk in enumerate(ids):
                recorded[pk] = (h[8 * i:8 * i + 8], index)
    head = LedgerHead.objects.filter(pk=1).first()
    last_seq = expected - 1
    report.head_seq, report.head_hash = last_seq, last_hash
    if head is None:
        if last_seq:
            problems.append(Problem("head", "账本链头记录缺失（被删除）"))
    elif head.seq > last_seq:
        gone = f"第 {head.seq} 条" if head.seq == last_seq + 1 else f"第 {last_seq + 1}–{head.seq} 条"
        problems.append(Problem("entry_missing", f"账本末尾{gone}记录缺失（被删除），现存最后一条为第 {last_seq} 条"))
    elif head.seq != last_seq or head.hash != last_hash:
        problems.append(Problem("head", f"账本链头（#{head.seq}）与最后一条记录（#{last_seq}）不符"))
    return state, rowsets


def _name(t: Table, pk: int, problems: list[Problem]) -> str:
    """The row for people; only the first findings get the (slower) full description."""
    return t.describe(pk) if len(problems) < DESCRIBED else f"{t.name} #{pk}"


def ledger_verify() -> VerifyReport:
    """Recompute the chain and compare every covered row with what the ledger recorded."""
    report = VerifyReport()
    state, rowsets = _check_chain(report)
    problems = report.problems
    current: dict[str, dict[int, bytes]] = {}
    flagged: set[int] = set()  # row sets with a row already reported changed
    for t in tables():
        recorded = state[t.key]
        full: dict[int, bytes] = {}
        digest = t.digest
        for row in t.rows():
            pk = row[0]
            d = full[pk] = digest(row)
            seen = recorded.get(pk)
            if seen is None:
                problems.append(Problem("row_inserted", f"{_name(t, pk, problems)} 没有账本记录（在应用之外插入）"))
            elif seen[0] != d[:8]:
                flagged.add(seen[1])
                problems.append(Problem(
                    "row_changed",
                    f"{_name(t, pk, problems)} 与账本第 {rowsets[seen[1]].seq} 条记录的内容不一致（被修改）"))
        for pk, (_, index) in recorded.items():
            if pk not in full:
                problems.append(Problem(
                    "row_deleted", f"{t.name} #{pk} 已不在表中（账本第 {rowsets[index].seq} 条记录过它，被删除）"))
        report.rows[t.key] = len(full)
        current[t.key] = full
    for index, rs in enumerate(rowsets):
        recorded, full = state[rs.key], current[rs.key]
        current_rows = index not in flagged and all(
            pk in full and recorded.get(pk, (b"", -1))[1] == index for pk in rs.ids)
        if current_rows and merkle_root([full[pk] for pk in rs.ids]) != rs.root:
            problems.append(Problem(
                "batch_changed",
                f"账本第 {rs.seq} 条记录的{table(rs.key).name}（{len(rs.ids)} 行）默克尔根不符（数据被修改）"))
    return report
