"""Reads of the indicators app: a version's tree as C1 ``indicators`` records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from kaoping.ledger.tables import canonical_json

from .models import IndicatorNode, LibraryVersion


def plain_number(value: float) -> int | float:
    """``40.0`` → ``40``: numbers stored as floats read back the way people write them."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def node_record(node: IndicatorNode, children: list[dict[str, Any]]) -> dict[str, Any]:
    """One C1 indicator record (``children`` already built)."""
    rec: dict[str, Any] = {"code": node.code, "name": node.name, "weight": plain_number(node.weight)}
    if node.nature:
        rec["nature"] = node.nature
    if node.dimensions:
        rec["dimensions"] = list(node.dimensions)
    if node.applies_to is not None:
        rec["applies_to"] = list(node.applies_to)
    if children:
        rec.update(_extras(node, rec))
        rec["children"] = children
        return rec
    rec["source"] = node.source
    if node.rule is not None:
        rec["rule"] = node.rule
    if node.rated_by is not None:
        rec["rated_by"] = list(node.rated_by)
    if node.full is not None:
        rec["full"] = plain_number(node.full)
    if node.scale is not None:
        rec["scale"] = node.scale
    rec.update(_extras(node, rec))
    return rec


def _extras(node: IndicatorNode, rec: dict[str, Any]) -> dict[str, Any]:
    out = {"description": node.description} if node.description else {}
    out.update({k: v for k, v in (node.extra or {}).items() if k not in rec})
    return out


def tree_records(nodes: Iterable[IndicatorNode], parent_of: dict[int, str | None] | None = None,
                 ) -> list[dict[str, Any]]:
    """C1 ``indicators`` from nodes in pre-order; ``parent_of`` maps position → parent code
    (for nodes not saved yet), else each node's ``parent`` is used."""
    ordered = sorted(nodes, key=lambda n: n.position)
    kids: dict[str | None, list[IndicatorNode]] = {}
    if parent_of is None:
        code_of = {n.pk: n.code for n in ordered}
        parent_of = {n.position: code_of.get(n.parent_id) for n in ordered}
    for n in ordered:
        kids.setdefault(parent_of[n.position], []).append(n)

    def build(node: IndicatorNode) -> dict[str, Any]:
        return node_record(node, [build(c) for c in kids.get(node.code, [])])

    return [build(n) for n in kids.get(None, [])]


def content_hash(records: list[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(records).encode()).hexdigest()


def version_indicators(*, version: LibraryVersion) -> list[dict[str, Any]]:
    """The version's tree as C1 ``indicators`` records, in the order they were given."""
    return tree_records(IndicatorNode.objects.filter(version=version).order_by("position"))
