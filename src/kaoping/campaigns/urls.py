from django.urls import path
from django.views.generic import RedirectView

from kaoping.accounts.permissions import public

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    # the list lives at the site's root; people (and the README) also type /campaigns/
    path("campaigns/", public(RedirectView.as_view(pattern_name="campaigns:list", permanent=False))),
    path("campaigns/new/", views.campaign_create, name="create"),
    path("campaigns/<str:code>/", views.campaign_detail, name="detail"),
    path("campaigns/<str:code>/settings/", views.campaign_settings, name="settings"),
    path("campaigns/<str:code>/targets/", views.targets_add, name="targets_add"),
    path("campaigns/<str:code>/targets/<str:unit>/remove/", views.target_remove, name="target_remove"),
    path("campaigns/<str:code>/groups/", views.group_save, name="group_save"),
    path("campaigns/<str:code>/groups/<str:group>/remove/", views.group_remove, name="group_remove"),
    path("campaigns/<str:code>/raters/", views.rater_add, name="rater_add"),
    path("campaigns/<str:code>/raters/<str:rater>/remove/", views.rater_remove, name="rater_remove"),
    path("campaigns/<str:code>/conflicts/", views.conflict_add, name="conflict_add"),
    path("campaigns/<str:code>/conflicts/<int:pk>/remove/", views.conflict_remove, name="conflict_remove"),
    path("campaigns/<str:code>/overrides/", views.override_add, name="override_add"),
    path("campaigns/<str:code>/overrides/<int:pk>/remove/", views.override_remove, name="override_remove"),
    path("campaigns/<str:code>/assignments/", views.assignments_generate, name="assignments_generate"),
    path("campaigns/<str:code>/draw/", views.assignment_draw, name="draw"),
    path("campaigns/<str:code>/draws/", views.draws, name="draws"),
    path("campaigns/<str:code>/advance/", views.campaign_advance, name="advance"),
]
