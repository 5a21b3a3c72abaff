"""Sources and citations in the editorial groups: editors manage them, the others read them.
(Reporters add citations to their own drafts through the story, as they name its authors.)"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = {
    "Reporter": ["view_source", "view_citation"],
    "Editor": [
        "add_source", "change_source", "delete_source", "view_source",
        "add_citation", "change_citation", "delete_citation", "view_citation",
    ],
    "Live desk": ["view_source", "view_citation"],
}  # fmt: skip


def add_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ADDED.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ADDED.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="articles", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_sources_and_citations")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
