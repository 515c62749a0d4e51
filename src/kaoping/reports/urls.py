from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.report_index, name="index"),
    path("reports/briefs/", views.brief_page, name="briefs"),
    path("reports/briefs/<str:period>.docx", views.brief_docx, name="brief_docx"),
    path("campaigns/<str:code>/results/", views.campaign_results, name="results"),
    path("campaigns/<str:code>/results/units/<str:unit>/", views.unit_page, name="unit"),
    path("campaigns/<str:code>/results/units/<str:unit>/report.docx", views.unit_docx, name="unit_docx"),
    path("campaigns/<str:code>/results/heatmap/", views.heatmap_page, name="heatmap"),
    path("campaigns/<str:code>/results/heatmap/cell/", views.heatmap_cell, name="heatmap_cell"),
    path("campaigns/<str:code>/results/rules/", views.rules_page, name="rules"),
    path("campaigns/<str:code>/results/publish/", views.publish, name="publish"),
    path("campaigns/<str:code>/results/export.xlsx", views.export_xlsx, name="export_xlsx"),
]
