"""Readable differences between two versions of a row: the history's side-by-side view.

Pure: it compares two historical records (django-simple-history's) and returns escaped HTML.
Everything a version holds is escaped before the markup of the difference is added, so the
difference of hostile Markdown (a script, an `on…` attribute) shows as text and never runs.
"""

import difflib
import re
from dataclasses import dataclass

from django.db import models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles import times
from articles.models.base import UNRECORDED_CHANGES

# Words and the spaces between them: a difference is shown word by word, and joining the
# tokens back gives the text exactly (line breaks included).
TOKENS = re.compile(r"\s+|[^\s]+")
# Past this many tokens in a changed block, the block is shown as replaced as a whole: the
# word matcher is quadratic in the worst case (a 20,000-word block took ~2 s).
MAX_WORD_DIFF_TOKENS = 4000


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: SafeString
    new: SafeString


def _marked(tag, text):
    return f"<{tag}>{escape(text)}</{tag}>" if text else ""


def _opcodes(a, b):
    """The runs of `a` and `b` (lists of strings) as (op, removed text, added text)."""
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        yield op, "".join(a[i1:i2]), "".join(b[j1:j2])


def _word_diff(old, new):
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    if len(a) + len(b) > MAX_WORD_DIFF_TOKENS:
        return _marked("del", old), _marked("ins", new)
    left, right = [], []
    for op, removed, added in _opcodes(a, b):
        if op == "equal":
            left.append(escape(removed))
            right.append(escape(added))
        else:
            left.append(_marked("del", removed))
            right.append(_marked("ins", added))
    return "".join(left), "".join(right)


def text_diff(old, new):
    """(old, new) as escaped HTML: removed words in <del> on the left, added ones in <ins> on
    the right. Lines are matched first (Markdown is written in lines: a paragraph moved stays
    one change), then the words of the lines that changed."""
    old, new = old or "", new or ""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    left, right = [], []
    for op, removed, added in _opcodes(a, b):
        if op == "equal":
            left.append(escape(removed))
            right.append(escape(added))
        elif op == "replace":
            words = _word_diff(removed, added)
            left.append(words[0])
            right.append(words[1])
        else:
            left.append(_marked("del", removed))
            right.append(_marked("ins", added))
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 (escaped above)


def _display(record, field, tz):
    if record is None:
        return ""
    value = getattr(record, field.attname)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if isinstance(field, models.DateTimeField):
        return times.label(value, tz)
    if isinstance(field, models.BooleanField):
        return "✓" if value else "✗"
    if isinstance(field, models.FileField):
        return str(value)
    return str(value)


def tracked_fields(model):
    """The fields of `model` whose history is kept and shown (not the ones that move on every
    save, nor the history's own)."""
    history_fields = {f.attname for f in model.history.model._meta.fields}
    return [
        field
        for field in model._meta.concrete_fields
        if field.attname in history_fields
        and field.attname not in UNRECORDED_CHANGES
        and not field.primary_key
    ]


def changes(model, old, new, *, tz=None):
    """The fields that differ between two historical records of `model` (`old` None: the
    first version), each with its old and new value as escaped HTML."""
    rows = []
    for field in tracked_fields(model):
        before = getattr(old, field.attname) if old is not None else None
        after = getattr(new, field.attname)
        if old is not None and before == after:
            continue
        if old is None and (after is None or after == ""):
            continue
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            left, right = text_diff(before or "", after or "")
        else:
            left = _marked("del", _display(old, field, tz))
            right = _marked("ins", _display(new, field, tz))
            left, right = mark_safe(left), mark_safe(right)  # noqa: S308 (escaped by _marked)
        rows.append(FieldChange(str(field.verbose_name), left, right))
    return rows
