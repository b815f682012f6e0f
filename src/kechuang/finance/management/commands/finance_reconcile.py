"""`kechuang manage finance_reconcile`: the reconciliation report from the ledger; exit 1 when anything is off."""
from django.core.management.base import BaseCommand, CommandError

from ...selectors import reconciliation
from ._common import dumps, get_user


class Command(BaseCommand):
    help = ("Reconcile vouchers, risk-pool loans and interest subsidies from the ledger: budget = granted (net) + "
            "available; granted = settled + outstanding + expired + cancelled; disbursed = repaid + loss + balance.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="only this programme/subsidy year")
        parser.add_argument("--json", action="store_true", help="print the report as JSON (amounts as strings)")
        parser.add_argument("--user", default=None, help="report only what this user may see (default: everything)")

    def handle(self, *args, **opts):
        report = reconciliation(get_user(opts["user"]), year=opts["year"])
        if opts["json"]:
            self.stdout.write(dumps(report))
        else:
            for r in report["programmes"]:
                b = r["balances"]
                self.stdout.write(f"创新券 {r['programme']['name']}：预算 {b['budget']} = 已下达净额 {b['granted_net']} + "
                                  f"可用 {b['available']}；已下达 {b['granted']} = 已兑付 {b['settled']} + 在途 "
                                  f"{b['outstanding']} + 已过期 {b['expired']} + 已取消 {b['cancelled']}  "
                                  f"[{'平衡' if r['balanced'] else '不平衡'}]")
                for c in r["checks"]:
                    if not c["ok"]:
                        self.stdout.write(f"  ✗ {c['formula']}: {c['left']} ≠ {c['right']}")
            for r in report["funds"]:
                b = r["balances"]
                self.stdout.write(f"风险池 {r['fund']['name']}：已放款 {b['disbursed']} = 已还本 {b['repaid']} + 损失 "
                                  f"{b['loss']} + 余额 {b['balance']}  [{'平衡' if r['balanced'] else '不平衡'}]")
            for r in report["subsidy_batches"]:
                t = r["totals"]
                self.stdout.write(f"贴息 {r['batch']['year']}：明细 {t['lines_total']}，核定 {t['awards_total']}，已拨付 "
                                  f"{t['paid']}  [{'平衡' if r['balanced'] else '不平衡'}]")
            self.stdout.write("对账结果：" + ("全部平衡 / balanced" if report["balanced"] else "不平衡 / NOT balanced"))
        if not report["balanced"]:
            raise CommandError("reconciliation failed: 对账不平", returncode=1)
