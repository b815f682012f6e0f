"""`kechuang manage evaluation_run [--region CODE] [--on YYYY-MM-DD] [--user NAME]`: the district batch with progress."""
from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kechuang.core.audit import acting_as
from kechuang.core.errors import ValidationFailed
from kechuang.evaluation.services import evaluation_run_execute, evaluation_run_start


class Command(BaseCommand):
    help = "Evaluate every enterprise of a district (default: the home region) from stored data; prints progress."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="district or town code (default: the user's region or the home region)")
        parser.add_argument("--on", help="evaluation (application) date, default today")
        parser.add_argument("--user", help="run as this user (their scope applies); default: the system, all enterprises")

    def handle(self, *args, region=None, on=None, user=None, **options):
        acting = None
        if user:
            acting = get_user_model().objects.filter(username=user).first()
            if acting is None:
                raise CommandError(f"unknown user {user!r}")
        try:
            with acting_as(acting, "evaluation_run"):
                run = evaluation_run_start(user=acting, region=region, on=on)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from None

        def progress(done, total):
            sys.stderr.write(f"\r{done:,} / {total:,}")
            sys.stderr.flush()

        run = evaluation_run_execute(run.pk, progress=progress)
        sys.stderr.write("\n")
        self.stdout.write(f"run {run.pk}: {run.total} enterprises in {run.seconds} s — qualified {run.qualified}, "
                          f"borderline {run.borderline}, not qualified {run.not_qualified}, no data {run.no_data}; "
                          f"pool candidates {run.candidates}")
