"""Use cases that change the framework: loading the catalogue and importing proxy values."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from toms.models import COMBINATION_FOR_KIND, Combination, Measure, Outcome, ProxyValue, Theme, ValueKind

FRAMEWORK_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "tom_framework.json"


class FrameworkFileError(Exception):
    """The framework file cannot be loaded as it is; the message says why."""


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def summary(self):
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged"
        )


def _upsert(model, lookup, values, report, label):
    """Create or update one row by its natural key, saving only when something differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.created.append(label)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated.append(f"{label} ({', '.join(changed)})")
    else:
        report.unchanged += 1
    return obj


def read_framework_file(path=FRAMEWORK_FIXTURE):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FrameworkFileError(f"No framework file at {path}.") from None
    except json.JSONDecodeError as exc:
        raise FrameworkFileError(f"{path} is not valid JSON: {exc}") from None
    codes = [
        m["code"] for t in data.get("themes", []) for o in t["outcomes"] for m in o["measures"]
    ]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise FrameworkFileError(f"Measure codes appear twice in {path}: {', '.join(duplicates)}.")
    kinds = set(ValueKind.values)
    combinations = set(Combination.values)
    for t in data["themes"]:
        for o in t["outcomes"]:
            for m in o["measures"]:
                if m["value_kind"] not in kinds:
                    raise FrameworkFileError(
                        f"Measure {m['code']} has value_kind {m['value_kind']!r}; "
                        f"use one of {', '.join(sorted(kinds))}."
                    )
                if m.get("combination", COMBINATION_FOR_KIND[m["value_kind"]]) not in combinations:
                    raise FrameworkFileError(
                        f"Measure {m['code']} has combination {m['combination']!r}; "
                        f"use one of {', '.join(sorted(combinations))}."
                    )
    return data


@transaction.atomic
def load_framework(path=FRAMEWORK_FIXTURE):
    """Load themes, outcomes and measures from the fixture, matching rows by their codes.

    Running it twice changes nothing; a changed fixture updates rows in place. Rows that are
    not in the file (added by an ICB admin) are left alone.
    """
    data = read_framework_file(path)
    report = LoadReport()
    for t in data["themes"]:
        theme = _upsert(
            Theme, {"code": t["code"]},
            {"name": t["name"], "description": t.get("description", ""), "order": t["order"]},
            report, f"theme {t['code']}",
        )
        for o in t["outcomes"]:
            outcome = _upsert(
                Outcome, {"code": o["code"]},
                {"theme": theme, "name": o["name"], "order": o["order"]},
                report, f"outcome {o['code']}",
            )
            for m in o["measures"]:
                _upsert(
                    Measure, {"code": m["code"]},
                    {
                        "outcome": outcome,
                        "title": m["title"],
                        "unit": m["unit"],
                        "value_kind": m["value_kind"],
                        "combination": m.get("combination", COMBINATION_FOR_KIND[m["value_kind"]]),
                        "is_partner_vcfse": m.get("is_partner_vcfse", False),
                        "guidance": m.get("guidance", ""),
                        "needs_review": m.get("needs_review", False),
                        "review_note": m.get("review_note", ""),
                        "order": m["order"],
                    },
                    report, f"measure {m['code']}",
                )
    return report


def fixture_measure_count(path=FRAMEWORK_FIXTURE):
    data = read_framework_file(path)
    return sum(len(o["measures"]) for t in data["themes"] for o in t["outcomes"])


def set_proxy_value(measure, financial_year, value, source):
    """Record the £-per-unit value of a measure for a financial year (create or replace)."""
    obj, _ = ProxyValue.objects.update_or_create(
        measure=measure, financial_year=financial_year,
        defaults={"value": value, "source": source},
    )
    return obj
