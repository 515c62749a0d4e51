"""``kaoping serve``: the production web server (gunicorn).

Runs the WSGI application ``kaoping.config.wsgi:application`` in gunicorn worker
processes. Static files are served by WhiteNoise inside the application, so no separate
web server is needed on a small deployment; behind nginx the same command works.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_BIND = "127.0.0.1:8000"
#: one per core and one more, so a core never idles while a worker waits on the database
#: (bench/bench_ratings_load.py on 2 cores: 2 workers 312 ratings/s, 3 workers 349/s, 4 workers 289/s)
DEFAULT_WORKERS = min((os.cpu_count() or 1) + 1, 8)


def parse_bind(value: str) -> tuple[str, int]:
    """Split ``HOST:PORT`` (or ``:PORT``, ``PORT``, ``[::1]:PORT``) into host and port."""
    text = value.strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise CommandError(f"地址格式应为 主机:端口，例如 127.0.0.1:8000，实际为 {value!r}") from None
    if not 0 < number < 65536:
        raise CommandError(f"端口应在 1–65535 之间，实际为 {number}")
    return host, number


def format_bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def public_url(bind: str) -> str:
    """The address people type: ``0.0.0.0`` and ``::`` shown as 127.0.0.1."""
    host, port = parse_bind(bind)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{format_bind(shown, port)}/"


def run_gunicorn(bind: str, workers: int, *, options: dict[str, Any] | None = None) -> None:
    """Serve ``kaoping.config.wsgi:application`` with gunicorn until interrupted."""
    from gunicorn.app.base import BaseApplication

    host, port = parse_bind(bind)
    settings: dict[str, Any] = {
        "bind": format_bind(host, port),
        "workers": workers,
        "accesslog": os.environ.get("KAOPING_ACCESS_LOG", "-"),
        "errorlog": "-",
        "timeout": int(os.environ.get("KAOPING_WORKER_TIMEOUT", "60")),
        "graceful_timeout": 20,
        "forwarded_allow_ips": os.environ.get("KAOPING_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "proc_name": "kaoping",
        # the workers' heartbeat file is touched on every request: keep it in memory
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }
    settings.update(options or {})

    class KaopingApplication(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in settings.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from kaoping.config.wsgi import application

            return application

    KaopingApplication().run()


class Command(BaseCommand):
    help = "以生产方式启动 Web 服务（gunicorn）"
    requires_system_checks: list[str] = []  # checked by `kaoping check` / `demo` beforehand

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=DEFAULT_BIND, help=f"监听地址 主机:端口（默认 {DEFAULT_BIND}）")
        parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                            help=f"工作进程数（默认 {DEFAULT_WORKERS}）")

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"]
        if workers < 1:
            raise CommandError("--workers 至少为 1")
        bind = options["bind"]
        parse_bind(bind)
        self.stdout.write(f"考评 Kaoping 正在 {public_url(bind)} 提供服务（{workers} 个工作进程），按 Ctrl+C 停止。")
        self.stdout.flush()
        run_gunicorn(bind, workers)
