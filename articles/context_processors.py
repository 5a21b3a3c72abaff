from django.conf import settings


def newsroom(request):
    # The site's configured address: absolute links never come from the request's Host.
    return {"NEWSROOM_NAME": settings.NEWSROOM_NAME, "SITE_URL": settings.NEWSROOM_SITE_URL}
