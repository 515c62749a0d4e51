from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "kaoping.ratings"
    verbose_name = _("政务服务好差评")
