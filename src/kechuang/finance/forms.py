"""Forms of the finance pages. They only collect input: every value is parsed and checked by the services, so the
pages, the API and the command line refuse the same things with the same reasons."""
from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DocumentKind, HolderKind, ServiceCategory

MONEY_ATTRS = {"inputmode": "decimal", "autocomplete": "off"}


class ProgrammeForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("方案名称"), max_length=200)
    budget = forms.CharField(label=_("年度预算（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS))
    annual_cap = forms.CharField(label=_("每户年度上限（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS))
    tiers = forms.CharField(label=_("分档补助比例"), initial="50000:1\n:0.5", widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("每行“上限（元）:比例”，最后一档上限留空，如 50000:1 与 :0.5 表示5万元以内100%、超出部分50%"))
    holder_kinds = forms.MultipleChoiceField(label=_("申领对象"), choices=HolderKind.choices,
                                             widget=forms.CheckboxSelectMultiple, initial=["tsme", "startup"])
    categories = forms.MultipleChoiceField(label=_("支持的服务类别"), choices=ServiceCategory.choices,
                                           widget=forms.CheckboxSelectMultiple, initial=ServiceCategory.values)
    valid_from = forms.CharField(label=_("有效期起"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.CharField(label=_("有效期止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    grant_days = forms.IntegerField(label=_("创新券有效天数"), min_value=1, max_value=3660, required=False,
                                    help_text=_("自发放日起计算；留空则至方案有效期止"))
    publicity_days = forms.IntegerField(label=_("公示天数"), min_value=0, max_value=60, initial=5)
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BudgetForm(forms.Form):
    amount = forms.CharField(label=_("追加金额（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class ApplicationForm(forms.Form):
    programme = forms.TypedChoiceField(label=_("创新券方案"), coerce=int)
    enterprise = forms.IntegerField(label=_("企业编号"), required=False,
                                    help_text=_("科技局代企业申请时填写；企业用户无需填写"))
    amount = forms.CharField(label=_("申请额度（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS))
    categories = forms.MultipleChoiceField(label=_("拟购买的服务类别"), choices=ServiceCategory.choices,
                                           widget=forms.CheckboxSelectMultiple, required=False)
    purpose = forms.CharField(label=_("用途说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class OrderForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("服务机构"), coerce=int)
    category = forms.ChoiceField(label=_("服务类别"), choices=ServiceCategory.choices)
    service = forms.CharField(label=_("服务内容"), max_length=200)
    fee = forms.CharField(label=_("服务金额（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS),
                          help_text=_("按方案分档比例计算创新券抵扣额，并从本券余额中预占"))


class ClaimForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput)
    invoice_amount = forms.CharField(label=_("实际服务金额（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        for kind, label in DocumentKind.choices:
            self.fields[kind] = forms.FileField(label=_("%(label)s（文件）") % {"label": label}, required=False)
            self.fields[f"{kind}_ref"] = forms.CharField(label=_("%(label)s（编号或链接）") % {"label": label},
                                                         required=False, max_length=300)


class LoanForm(forms.Form):
    fund = forms.TypedChoiceField(label=_("风险池"), coerce=int)
    bank = forms.TypedChoiceField(label=_("合作银行"), coerce=int)
    enterprise = forms.IntegerField(label=_("企业编号"), required=False, help_text=_("科技局代企业申请时填写"))
    amount = forms.CharField(label=_("申请金额（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS))
    term_months = forms.IntegerField(label=_("期限（月）"), min_value=1, max_value=60, initial=12)
    purpose = forms.CharField(label=_("贷款用途"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PolicyForm(forms.Form):
    year = forms.IntegerField(label=_("贴息年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("名称"), max_length=200)
    ratio = forms.CharField(label=_("贴息比例"), initial="0.5", help_text=_("如 0.5 或 50%"))
    day_count = forms.TypedChoiceField(label=_("计息基础（天）"), coerce=int, choices=[(360, "360"), (365, "365")])
    cap_per_enterprise = forms.CharField(label=_("每户年度上限（元）"), widget=forms.TextInput(attrs=MONEY_ATTRS))
    rate_cap = forms.CharField(label=_("贴息利率上限"), required=False, help_text=_("如 0.0345；留空不限"))
