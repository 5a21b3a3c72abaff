"""Who may do what: every permission name and every `can_*` rule, for the object at hand.

The admin, the desk, the publishing functions (and so any API or task) ask these functions; none
of them decides a rule by itself. Each rule takes the stored row, never what a form proposes.
"""

from articles.models import Citation, LiveUpdate, SocialPost, Story

PUBLISH_STORY = "articles.publish_story"
RUN_LIVE_COVERAGE = "articles.run_live_coverage"
ADD_STORY = "articles.add_story"
CHANGE_STORY = "articles.change_story"
ADD_UPDATE = "articles.add_liveupdate"
CHANGE_UPDATE = "articles.change_liveupdate"
DELETE_UPDATE = "articles.delete_liveupdate"
ADD_CORRECTION = "articles.add_correction"
CHANGE_CORRECTION = "articles.change_correction"
DELETE_CORRECTION = "articles.delete_correction"
ADD_IMAGE = "articles.add_image"
ADD_SOCIAL_POST = "articles.add_socialpost"
CHANGE_SOCIAL_POST = "articles.change_socialpost"
DELETE_SOCIAL_POST = "articles.delete_socialpost"
DELETE_STORY = "articles.delete_story"
DELETE_CITATION = "articles.delete_citation"

# The codenames each editorial group holds (DESIGN.md, "Roles"). The data migrations that create
# and extend the groups copy their part of this table as it was when they were written (a
# migration must not change when this file does); a test checks they add up to it.
ROLES = {
    "Reporter": [
        "add_story", "change_story", "view_story",
        "view_section", "view_author", "view_liveupdate", "view_correction",
        "view_source", "view_citation",
        "add_image", "change_image", "view_image",
        "add_socialpost", "change_socialpost", "view_socialpost",
    ],
    "Editor": [
        "add_story", "change_story", "delete_story", "view_story",
        "publish_story", "run_live_coverage",
        "add_section", "change_section", "view_section",
        "add_author", "change_author", "view_author",
        "add_byline", "change_byline", "delete_byline", "view_byline",
        "add_liveupdate", "change_liveupdate", "delete_liveupdate", "view_liveupdate",
        "add_correction", "change_correction", "delete_correction", "view_correction",
        "add_source", "change_source", "delete_source", "view_source",
        "add_citation", "change_citation", "delete_citation", "view_citation",
        "add_image", "change_image", "delete_image", "view_image",
        "add_socialpost", "change_socialpost", "delete_socialpost", "view_socialpost",
    ],
    "Live desk": [
        "view_story", "run_live_coverage", "view_section", "view_author",
        "add_liveupdate", "change_liveupdate", "delete_liveupdate", "view_liveupdate",
        "add_correction", "view_correction", "view_source", "view_citation",
        "add_image", "change_image", "view_image",
        "add_socialpost", "change_socialpost", "view_socialpost",
    ],
}  # fmt: skip

# What someone who may not publish can set: the workflow before an editor's decision.
DRAFT_STATUSES = frozenset({Story.Status.DRAFT, Story.Status.IN_REVIEW})


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def can_publish(user):
    """Publish, schedule, unpublish and withdraw any story; correct stories; edit any update."""
    return _active(user) and user.has_perm(PUBLISH_STORY)


def can_run_live(user):
    return _active(user) and user.has_perm(RUN_LIVE_COVERAGE)


def _in_trash(row):
    return getattr(row, "deleted_at", None) is not None


def can_edit_story(user, story):
    """Editors edit any story; reporters their own drafts, and nothing once it left draft.
    Nobody edits a story in the trash: it is restored first."""
    return not _in_trash(story) and _may_write_story(user, story)


def _may_write_story(user, story):
    if not (_active(user) and user.has_perm(CHANGE_STORY)):
        return False
    if can_publish(user):
        return True
    return story.created_by_id == user.pk and story.status == Story.Status.DRAFT


def can_archive(user, citation):
    """Archiving a cited page (or retrying): whoever may edit the story that cites it."""
    return can_edit_story(user, citation.story)


def can_download_capture(user, citation):
    """The WARC file as fetched, scripts and all: staff who may see the story in the admin."""
    return can_preview(user, citation.story)


def can_preview(user, story):
    """Staff who may see the story in the admin see its page before readers do."""
    return (
        _active(user)
        and user.is_staff
        and (user.has_perm("articles.view_story") or can_edit_story(user, story))
    )


def can_share_preview(user, story):
    """A preview link for someone outside the newsroom: whoever may edit the story."""
    return can_edit_story(user, story)


def can_revoke_preview(user, link):
    """The link's creator, or an editor."""
    return _active(user) and (can_publish(user) or link.created_by_id == user.pk)


def allowed_statuses(user, story=None):
    """The statuses `user` may give `story` (None: a new story), its current one included."""
    if can_publish(user):
        return list(Story.Status.values)
    current = story.status if story is not None else Story.Status.DRAFT
    may_write = _active(user) and (user.has_perm(CHANGE_STORY) or user.has_perm(ADD_STORY))
    if current not in DRAFT_STATUSES or not may_write:
        return [current]
    return [status for status in Story.Status.values if status in DRAFT_STATUSES]


def can_start_live(user, story):
    """Coverage runs on a story readers can see: not a draft, a schedule or a withdrawn one."""
    return can_run_live(user) and story.is_visible and not story.is_live


def can_end_live(user, story):
    return can_run_live(user) and story.is_live


def _is_covered(story):
    """A story the live desk works on: in front of readers, with live coverage (now or past)."""
    return story.is_visible and story.has_live_coverage


def can_post_update(user, story):
    """The desk posts to running coverage; editors also add to coverage that has ended."""
    if not (_active(user) and user.has_perm(ADD_UPDATE)):
        return False
    if story.is_visible and story.is_live:
        return True
    # Not to a withdrawn story: readers get its notice, never its updates.
    return can_publish(user) and story.is_visible and story.has_live_coverage


def can_change_update(user, update):
    """Edit, pin and flag: editors on any update, the desk on covered stories only (never
    under a story in the trash)."""
    if not (_active(user) and user.has_perm(CHANGE_UPDATE)) or _in_trash(update.story):
        return False
    return can_publish(user) or _is_covered(update.story)


def can_delete_update(user, update):
    """Soft delete and restore (not under a story in the trash: it is restored first)."""
    if not (_active(user) and user.has_perm(DELETE_UPDATE)) or _in_trash(update.story):
        return False
    return can_publish(user) or _is_covered(update.story)


def can_correct(user, *, story=None, update=None):
    """A public correction: on a story, editors only; on an update, whoever may edit it."""
    if not (_active(user) and user.has_perm(ADD_CORRECTION)):
        return False
    if story is not None:
        return can_publish(user)
    if update is not None:
        return can_change_update(user, update)
    return False


def can_change_correction(user, correction):
    if not (_active(user) and user.has_perm(CHANGE_CORRECTION)):
        return False
    return can_correct(user, story=correction.story, update=correction.update)


def can_delete_correction(user, correction):
    if not (_active(user) and user.has_perm(DELETE_CORRECTION)):
        return False
    return can_correct(user, story=correction.story, update=correction.update)


def can_upload_image(user):
    """Upload an image (in the Image admin, or by dropping it into a Markdown editor)."""
    return _active(user) and user.is_staff and user.has_perm(ADD_IMAGE)


def can_add_social_post(user):
    return _active(user) and user.has_perm(ADD_SOCIAL_POST)


def can_capture_social_post(user, post):
    """Ask the platform again: whoever may change snapshots, for any of them (what comes back
    is the platform's, not theirs)."""
    return _active(user) and user.has_perm(CHANGE_SOCIAL_POST)


def can_edit_social_post(user, post):
    """Fill in a snapshot by hand: editors any; reporters and the desk the ones they added,
    since a snapshot may already be on readers' pages in stories they may not edit."""
    if not (_active(user) and user.has_perm(CHANGE_SOCIAL_POST)):
        return False
    return can_publish(user) or post.pk is None or post.created_by_id == user.pk


def can_delete_social_post(user):
    """Pages that embed it show a plain link card instead: editors only."""
    return _active(user) and user.has_perm(DELETE_SOCIAL_POST)


# --- The trash --------------------------------------------------------------------------------
# Deleting moves a row to the trash (readers no longer see it) and restoring brings it back: the
# same right as deleting. Emptying an item from the trash destroys it: the model's delete
# permission as well, and the row must already be in the trash (never one click from published).


def can_trash_story(user, story):
    """Editors: a story leaves every page, feed and list at once."""
    return _active(user) and user.has_perm(DELETE_STORY) and _may_write_story(user, story)


def can_trash_citation(user, citation):
    """A citation is part of its story: whoever may edit the story (a reporter on their draft)."""
    return _may_write_story(user, citation.story) and not _in_trash(citation.story)


def can_trash(user, obj):
    """The trash rule for any row that has one, on the stored row."""
    if isinstance(obj, Story):
        return can_trash_story(user, obj)
    if isinstance(obj, LiveUpdate):
        return can_delete_update(user, obj)
    if isinstance(obj, Citation):
        return can_trash_citation(user, obj)
    if isinstance(obj, SocialPost):
        return can_delete_social_post(user)
    return False


# The model permission that destroying a row from the trash needs, on top of can_trash.
PURGE_PERMISSIONS = {
    "story": DELETE_STORY,
    "liveupdate": DELETE_UPDATE,
    "citation": DELETE_CITATION,
    "socialpost": DELETE_SOCIAL_POST,
}


def can_empty_from_trash(user, obj):
    return (
        obj.deleted_at is not None
        and can_trash(user, obj)
        and user.has_perm(PURGE_PERMISSIONS[obj._meta.model_name])
    )
