from django.db import models
from django.utils.translation import gettext_lazy as _


class CarrierKind(models.TextChoices):
    MAKER_SPACE = "maker_space", _("众创空间")
    INCUBATOR = "incubator", _("孵化器")
    ACCELERATOR = "accelerator", _("加速器")
    STAR_SPACE = "star_space", _("星创天地")


class Grade(models.TextChoices):
    EXCELLENT = "A", _("优秀（A）")
    GOOD = "B", _("良好（B）")
    PASS = "C", _("合格（C）")
    FAIL = "D", _("不合格（D）")
