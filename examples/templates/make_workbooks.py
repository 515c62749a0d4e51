"""Generate the Excel workbooks in this folder (CONTRACTS.md C1, Excel form).

Run ``python examples/templates/make_workbooks.py`` from the repository root:

* ``kaoping-template.xlsx``   the empty, annotated template (as ``kaoping template``);
* ``efficiency-2026-10.xlsx`` the sample bundle ``../efficiency-2026-10.json`` filled in,
  checked to score exactly as the JSON does (``kaoping score efficiency-2026-10.xlsx``).
"""

from __future__ import annotations

import json
from pathlib import Path

from kaoping.engine.bundle import parse_bundle
from kaoping.engine.excel import read_workbook, write_template, write_workbook
from kaoping.engine.scoring import score

HERE = Path(__file__).resolve().parent


def main() -> None:
    print(write_template(HERE / "kaoping-template.xlsx"))
    source = HERE.parent / "efficiency-2026-10.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    path = write_workbook(data, HERE / "efficiency-2026-10.xlsx")
    again, where = read_workbook(path)
    expected = score(parse_bundle(data)).to_dict()
    if score(parse_bundle(again, where=where)).to_dict() != expected:
        raise SystemExit(f"{path}: the workbook does not score as {source.name}")
    print(path)


if __name__ == "__main__":
    main()
