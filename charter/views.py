"""Pages about organisations and people: your organisations, an organisation."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from charter.models import ROLE_DESCRIPTIONS, Role
from charter.people_services import can_manage
from charter.selectors import get_organisation_for, members_of, organisations_of


@login_required
def organisation_list(request):
    memberships = organisations_of(request.user)
    context = {"memberships": memberships, "role_descriptions": ROLE_DESCRIPTIONS}
    return render(request, "charter/organisation_list.html", context)


@login_required
def organisation_detail(request, pk):
    organisation = get_organisation_for(request.user, pk)
    role = request.user.role_in(organisation)
    context = {
        "organisation": organisation,
        "role": Role(role) if role else None,
        "role_description": ROLE_DESCRIPTIONS.get(role) if role else None,
        "members": members_of(request.user, organisation),
        "live_signature": organisation.live_signature,
        "can_manage": can_manage(request.user, organisation),
    }
    return render(request, "charter/organisation_detail.html", context)
