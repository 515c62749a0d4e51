from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "kaoping.reports"
    verbose_name = _("结果与报告")
