"""Loading the C&M TOM framework from fixtures/: complete, flagged, idempotent, updatable."""

import json

import pytest
from django.core.management import call_command

from toms.models import Measure, Outcome, Theme, ValueKind
from toms.services import (
    FRAMEWORK_FIXTURE,
    FrameworkFileError,
    fixture_measure_count,
    load_framework,
)

pytestmark = pytest.mark.django_db


def fixture_data():
    return json.loads(FRAMEWORK_FIXTURE.read_text(encoding="utf-8"))


def fixture_codes():
    return [m["code"] for t in fixture_data()["themes"] for o in t["outcomes"] for m in o["measures"]]


def test_measure_count_equals_the_fixtures(framework):
    assert Measure.objects.count() == fixture_measure_count() == len(fixture_codes())
    assert Outcome.objects.count() == sum(len(t["outcomes"]) for t in fixture_data()["themes"])
    assert Theme.objects.count() == len(fixture_data()["themes"])


def test_codes_are_unique_in_the_fixture_and_the_database(framework):
    codes = fixture_codes()
    assert len(codes) == len(set(codes))
    assert Measure.objects.values("code").distinct().count() == Measure.objects.count()


def test_exactly_nt14_to_nt17_carry_the_partner_vcfse_flag(framework):
    flagged = set(Measure.objects.partner_vcfse().values_list("code", flat=True))
    assert flagged == {"NT14", "NT15", "NT16", "NT17"}


def test_every_measure_is_complete(framework):
    for measure in Measure.objects.with_structure():
        assert measure.code and measure.title and measure.unit, measure.code
        assert measure.value_kind in ValueKind.values, measure.code
        assert measure.outcome.theme is not None, measure.code


def test_kinds_of_value_match_the_units(framework):
    by_code = {m.code: m for m in Measure.objects.all()}
    assert by_code["NT14"].value_kind == ValueKind.MONEY and by_code["NT14"].unit == "£"
    assert by_code["NT2"].value_kind == ValueKind.PERCENTAGE
    assert by_code["NT83"].value_kind == ValueKind.YES_NO
    assert by_code["NT17"].unit == "hours"
    for m in by_code.values():
        if m.value_kind == ValueKind.PERCENTAGE:
            assert m.unit == "%", m.code
        if m.value_kind == ValueKind.MONEY:
            assert m.unit == "£", m.code


def test_known_ocr_slips_are_resolved_and_uncertain_ones_flagged(framework):
    codes = set(Measure.objects.values_list("code", flat=True))
    assert {"NT8", "NT80", "NT74"} <= codes
    assert not codes & {"NTS", "NIED", "NIzAY"}
    assert Measure.objects.get(code="NT8").needs_review is False  # confirmed reading
    for code in ("NT80", "NT74", "NT81"):
        measure = Measure.objects.get(code=code)
        assert measure.needs_review and measure.review_note, code


def test_reloading_changes_nothing(framework):
    before = (Measure.objects.count(), Measure.history.count(), Outcome.objects.count())
    report = load_framework()
    assert not report.changed
    assert report.unchanged == Theme.objects.count() + Outcome.objects.count() + Measure.objects.count()
    assert (Measure.objects.count(), Measure.history.count(), Outcome.objects.count()) == before


def test_a_changed_fixture_updates_rows_by_code_without_duplicating(framework, tmp_path):
    data = fixture_data()
    nt14 = next(
        m for t in data["themes"] for o in t["outcomes"] for m in o["measures"] if m["code"] == "NT14"
    )
    nt14["title"] = "Total amount (£) spent with VCFSEs in your supply chain (revised)"
    changed = tmp_path / "framework.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    count = Measure.objects.count()

    report = load_framework(changed)

    assert Measure.objects.count() == count
    assert Measure.objects.get(code="NT14").title.endswith("(revised)")
    assert report.updated == ["measure NT14 (title)"]


def test_measures_added_by_the_icb_survive_a_reload(framework):
    outcome = Outcome.objects.get(code="reducing-inequalities")
    Measure.objects.create(
        code="CM1", title="A local measure", outcome=outcome, unit="hours", value_kind="number"
    )
    load_framework()
    assert Measure.objects.filter(code="CM1").exists()


def test_duplicate_codes_in_a_fixture_are_refused(db, tmp_path):
    data = fixture_data()
    first_outcome = data["themes"][0]["outcomes"][0]
    first_outcome["measures"].append(dict(first_outcome["measures"][0]))
    bad = tmp_path / "dup.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FrameworkFileError, match="NT1"):
        load_framework(bad)
    assert Measure.objects.count() == 0


def test_an_unknown_kind_of_value_is_refused(db, tmp_path):
    data = fixture_data()
    data["themes"][0]["outcomes"][0]["measures"][0]["value_kind"] = "colour"
    bad = tmp_path / "kind.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FrameworkFileError, match="colour"):
        load_framework(bad)


def test_the_command_reports_what_it_did(db, capsys):
    call_command("load_framework")
    first = capsys.readouterr().out
    call_command("load_framework")
    second = capsys.readouterr().out
    assert f"The catalogue has {fixture_measure_count()} measures" in first
    assert " 0 created, 0 updated" in second
