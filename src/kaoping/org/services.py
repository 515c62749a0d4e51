"""Writes of the org app (keyword-only, atomic, validate first then write)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import transaction

from kaoping.engine.errors import KaopingError

from .models import Unit, UnitType

Locator = Callable[[str, int], str]


class OrgError(KaopingError):
    """An organisation record cannot be written (conflict, unknown type ...)."""

    default_code = "org_error"


def _where(section: str, index: int) -> str:
    return f"{section}[{index}]"


def _stated(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    return str(value)


@transaction.atomic
def unit_create(*, code: str, name: str, type: str = "", region: str = "",
                parent: Unit | None = None) -> Unit:
    """Register one unit."""
    if type and type not in UnitType.values:
        raise OrgError(f"单位类型 {type} 未知（可用：{'、'.join(UnitType.values)}）",
                       code="unknown_unit_type", location=code)
    if Unit.objects.filter(code=code).exists():
        raise OrgError(f"单位代码 {code} 已存在", code="duplicate_code", location=code)
    return Unit.objects.create(code=code, name=name, type=type, region=region, parent=parent)


@transaction.atomic
def units_ensure(*, records: Sequence[Mapping[str, Any]], where: Locator = _where,
                 section: str = "units") -> dict[str, Unit]:
    """Create or reuse the units a bundle lists, by code; return them by code.

    A unit already registered is reused when every field the record states (name,
    type, region, parent) agrees with the register; a field the record leaves out is
    not compared. A record that contradicts the register is refused — the register is
    shared by every campaign, so a bundle may not silently rename or retype a unit;
    correct the bundle or the register first. Nothing is written unless every record
    passes.
    """
    codes = [str(r["code"]) for r in records]
    existing = {u.code: u for u in Unit.objects.filter(code__in=codes).select_related("parent")}
    for i, record in enumerate(records):
        code = codes[i]
        utype = _stated(record, "type")
        if utype is not None and utype not in UnitType.values:
            raise OrgError(
                f"单位 {code} 的类型 {utype} 未知（可用：{'、'.join(UnitType.values)}）",
                code="unknown_unit_type", location=where(section, i),
            )
        unit = existing.get(code)
        if unit is None:
            continue
        parent_code = unit.parent.code if unit.parent else None
        differences = [
            f"{label}：数据包为 {stated}，系统中为 {current or '（空）'}"
            for key, label, current in (
                ("name", "名称", unit.name), ("type", "类型", unit.type),
                ("region", "区域", unit.region), ("parent", "上级单位", parent_code),
            )
            if (stated := _stated(record, key)) is not None and stated != current
        ]
        if differences:
            raise OrgError(
                f"单位 {code} 已登记，但与数据包不一致（{'；'.join(differences)}）。"
                "请先核对单位信息或修改数据包", code="unit_conflict", location=where(section, i),
            )
    new = [
        Unit(code=code, name=_stated(r, "name") or code, type=_stated(r, "type") or "",
             region=_stated(r, "region") or "")
        for code, r in zip(codes, records, strict=True) if code not in existing
    ]
    Unit.objects.bulk_create(new)
    units = {**existing, **{u.code: u for u in Unit.objects.filter(code__in=[u.code for u in new])}}
    with_parent = []
    for code, record in zip(codes, records, strict=True):
        parent = _stated(record, "parent")
        if code not in existing and parent is not None:
            unit = units[code]
            unit.parent = units[parent]  # the engine checked it is listed
            with_parent.append(unit)
    Unit.objects.bulk_update(with_parent, ["parent"])
    return units
