"""The rules for figures in a return (shared by form, spreadsheet and API)."""

import datetime as dt
from decimal import Decimal

import pytest

from charter.models import Role
from commitments.services import returns as rs
from commitments.services.returns import LineInput, ReturnValidationError, validate_lines
from commitments.spreadsheets.returns import lines_from_rows, return_template
from commitments.validation import period_problems, unusual_flag
from tests.factories import ContractFactory, MembershipFactory, SubmittedReturnFactory
from toms.models import Measure
from toms.periods import Quarter
from toms.quantities import QuantityError, parse_quantity

pytestmark = pytest.mark.django_db


@pytest.fixture
def m(framework):
    return {m.code: m for m in Measure.objects.all()}


@pytest.mark.parametrize(
    ("code", "typed", "value"),
    [
        ("NT1", "2.5", Decimal("2.5")),
        ("NT14", "£12,500.50", Decimal("12500.50")),
        ("NT2", "45%", Decimal("45")),
        ("NT2", "0", Decimal("0")),
        ("NT83", "Yes", Decimal("1")),
        ("NT83", "no", Decimal("0")),
        ("NT17", 120, Decimal("120")),
    ],
)
def test_good_quantities(m, code, typed, value):
    assert parse_quantity(m[code], typed) == value


@pytest.mark.parametrize(
    ("code", "typed", "message"),
    [
        ("NT1", "-1", "cannot be negative"),
        ("NT1", "lots", "is not a number"),
        ("NT1", "", "Enter a quantity in FTE"),
        ("NT1", "NaN", "is not a number"),
        ("NT1", "Infinity", "is not a number"),
        ("NT2", "101", "between 0 and 100"),
        ("NT83", "maybe", "Answer yes or no"),
        ("NT83", "2", "Answer yes or no"),
        ("NT14", "10.005", "at most 2 decimal places"),
        ("NT1", "1.00001", "at most 4 decimal places"),
        ("NT1", "20000", "more than the 10,000 allowed"),
        ("NT17", "9999999", "more than the 5,000,000 allowed"),
    ],
)
def test_bad_quantities_are_refused_with_a_reason(m, code, typed, message):
    with pytest.raises(QuantityError, match=message):
        parse_quantity(m[code], typed)


def test_future_quarters_and_dead_contracts_are_refused():
    today = dt.date(2026, 11, 21)
    contract = ContractFactory(start_date=dt.date(2025, 4, 1), end_date=dt.date(2025, 9, 30))
    assert period_problems(Quarter(2026, 4), None, today=today) == [
        "2026/27 Q4 has not started yet; returns are for quarters that have begun."
    ]
    assert period_problems(Quarter(2026, 3), None, today=today) == []  # the current quarter is fine
    assert "not live in 2025/26 Q3" in period_problems(Quarter(2025, 3), contract, today=today)[0]
    assert period_problems(Quarter(2025, 2), contract, today=today) == []


def test_unusual_values_are_flagged_not_refused(m):
    assert "3 times" in unusual_flag(m["NT1"], Decimal(40), previous_highest=Decimal(10))
    assert unusual_flag(m["NT1"], Decimal(25), previous_highest=Decimal(10)) == ""
    assert "whole commitment" in unusual_flag(m["NT17"], Decimal(600), committed=Decimal(500))
    assert unusual_flag(m["NT2"], Decimal(90), committed=Decimal(50)) == ""  # percentages are not totals


# --- issue 9 item 17: flags show quantities as the rest of the portal does ----------------------


def test_flags_show_quantities_as_the_portal_does(m):
    flag = unusual_flag(m["NT1"], Decimal("40"), previous_highest=Decimal("12.0000"))
    assert flag == "More than 3 times this organisation's highest earlier quarter (12 FTE)"
    flag = unusual_flag(m["NT14"], Decimal("600000"), committed=Decimal("250000.00"))
    assert flag == "More than the whole commitment on the contract (£250,000)"
    both = unusual_flag(m["NT17"], Decimal("9000"), previous_highest=Decimal("1000.5"), committed=Decimal("5000"))
    assert "(1,000.5 hours)" in both and "(5,000 hours)" in both and "fte" not in both.lower()


def test_a_flag_saved_on_a_return_reads_as_the_portal_does(framework):
    contract = ContractFactory()
    reporter = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user
    SubmittedReturnFactory(contract=contract, organisation=contract.supplier, year=2024, quarter=4).lines.create(
        measure=Measure.objects.get(code="NT1"), quantity=Decimal("12.0000")
    )
    draft = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    rs.save_draft(draft, reporter, [rs.LineInput("NT1", "40")], revision=draft.revision)
    assert draft.lines.get().flag == "More than 3 times this organisation's highest earlier quarter (12 FTE)"


# --- issue 9 item 12: measure codes as typed, through the rules every channel shares -------------


@pytest.fixture
def draft(framework):
    contract = ContractFactory()
    reporter = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user
    return rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)


def test_codes_typed_the_obvious_ways_are_the_measure(draft):
    typed = ["NT 1", "NT-14", "nt02", "NT17 - volunteering hours", "nt1b"]
    parsed = validate_lines(draft, [LineInput(code, "1") for code in typed])
    assert [measure.code for measure, _, _ in parsed] == ["NT1", "NT14", "NT2", "NT17", "NT1b"]


def test_the_same_measure_typed_two_ways_is_still_twice(draft):
    with pytest.raises(ReturnValidationError) as caught:
        validate_lines(draft, [LineInput("NT1", "1"), LineInput("nt 01", "2")])
    assert [str(e) for e in caught.value.errors] == [
        "Line 2 (NT1): NT1 is already on line 1; a measure may appear once in a return."
    ]


def test_unknown_codes_get_a_suggestion_and_invisible_characters_are_named(draft):
    with pytest.raises(ReturnValidationError) as caught:
        validate_lines(draft, [LineInput("TN1", "1"), LineInput("NT1\u200b", "1"), LineInput("XX9", "1")])
    assert [(e.line, e.field, e.message) for e in caught.value.errors] == [
        (1, "measure", "There is no measure 'TN1' in the framework. Did you mean NT1?"),
        (
            2,
            "measure",
            "The measure code 'NT1\\u200b' contains an invisible character, a zero-width space (U+200B) "
            "after 'NT1'; delete it and type the code again.",
        ),
        (3, "measure", "There is no measure 'XX9' in the framework."),
    ]


# --- issue 7 item 11, issue 9 items 2, 3, 8: the quantity rules on every channel ----------------


@pytest.mark.parametrize(
    ("code", "typed", "message"),
    [
        ("NT17", "1,2,3", "use a full stop for decimals"),
        ("NT17", "١٢٣", "digits other than 0 to 9"),
        ("NT17", "1_000", "is not a number"),
        ("NT1", "0,5", "use a full stop for decimals, like 0.5"),
        ("NT1", "12%", "is a percentage, but this measure is in FTE"),
        ("NT1", "£1,234.50", "is an amount in pounds, but this measure is in FTE"),
        ("NT14", "12%", "is a percentage, but this measure is an amount in pounds"),
        ("NT14", "5055.0001", "The value read was 5055.0001"),
    ],
)
def test_wrong_figures_are_refused_by_the_shared_rules(draft, code, typed, message):
    with pytest.raises(ReturnValidationError) as caught:
        validate_lines(draft, [LineInput(code, typed)])
    (error,) = caught.value.errors
    assert error.field == "quantity" and message in error.message


@pytest.mark.parametrize(
    ("code", "typed", "value"),
    [
        ("NT2", "12%", Decimal(12)),
        ("NT14", "5055.000000000001", Decimal(5055)),
        ("NT14", 5055.000000000001, Decimal(5055)),
    ],
)
def test_right_figures_are_stored_right(draft, code, typed, value):
    ((_, quantity, _),) = validate_lines(draft, [LineInput(code, typed)])
    assert quantity == value


# --- issue 9 item 13: a blank quantity is no line, whatever its narrative -----------------------


def test_a_row_with_a_blank_quantity_is_no_line_whatever_its_narrative():
    rows = [
        (8, {"measure_code": "NT1", "quantity": "", "narrative": "Pre-filled narrative"}),
        (9, {"measure_code": "NT14", "quantity": " ", "narrative": ""}),
        (10, {"measure_code": "NT17", "quantity": "40", "narrative": "Beach clean"}),
    ]
    lines, row_numbers = lines_from_rows(rows)
    assert [(line.measure, line.quantity, line.narrative) for line in lines] == [("NT17", "40", "Beach clean")]
    assert row_numbers == [10]


def test_the_template_says_a_blank_quantity_leaves_the_measure_out(draft):
    sheet = return_template(draft).active
    text = " ".join(str(cell.value) for row in sheet.iter_rows(max_row=12) for cell in row if cell.value)
    assert "whose quantity is blank is left out of the return, whatever its narrative" in text


# --- contracts: the web form, the import and the API read figures and codes the same way --------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0,5", "use a full stop for decimals"),
        ("1,2,3", "use a full stop for decimals"),
        ("1_000", "a number"),
        ("١٢", "digits other than 0 to 9"),
    ],
)
def test_contract_figures_are_read_by_the_shared_reader(m, typed, message):
    from django import forms

    from commitments.forms.contracts import parse_amount
    from commitments.spreadsheets.contracts import _parse_money, _parse_target

    with pytest.raises(forms.ValidationError, match=message):
        parse_amount(typed, what="target")
    with pytest.raises(ValueError, match=message):
        _parse_money(typed)
    with pytest.raises(ValueError, match=message):
        _parse_target(m["NT1"], typed)


def test_contract_targets_keep_their_signs_to_their_units(m):
    from commitments.spreadsheets.contracts import _parse_target

    assert _parse_target(m["NT14"], "£10,000") == 10000 and _parse_target(m["NT2"], "45%") == 45
    with pytest.raises(ValueError, match="is a percentage, but this measure is in FTE"):
        _parse_target(m["NT1"], "12%")


def test_the_contracts_api_reads_codes_and_targets_as_everywhere(framework):
    from commitments.api.contracts import CommitmentInputSerializer

    good = CommitmentInputSerializer(data={"measure": "nt 01", "target_quantity": "1,250"})
    assert good.is_valid(), good.errors
    assert good.validated_data["measure"].code == "NT1" and good.validated_data["target_quantity"] == 1250
    noisy = CommitmentInputSerializer(data={"measure": "NT14", "target_quantity": 5055.000000000001})
    assert noisy.is_valid(), noisy.errors
    assert noisy.validated_data["target_quantity"] == 5055
    bad = CommitmentInputSerializer(data={"measure": "TN1", "target_quantity": "1_000"})
    assert not bad.is_valid()
    assert bad.errors["measure"] == ["There is no measure 'TN1' in the framework. Did you mean NT1?"]
    assert "is not a number" in bad.errors["target_quantity"][0]
    for typed in ("0,5", "1,2,3", "١٢"):
        refused = CommitmentInputSerializer(data={"measure": "NT1", "target_quantity": typed})
        assert not refused.is_valid() and "target_quantity" in refused.errors


def test_the_bulk_upload_skips_a_row_with_a_blank_quantity_whatever_its_narrative(framework):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from commitments.models import ReturnLine
    from commitments.spreadsheets.bulk import bulk_template, import_returns

    contract = ContractFactory()
    reporter = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user
    text = (
        "contract_reference,quarter,measure_code,quantity,narrative\n"
        f"{contract.reference},2025/26 Q1,NT1,,Cleared: the narrative stays from the template\n"
        f'{contract.reference},2025/26 Q1,NT 17,"1,250",Beach clean\n'
    )
    result = import_returns(reporter, contract.supplier, SimpleUploadedFile("bulk.csv", text.encode()))
    assert result.lines == 1
    assert [(line.measure.code, line.quantity) for line in ReturnLine.objects.select_related("measure")] == [
        ("NT17", Decimal(1250))
    ]
    comment = bulk_template(contract.supplier, Quarter(2025, 1)).active["D1"].comment.text
    assert "blank is left out, whatever its narrative" in comment


def _return_workbook(rows):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Return"
    sheet.append(["measure_code", "quantity", "narrative"])
    for code, value, number_format, narrative in rows:
        sheet.append([code, value, narrative])
        if number_format:
            sheet.cell(row=sheet.max_row, column=2).number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("return.xlsx", buffer.getvalue())


def test_a_single_return_upload_reads_percent_cells_float_noise_and_blank_quantities(draft):
    from commitments.spreadsheets.returns import parse_return_upload

    lines = parse_return_upload(
        draft,
        _return_workbook(
            [
                ("NT2", 0.12, "0%", ""),  # a percentage cell: Excel shows 12%
                ("NT14", 5055.000000000001, "£#,##0.00", ""),  # "paste values" noise
                ("NT1", None, None, "Pre-filled narrative, quantity cleared"),
                ("NT 17", 40, None, "Beach clean"),
            ]
        ),
    )
    parsed = {m.code: q for m, q, _ in validate_lines(draft, lines)}
    assert parsed == {"NT2": Decimal(12), "NT14": Decimal(5055), "NT17": Decimal(40)}


def test_a_percentage_cell_on_a_measure_in_other_units_is_refused(draft):
    from commitments.spreadsheets.returns import ReturnUploadError, parse_return_upload

    with pytest.raises(ReturnUploadError) as caught:
        parse_return_upload(draft, _return_workbook([("NT1", 0.12, "0%", ""), ("NT14", 1, "0%", "")]))
    messages = [e.message for e in caught.value.errors]
    assert "'12%' is a percentage, but this measure is in FTE" in messages[0]
    assert "'100%' is a percentage, but this measure is an amount in pounds" in messages[1]


def test_the_returns_api_reads_quantities_and_codes_as_the_form_and_spreadsheets_do(framework):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from commitments.models import ReturnLine

    contract = ContractFactory()
    reporter = MembershipFactory(organisation=contract.supplier, role=Role.REPORTER).user
    draft = rs.start_return(reporter, contract.supplier, Quarter(2025, 1), contract)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reporter).key}")
    url = f"/api/v1/returns/{draft.pk}/"
    bad = [
        {"measure": "NT17", "quantity": "1,2,3"},
        {"measure": "NT1", "quantity": "١٢"},
        {"measure": "NT14", "quantity": "0,21"},
        {"measure": "TN2", "quantity": "12%"},
    ]
    response = client.put(url, {"revision": draft.revision, "lines": bad}, format="json")
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"]]
    assert "use a full stop for decimals" in messages[0] and "digits other than 0 to 9" in messages[1]
    assert "use a full stop for decimals, like 0.21" in messages[2]
    assert messages[3] == "There is no measure 'TN2' in the framework. Did you mean NT2?"
    assert not ReturnLine.objects.exists()
    good = [{"measure": "nt 17", "quantity": "1,250"}, {"measure": "NT14", "quantity": 5055.000000000001}]
    response = client.put(url, {"revision": draft.revision, "lines": good}, format="json")
    assert response.status_code == 200, response.json()
    assert {(line.measure.code, line.quantity) for line in ReturnLine.objects.select_related("measure")} == {
        ("NT17", Decimal(1250)),
        ("NT14", Decimal(5055)),
    }
