"""Production's static files: every name hashed, ES module imports included."""

import json
import re

from tests.test_settings import PRODUCTION, manage

IMPORT = re.compile(r'^(?:import|export)\b[^;]*?["\'](\.{1,2}/[^"\']+)["\'];?$', re.M)
HASHED = re.compile(r"\.[0-9a-f]{12}\.js$")


def test_production_collectstatic_points_every_module_import_at_a_hashed_file(tmp_path):
    """A hashed main.js importing an unhashed "./poller.js" would let a browser or a CDN pair
    this deploy's main.js with a cached poller.js from the last one."""
    root = tmp_path / "static"
    # STATIC_ROOT is fixed in settings; a settings module of the test's own moves it.
    (tmp_path / "collect_settings.py").write_text(
        f"from newsroom.settings import *  # noqa: F403\nSTATIC_ROOT = {str(root)!r}\n"
    )
    env = {
        **PRODUCTION,
        "DJANGO_SETTINGS_MODULE": "collect_settings",
        "PYTHONPATH": str(tmp_path),
    }
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr

    names = json.loads((root / "staticfiles.json").read_text())["paths"]
    modules = {name for name in names if name.startswith("js/live/")}
    assert "js/live/main.js" in modules
    assert "js/live/poller.js" in modules
    imported = set()
    for name in modules:
        hashed = root / names[name]
        for target in IMPORT.findall(hashed.read_text()):
            assert HASHED.search(target), f"{names[name]} imports {target}"
            assert (hashed.parent / target).resolve().is_file(), f"{names[name]}: {target}"
            imported.add((hashed.parent / target).resolve())
    main = (root / names["js/live/main.js"]).read_text()
    assert f'from "./{names["js/live/poller.js"].rsplit("/", 1)[1]}"' in main
    # Every module is reached from main.js, under its hashed name.
    assert imported == {(root / names[m]).resolve() for m in modules if m != "js/live/main.js"}
    # Compressed once at deploy, in both encodings whitenoise serves (Brotli needs `brotli`).
    for name in [n for n in names if n.endswith((".css", ".js"))]:
        hashed = root / names[name]
        if hashed.stat().st_size >= 1000:
            assert hashed.with_name(hashed.name + ".br").is_file(), name
            assert hashed.with_name(hashed.name + ".gz").is_file(), name
