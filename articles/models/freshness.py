"""Freshness generations: what a cached page is keyed on instead of queries over what it shows."""

from django.db import models


class Freshness(models.Model):
    """One row per scope (`story:<slug>`, `lists`) whose cached pages change together.

    `generation` is a new random number at each change readers would see on those pages,
    written by `articles.freshness.bump` in the same transaction as the change, so every
    process and machine sharing the database sees the new generation when it sees the change.
    """

    scope = models.CharField(max_length=300, primary_key=True)
    generation = models.BigIntegerField()
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "freshness"

    def __str__(self):
        return f"{self.scope}: {self.generation}"
