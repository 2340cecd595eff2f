"""How figures combine is data: loaded from the framework fixture, one per measure."""

import json

import pytest
from django.db import IntegrityError

from toms.models import Adjustment, Combination, Measure
from toms.services import FrameworkFileError, load_framework


def test_each_measure_says_how_it_combines(framework):
    assert Measure.objects.get(code="NT1").combination == Combination.SUMMED
    assert Measure.objects.get(code="NT2").combination == Combination.SHARE
    assert Measure.objects.get(code="NT83").combination == Combination.YES_NO
    assert Measure.objects.get(code="NT14").combination == Combination.SUMMED
    assert "0.25" in Measure.objects.get(code="NT1").guidance  # FTE pro rata, in plain words


def test_a_changed_fixture_updates_the_combination(db, tmp_path):
    from toms.services import FRAMEWORK_FIXTURE

    data = json.loads(FRAMEWORK_FIXTURE.read_text())
    data["themes"][0]["outcomes"][0]["measures"][0]["combination"] = "share"
    path = tmp_path / "fw.json"
    path.write_text(json.dumps(data))
    load_framework(path)
    code = data["themes"][0]["outcomes"][0]["measures"][0]["code"]
    assert Measure.objects.get(code=code).combination == Combination.SHARE


def test_an_unknown_combination_is_refused_by_name(db, tmp_path):
    from toms.services import FRAMEWORK_FIXTURE

    data = json.loads(FRAMEWORK_FIXTURE.read_text())
    data["themes"][0]["outcomes"][0]["measures"][0]["combination"] = "averaged"
    path = tmp_path / "fw.json"
    path.write_text(json.dumps(data))
    with pytest.raises(FrameworkFileError, match="combination 'averaged'"):
        load_framework(path)
    assert not Measure.objects.exists()


def test_adjustments_are_percentages(framework):
    measure = Measure.objects.get(code="NT1")
    Adjustment.objects.create(measure=measure, financial_year=2025, deadweight=20, attribution=10, source="ICB 2025")
    with pytest.raises(IntegrityError):
        Adjustment.objects.create(measure=measure, financial_year=2024, deadweight=120, attribution=0, source="x")
