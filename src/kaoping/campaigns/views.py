"""Pages of the campaigns app (placeholder until the platform lands)."""

from django.http import HttpRequest, HttpResponse


def campaign_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("考评 Kaoping")
