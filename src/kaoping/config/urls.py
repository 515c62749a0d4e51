"""Top-level URL configuration."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from kaoping.accounts.permissions import public

from .api import api

admin.site.site_header = "考评 Kaoping 管理后台"
admin.site.site_title = "考评 Kaoping"
admin.site.index_title = "系统管理"

urlpatterns = [
    # browsers ask for /favicon.ico on pages that name no icon (the admin's)
    path("favicon.ico", public(RedirectView.as_view(url=static("kaoping/favicon.svg"), permanent=True))),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("kaoping.accounts.urls")),  # accounts/login|logout|password|me, audit/
    path("", include("kaoping.campaigns.urls")),
    path("", include("kaoping.reports.urls")),
    path("", include("kaoping.collection.urls")),
    path("", include("kaoping.ratings.urls")),
    path("", include("kaoping.alerts.urls")),
    path("indicators/", include("kaoping.indicators.urls")),
]
