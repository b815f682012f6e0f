"""`kechuang manage finance_programme_create`: set up a year's voucher programme with its rules (and open it)."""
from django.core.management.base import BaseCommand

from ...vouchers import programme_create, programme_open
from ._common import dumps, get_user, refusals_as_errors, user_arg


class Command(BaseCommand):
    help = "Create a voucher programme: budget, cap per holder, tiers, eligible holders and services, validity."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--budget", required=True, help="yuan, e.g. 5000000")
        parser.add_argument("--cap", required=True, help="annual cap per holder in yuan, e.g. 200000")
        parser.add_argument("--tiers", default="50000:1;:0.5", help="'upto:ratio;…', blank upto = no limit")
        parser.add_argument("--holders", default="tsme,startup", help="tsme,startup,pool,hte")
        parser.add_argument("--categories", default="testing,joint_rd,consulting,design,instrument,ip,standard,transfer")
        parser.add_argument("--region", default=None)
        parser.add_argument("--valid-from", default=None)
        parser.add_argument("--valid-until", default=None)
        parser.add_argument("--publicity-days", default=None)
        parser.add_argument("--grant-days", default=None, help="a grant's validity in days from its grant date")
        parser.add_argument("--open", action="store_true", help="open it for applications at once")
        user_arg(parser)

    def handle(self, *args, **o):
        user = get_user(o["user"])
        data = {"year": o["year"], "name": o["name"], "budget": o["budget"], "annual_cap": o["cap"], "tiers": o["tiers"],
                "holder_kinds": o["holders"], "categories": o["categories"], "region": o["region"],
                "valid_from": o["valid_from"], "valid_until": o["valid_until"], "publicity_days": o["publicity_days"],
                "grant_days": o["grant_days"]}
        with refusals_as_errors(user):
            p = programme_create(user=user, data={k: v for k, v in data.items() if v not in (None, "")})
            if o["open"]:
                p = programme_open(user=user, programme=p)
        self.stdout.write(dumps({"id": p.pk, "year": p.year, "name": p.name, "budget": p.budget, "status": p.status}))

