"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .api import api

admin.site.site_header = "考评 Kaoping 管理后台"
admin.site.site_title = "考评 Kaoping"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("kaoping.campaigns.urls")),
    path("", include("kaoping.reports.urls")),
    path("", include("kaoping.collection.urls")),
    path("", include("kaoping.ratings.urls")),
    path("", include("kaoping.alerts.urls")),
    path("indicators/", include("kaoping.indicators.urls")),
]
