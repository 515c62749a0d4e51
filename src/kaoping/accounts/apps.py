from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kaoping.accounts"
    verbose_name = _("账号与角色")

    def ready(self) -> None:
        from . import signals

        signals.connect_axes()
