"""`kechuang manage finance_subsidy_batch --year Y --user U [--compute] [--export FILE.xlsx]`: the yearly
interest-subsidy batch — compute it from the risk-pool loans, and write the xlsx for approval."""
from django.core.management.base import BaseCommand, CommandError

from ...models import SubsidyBatch, SubsidyPolicy
from ...subsidy import batch_compute, batch_totals, batch_xlsx
from ._common import dumps, get_user, refusals_as_errors


class Command(BaseCommand):
    help = "Compute and/or export the interest-subsidy batch of a year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--user", required=True, help="a bureau officer")
        parser.add_argument("--compute", action="store_true", help="(re)compute the batch (draft only)")
        parser.add_argument("--export", default=None, metavar="FILE.xlsx")

    def handle(self, *args, **o):
        user = get_user(o["user"])
        policy = SubsidyPolicy.objects.restrict(user).filter(year=o["year"]).first()
        if policy is None:
            raise CommandError(f"year: {o['year']}年度没有贴息政策（或不在该用户范围内）")
        with refusals_as_errors(user):
            if o["compute"]:
                batch = batch_compute(user=user, policy=policy)
            else:
                batch = SubsidyBatch.objects.filter(policy=policy).first()
                if batch is None:
                    raise CommandError("batch: 尚未测算，请加 --compute")
        if o["export"]:
            with open(o["export"], "wb") as f:
                f.write(batch_xlsx(batch, user))
        self.stdout.write(dumps({"batch": batch.pk, "year": policy.year, "status": batch.status, **batch_totals(batch),
                                 "export": o["export"]}))
