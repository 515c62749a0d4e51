"""Pages of the ratings app, with full paths from the site root.

Citizens: ``r/<token>/`` (signed link of one transaction, by QR code or SMS) and
``kiosk/<hall>/<window>/?k=<key>`` (the window terminal; window codes are unique within
their hall only, so the hall code is part of the path; the signed terminal key comes
from the office's register page). The public: ``public/windows/``.
The office and units: everything under ``ratings/``.
"""

from django.urls import path

from . import views

app_name = "ratings"
urlpatterns = [
    # citizens
    path("r/<str:token>/", views.rate, name="rate"),
    path("r/<str:token>/thanks/", views.rate_thanks, name="rate_thanks"),
    path("r/<str:token>/qr.<str:fmt>", views.rate_qr, name="rate_qr"),
    path("kiosk/<str:hall>/<str:window>/", views.kiosk, name="kiosk"),
    # the public
    path("public/windows/", views.public_windows, name="public_windows"),
    path("public/windows/<str:hall>/<str:window>/", views.public_window, name="public_window"),
    # the office and units
    path("ratings/", views.dashboard, name="dashboard"),
    path("ratings/stats/", views.statistics, name="statistics"),
    path("ratings/settings/", views.policy_settings, name="settings"),
    path("ratings/flags/<int:pk>/decide/", views.flag_decide, name="flag_decide"),
    path("ratings/registers/", views.registers, name="registers"),
    path("ratings/registers/<str:kind>/", views.registers, name="registers_kind"),
    path("ratings/registers/<str:kind>/new/", views.register_new, name="register_new"),
    path("ratings/registers/<str:kind>/<int:pk>/", views.register_edit, name="register_edit"),
    path("ratings/registers/<str:kind>/<int:pk>/confirm/", views.register_confirm, name="register_confirm"),
    path("ratings/registers/windows/<int:pk>/kiosk-key/", views.kiosk_key_rotate, name="kiosk_key_rotate"),
    path("ratings/windows/<str:hall>/<str:window>/qr/", views.window_qr_sheet, name="window_qr"),
    path("ratings/entry/", views.entry, name="entry"),
    path("ratings/upload/", views.upload, name="upload"),
    path("ratings/upload/template.xlsx", views.upload_template, name="upload_template"),
    path("ratings/import/", views.rating_import, name="import"),
    path("ratings/import/template.xlsx", views.rating_import_template, name="import_template"),
    path("ratings/cases/", views.case_list, name="cases"),
    path("ratings/cases/<int:pk>/", views.case_detail, name="case"),
    path("ratings/cases/<int:pk>/step/", views.case_step, name="case_step"),
    path("ratings/cases/<int:pk>/phone/", views.case_phone, name="case_phone"),
    path("ratings/cases/<int:pk>/appeal/", views.case_appeal, name="case_appeal"),
    path("ratings/appeals/", views.appeal_list, name="appeals"),
    path("ratings/appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
]
