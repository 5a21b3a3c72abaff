"""Production settings and gunicorn on loopback, for the scripts that measure the real server."""

import atexit
import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def production_env(tmp, **extra):
    """DEBUG off with a throwaway key, plain http on 127.0.0.1, a scratch SQLite file in `tmp`,
    and this process's own collected static files."""
    return {
        **os.environ,
        "NEWSROOM_STATIC_ROOT": str(_static_root()),
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


_static_collected = False


@functools.cache
def _static_root():
    """A folder of this process's own for collected static files: two runs side by side (CI's
    SQLite and PostgreSQL suites) never rewrite a manifest the other's server is reading."""
    root = Path(tempfile.mkdtemp(prefix="newsroom-static-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def collect_static(env):
    """Production settings name static files by their manifest: make it once per process (a
    fresh clone has none, and every page would answer 500 without it)."""
    global _static_collected
    if not _static_collected:
        manage(env, "collectstatic", "--noinput", "-v0", stdout=subprocess.DEVNULL)
        _static_collected = True


def start_gunicorn(env, *, workers=2, threads=8):
    """gunicorn as the README's production section runs it; returns (process, base URL) once
    it answers."""
    collect_static(env)
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "newsroom.wsgi", "--worker-class", "gthread", "--keep-alive", "30",
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


def nginx_conf(tmp, *, upstream, port, extra_server=""):
    """deploy/nginx.conf as the tests and the benchmark run it: the upstream, the port, the
    cache, the pid and the logs in `tmp`; `extra_server`: another server block (the
    benchmark's static copy of the page)."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server {upstream};",
        "listen 80;": f"listen 127.0.0.1:{port};",
        "/var/cache/nginx/newsroom": str(Path(tmp) / "nginx-cache"),
        "pid /run/nginx-newsroom.pid;": f"pid {Path(tmp) / 'nginx.pid'};\n"
        f"error_log {Path(tmp) / 'nginx-error.log'} warn;",
        "worker_processes auto;": "worker_processes 1;"
        + ("\nuser root;" if os.geteuid() == 0 else ""),
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    if extra_server:
        text = text.rstrip().removesuffix("}") + extra_server + "\n}\n"
    path = Path(tmp) / "nginx.conf"
    path.write_text(text)
    return path


def start_nginx(tmp, *, upstream, extra_server=""):
    """nginx in the foreground on a free port with deploy/nginx.conf; (process, base URL)."""
    port = free_port()
    conf = nginx_conf(tmp, upstream=upstream, port=port, extra_server=extra_server)
    for name in ("client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
        (Path(tmp) / name).mkdir(exist_ok=True)
    server = subprocess.Popen(
        ["nginx", "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    return server, base
