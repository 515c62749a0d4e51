from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.library_list, name="list"),
    path("new/", views.library_create, name="create"),
    path("<str:library>/import/", views.library_import, name="import"),
    path("<str:library>/v<int:number>/", views.version_detail, name="version"),
    path("<str:library>/v<int:number>/derive/", views.version_derive, name="derive"),
    path("<str:library>/v<int:number>/export.xlsx", views.version_export, name="export"),
    path("<str:library>/v<int:number>/nodes/add/", views.node_add, name="node_add"),
    path("<str:library>/v<int:number>/nodes/<str:code>/", views.node_edit, name="node"),
    path("<str:library>/v<int:number>/nodes/<str:code>/remove/", views.node_remove, name="node_remove"),
    path("<str:library>/v<int:number>/nodes/<str:code>/move/", views.node_move, name="node_move"),
    path("<str:library>/v<int:number>/nodes/<str:code>/ahp/", views.node_ahp, name="ahp"),
    path("<str:library>/v<int:number>/nodes/<str:code>/ahp/preview/", views.node_ahp_preview, name="ahp_preview"),
    path("<str:library>/v<int:number>/nodes/<str:code>/ahp/<int:pk>/", views.judgement_detail, name="judgement"),
]
