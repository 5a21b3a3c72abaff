"""Load the demo newsroom: sections, authors, one user per role and the OpenAI story of
17–20 November 2023 as live coverage. Running it again updates the same rows."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import archiving, embeds, freshness, previews
from articles.egress import Fetched
from articles.management.commands._demo_images import demo_image
from articles.models import (
    Author,
    Byline,
    Citation,
    Correction,
    LiveUpdate,
    Section,
    SocialPost,
    Source,
    Story,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SAN_FRANCISCO = ZoneInfo("America/Los_Angeles")


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def clock(moment, zone):
    """'6 h 42' in the zone's wall-clock time: conversions are computed, never typed by hand."""
    local = moment.astimezone(zone)
    return f"{local.hour} h {local:%M} {local.tzname()}"


USERS = [
    # username, password, group, author name
    ("editor", "editor-demo-pass", "Editor", "Claire Dubreuil"),
    ("reporter", "reporter-demo-pass", "Reporter", "Julien Marchetti"),
    ("livedesk", "livedesk-demo-pass", "Live desk", "Inès Haddad"),
]

# Name, slug, description, and the name stories in English show.
SECTIONS = [
    ("Tech", "tech", "Intelligence artificielle, plateformes, logiciels.", "Technology"),
    ("Économie", "economie", "Entreprises, marchés, travail.", "Business"),
    ("Monde", "monde", "L’actualité internationale.", "World"),
]

# The pages the demo's archived copies are made from, in place of the cited sites.
CAPTURES = Path(__file__).resolve().parent / "demo_captures"

STORY_CORRECTION = (
    "Une version précédente de cet article présentait Greg Brockman comme directeur général "
    "d’OpenAI ; il en était le président et présidait son conseil d’administration."
)

ANNOUNCED = utc(2023, 11, 17, 20, 28)
WSJ_REPORT = utc(2023, 11, 20, 5, 42)
NADELLA = utc(2023, 11, 20, 7, 53)

# The outlets the story cites: (name, slug, homepage, kind).
SOURCES = [
    ("OpenAI", "openai", "https://openai.com/", Source.Kind.COMPANY),
    (
        "The Wall Street Journal",
        "wall-street-journal",
        "https://www.wsj.com/",
        Source.Kind.NEWSPAPER,
    ),
    ("The New York Times", "new-york-times", "https://www.nytimes.com/", Source.Kind.NEWSPAPER),
    (
        "The Information",
        "the-information",
        "https://www.theinformation.com/",
        Source.Kind.NEWSPAPER,
    ),
    ("Engadget", "engadget", "https://www.engadget.com/", Source.Kind.BLOG),
    ("Yahoo!", "yahoo", "https://www.yahoo.com/", Source.Kind.COMPANY),
]

# What the story cites. Addresses other than OpenAI's announcement are illustrative: the demo
# never fetches them. `via` names the key of the citation it was relayed by.
CITATIONS = [
    {
        "key": "openai", "source": "openai", "at": ANNOUNCED, "zone": "America/Los_Angeles",
        "url": "https://openai.com/blog/openai-announces-leadership-transition",
        "title": "OpenAI announces leadership transition",
        "quote": (
            "He was not consistently candid in his communications with the board, hindering "
            "its ability to exercise its responsibilities."
        ),
    },
    {
        "key": "wsj", "source": "wall-street-journal", "at": WSJ_REPORT, "zone": "America/New_York",
        "url": "https://www.wsj.com/tech/ai/sam-altman-not-returning-as-ceo-of-openai",
        "title": "Sam Altman Not Returning as CEO of OpenAI; Emmett Shear to Be Interim CEO",
    },
    {
        "key": "nyt", "source": "new-york-times", "at": utc(2023, 11, 18, 2, 0),
        "zone": "America/New_York",
        "url": "https://www.nytimes.com/2023/11/17/technology/openai-sam-altman-ousted.html",
        "title": "Sam Altman Is Ousted as OpenAI’s C.E.O.",
    },
    {
        "key": "information", "source": "the-information", "at": utc(2023, 11, 18, 9, 30),
        "zone": "America/Los_Angeles",
        "url": "https://www.theinformation.com/articles/three-senior-openai-researchers-resign",
        "title": "Three Senior OpenAI Researchers Resign",
    },
    {
        "key": "engadget", "source": "engadget", "at": utc(2023, 11, 18, 14, 0),
        "zone": "America/New_York",
        "url": "https://www.engadget.com/openai-board-ousts-sam-altman.html",
        "title": "OpenAI’s board ousts Sam Altman",
    },
    {
        "key": "yahoo", "source": "yahoo", "via": "engadget", "at": utc(2023, 11, 18, 14, 5),
        "zone": "America/New_York",
        "url": "https://www.yahoo.com/tech/openai-board-ousts-sam-altman.html?utm_source=demo",
        "title": "OpenAI’s board ousts Sam Altman (Engadget)",
    },
]  # fmt: skip

BROCKMAN_POST = "https://x.com/gdb/status/1725736242137182594"
SWISHER_POST = "https://www.threads.com/@karaswisher/post/Cz0SwisherD"
NEWSROOM_POST = "https://mastodon.social/@newsroom_demo/111431000000000001"
DEVDAY_VIDEO = "https://www.youtube.com/watch?v=U9mJuUkhUzk"

# The snapshots the demo embeds, rendered with no network. Greg Brockman's post is real but its
# text here is written from what was reported of it, not copied, and says so on its card;
# Kara Swisher's is illustrative (its address is made up) and reconstructed likewise; the
# Mastodon post is the demo newsroom's own; the video is OpenAI's DevDay keynote.
SOCIAL_POSTS = [
    {
        "url": BROCKMAN_POST,
        "author_name": "Greg Brockman",
        "author_handle": "@gdb",
        "author_url": "https://x.com/gdb",
        "posted_at": embeds.x_posted_at("1725736242137182594"),
        "language": "en",
        "is_reconstructed": True,
        "text": (
            "Sam and I are shocked and saddened by what the board did today. What we know:\n\n"
            "- Thursday night, Ilya asked Sam to talk at noon on Friday. Sam joined a Google "
            "Meet with the whole board except me and was told he was fired, with the news "
            "going out very soon.\n"
            "- At 12:19 pm Ilya texted me for a quick call; at 12:23 pm he sent a Google Meet "
            "link. I was told I was off the board but would keep my role, and that Sam had "
            "been fired. OpenAI published its blog post around the same time.\n"
            "- As far as we know, the management team learned of it shortly after, except "
            "Mira, who heard the night before."
        ),
    },
    {
        "url": SWISHER_POST,
        "author_name": "Kara Swisher",
        "author_handle": "@karaswisher",
        "author_url": "https://www.threads.com/@karaswisher",
        "posted_at": utc(2023, 11, 18, 9, 48),
        "language": "en",
        "is_reconstructed": True,
        "text": (
            "More departures are coming at OpenAI, I am told. Inside, many see the board’s "
            "move as a clash between shipping products fast and the company’s original, more "
            "cautious mission."
        ),
    },
    {
        "url": NEWSROOM_POST,
        "author_name": "Newsroom (démo)",
        "author_handle": "@newsroom_demo@mastodon.social",
        "author_url": "https://mastodon.social/@newsroom_demo",
        "posted_at": utc(2023, 11, 17, 21, 10),
        "language": "fr",
        "captured_at": utc(2023, 11, 17, 21, 15),
        "text": (
            "Direct : le conseil d’administration d’OpenAI écarte Sam Altman ; Greg Brockman "
            "quitte le conseil. Toutes nos mises à jour, avec leurs sources, sur notre site. "
            "#OpenAI"
        ),
    },
    {
        "url": DEVDAY_VIDEO,
        "author_name": "OpenAI",
        "author_handle": "@OpenAI",
        "author_url": "https://www.youtube.com/@OpenAI",
        "posted_at": utc(2023, 11, 6, 18, 0),
        "language": "en",
        "captured_at": utc(2023, 11, 20, 8, 0),
        "text": "OpenAI DevDay, Opening Keynote",
    },
]

SUMMARY = """\
- Vendredi 17 novembre 2023, le conseil d’OpenAI renvoie **Sam Altman**, jugé peu franc.
- **Greg Brockman**, président du conseil, en est écarté, puis démissionne.
- **Emmett Shear** devient directeur général par intérim.
- Lundi, Microsoft recrute Sam Altman et Greg Brockman.
"""

BODY = """\
Le conseil d’administration d’OpenAI a mis fin, le vendredi 17 novembre 2023, aux fonctions de
Sam Altman, le visage de ChatGPT. Greg Brockman, cofondateur et président du conseil, a perdu son
siège le même jour avant de quitter l’entreprise. Selon le récit publié par Greg Brockman, tout
s’est joué en quelques heures, par messages et par visioconférence.

D’après [Engadget](https://www.engadget.com/), dont l’article a été repris par
[Yahoo!](https://www.yahoo.com/), le désaccord porterait sur le rythme des lancements : la
direction aurait avancé sans les précautions qu’une partie du conseil jugeait nécessaires.

## Sans but lucratif ?

OpenAI est née en 2015 comme une organisation à but non lucratif, avant de créer une filiale
commerciale plafonnée. Cette structure cohabite mal avec une entreprise dont la valorisation
évoquée atteignait environ 80 milliards de dollars, et dont Microsoft est le principal
investisseur, avec plus de 10 milliards de dollars engagés.

Microsoft, de son côté, intègre les modèles d’OpenAI dans Copilot pour Microsoft 365, avec une
approche tournée vers les entreprises. Reste à savoir ce que la crise changera à cette relation.

Onze jours plus tôt, le 6 novembre, Sam Altman présentait sur scène GPT-4 Turbo et les GPT
personnalisés, lors de la première conférence d’OpenAI pour les développeurs :

https://www.youtube.com/watch?v=U9mJuUkhUzk

Suivez aussi notre direct sur Mastodon :

https://mastodon.social/@newsroom_demo/111431000000000001
"""

UPDATES = [
    {
        "at": utc(2023, 11, 17, 20, 45),
        "title": "OpenAI annonce le départ de Sam Altman",
        "key": True,
        "body": (
            f"Dans un billet publié à {clock(ANNOUNCED, SAN_FRANCISCO)} à San Francisco "
            f"({clock(ANNOUNCED, PARIS)} à Paris), le conseil "
            "d’administration d’OpenAI annonce que Sam Altman quitte la direction générale. "
            "Il lui reproche de ne pas avoir été « constamment franc » dans ses échanges avec "
            "lui. **Mira Murati**, directrice technique, assure l’intérim.\n\n"
            "> He was not consistently candid in his communications with the board, hindering "
            "its ability to exercise its responsibilities.\n>\n"
            "> — Le conseil d’administration, "
            "[OpenAI](https://openai.com/blog/openai-announces-leadership-transition)"
        ),
    },
    {
        "at": utc(2023, 11, 18, 0, 30),
        "title": "Greg Brockman quitte OpenAI",
        "body": (
            "Écarté de la présidence du conseil d’administration dans la même annonce, Greg "
            "Brockman fait savoir sur X qu’il démissionne de l’entreprise qu’il a cofondée."
        ),
    },
    {
        "at": utc(2023, 11, 18, 7, 20),
        "title": "Le récit de Greg Brockman",
        "body": (
            "Greg Brockman détaille sur X le déroulé de la journée : Sam Altman a été convié "
            "vendredi midi (heure de San Francisco) à une réunion Google Meet avec le conseil, "
            "où son licenciement lui a été annoncé. Greg Brockman a appris peu après qu’il "
            "perdait son siège au conseil. Voici son message sur X :\n\n"
            f"{BROCKMAN_POST}"
        ),
    },
    {
        "at": utc(2023, 11, 18, 10, 5),
        "title": "Trois chercheurs de premier plan s’en vont",
        "body": (
            "Selon [The Information](https://www.theinformation.com/), trois chercheurs "
            "expérimentés ont quitté OpenAI : Jakub Pachocki, directeur de la recherche, "
            "Aleksander Madry, qui dirigeait l’équipe chargée d’évaluer les risques de l’IA, et "
            "Szymon Sidor, présent depuis sept ans.\n\n"
            "La journaliste Kara Swisher rapporte de son côté que des salariés opposaient la "
            "course commerciale de l’entreprise à sa mission d’origine, plus prudente, et "
            "s’attend à d’autres départs.\n\n"
            f"{SWISHER_POST}"
        ),
        "correction": (
            "Une version précédente de cette mise à jour nommait la journaliste « Sara "
            "Swisher ». Il s’agit de Kara Swisher."
        ),
    },
    {
        "at": utc(2023, 11, 19, 22, 10),
        "title": "Sam Altman de retour au siège, badge d’invité au cou",
        "body": (
            "Sam Altman publie une photo de lui au siège d’OpenAI, muni d’un badge de visiteur, "
            "alors que des investisseurs poussent pour son retour."
        ),
    },
    {
        "at": WSJ_REPORT,
        "title": "Emmett Shear nommé patron par intérim",
        "body": (
            "Le [Wall Street Journal](https://www.wsj.com/) écrit à "
            f"{clock(WSJ_REPORT, NEW_YORK)} à New York ({clock(WSJ_REPORT, PARIS)} à "
            "Paris) que Sam Altman ne reviendra pas : Emmett Shear, cofondateur de Twitch, "
            "prend la direction générale par intérim."
        ),
    },
    {
        "at": utc(2023, 11, 20, 6, 45),
        "title": "Ce qu’il faut retenir ce lundi matin",
        "pinned": True,
        "body": (
            "Tout le week-end, des rumeurs ont annoncé le retour de Sam Altman, voire un accord "
            "avec Microsoft pour écarter Ilya Sutskever du conseil. L’article du Wall Street "
            "Journal y a mis fin dans la nuit : Emmett Shear assure l’intérim et Sam Altman "
            "ne revient pas."
        ),
    },
    {
        "at": NADELLA,
        "title": "Microsoft recrute Sam Altman et Greg Brockman",
        "key": True,
        "body": (
            "Satya Nadella, le patron de Microsoft, annonce à "
            f"{clock(NADELLA, PARIS)} (heure de Paris) que Sam "
            "Altman et Greg Brockman rejoignent Microsoft pour y diriger une nouvelle équipe "
            "de recherche avancée en IA. Il redit son attachement au partenariat avec OpenAI."
        ),
    },
    {
        "at": utc(2023, 11, 20, 13, 30),
        "title": "Les salariés menacent de partir",
        "body": (
            "Plus de 500 salariés d’OpenAI signent une lettre qui exige la démission du conseil "
            "et le retour de Sam Altman, faute de quoi ils pourraient rejoindre Microsoft. "
            "Ilya Sutskever, membre du conseil, fait partie des signataires et dit regretter "
            "son rôle dans la décision."
        ),
    },
]


class Command(BaseCommand):
    help = "Load the demo newsroom (idempotent) and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        sections = {
            slug: Section.objects.update_or_create(
                slug=slug,
                defaults={"name": name, "description": text, "position": i, "names": {"en": en}},
            )[0]
            for i, (name, slug, text, en) in enumerate(SECTIONS)
        }
        authors = []
        for username, password, group, author_name in USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=group)])
            author, _ = Author.objects.update_or_create(
                slug=username + "-demo", defaults={"name": author_name, "user": user}
            )
            authors.append(author)
        admin, _ = User.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password("admin-demo-pass")
        admin.save()

        self._social_posts()
        story = self._story(sections["tech"], authors, uploader=admin)
        self._other_story(sections["economie"], authors[0])
        link = self._history_trash_and_preview(story, sections["tech"], authors)
        # The demo writes its rows directly: every page it touched gets a new freshness
        # generation, so a server already running shows the demo as loaded, not a cached page.
        freshness.bump(slugs=Story.objects.values_list("slug", flat=True), lists=True)
        self.stdout.write(self.style.SUCCESS(f"Demo newsroom ready: {story.get_absolute_url()}"))
        self.stdout.write("Demo logins (for local use only, never on a public server):")
        for username, password, group, _ in USERS:
            self.stdout.write(f"  {group:<10} {username} / {password}")
        self.stdout.write("  Superuser  admin / admin-demo-pass")
        self.stdout.write(
            "Search: /search/?q=Brockman · feeds: /feeds/rss/, /feeds/atom/ · "
            "sitemaps: /sitemap.xml, /sitemap-news.xml · read API: /api/v1/stories "
            "(OpenAPI: /api/v1/openapi.json, browsable: /api/v1/docs)"
        )
        self.stdout.write(
            "History: the story's History page in the admin (What changed: word by word) · "
            "trash: /admin/articles/liveupdate/trash/ · a draft's preview link for outside "
            f"the newsroom: {previews.url(link)}"
        )
        self.stdout.write(
            "Operations: manage.py backup (database and media in one dated archive), "
            "manage.py restore <archive>, manage.py recover_tasks (tasks a killed worker left)"
        )

    def _story(self, section, authors, uploader=None):
        # all_objects: a demo story someone put in the trash comes back out of it.
        story = Story.all_objects.filter(slug="openai-licencie-sam-altman").first() or Story(
            slug="openai-licencie-sam-altman"
        )
        story.deleted_at = story.deleted_by = None
        story.featured_image = demo_image("boardroom", uploader)
        timeline = demo_image("timeline", uploader)
        story.headline = "Le conseil d’administration d’OpenAI renvoie Sam Altman et Greg Brockman"
        story.standfirst = (
            "Le créateur de ChatGPT se sépare de son directeur général. Récit, heure par heure, "
            "d’un week-end qui a secoué la Silicon Valley."
        )
        # The timeline after the first paragraph, as the editor's drop would insert it.
        opening, rest = BODY.split("\n\n", 1)
        picture = f"![{timeline.alt_text}]({timeline.file.url})"
        story.body = f"{opening}\n\n{picture}\n\n{rest}"
        story.summary = SUMMARY
        # What search engines and networks show, shorter than the headline.
        story.search_title = "OpenAI renvoie Sam Altman et Greg Brockman"
        story.social_title = "OpenAI se sépare de Sam Altman : le récit du week-end"
        story.social_description = (
            "Le conseil d’administration d’OpenAI renvoie son directeur général. Ce que l’on "
            "sait, heure par heure, avec nos sources."
        )
        story.section = section
        story.language = "fr"
        story.time_zone = "Europe/Paris"
        story.status = Story.Status.PUBLISHED
        story.published_at = utc(2023, 11, 17, 21, 5)
        story.is_live = False
        story.live_started_at = utc(2023, 11, 17, 20, 40)
        story.live_ended_at = utc(2023, 11, 20, 18, 0)
        story.save()
        for position, author in enumerate(authors[:2]):
            Byline.objects.update_or_create(
                story=story, author=author, defaults={"position": position}
            )
        livedesk = authors[2]
        for item in UPDATES:
            update = LiveUpdate.objects.filter(story=story, published_at=item["at"]).first()
            update = update or LiveUpdate(story=story, published_at=item["at"])
            update.title = item["title"]
            update.body = item["body"]
            update.author = livedesk
            update.is_key_event = item.get("key", False)
            update.is_pinned = item.get("pinned", False)
            update.deleted_at = None
            update.save()
            if "correction" in item:
                Correction.objects.update_or_create(
                    update=update,
                    defaults={
                        "note": item["correction"],
                        "corrected_at": item["at"] + timedelta(minutes=20),
                    },
                )
        self._citations(story)
        # A correction to the story itself, signed by the editor, shown at its top.
        editor = authors[0].user
        Correction.objects.update_or_create(
            story=story,
            defaults={
                "note": STORY_CORRECTION,
                "corrected_at": utc(2023, 11, 18, 8, 15),
                "by": editor,
            },
        )
        # The story was last touched when coverage ended, not when the demo was loaded.
        Story.objects.filter(pk=story.pk).update(updated_at=story.live_ended_at)
        return story

    def _social_posts(self):
        for item in SOCIAL_POSTS:
            url = embeds.recognise(item["url"]).url
            SocialPost.all_objects.update_or_create(
                url=url,
                defaults={key: value for key, value in item.items() if key != "url"}
                | {"deleted_at": None, "deleted_by": None},
            )

    def _citations(self, story):
        sources = {
            slug: Source.objects.update_or_create(
                slug=slug, defaults={"name": name, "homepage_url": homepage, "kind": kind}
            )[0]
            for name, slug, homepage, kind in SOURCES
        }
        made = {}
        for position, item in enumerate(CITATIONS):
            citation = Citation(
                story=story,
                source=sources[item["source"]],
                url=item["url"],
                title=item["title"],
                published_at=item["at"],
                time_zone=item["zone"],
                quote=item.get("quote", ""),
                via=made.get(item.get("via")),
                position=position,
                accessed_at=item["at"] + timedelta(minutes=30),
            )
            citation.clean()  # normalises the address, as the admin does
            made[item["key"]], _ = Citation.objects.update_or_create(
                story=story,
                url=citation.url,
                defaults={
                    field: getattr(citation, field)
                    for field in [
                        "source", "title", "published_at", "time_zone", "quote", "via",
                        "position", "accessed_at",
                    ]
                },
            )  # fmt: skip
            self._archive(made[item["key"]], item["key"])

    def _archive(self, citation, key):
        """The citation's archived copy, made from the page the demo ships in place of the
        cited one (never from the network), through the same code as a real capture."""
        page = (CAPTURES / f"{key}.html").read_bytes()
        fetched = Fetched(
            url=citation.url,
            status=200,
            headers={"content-type": "text/html; charset=utf-8"},
            body=page,
            content_type="text/html",
            ip="",
            redirects=(),
        )
        archiving.keep(citation, fetched, captured_at=citation.accessed_at)

    def _other_story(self, section, author):
        story = Story.all_objects.filter(slug="qui-est-emmett-shear").first() or Story(
            slug="qui-est-emmett-shear"
        )
        story.deleted_at = story.deleted_by = None
        story.headline = "Qui est Emmett Shear, le patron intérimaire d’OpenAI ?"
        story.standfirst = "Le cofondateur de Twitch hérite d’une entreprise en pleine crise."
        story.body = (
            "Emmett Shear a cofondé Justin.tv, devenu Twitch, qu’il a dirigé jusqu’en mars 2023. "
            "Il prend la tête d’OpenAI par intérim le 20 novembre 2023, après le départ de Sam "
            "Altman.\n\n"
            "Sa mission immédiate : rassurer des salariés qui menacent de partir en masse.\n"
        )
        story.section = section
        story.status = Story.Status.PUBLISHED
        story.published_at = utc(2023, 11, 20, 9, 30)
        story.save()
        Byline.objects.update_or_create(story=story, author=author, defaults={"position": 0})
        Story.objects.filter(pk=story.pk).update(updated_at=story.published_at)
        return story

    def _history_trash_and_preview(self, story, section, authors):
        """What history, the trash and preview links look like: the story's headline as the
        reporter first wrote it, then the editor's (a version to compare and restore), a
        duplicate update the desk put in the trash, and a reporter's draft with a preview link
        for a source outside the newsroom."""
        editor, reporter, livedesk = (author.user for author in authors)
        if not story.history.filter(history_user=reporter).exists():
            current = story.headline
            story.headline = "OpenAI renvoie Sam Altman"
            story._history_user = reporter
            story.save()
            story.headline = current
            story._history_user = editor
            story.save()
            # The page says what it says when coverage ended: the two versions end where they
            # began, and readers' "Updated" stays the time coverage ended.
            Story.objects.filter(pk=story.pk).update(updated_at=story.live_ended_at)
            freshness.bump(slugs=[story.slug])
        duplicate = LiveUpdate.objects.filter(story=story, title="Doublon").first()
        if duplicate is None:
            duplicate = LiveUpdate.objects.create(
                story=story,
                title="Doublon",
                body="Greg Brockman annonce sa démission (publié deux fois par erreur).",
                published_at=utc(2023, 11, 18, 0, 10),
                author=authors[2],
            )
        if duplicate.deleted_at is None:
            # The desk's own delete: the trash's "who and when".
            LiveUpdate.objects.filter(pk=duplicate.pk).update(
                deleted_at=utc(2023, 11, 18, 0, 12), deleted_by=livedesk
            )
        draft = Story.all_objects.filter(slug="lettre-des-salaries-openai").first() or Story(
            slug="lettre-des-salaries-openai", created_by=reporter
        )
        draft.headline = "Brouillon : la lettre des salariés d’OpenAI"
        draft.body = "Plus de 700 salariés menacent de partir si le conseil ne démissionne pas."
        draft.section = section
        draft.status = Story.Status.DRAFT
        draft.published_at = None
        draft.deleted_at = None
        draft.save()
        link = draft.preview_links.usable().first()
        return link or previews.create_link(
            story=draft, by=reporter, note="Pour vérification par une source"
        )
