"""The secret key: from the environment, else made once per installation and kept."""

from __future__ import annotations

import os
import stat
import subprocess
import sys


def _key(data_dir, **env):
    run_env = {k: v for k, v in os.environ.items() if k not in ("KAOPING_SECRET_KEY", "PYTEST_VERSION")}
    run_env.update(KAOPING_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="kaoping.config.settings", **env)
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                         env=run_env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_without_a_configured_key_one_is_made_once_and_kept_private(tmp_path):
    first = _key(tmp_path)
    assert len(first) >= 50
    assert _key(tmp_path) == first  # the same key next time: sessions survive a restart
    mode = stat.S_IMODE((tmp_path / "secret.key").stat().st_mode)
    assert mode == 0o600
    assert _key(tmp_path / "other") != first  # another installation, another key


def test_the_environment_key_wins(tmp_path):
    assert _key(tmp_path, KAOPING_SECRET_KEY="from-the-environment-0123456789") == "from-the-environment-0123456789"
    assert not (tmp_path / "secret.key").exists()
