from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PitstopsConfig(AppConfig):
    name = "pitstops"
    verbose_name = _("Pitstops")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the overview's summary rows)
