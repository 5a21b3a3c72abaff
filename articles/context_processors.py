from django.conf import settings


def site_url(request):
    """Scheme and host: canonical, Open Graph and JSON-LD addresses are absolute."""
    return f"{request.scheme}://{request.get_host()}"


def newsroom(request):
    return {"NEWSROOM_NAME": settings.NEWSROOM_NAME, "SITE_URL": site_url(request)}
