"""The editors' front page: what waits for a decision, what is scheduled, what is live, and the
user's own drafts. A fixed number of queries, whatever the number of stories."""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from articles import permissions
from articles.models import LiveUpdate, Story
from articles.models.stories import public_name

LISTED = 15


def _name(user):
    # Staff among themselves: the login when no name is known.
    return public_name(user) or (user.get_username() if user is not None else "")


def dashboard(user):
    """The lists an editor starts the day with, each row a link into the admin."""
    if not (user.is_active and user.is_staff and user.has_perm("articles.view_story")):
        return None
    now = timezone.now()
    history = Story.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date")
    submitted = history.filter(status=Story.Status.IN_REVIEW)
    review = list(
        Story.objects.filter(status=Story.Status.IN_REVIEW)
        .annotate(
            submitted_at=Subquery(submitted.values("history_date")[:1]),
            submitted_by=Subquery(submitted.values("history_user_id")[:1]),
        )
        .order_by("submitted_at", "pk")[:LISTED]
    )
    latest = LiveUpdate.objects.published().filter(story=OuterRef("pk")).newest_first()
    live = list(
        Story.objects.live()
        .annotate(
            last_update_at=Subquery(latest.values("published_at")[:1]),
            last_update_title=Subquery(latest.values("title")[:1]),
            last_update_by=Subquery(latest.values("author__name")[:1]),
        )
        .order_by("-live_started_at")[:LISTED]
    )
    scheduled_stories = list(
        Story.objects.filter(status=Story.Status.PUBLISHED, published_at__gt=now).order_by(
            "published_at"
        )[:LISTED]
    )
    scheduled_updates = list(
        LiveUpdate.objects.filter(
            published_at__gt=now, deleted_at__isnull=True, status=LiveUpdate.Status.PUBLISHED
        )
        .select_related("story")
        .order_by("published_at")[:LISTED]
    )
    drafts = list(
        Story.objects.filter(created_by=user, status=Story.Status.DRAFT).order_by("-updated_at")[
            :LISTED
        ]
    )
    # Who submitted each story: one query for all of them.
    ids = {story.submitted_by for story in review if story.submitted_by}
    people = {
        person.pk: person
        for person in get_user_model().objects.filter(pk__in=ids).select_related("author")
    }
    for story in review:
        story.submitter = _name(people.get(story.submitted_by))
    return {
        "review": review,
        "scheduled_stories": scheduled_stories,
        "scheduled_updates": scheduled_updates,
        "live": live,
        "drafts": drafts,
        "may_publish": permissions.can_publish(user),
    }
