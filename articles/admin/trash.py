"""The trash in the admin: delete moves a row there, from where it is restored or emptied.

Every move goes through `articles.publishing` (trash, restore, empty_from_trash), which checks
`articles.permissions` on the stored row; these views only ask and show.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from articles import permissions, publishing
from articles.admin.mixins import ID_PATTERN


class TrashAdminMixin:
    """Delete (the button, the bulk action) moves to the trash; `trash/` lists it."""

    trash_template = "admin/articles/trash.html"
    trash_confirm_template = "admin/articles/trash_confirm.html"
    # Django's delete pages, saying first that a delete here is a move to the trash.
    delete_confirmation_template = "admin/articles/trash_delete_confirmation.html"
    delete_selected_confirmation_template = "admin/articles/trash_delete_selected_confirmation.html"

    def _trashed(self):
        model = self.model
        manager = model.all_objects if hasattr(model, "all_objects") else model.objects
        return manager.trashed()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if any(f.name == "story" for f in self.model._meta.fields):
            # A story in the trash takes its updates and citations with it, out of the lists
            # and forms (the trash's pages list what is in it).
            queryset = queryset.filter(story__deleted_at__isnull=True)
        return queryset

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or permissions.can_trash(request.user, obj)

    def get_deleted_objects(self, objs, request):
        # Nothing is destroyed: the confirmation lists what goes to the trash, and the rule is
        # the row's own (not the delete permissions of what a real delete would cascade to).
        objs = list(objs)
        denied = {
            str(self.model._meta.verbose_name)
            for obj in objs
            if not permissions.can_trash(request.user, obj)
        }
        return (
            [str(obj) for obj in objs],
            {self.model._meta.verbose_name_plural: len(objs)},
            denied,
            [],
        )

    def delete_model(self, request, obj):
        publishing.trash(obj=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        refused = 0
        for obj in queryset:
            try:
                publishing.trash(obj=obj, by=request.user)
            except PermissionDenied:
                refused += 1
        if refused:
            self.message_user(
                request,
                _("%(n)d items were left as they were: you may not delete them.") % {"n": refused},
                messages.WARNING,
            )

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            _("“%(object)s” is in the trash: readers no longer see it, and it can be restored.")
            % {"object": obj_display},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(self._url_name("changelist")))

    def _url_name(self, view):
        opts = self.model._meta
        return f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "trash/",
                self.admin_site.admin_view(self.trash_view),
                name="{}_{}_trash".format(*info),
            ),
            path(
                "trash/<str:object_id>/restore/",
                self.admin_site.admin_view(self.trash_restore_view),
                name="{}_{}_trash_restore".format(*info),
            ),
            path(
                "trash/<str:object_id>/empty/",
                self.admin_site.admin_view(self.trash_empty_view),
                name="{}_{}_trash_empty".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"trash_url": reverse(self._url_name("trash")), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def _context(self, request, **values):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            **values,
        }

    def trash_view(self, request):
        """What is in the trash, newest first, with who put it there and when."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        rows = self._trashed().select_related("deleted_by").order_by("-deleted_at", "-pk")[:200]
        items = [
            {
                "obj": obj,
                "may_restore": permissions.can_trash(request.user, obj),
                "may_empty": permissions.can_empty_from_trash(request.user, obj),
            }
            for obj in rows
        ]
        context = self._context(
            request,
            title=_("Trash: %(items)s") % {"items": self.model._meta.verbose_name_plural},
            items=items,
        )
        return TemplateResponse(request, self.trash_template, context)

    def _trashed_object(self, object_id):
        object_id = unquote(object_id)
        if not ID_PATTERN.fullmatch(object_id):
            raise Http404
        obj = self._trashed().filter(pk=object_id).first()
        if obj is None:
            raise Http404
        return obj

    def trash_restore_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._trashed_object(object_id)
        if not permissions.can_trash(request.user, obj):
            raise PermissionDenied
        publishing.restore(obj=obj, by=request.user)
        self.message_user(
            request,
            _("“%(object)s” is restored: readers see it again as it was.") % {"object": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(self._url_name("trash")))

    def trash_empty_view(self, request, object_id):
        """Destroying needs its own confirmation page: a GET asks, a POST with `confirm` acts."""
        obj = self._trashed_object(object_id)
        if not permissions.can_empty_from_trash(request.user, obj):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            publishing.empty_from_trash(obj=obj, by=request.user)
            self.message_user(
                request,
                _("“%(object)s” is destroyed. Its history remains.") % {"object": obj},
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse(self._url_name("trash")))
        context = self._context(request, title=_("Destroy for good?"), obj=obj)
        return TemplateResponse(request, self.trash_confirm_template, context)
