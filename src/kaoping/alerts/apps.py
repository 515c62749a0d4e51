from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "kaoping.alerts"
    verbose_name = _("预警甄别")
