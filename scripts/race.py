"""Two people at once, for real: barrier-synchronised requests against gunicorn.

Starts gunicorn with production settings on a scratch database (PostgreSQL when DATABASE_URL
names one: a database `<name>_race` is made and dropped; SQLite otherwise), then runs rounds of
requests released together by a barrier:

- four desk sessions pinning four different updates at once;
- four desk sessions posting an update with "pinned" ticked at once;
- two editors pressing Save on the same story at once.

It prints how many answers were server errors, how many posts were lost and how many pins are
left, and exits non-zero when any rule broke. Loopback only, bounded in rounds and time.

    make race            # DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom make race
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.serving import manage, production_env, start_gunicorn  # noqa: E402

SETUP = """
from datetime import timedelta
from django.contrib.auth.models import Group, User
from django.utils import timezone
from articles.models import LiveUpdate, Section, Story
section, _ = Section.objects.get_or_create(slug="race", defaults={"name": "Race"})
story = Story.objects.create(
    headline="Race", slug="race", section=section, status="published",
    published_at=timezone.now() - timedelta(hours=1), is_live=True,
    live_started_at=timezone.now() - timedelta(hours=1),
)
for n in range(4):
    LiveUpdate.objects.create(story=story, body=f"Update {n}", published_at=timezone.now())
    desk = User.objects.create_user(f"desk{n}", password="race-password-1", is_staff=True)
    desk.groups.add(Group.objects.get(name="Live desk"))
for n in range(2):
    editor = User.objects.create_user(f"editor{n}", password="race-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
ids = LiveUpdate.objects.filter(story=story).order_by("id").values_list("id", flat=True)
print("ids", story.pk, *ids)
"""

COUNT = """
from articles.models import LiveUpdate
rows = LiveUpdate.objects.filter(story__slug="race")
print(rows.count(), rows.filter(is_pinned=True).count())
"""


class Session:
    """A browser of one person: cookies, CSRF token, logged in through the real login form."""

    def __init__(self, base, username):
        self.base = base
        self.jar = CookieJar(LoopbackPolicy())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        page = self.get("/admin/login/?next=/admin/")
        self.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": "race-password-1", **self.token(page)},
        )

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path, data):
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    @staticmethod
    def token(html):
        return {
            "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        }


class LoopbackPolicy(DefaultCookiePolicy):
    """Production marks cookies Secure; this client talks plain http to 127.0.0.1 only."""

    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def at_once(work, count):
    barrier = threading.Barrier(count, timeout=30)
    results = [None] * count

    def run(n):
        barrier.wait()
        results[n] = work(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def main():
    from tests.helpers import form_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="newsroom-race-"))
    env = production_env(tmp, NEWSROOM_LOGIN_FAILURE_LIMIT="1000")
    database = os.environ.get("DATABASE_URL", "")
    if database:
        base_url, name = database.rsplit("/", 1)
        env["DATABASE_URL"] = f"{base_url}/{name}_race"
        subprocess.run(
            ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", f"{name}_race"],
            check=True,
        )
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", f"{name}_race"], check=True
        )

    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    out = manage(env, "shell", "--no-imports", "-c", SETUP, capture_output=True).stdout
    story_id, *update_ids = out.split()[1:]
    server, base = start_gunicorn(env)

    def rows():
        """(updates of the story, pinned ones), read from the database."""
        out = manage(env, "shell", "--no-imports", "-c", COUNT, capture_output=True).stdout
        return tuple(map(int, out.split()))

    broken = []
    try:
        desks = [Session(base, f"desk{n}") for n in range(4)]
        editors = [Session(base, f"editor{n}") for n in range(2)]
        desk_page = f"/desk/stories/{story_id}/"

        statuses = []
        for _ in range(args.rounds):
            tokens = [Session.token(d.get(desk_page)) for d in desks]
            statuses += at_once(
                lambda n, tokens=tokens: desks[n].post(
                    f"/desk/updates/{update_ids[n]}/action/", {"action": "pin", **tokens[n]}
                )[0],
                4,
            )
        total, pinned = map(
            int,
            manage(env, "shell", "--no-imports", "-c", COUNT, capture_output=True).stdout.split(),
        )
        errors = sum(s >= 500 for s in statuses)
        print(
            f"pins at once:         {len(statuses)} requests, {errors} server errors, "
            f"{pinned} pinned"
        )
        if errors or pinned != 1:
            broken.append("pins")

        statuses = []
        for round_ in range(args.rounds):
            tokens = [Session.token(d.get(desk_page)) for d in desks]
            statuses += at_once(
                lambda n, r=round_, tokens=tokens: desks[n].post(
                    desk_page,
                    {"title": f"R{r} D{n}", "body": "Texte", "is_pinned": "on", **tokens[n]},
                )[0],
                4,
            )
        after, pinned = map(
            int,
            manage(env, "shell", "--no-imports", "-c", COUNT, capture_output=True).stdout.split(),
        )
        errors = sum(s >= 500 for s in statuses)
        lost = len(statuses) - (after - total)
        print(
            f"pinned posts at once: {len(statuses)} requests, {errors} server errors, "
            f"{lost} posts lost, {pinned} pinned"
        )
        if errors or lost or pinned != 1:
            broken.append("pinned posts")

        statuses, refused = [], 0
        url = f"/admin/articles/story/{story_id}/change/"

        class Page:
            def __init__(self, html):
                self.status_code, self.content = 200, html.encode()

        for round_ in range(args.rounds):
            forms = [form_data(Page(e.get(url))) for e in editors]
            for n, data in enumerate(forms):
                data.update(headline=f"Titre {round_}.{n}", _save="Save")
            answers = at_once(lambda n, forms=forms: editors[n].post(url, forms[n]), 2)
            statuses += [status for status, _ in answers]
            refused += sum(status == 200 and 'name="headline"' in body for status, body in answers)
        errors = sum(s >= 500 for s in statuses)
        saved = sum(s == 302 for s in statuses)
        print(
            f"double Save:          {len(statuses)} requests, {errors} server errors, "
            f"{saved} saved, {refused} shown again with the conflict message"
        )
        if errors or saved + refused != len(statuses):
            broken.append("double save")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
        if database:
            subprocess.run(
                ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", f"{name}_race"],
                check=False,
            )
    if broken:
        sys.exit(f"broken: {', '.join(broken)}")


if __name__ == "__main__":
    main()
