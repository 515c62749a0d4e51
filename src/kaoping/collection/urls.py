"""URLs of the collection app (full paths: included at the site root)."""

from django.urls import path

from . import views

app_name = "collection"
urlpatterns = [
    path("sheets/", views.sheet_list, name="sheets"),
    path("sheets/<str:code>/<str:unit>/", views.sheet_form, name="sheet"),
    path("sheets/<str:code>/<str:unit>/autosave/", views.sheet_autosave, name="sheet_autosave"),
    path("a/<str:token>/", views.anonymous_sheet, name="anonymous"),
    path("campaigns/<str:code>/collect/", views.progress, name="progress"),
    path("campaigns/<str:code>/collect/remind/", views.remind, name="remind"),
    path("campaigns/<str:code>/collect/links/", views.links, name="links"),
    path("campaigns/<str:code>/collect/upload/", views.upload, name="upload"),
    path("campaigns/<str:code>/collect/upload/<int:pk>/", views.upload_confirm, name="upload_confirm"),
    path("campaigns/<str:code>/collect/template/<str:kind>/", views.template, name="template"),
    path("campaigns/<str:code>/collect/measures/", views.measures, name="measures"),
    path("campaigns/<str:code>/collect/measures/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("campaigns/<str:code>/collect/measures/<int:pk>/check/", views.measure_check, name="measure_check"),
    path("campaigns/<str:code>/collect/evidence/<int:pk>/", views.evidence_download, name="evidence"),
]
