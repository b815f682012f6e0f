"""`kechuang manage finance_expire_grants`: lapse every grant past its validity; unused amounts return to the budget."""
from django.core.management.base import BaseCommand

from ...vouchers import grants_expire_due
from ._common import date_arg, get_date, get_user, refusals_as_errors, user_arg


class Command(BaseCommand):
    help = "Expire vouchers whose validity has ended: cancel undelivered orders, return the unused rest to the budget."

    def add_arguments(self, parser):
        user_arg(parser)
        date_arg(parser)

    def handle(self, *args, **opts):
        user = get_user(opts["user"])
        with refusals_as_errors(user):
            result = grants_expire_due(user=user, on=get_date(opts["on"]))
        self.stdout.write(f"已收回 {result['expired']} 张创新券，退回预算 {result['returned']} 元 / "
                          f"expired {result['expired']}, returned {result['returned']}")
