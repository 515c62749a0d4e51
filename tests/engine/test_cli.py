"""`kaoping score` as an auditor uses it: files in, results out, errors named, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kaoping.cli import main

from .helpers import make

R = [{"code": "R1", "group": "peer"}]


def write(tmp_path: Path, data: dict, name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_score_writes_c2_results_to_the_output_file(tmp_path):
    bundle = write(tmp_path, make(raters=R, scores=[{"rater": "R1", "unit": "U1", "indicator": "A", "value": 91}]))
    out = tmp_path / "results.json"
    assert main(["score", str(bundle), "-o", str(out)]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["format"] == "kaoping-results/1"
    assert results["units"][0] == {**results["units"][0], "unit": "U1", "total": 91.0, "grade": "优秀", "rank": 1}


def test_score_prints_to_stdout_without_an_output_file(tmp_path, capsys):
    bundle = write(tmp_path, make(raters=R, scores=[{"rater": "R1", "unit": "U2", "indicator": "A", "value": 75}]))
    assert main(["score", str(bundle)]) == 0
    assert json.loads(capsys.readouterr().out)["units"][0]["unit"] == "U2"


def test_a_bad_bundle_exits_1_naming_the_record_and_writes_nothing(tmp_path):
    bundle = write(tmp_path, make(raters=R, scores=[{"rater": "R1", "unit": "U7", "indicator": "A", "value": 75}]))
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "kaoping.cli", "score", str(bundle), "-o", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1
    assert "scores[0]" in proc.stderr and "U7" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bundle]


def test_a_missing_file_exits_1(tmp_path, capsys):
    assert main(["score", str(tmp_path / "nope.json")]) == 1
    assert "nope.json" in capsys.readouterr().err


def test_the_score_path_imports_no_django(tmp_path):
    bundle = write(tmp_path, make(raters=R, scores=[{"rater": "R1", "unit": "U1", "indicator": "A", "value": 80}]))
    code = (
        "import sys; from kaoping.cli import main; "
        f"rc = main(['score', {str(bundle)!r}, '-o', {str(tmp_path / 'o.json')!r}]); "
        "heavy = sorted(m for m in ('django', 'openpyxl', 'yaml') if m in sys.modules); "
        "print(rc, heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "0 []"


def test_the_engine_never_imports_django():
    code = (
        "import sys, pkgutil, importlib, kaoping.engine as e\n"
        "for m in pkgutil.walk_packages(e.__path__, 'kaoping.engine.'): importlib.import_module(m.name)\n"
        "print([m for m in sys.modules if m.split('.')[0] == 'django'])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
