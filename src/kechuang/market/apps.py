from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketConfig(AppConfig):
    name = "kechuang.market"
    label = "market"
    verbose_name = _("科技大市场")
