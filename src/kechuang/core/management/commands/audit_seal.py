from django.core.management.base import BaseCommand

from kechuang.core.audit_guard import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Seal new audit records with an SM3 chain (--verify: check every chain instead)"

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true")

    def handle(self, *args, verify=False, **opts):
        if verify:
            broken = audit_verify()
            if broken:
                self.stderr.write("审计记录被篡改 / tampered: " + ", ".join(broken))
                raise SystemExit(1)
            self.stdout.write("审计记录完整 / audit chains intact")
            return
        sealed = audit_seal()
        self.stdout.write(f"已封存 {sum(sealed.values())} 条审计记录 / sealed {sum(sealed.values())} rows")
