from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "kaoping.collection"
    verbose_name = _("评分采集")
