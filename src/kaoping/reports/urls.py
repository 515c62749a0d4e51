from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("campaigns/<str:code>/results/", views.campaign_results, name="results"),
]
