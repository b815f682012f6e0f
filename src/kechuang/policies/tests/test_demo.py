"""The demo loader runs on a tiny city and leaves every part of the app with data."""
import datetime as dt
import random

import pytest

pytestmark = pytest.mark.django_db


def test_demo_loads_on_a_tiny_city():
    from kechuang.enterprises import demo as enterprises_demo
    from kechuang.policies import demo
    from kechuang.policies.models import (
        Competition,
        Policy,
        PolicyAward,
        Round,
        TaskProgress,
        Training,
        WorkTask,
    )
    from kechuang.web.demo import DemoContext

    ctx = DemoContext(size="tiny", rng=random.Random(7), today=dt.date(2026, 11, 26), home="330212", city="3302")
    enterprises_demo.load(ctx)
    demo.load(ctx)
    assert Policy.objects.count() == 4 and Policy.objects.filter(status="draft").count() == 1
    assert Round.objects.filter(status="closed").count() == 3
    comp = Competition.objects.get()
    assert comp.awards.exists() and comp.status == "finished"
    assert Training.objects.count() == 3 and WorkTask.objects.count() == 12 and TaskProgress.objects.exists()
    assert PolicyAward.objects.filter(policy__title="研发投入增量补助").exists()
