"""The editorial roles as groups, with the permissions DESIGN.md gives each one."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Reporter": [
        "add_story",
        "change_story",
        "view_story",
        "view_section",
        "view_author",
        "view_liveupdate",
        "view_correction",
    ],
    "Editor": [
        "add_story",
        "change_story",
        "delete_story",
        "view_story",
        "publish_story",
        "run_live_coverage",
        "add_section",
        "change_section",
        "view_section",
        "add_author",
        "change_author",
        "view_author",
        "add_byline",
        "change_byline",
        "delete_byline",
        "view_byline",
        "add_liveupdate",
        "change_liveupdate",
        "delete_liveupdate",
        "view_liveupdate",
        "add_correction",
        "change_correction",
        "delete_correction",
        "view_correction",
    ],
    "Live desk": [
        "view_story",
        "run_live_coverage",
        "view_section",
        "view_author",
        "add_liveupdate",
        "change_liveupdate",
        "delete_liveupdate",
        "view_liveupdate",
        "add_correction",
        "view_correction",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = list(
            Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"Missing permissions for {name}: {sorted(missing)}")
        group.permissions.set(perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
