"""`kechuang manage finance_loans_overdue`: mark risk-pool loans past maturity with a balance as overdue."""
from django.core.management.base import BaseCommand

from ...loans import loans_mark_overdue_due
from ._common import date_arg, get_date, get_user, refusals_as_errors, user_arg


class Command(BaseCommand):
    help = "Mark disbursed risk-pool loans past their maturity date with a positive balance as overdue."

    def add_arguments(self, parser):
        user_arg(parser)
        date_arg(parser)

    def handle(self, *args, **opts):
        user = get_user(opts["user"])
        with refusals_as_errors(user):
            result = loans_mark_overdue_due(user=user, on=get_date(opts["on"]))
        self.stdout.write(f"标记逾期 {result['overdue']} 笔 / marked overdue: {result['overdue']}")
