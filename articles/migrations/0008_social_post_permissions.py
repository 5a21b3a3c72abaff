"""Social post snapshots in the editorial groups: whoever embeds posts in the text (reporters in
their drafts, the live desk in its updates, editors anywhere) may add them and fill them in;
editors alone delete them. Who may change which snapshot is decided in articles.permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = {
    "Reporter": ["add_socialpost", "change_socialpost", "view_socialpost"],
    "Editor": ["add_socialpost", "change_socialpost", "delete_socialpost", "view_socialpost"],
    "Live desk": ["add_socialpost", "change_socialpost", "view_socialpost"],
}


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
    dependencies = [("articles", "0007_social_posts")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
