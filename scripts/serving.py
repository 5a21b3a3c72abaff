"""Production settings and gunicorn on loopback, for the scripts that measure the real server."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def production_env(tmp, **extra):
    """DEBUG off with a throwaway key, plain http on 127.0.0.1, a scratch SQLite file in `tmp`."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "loopback-measurement-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "NEWSROOM_SSL_REDIRECT": "0",
        "SQLITE_PATH": str(Path(tmp) / "scratch.sqlite3"),
        **extra,
    }


def manage(env, *cmd, **kw):
    return subprocess.run([PY, "manage.py", *cmd], cwd=ROOT, env=env, check=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env, *, workers=2, threads=8):
    """gunicorn as the README's production section runs it; returns (process, base URL) once
    it answers."""
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "newsroom.wsgi", "--worker-class", "gthread",
         "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    return server, base
