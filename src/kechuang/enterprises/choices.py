"""Choices of the enterprises app."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class IPKind(models.TextChoices):
    INVENTION = "invention", _("发明专利")
    DEFENCE = "defence_patent", _("国防专利")
    PLANT_VARIETY = "plant_variety", _("植物新品种")
    CROP_VARIETY = "crop_variety", _("国家级农作物品种")
    NEW_DRUG = "new_drug", _("国家新药")
    TCM = "tcm_protected", _("国家一级中药保护品种")
    IC_LAYOUT = "ic_layout", _("集成电路布图设计专有权")
    UTILITY = "utility_model", _("实用新型专利")
    DESIGN = "design", _("外观设计专利")
    SOFTWARE = "software", _("软件著作权")


CLASS_I_KINDS = {IPKind.INVENTION, IPKind.DEFENCE, IPKind.PLANT_VARIETY, IPKind.CROP_VARIETY, IPKind.NEW_DRUG,
                 IPKind.TCM, IPKind.IC_LAYOUT}


class IPClass(models.TextChoices):
    I = "I", _("Ⅰ类")
    II = "II", _("Ⅱ类")


class Acquisition(models.TextChoices):
    SELF = "self", _("自主研发")
    TRANSFER = "transfer", _("受让")
    GIFT = "gift", _("受赠")
    MERGER = "merger", _("并购")


class QualificationKind(models.TextChoices):
    STARTUP = "startup", _("创新型初创企业备案")
    TSME = "tsme", _("科技型中小企业")
    POOL = "pool", _("高新技术企业培育库")
    HTE = "hte", _("高新技术企业")
    IP_DEMO = "ip_demo", _("知识产权示范企业")
    IP_ADVANTAGE = "ip_advantage", _("知识产权优势企业")


LADDER = [QualificationKind.STARTUP, QualificationKind.TSME, QualificationKind.POOL, QualificationKind.HTE]


class QualificationStatus(models.TextChoices):
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已到期")
    REVOKED = "revoked", _("已取消")
    EXITED = "exited", _("已出库")


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("高校")
    INSTITUTE = "institute", _("科研院所")
    NEW_RD = "new_rd", _("新型研发机构")


class RDInstitutionType(models.TextChoices):
    TECH_CENTER = "tech_center", _("企业技术中心")
    RESEARCH_INSTITUTE = "research_institute", _("企业研究院")
    ENGINEERING_CENTER = "engineering_center", _("工程技术中心")
    HTE_RD_CENTER = "hte_rd_center", _("高新技术企业研究开发中心")
    ACADEMICIAN_WS = "academician_ws", _("院士工作站")
    AGRI_INSTITUTE = "agri_institute", _("重点农业企业研究院")
    KEY_LAB = "key_lab", _("重点实验室")


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区级")


LEVEL_RANK = {Level.NATIONAL: 4, Level.PROVINCIAL: 3, Level.MUNICIPAL: 2, Level.DISTRICT: 1}


class FilingStatus(models.TextChoices):
    FILED = "filed", _("已备案")
    REFUSED = "refused", _("不予备案")
    REVOKED = "revoked", _("已撤销")
