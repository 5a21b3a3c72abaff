"""Every `can_*` rule and `allowed_statuses`, walked as a table: each role against each state of
a story that changes an answer. The rules are asked directly, on stored rows; the pages that ask
them are tested in test_admin, test_desk and test_publishing.

Reading the grids: one column per state in `STATES`, "X" where the rule says yes, "." where it
says no. A failure lists every cell that disagrees, so a changed rule shows its whole effect.
"""

import copy
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from articles import permissions
from articles.models import Citation, Correction, PreviewLink, SocialPost, Story
from tests import factories

pytestmark = pytest.mark.django_db

D, R, P, W = (
    Story.Status.DRAFT,
    Story.Status.IN_REVIEW,
    Story.Status.PUBLISHED,
    Story.Status.WITHDRAWN,
)


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


# The states of a story that change an answer. Coverage that ran before a withdrawal matters
# too: the desk's rules ask whether readers see the story, not only whether it had coverage.
STATES = {
    "draft": {"status": D, "published_at": None},
    "in review": {"status": R, "published_at": None},
    "scheduled": {"status": P, "published_at": timezone.now() + timedelta(days=365)},
    "published": {"status": P},
    "live": {"status": P, "is_live": True, "live_started_at": _ago(hours=2)},
    "ended": {"status": P, "live_started_at": _ago(hours=3), "live_ended_at": _ago(hours=1)},
    "withdrawn": {"status": W},
    "withdrawn after coverage": {
        "status": W,
        "live_started_at": _ago(hours=3),
        "live_ended_at": _ago(hours=1),
    },
}

ROLES = ["None", "anonymous", "member", "owner", "reporter", "desk", "editor", "inactive editor"]


def _people():
    return {
        "None": None,
        "anonymous": AnonymousUser(),
        "member": factories.user(staff=False),  # logged in, no role, not staff
        "owner": factories.user(group="Reporter"),  # the reporter who created every story
        "reporter": factories.user(group="Reporter"),  # another reporter
        "desk": factories.user(group="Live desk"),
        "editor": factories.user(group="Editor"),
        "inactive editor": factories.user(group="Editor", is_active=False),
    }


NONE = ". . . . . . . ."
EVERY = "X X X X X X X X"

# For each rule, how it is asked of one (user, story) cell, and the grid of answers.
# Columns:       draft review sched pub live ended wdrawn wd+cov
RULES = {
    "can_publish": (
        lambda user, story, update: permissions.can_publish(user),
        {"editor": EVERY},
    ),
    "can_run_live": (
        lambda user, story, update: permissions.can_run_live(user),
        {"desk": EVERY, "editor": EVERY},
    ),
    "can_edit_story": (
        lambda user, story, update: permissions.can_edit_story(user, story),
        {
            "owner": "X . . . . . . .",  # their own draft, nothing once it left draft
            "editor": EVERY,
        },
    ),
    "can_archive": (
        lambda user, story, update: permissions.can_archive(user, Citation(story=story)),
        # Whoever may edit the citing story, as its citations are part of it.
        {"owner": "X . . . . . . .", "editor": EVERY},
    ),
    "can_download_capture": (
        lambda user, story, update: permissions.can_download_capture(user, Citation(story=story)),
        {"owner": EVERY, "reporter": EVERY, "desk": EVERY, "editor": EVERY},
    ),
    "can_preview": (
        lambda user, story, update: permissions.can_preview(user, story),
        # Staff who may see stories in the admin; a member is no staff, the inactive no one.
        {"owner": EVERY, "reporter": EVERY, "desk": EVERY, "editor": EVERY},
    ),
    "can_start_live": (
        lambda user, story, update: permissions.can_start_live(user, story),
        # Only on what readers see, and not twice.
        {"desk": ". . . X . X . .", "editor": ". . . X . X . ."},
    ),
    "can_end_live": (
        lambda user, story, update: permissions.can_end_live(user, story),
        {"desk": ". . . . X . . .", "editor": ". . . . X . . ."},
    ),
    "can_post_update": (
        lambda user, story, update: permissions.can_post_update(user, story),
        {
            "desk": ". . . . X . . .",  # running coverage only
            "editor": ". . . . X X . .",  # also coverage that has ended, not once withdrawn
        },
    ),
    "can_change_update": (
        lambda user, story, update: permissions.can_change_update(user, update),
        {"desk": ". . . . X X . .", "editor": EVERY},  # the desk: covered stories readers see
    ),
    "can_delete_update": (
        lambda user, story, update: permissions.can_delete_update(user, update),
        {"desk": ". . . . X X . .", "editor": EVERY},
    ),
    "can_correct a story": (
        lambda user, story, update: permissions.can_correct(user, story=story),
        {"editor": EVERY},  # never the desk
    ),
    "can_correct an update": (
        lambda user, story, update: permissions.can_correct(user, update=update),
        {"desk": ". . . . X X . .", "editor": EVERY},
    ),
    "can_correct nothing": (
        lambda user, story, update: permissions.can_correct(user),
        {},
    ),
    "can_change_correction of a story": (
        lambda user, story, update: permissions.can_change_correction(
            user, Correction(story=story, note="n")
        ),
        {"editor": EVERY},
    ),
    "can_change_correction of an update": (
        lambda user, story, update: permissions.can_change_correction(
            user, Correction(update=update, note="n")
        ),
        {"editor": EVERY},  # the desk adds corrections to updates but does not rewrite them
    ),
    # Social posts: whoever embeds posts adds snapshots and asks the platform again; a snapshot
    # already kept, maybe on readers' pages, is rewritten by hand by its creator or an editor.
    "can_add_social_post": (
        lambda user, story, update: permissions.can_add_social_post(user),
        dict.fromkeys(["owner", "reporter", "desk", "editor"], EVERY),
    ),
    "can_capture_social_post": (
        lambda user, story, update: permissions.can_capture_social_post(user, SocialPost(pk=1)),
        dict.fromkeys(["owner", "reporter", "desk", "editor"], EVERY),
    ),
    "can_edit_social_post the owner added": (
        lambda user, story, update: permissions.can_edit_social_post(
            user, SocialPost(pk=1, created_by=story.created_by)
        ),
        {"owner": EVERY, "editor": EVERY},
    ),
    "can_delete_social_post": (
        lambda user, story, update: permissions.can_delete_social_post(user),
        {"editor": EVERY},
    ),
    "can_edit_social_post being added": (
        lambda user, story, update: permissions.can_edit_social_post(user, SocialPost()),
        dict.fromkeys(["owner", "reporter", "desk", "editor"], EVERY),
    ),
    "can_delete_correction of a story": (
        lambda user, story, update: permissions.can_delete_correction(
            user, Correction(story=story, note="n")
        ),
        {"editor": EVERY},
    ),
    "can_delete_correction of an update": (
        lambda user, story, update: permissions.can_delete_correction(
            user, Correction(update=update, note="n")
        ),
        {"editor": EVERY},
    ),
    # The trash: moving to it and restoring is the delete rule of the row; destroying needs the
    # model's delete permission too, and only ever a row already in the trash.
    "can_trash_story": (
        lambda user, story, update: permissions.can_trash_story(user, story),
        {"editor": EVERY},
    ),
    "can_trash_citation": (
        lambda user, story, update: permissions.can_trash_citation(user, Citation(story=story)),
        {"owner": "X . . . . . . .", "editor": EVERY},  # part of the story, as its inline
    ),
    "can_trash an update": (
        lambda user, story, update: permissions.can_trash(user, update),
        {"desk": ". . . . X X . .", "editor": EVERY},
    ),
    "can_trash a social post": (
        lambda user, story, update: permissions.can_trash(user, SocialPost(pk=1)),
        {"editor": EVERY},
    ),
    "can_trash a correction": (
        lambda user, story, update: permissions.can_trash(user, Correction(story=story)),
        {},  # corrections have no trash: deleting one is publishing.delete_correction
    ),
    "can_empty_from_trash a trashed story": (
        lambda user, story, update: permissions.can_empty_from_trash(user, _trashed(story)),
        {"editor": EVERY},
    ),
    "can_empty_from_trash a trashed citation of the owner's draft": (
        lambda user, story, update: permissions.can_empty_from_trash(
            user, _trashed(Citation(story=story))
        ),
        {"editor": EVERY},  # the owner may trash it, not destroy it (no delete_citation)
    ),
    "can_empty_from_trash a story not in the trash": (
        lambda user, story, update: permissions.can_empty_from_trash(user, story),
        {},
    ),
    "can_share_preview": (
        lambda user, story, update: permissions.can_share_preview(user, story),
        {"owner": "X . . . . . . .", "editor": EVERY},  # whoever may edit the story
    ),
    "can_revoke_preview of a link the owner made": (
        lambda user, story, update: permissions.can_revoke_preview(
            user, PreviewLink(story=story, created_by=story.created_by)
        ),
        {"owner": EVERY, "editor": EVERY},
    ),
    "can_upload_image": (
        lambda user, story, update: permissions.can_upload_image(user),
        {"owner": EVERY, "reporter": EVERY, "desk": EVERY, "editor": EVERY},
    ),
}


def _trashed(row):
    row = copy.copy(row)
    row.deleted_at = timezone.now()
    return row


# The statuses each role may give a story in each state: D draft, R in review, P published,
# W withdrawn. Whether they may edit it at all is can_edit_story's answer, above.
# Columns:       draft review sched pub live ended wdrawn wd+cov
NOT_PUBLISHER = "DR DR P P P P W W"
NO_WRITER = "D R P P P P W W"  # no right to write stories: the status it has, nothing else
ALLOWED_STATUSES = dict.fromkeys(ROLES, NO_WRITER) | {
    "owner": NOT_PUBLISHER,
    "reporter": NOT_PUBLISHER,
    "editor": " ".join(["DRPW"] * 8),
}


@pytest.fixture
def world():
    """Every role, and for every state a story the owner created, with an update on it."""
    people = _people()
    stories = {}
    for name, fields in STATES.items():
        story = factories.story(created_by=people["owner"], **fields)
        stories[name] = (story, factories.update(story))
    return people, stories


def _cells(row):
    cells = row.split()
    assert len(cells) == len(STATES), row
    return dict(zip(STATES, cells, strict=True))


def test_the_table_names_every_rule_of_the_module():
    """A new `can_*` rule is added to the table, or this fails."""
    rules = {name for name in dir(permissions) if name.startswith("can_")}
    asked = {name.split()[0] for name in RULES}
    assert rules == asked


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_for_each_role_and_story_state(world, rule):
    people, stories = world
    ask, grid = RULES[rule]
    assert set(grid) <= set(ROLES)
    wrong = []
    for role in ROLES:
        expected = _cells(grid.get(role, NONE))
        for state, (story, update) in stories.items():
            answer = ask(people[role], story, update)
            assert isinstance(answer, bool), (rule, role, state, answer)
            if answer != (expected[state] == "X"):
                wrong.append(f"{role} / {state}: {answer}")
    assert not wrong, "\n".join(wrong)


def test_allowed_statuses_for_each_role_and_story_state(world):
    people, stories = world
    codes = {"D": D, "R": R, "P": P, "W": W}
    wrong = []
    for role in ROLES:
        for state, allowed in _cells(ALLOWED_STATUSES[role]).items():
            answer = permissions.allowed_statuses(people[role], stories[state][0])
            if sorted(answer) != sorted(codes[code] for code in allowed):
                wrong.append(f"{role} / {state}: {answer}")
    assert not wrong, "\n".join(wrong)


def test_a_new_story_may_be_a_draft_or_in_review_unless_an_editor_makes_it():
    people = _people()
    for role in ROLES:
        writer = {"editor": list(Story.Status.values), "owner": [D, R], "reporter": [D, R]}
        expected = writer.get(role, [D])
        assert permissions.allowed_statuses(people[role], None) == expected, role
