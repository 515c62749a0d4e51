"""The ``kaoping`` command (CONTRACTS.md C3).

``score``, ``ahp``, ``template`` and ``policy`` work on files alone and never import
Django, so an auditor's recomputation starts fast and stays small. Every other command
(import, export, results, ledger, token, demo, serve, migrate, ...) is a Django
management command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ENGINE_COMMANDS = ("score", "ahp", "template", "policy")


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 1


def write_json(data: Any, output: str | None) -> None:
    """Write JSON to ``output`` atomically (temp file + rename), or to stdout."""
    text = json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False)
    if not output:
        sys.stdout.write(text + "\n")
        return
    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(target)


def _score(args: argparse.Namespace) -> int:
    from .engine.bundle import load_bundle
    from .engine.scoring import score

    bundle = load_bundle(args.bundle)
    results = score(bundle, detectors=not args.no_detectors, rater_effects=args.rater_effects)
    write_json(results.to_dict(), args.output)
    return 0


def _ahp(args: argparse.Namespace) -> int:
    from .engine import ahp

    path = Path(args.matrix)
    if not path.is_file():
        return _fail(f"文件不存在：{path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _fail(f"{path}: JSON 格式错误：{exc}")
    result = ahp.from_document(data)
    if args.json:
        write_json(result.to_dict(), None)
    else:
        sys.stdout.write(ahp.format_table(result) + "\n")
    return 0


def _template(args: argparse.Namespace) -> int:
    from .engine.excel import write_template

    write_template(args.output)
    print(args.output)
    return 0


def _policy(args: argparse.Namespace) -> int:
    from .engine.bundle import load_bundle
    from .engine.tree import policy_check

    bundle = load_bundle(args.bundle)
    failed = False
    for share in policy_check(bundle):
        label = share.unit_type or "（未分类）"
        s = share.shares
        status = "；".join(share.violations) or "符合"
        failed = failed or bool(share.violations)
        print(f"{label}（{len(share.units)} 个单位）：过程性 {s['process']:.1%}，结果性 "
              f"{s['result']:.1%}，未标注 {s['untagged']:.1%} — {status}")
    return 1 if failed else 0


def _engine_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kaoping", description="考评 Kaoping")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("score", help="从活动数据包计算结果（不需要数据库）")
    p.add_argument("bundle")
    p.add_argument("-o", "--output")
    p.add_argument("--no-detectors", action="store_true", help="只计算 C1 规则的预警")
    p.add_argument("--rater-effects", action="store_true", help="附加评价人宽严效应校正视图（不改变正式得分）")
    p.set_defaults(func=_score)
    p = sub.add_parser("ahp", help="层次分析法：权重、λmax、CI、CR")
    p.add_argument("matrix")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_ahp)
    p = sub.add_parser("template", help="生成空白的 Excel 活动数据包模板")
    p.add_argument("-o", "--output", default="kaoping-template.xlsx")
    p.set_defaults(func=_template)
    p = sub.add_parser("policy", help="检查过程性/结果性指标权重占比")
    p.add_argument("bundle")
    p.set_defaults(func=_policy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        from .engine.errors import KaopingError

        args = _engine_parser().parse_args(argv)
        try:
            code: int = args.func(args)
            return code
        except KaopingError as exc:
            return _fail(str(exc))
        except OSError as exc:
            return _fail(str(exc))
    if argv and argv[0] in ("-h", "--help"):
        _engine_parser().print_help()
        print("\n其余命令：import, export, results, ledger, token, demo, serve 及 Django 管理命令")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaoping.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kaoping", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
