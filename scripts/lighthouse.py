"""`make lighthouse`: Lighthouse's four scores (mobile profile) for the demo story, one of its
update pages and the home page, served as in production (gunicorn, DEBUG off, whitenoise).

Lighthouse 12.2.3 comes from the npm registry into `.lighthouse/` (13 needs Node 22; the
machine has Node 20) and drives Debian's chromium. Not in CI: it takes a minute and its
performance score moves with the machine's load.

    make lighthouse                     # LIGHTHOUSE_ARGS='--keep' keeps the JSON reports
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.serving import manage, production_env, start_gunicorn  # noqa: E402

VERSION = "12.2.3"
PREFIX = ROOT / ".lighthouse"
BINARY = PREFIX / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
SLUG = "openai-licencie-sam-altman"


def install():
    installed = PREFIX / "node_modules" / "lighthouse" / "package.json"
    if installed.exists() and json.loads(installed.read_text())["version"] == VERSION:
        return
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PREFIX),
         f"lighthouse@{VERSION}"],
        check=True,
    )  # fmt: skip


def audit(url, chromium, out):
    subprocess.run(
        [str(BINARY), url, "--quiet", "--output=json", f"--output-path={out}",
         f"--only-categories={','.join(CATEGORIES)}", "--form-factor=mobile",
         f"--chrome-flags={CHROME_FLAGS}"],
        check=True,
        env={"CHROME_PATH": chromium, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    report = json.loads(Path(out).read_text())
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the JSON reports")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("make lighthouse needs Debian's chromium (apt-get install chromium)")
    install()
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-lighthouse-"))
    env = production_env(tmp, DJANGO_LOG_LEVEL="ERROR")
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0", stdout=subprocess.DEVNULL)
    manage(env, "demo", stdout=subprocess.DEVNULL)
    server, base = start_gunicorn(env, workers=2, threads=4)
    try:
        story = f"{base}/stories/{SLUG}/"
        with urllib.request.urlopen(story) as response:
            html = response.read().decode()
        update = re.search(rf'href="(/stories/{SLUG}/updates/\d+/)"', html)[1]
        pages = {"story": story, "update page": base + update, "home": base + "/"}
        print(f"Lighthouse {VERSION}, mobile, {chromium}")
        print(f"| {'page':<12} | " + " | ".join(f"{c:>14}" for c in CATEGORIES) + " |")
        print(f"|{'-' * 14}|" + "|".join("-" * 15 + ":" for _ in CATEGORIES) + "|")
        for label, url in pages.items():
            scores = audit(url, chromium, tmp / f"{label.replace(' ', '-')}.json")
            print(f"| {label:<12} | " + " | ".join(f"{scores[c]:>14}" for c in CATEGORIES) + " |")
        if args.keep:
            print(f"reports in {tmp}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
