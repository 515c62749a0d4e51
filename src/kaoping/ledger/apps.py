from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "kaoping.ledger"
    verbose_name = _("防篡改账本")
