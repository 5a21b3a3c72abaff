"""The editors' dashboard on the admin's front page (articles/admin/dashboard.py)."""

from django import template

from articles.admin.dashboard import dashboard

register = template.Library()


@register.inclusion_tag("admin/articles/_dashboard.html", takes_context=True)
def editors_dashboard(context):
    return {"board": dashboard(context["request"].user), "request": context["request"]}
