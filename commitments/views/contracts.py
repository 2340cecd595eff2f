"""Pages of contracts: the list, recording and changing a contract and its commitments, and
progress against the commitments as a table and a chart.

Every view that names a contract starts with ``get_contract_for`` (404 for anyone who may not see
it); changing one needs the commissioner's role there (403 otherwise).
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render

from charter.selectors import organisations_commissioned_for
from commitments import charts
from commitments.due import returns_due
from commitments.forms.contracts import CommitmentFormSet, ContractForm, commitment_initial
from commitments.models import Contract, Return, ReturnStatus
from commitments.selectors import contract_progress, get_contract_for
from commitments.services.contracts import (
    ContractError,
    SupplierKeptError,
    can_commission_for,
    record_contract,
    update_contract,
)
from toms.codes import natural_code_key


def _require_commissioner(user, contract):
    if not can_commission_for(user, contract.commissioner):
        raise PermissionDenied(f"Only {contract.commissioner.name}'s commissioners can change this contract.")


@login_required
def contract_list(request):
    contracts = (
        Contract.objects.for_user(request.user)
        .select_related("commissioner", "supplier")
        .annotate(commitment_count=Count("commitments", distinct=True))
        .order_by("-start_date", "reference", "pk")
    )
    query = request.GET.get("q", "").strip()
    if query:
        contracts = contracts.filter(
            Q(reference__icontains=query) | Q(title__icontains=query) | Q(supplier__name__icontains=query)
        )
    page = Paginator(contracts, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query_string": urlencode({"q": query}) if query else "",
        "query": query,
        "can_record": bool(list(organisations_commissioned_for(request.user))),
    }
    return render(request, "commitments/contract_list.html", context)


@login_required
def contract_create(request):
    commissioners = list(organisations_commissioned_for(request.user))
    if not commissioners:
        raise PermissionDenied("Only commissioners in public bodies can record contracts.")
    form = ContractForm(request.POST or None, commissioners=commissioners)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "commissioner"}
        try:
            contract = record_contract(request.user, commissioner=form.cleaned_data["commissioner"], **fields)
        except ContractError as exc:
            form.add_error("commissioner", str(exc))
        else:
            messages.success(request, f"Contract {contract.reference} recorded. Now add the commitments made at tender.")
            return redirect("commitments:commitments-edit", contract.pk)
    status = 400 if form.errors else 200
    return render(request, "commitments/contract_form.html", {"form": form, "contract": None}, status=status)


@login_required
def contract_edit(request, pk):
    contract = get_contract_for(request.user, pk)
    _require_commissioner(request.user, contract)
    form = ContractForm(request.POST or None, instance=contract, commissioners=[contract.commissioner])
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if name != "commissioner"}
        try:
            contract = update_contract(request.user, contract, **changes)
        except SupplierKeptError as exc:  # returns were started since the form was checked
            form.add_error("supplier", str(exc))
        except ContractError as exc:
            raise PermissionDenied(str(exc)) from None
        else:
            messages.success(request, f"Contract {contract.reference} updated.")
            return redirect(contract)
    status = 400 if form.errors else 200
    return render(request, "commitments/contract_form.html", {"form": form, "contract": contract}, status=status)


@login_required
def commitments_edit(request, pk):
    contract = get_contract_for(request.user, pk)
    _require_commissioner(request.user, contract)
    if request.method == "POST":
        formset = CommitmentFormSet(request.POST, contract=contract)
        if formset.is_valid():
            try:
                formset.save(request.user)
            except ContractError as exc:
                raise PermissionDenied(str(exc)) from None
            messages.success(request, f"Commitments on {contract.reference} saved.")
            return redirect(contract)
    else:
        formset = CommitmentFormSet(initial=commitment_initial(contract), contract=contract)
    errors = []
    for number, form in enumerate(formset.forms, start=1):
        form.mark_errors()
        for name, field_errors in form.errors.items():
            for message in field_errors:
                text = message if message.startswith("Row ") else f"Row {number}: {message}"
                errors.append((f"#{form[name].auto_id}", text))
    errors += [("", message) for message in formset.non_form_errors()]
    context = {"contract": contract, "formset": formset, "errors": errors}
    return render(request, "commitments/commitments_form.html", context, status=400 if errors else 200)


def _progress_rows(contract):
    rows = contract_progress(contract)
    for row in rows:
        m = row.measure
        row.committed_text = charts.amount(m, row.committed) if row.committed is not None else None
        row.delivered_text = charts.amount(m, row.delivered)
        row.exact_percent = charts.percent_of(row.delivered, row.committed)
    return rows


@login_required
def contract_detail(request, pk):
    contract = get_contract_for(request.user, pk)
    rows = _progress_rows(contract)
    returns = list(
        Return.objects.for_user(request.user)
        .filter(contract=contract)
        .exclude(status=ReturnStatus.SUPERSEDED)
        .select_related("organisation")
        .order_by("-year", "-quarter")
    )
    missing = [d for d in returns_due([contract.supplier]) if d.contract.pk == contract.pk and d.ret is None]
    valued = [r.social_value for r in rows if r.social_value is not None]
    commitments = sorted(
        contract.commitments.select_related("measure"),
        key=lambda c: (natural_code_key(c.measure.code), c.financial_year),
    )
    for c in commitments:
        c.target_text = charts.amount(c.measure, c.target_quantity)
    context = {
        "contract": contract,
        "commitments": commitments,
        "rows": rows,
        "total_value": sum(valued) if valued else None,
        "sources": sorted({s for r in rows for s in r.sources}),
        "returns": returns,
        "missing": missing,
        "can_manage": can_commission_for(request.user, contract.commissioner),
        "chart_alt": charts.progress_summary(rows),
    }
    return render(request, "commitments/contract_detail.html", context)


@login_required
def progress_chart(request, pk):
    contract = get_contract_for(request.user, pk)
    svg = charts.progress_svg(_progress_rows(contract), title=f"Progress on contract {contract.reference}")
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response
