from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("Newsroom")

    def ready(self):
        from articles import search

        # SQLite's search index lives outside the migrations: Django rebuilds a SQLite table
        # to alter it, dropping its triggers, so after every migrate (and a test flush) the
        # index and its triggers are checked and restored.
        post_migrate.connect(search.ensure_sqlite_index, sender=self)
