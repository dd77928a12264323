from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoalitionsConfig(AppConfig):
    name = "coalitions"
    verbose_name = _("Expeditions and coalitions")

    def ready(self) -> None:
        from . import accounts  # noqa: F401  (connects the log-in signals)
