from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.alert_list, name="list"),
    path("alerts/sync/", views.alerts_sync, name="sync"),
    path("alerts/<int:pk>/", views.alert_detail, name="detail"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="assign"),
    path("alerts/<int:pk>/investigate/", views.alert_investigate, name="investigate"),
    path("alerts/<int:pk>/close/", views.alert_close, name="close"),
    path("alerts/<int:pk>/exclude/", views.alert_exclude, name="exclude"),
    path("alerts/<int:pk>/revoke/", views.alert_revoke, name="revoke"),
    path("alerts/<int:pk>/reopen/", views.alert_reopen, name="reopen"),
]
