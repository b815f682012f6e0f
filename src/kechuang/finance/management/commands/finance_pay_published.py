"""`kechuang manage finance_pay_published --user OFFICER`: pay every settlement whose publicity period has ended."""
from django.core.management.base import BaseCommand

from ...vouchers import orders_pay_due
from ._common import date_arg, get_date, get_user, refusals_as_errors, user_arg


class Command(BaseCommand):
    help = "Pay published voucher settlements after their publicity period (each exactly once)."

    def add_arguments(self, parser):
        user_arg(parser, required=True, help_text="the bureau officer who pays (payments are never made by the system)")
        date_arg(parser)

    def handle(self, *args, **opts):
        user = get_user(opts["user"])
        with refusals_as_errors(user):
            result = orders_pay_due(user=user, on=get_date(opts["on"]))
        self.stdout.write(f"已兑付 {result['paid']} 笔，共 {result['amount']} 元 / paid {result['paid']}, {result['amount']}")
