"""`kechuang manage finance_step FLOW ID ACTION --user U [--set name=value …] [--note …]`: take any workflow step
from the command line with the same checks as the pages and the API (role, scope, state, money)."""
from django.core.management.base import BaseCommand, CommandError

from ...actions import STEPS, run_action
from ._common import date_arg, get_date, get_user, refusals_as_errors


class Command(BaseCommand):
    help = "Take one workflow step, e.g. `finance_step order 12 approve --user kjj --set amount=30000`."

    def add_arguments(self, parser):
        parser.add_argument("flow", help="programme | application | grant | order | loan | batch")
        parser.add_argument("id", type=int)
        parser.add_argument("action", help="e.g. approve, confirm, deliver, publish, pay, repay, compensate …")
        parser.add_argument("--user", required=True)
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
        parser.add_argument("--note", default="")
        date_arg(parser)

    def handle(self, *args, **o):
        if (o["flow"], o["action"]) not in STEPS:
            known = ", ".join(f"{f} {a}" for f, a in STEPS)
            raise CommandError(f"action: 未知步骤 {o['flow']} {o['action']}；可用：{known}")
        data = {"note": o["note"]}
        for item in o["set"]:
            if "=" not in item:
                raise CommandError(f"set: 应为 NAME=VALUE（实为“{item}”）")
            k, v = item.split("=", 1)
            data[k.strip()] = v.strip()
        user = get_user(o["user"])
        with refusals_as_errors(user):
            result = run_action(user, o["flow"], o["id"], o["action"], data, on=get_date(o["on"]))
        status = getattr(result, "status", None)
        self.stdout.write(f"{o['flow']} #{o['id']} {o['action']}: 完成" + (f"，状态 {status}" if status else f"，{result}"))
