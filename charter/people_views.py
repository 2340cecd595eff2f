"""Pages for managing an organisation's people and details, and accepting an invitation.

Every organisation page starts with ``get_managed_organisation``: people who may not see the
organisation get 404; those who may see it but not manage it (its reporters and viewers, ICB
analysts) get 403. The use cases are in ``charter.people_services``.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from charter import people_services as ps
from charter.models import ROLE_DESCRIPTIONS, Invitation, Membership, Role
from charter.people_forms import InviteForm, NewAccountForm, OrganisationForm, ReasonForm, RoleForm
from charter.selectors import get_organisation_for


def get_managed_organisation(user, pk):
    organisation = get_organisation_for(user, pk)
    if not ps.can_manage(user, organisation):
        raise PermissionDenied(f"Only {organisation.name}'s organisation admins or an ICB admin can manage its people.")
    return organisation


def _membership(organisation, membership_pk):
    try:
        return organisation.memberships.select_related("user").get(pk=membership_pk)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404("No such member.") from None


def _invitation(user, organisation, invitation_pk):
    try:
        return Invitation.objects.for_user(user).filter(organisation=organisation).get(pk=invitation_pk)
    except (Invitation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such invitation.") from None


def _history(organisation, limit=15):
    """The latest changes to the organisation, its memberships and invitations, newest first."""
    rows = []
    for model, what in (
        (Membership.history, "member"),
        (Invitation.history, "invitation"),
    ):
        for h in model.filter(organisation_id=organisation.pk).select_related("history_user").order_by("-history_date")[:limit]:
            rows.append({"when": h.history_date, "who": h.history_user, "what": what, "type": h.history_type,
                         "reason": h.history_change_reason, "subject": getattr(h, "email", None),
                         "user_id": getattr(h, "user_id", None)})
    for h in organisation.history.select_related("history_user").order_by("-history_date")[:limit]:
        rows.append({"when": h.history_date, "who": h.history_user, "what": "details", "type": h.history_type,
                     "reason": h.history_change_reason, "subject": None})
    rows.sort(key=lambda r: r["when"], reverse=True)
    rows = rows[:limit]
    # Whom a membership change was about: their address, looked up once for the rows shown.
    from charter.models import User

    ids = {r["user_id"] for r in rows if r.get("user_id")}
    emails = dict(User.objects.filter(pk__in=ids).values_list("pk", "email")) if ids else {}
    for r in rows:
        if r.get("user_id"):
            r["subject"] = emails.get(r["user_id"], "a former member")
    return rows


@login_required
def people(request, pk):
    organisation = get_managed_organisation(request.user, pk)
    members = list(organisation.memberships.select_related("user").order_by("user__full_name", "user__email"))
    admin_count = sum(1 for m in members if m.role == Role.ADMIN and m.user.is_active)
    context = {
        "organisation": organisation,
        "members": members,
        "admin_count": admin_count,
        "invitations": list(organisation.invitations.pending().select_related("invited_by").order_by("-sent_at")),
        "history": _history(organisation),
        "role_descriptions": ROLE_DESCRIPTIONS,
    }
    return render(request, "charter/people/people.html", context)


@login_required
def invite(request, pk):
    organisation = get_managed_organisation(request.user, pk)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = ps.invite(
                organisation, request.user, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except ps.PeopleError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("charter:people", organisation.pk)
    status = 400 if form.errors else 200
    return render(request, "charter/people/invite.html", {"organisation": organisation, "form": form}, status=status)


@login_required
def change_role(request, pk, membership_pk):
    organisation = get_managed_organisation(request.user, pk)
    membership = _membership(organisation, membership_pk)
    form = RoleForm(request.POST if request.method == "POST" else None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            ps.change_role(membership, request.user, role=form.cleaned_data["role"], reason=form.cleaned_data["reason"])
        except ps.PeopleError as exc:
            form.add_error("role", str(exc))
        else:
            messages.success(request, f"{membership.user}'s role is now {Role(form.cleaned_data['role']).label}.")
            return redirect("charter:people", organisation.pk)
    context = {"organisation": organisation, "membership": membership, "form": form}
    return render(request, "charter/people/role.html", context, status=400 if form.errors else 200)


@login_required
def remove(request, pk, membership_pk):
    organisation = get_managed_organisation(request.user, pk)
    membership = _membership(organisation, membership_pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ps.remove_member(membership, request.user, reason=form.cleaned_data["reason"])
        except ps.PeopleError as exc:
            form.add_error("reason", str(exc))
        else:
            messages.success(request, f"{membership.user} no longer acts for {organisation.name}.")
            if membership.user_id == request.user.pk and not request.user.is_icb_admin:
                return redirect("charter:organisation-list")
            return redirect("charter:people", organisation.pk)
    context = {"organisation": organisation, "membership": membership, "form": form}
    return render(request, "charter/people/remove.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def resend_invitation(request, pk, invitation_pk):
    organisation = get_managed_organisation(request.user, pk)
    invitation = _invitation(request.user, organisation, invitation_pk)
    try:
        ps.resend(invitation, request.user)
    except ps.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"A new invitation has been sent to {invitation.email}; the earlier link no longer works.")
    return redirect("charter:people", organisation.pk)


@login_required
@require_POST
def cancel_invitation(request, pk, invitation_pk):
    organisation = get_managed_organisation(request.user, pk)
    invitation = _invitation(request.user, organisation, invitation_pk)
    try:
        ps.cancel(invitation, request.user)
    except ps.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The invitation to {invitation.email} has been cancelled.")
    return redirect("charter:people", organisation.pk)


@login_required
def edit_organisation(request, pk):
    organisation = get_managed_organisation(request.user, pk)
    form = OrganisationForm(request.POST if request.method == "POST" else None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            ps.update_organisation(form, request.user, reason=form.cleaned_data["reason"])
        except ps.PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{organisation.name}'s details have been saved.")
            return redirect("charter:organisation-detail", organisation.pk)
    if form.errors:
        organisation.refresh_from_db()  # the heading shows the saved name, not what was typed
    context = {"organisation": organisation, "form": form}
    return render(request, "charter/people/organisation_form.html", context, status=400 if form.errors else 200)


def accept_invitation(request, token):
    """The link in the invitation e-mail. Public: whoever holds the link may see what it is for."""
    try:
        invitation = ps.invitation_from_token(token)
    except ps.PeopleError as exc:
        return render(request, "charter/people/invitation_failed.html", {"problem": str(exc)}, status=400)
    user = request.user
    context = {"invitation": invitation, "organisation": invitation.organisation, "token": token}
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            context["problem"] = (
                f"This invitation is for {invitation.email}, but you are signed in as {user.email}. "
                "Sign out, then follow the link again."
            )
            return render(request, "charter/people/invitation_failed.html", context, status=403)
        if request.method == "POST":
            try:
                ps.accept(token, user)
            except ps.PeopleError as exc:
                return render(request, "charter/people/invitation_failed.html", {"problem": str(exc)}, status=400)
            messages.success(request, f"You have joined {invitation.organisation.name} as {invitation.get_role_display()}.")
            return redirect("home")
        return render(request, "charter/people/invitation.html", context)
    if ps.account_exists(invitation):
        context["login_url"] = reverse("login") + "?next=" + request.path
        return render(request, "charter/people/invitation.html", context)
    form = NewAccountForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = ps.accept_with_new_account(
                token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ps.PeopleError as exc:
            return render(request, "charter/people/invitation_failed.html", {"problem": str(exc)}, status=400)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Your account is ready and you have joined {invitation.organisation.name}.")
        return redirect("home")
    context["form"] = form
    return render(request, "charter/people/invitation.html", context, status=400 if form.errors else 200)
