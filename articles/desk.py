"""The live desk: post, edit, pin, flag and delete updates on live stories, and nothing else."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from articles import live, permissions, publishing, times
from articles.forms import (
    STALE_MESSAGE,
    LiveUpdateEditForm,
    LiveUpdateForm,
    add_validation_error,
    removals_message,
)
from articles.models import LiveUpdate, StaleEditError, Story

RECENT_UPDATES = 30
# Colleagues' posts, edits and deletions appear on an open desk within this many seconds.
DESK_POLL_SECONDS = 5


def wants_json(request):
    """The desk's script asks for JSON; a plain form post (no JavaScript) gets the page."""
    return "application/json" in request.headers.get("Accept", "")


def _item_html(request, update, story):
    update.story = story
    return render_to_string(
        "articles/desk/story.html#desk_update",
        {"update": update, "story": story, "now": timezone.now()},
        request=request,
    )


def _item(request, update, story):
    return {
        "id": update.pk,
        "version": update.version,
        "published": times.epoch_micros(update.published_at),
        "html": _item_html(request, update, story),
    }


def _posted_message(update, story):
    """What happened, said as it is: posted now, or scheduled for a time in the story's zone."""
    if update.published_at > timezone.now():
        return _("Update scheduled for %(time)s.") % {
            "time": times.label(update.published_at, story.time_zone)
        }
    return _("Update posted.")


def desk_access(view):
    """Live desk and editors only: others are sent to log in, or refused."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_staff and request.user.has_perm(permissions.ADD_UPDATE)):
            raise PermissionDenied
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapped


@desk_access
def index(request):
    stories = (
        Story.objects.live()
        .annotate(update_count=Count("updates", filter=Q(updates__deleted_at__isnull=True)))
        .select_related("section")
        .order_by("-live_started_at")
    )
    startable = (
        Story.objects.published().filter(is_live=False).order_by("-published_at")[:10]
        if permissions.can_run_live(request.user)
        else []
    )
    return render(request, "articles/desk/index.html", {"stories": stories, "startable": startable})


@desk_access
@require_http_methods(["GET", "POST"])
def story_desk(request, pk):
    story = get_object_or_404(Story, pk=pk)
    if request.method == "POST" and not permissions.can_post_update(request.user, story):
        messages.error(
            request, _("Coverage of this story is not live: updates cannot be posted to it.")
        )
        return redirect("articles:desk_story", pk=story.pk)
    # Times typed and shown on the desk are wall-clock times of the story's zone.
    with timezone.override(story.time_zone):
        form = LiveUpdateForm(request.POST or None, story=story)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                update = publishing.post_update(
                    story=story,
                    by=request.user,
                    title=data["title"],
                    body=data["body"],
                    published_at=data.get("published_at"),
                    is_key_event=data["is_key_event"],
                    is_pinned=data["is_pinned"],
                    confirm_time=data["confirm_time"],
                )
            except ValidationError as error:
                add_validation_error(form, error)
            except PermissionDenied:
                # Coverage ended (or the story was withdrawn) while this was being typed: the
                # text stays in the form, to copy elsewhere.
                form.add_error(
                    None,
                    _("Coverage of this story is not live: updates cannot be posted to it."),
                )
            else:
                message = _posted_message(update, story)
                removed = removals_message(update.body)
                if wants_json(request):
                    return JsonResponse(
                        {
                            "message": f"{message} {removed}".strip(),
                            "update": _item(request, update, story),
                        },
                        status=201,
                    )
                messages.success(request, message)
                if removed:
                    messages.warning(request, removed)
                return redirect("articles:desk_story", pk=story.pk)
        if request.method == "POST" and wants_json(request):
            # The errors, for the script to show beside the fields typed in (kept as typed).
            errors = {name: [e["message"] for e in found] for name, found in
                      form.errors.get_json_data().items()}  # fmt: skip
            return JsonResponse({"errors": errors}, status=400)
        updates = (
            LiveUpdate.objects.filter(story=story)
            .select_related("author")
            .newest_first()[:RECENT_UPDATES]
        )
        return render(
            request,
            "articles/desk/story.html",
            {
                "story": story,
                "form": form,
                "updates": updates,
                "now": timezone.now(),
                "cursor": str(live.page_cursor(live.last_change(story), timezone.now())),
                "poll_interval": DESK_POLL_SECONDS,
            },
        )


@desk_access
@require_safe
def changes(request, pk):
    """The desk's own poll: every update of the story changed since the cursor, drafts,
    schedules and deletions included (the desk shows them), as the desk's list prints them."""
    story = get_object_or_404(Story, pk=pk)
    try:
        since = live.Cursor.parse(request.GET.get("since", "0"))
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)
    rows, more = live.changes_since(story, since)
    now = timezone.now()
    cursor, more = live.next_cursor(rows, more, since, now)
    # A scheduled update's change time is its minute, so the readers' poll holds it back until
    # then; the desk sees schedules at once (few: sent each time, placed only when newer).
    seen = {update.pk for update in rows}
    scheduled = [
        update
        for update in LiveUpdate.objects.filter(story=story, published_at__gt=now)
        .select_related("author")
        .order_by("published_at")[:RECENT_UPDATES]
        if update.pk not in seen
    ]
    with timezone.override(story.time_zone):
        items = [_item(request, update, story) for update in [*rows, *scheduled]]
    return JsonResponse(
        {"cursor": str(cursor), "more": more, "is_live": story.is_live, "updates": items}
    )


@desk_access
@require_http_methods(["GET", "POST"])
def edit_update(request, pk):
    update = get_object_or_404(LiveUpdate.objects.select_related("story"), pk=pk)
    if not permissions.can_change_update(request.user, update):
        raise PermissionDenied
    with timezone.override(update.story.time_zone):
        form = LiveUpdateEditForm(request.POST or None, instance=update, story=update.story)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            note = data["correction_note"] if data["is_correction"] else ""
            try:
                publishing.edit_update(
                    update=form.instance,
                    by=request.user,
                    expected_version=form.opened_version,
                    correction_note=note,
                )
            except StaleEditError:
                form.add_error(None, STALE_MESSAGE)
            except ValidationError as error:
                add_validation_error(form, error)
            else:
                messages.success(request, _("Update saved."))
                if removed := removals_message(form.instance.body):
                    messages.warning(request, removed)
                return redirect("articles:desk_story", pk=update.story_id)
        context = {"form": form, "update": update, "story": update.story}
        return render(request, "articles/desk/edit.html", context)


# action: (publishing function, its arguments); each function checks who may, on this update.
ACTIONS = {
    "pin": (publishing.set_pinned, {"pinned": True}),
    "unpin": (publishing.set_pinned, {"pinned": False}),
    "key": (publishing.set_key_event, {"key_event": True}),
    "unkey": (publishing.set_key_event, {"key_event": False}),
    "delete": (publishing.delete_update, {}),
    "restore": (publishing.restore_update, {}),
}


ACTION_MESSAGES = {
    "pin": gettext_lazy("Update pinned at the top of the story."),
    "unpin": gettext_lazy("Update unpinned."),
    "key": gettext_lazy("Marked as a key event."),
    "unkey": gettext_lazy("No longer a key event."),
    "restore": gettext_lazy("Update restored."),
}


@desk_access
@require_POST
def update_action(request, pk):
    update = get_object_or_404(LiveUpdate, pk=pk)
    action = request.POST.get("action")
    if action not in ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("articles:desk_story", pk=update.story_id)
    run, arguments = ACTIONS[action]
    run(update=update, by=request.user, **arguments)
    if action == "delete":
        message = _("Update deleted. You can restore it from the list below.")
    else:
        message = ACTION_MESSAGES.get(action, _("Update saved."))
    if wants_json(request):
        update = LiveUpdate.objects.select_related("author", "story").get(pk=update.pk)
        return JsonResponse({"message": message, "update": _item(request, update, update.story)})
    messages.success(request, message)
    return redirect("articles:desk_story", pk=update.story_id)


@desk_access
@require_POST
def coverage(request, pk):
    story = get_object_or_404(Story, pk=pk)
    if not permissions.can_run_live(request.user):
        raise PermissionDenied
    action = request.POST.get("action")
    if action == "start":
        if publishing.start_live(story=story, by=request.user):
            messages.success(request, _("Live coverage started."))
        else:
            messages.info(request, _("Coverage of this story was already live."))
        return redirect("articles:desk_story", pk=story.pk)
    if action == "end":
        # Ending is seen at once on every open page and is not undone by a click: it asks
        # first, on the server, so it holds without JavaScript too.
        if request.POST.get("confirm") != "yes":
            return render(request, "articles/desk/confirm_end.html", {"story": story})
        if publishing.end_live(story=story, by=request.user):
            messages.success(request, _("Live coverage ended."))
        else:
            messages.info(request, _("Coverage of this story had already ended."))
        return redirect("articles:desk")
    # Anything else (a typo, a stale or forged form) must not end the coverage.
    messages.error(request, _("Unknown action."))
    return redirect("articles:desk_story", pk=story.pk)
