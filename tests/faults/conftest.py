"""Fault tests start real processes and their own servers (tests/faults/servers.py)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def project_env(**overrides):
    """The environment of a child process of the project: production settings, nothing
    inherited that would point it at the shared servers."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def manage(*argv, env, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env,
                          check=True, timeout=120, **kwargs)


def start_manage(*argv, env, output):
    return subprocess.Popen([sys.executable, "manage.py", *argv], cwd=ROOT, env=env,
                            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)


