"""Writing the audit log (``charter.models.AuditEvent``).

``record`` writes one row in the caller's transaction, so a change that is rolled back leaves no
row, and a row is never written for a change that did not happen. The services call it where the
change is made (a return approved or sent back, a signature withdrawn); the receivers below catch
what can happen by more than one route: signing in and out and failing to (the sign-in page, the
Django admin's, the API token endpoint), memberships, invitations, people's ICB role and access,
API tokens, and every change made in the Django admin (its LogEntry, and each object of a bulk
deletion).

The client's address is read as the lock-out reads it (``charter.ratelimit.client_ip``); when a
receiver has no request at hand, the request being served (simple_history's middleware keeps it)
gives the address and, if nobody else is named, who acted. Passwords and API tokens are never
written: a failed sign-in keeps the address tried, in lower case.
"""

import ipaddress

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save
from simple_history.models import HistoricalRecords

from charter.models import AuditEvent, AuditKind, Invitation, InvitationStatus, Membership, Role, SystemRole, User
from charter.models.people import normalise_email
from charter.ratelimit import client_ip


def current_request():
    """The request being served, if any (set by simple_history's HistoryRequestMiddleware)."""
    return getattr(HistoricalRecords.context, "request", None)


def _address(request):
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request) or ""))
    except ValueError:
        return None


def _signed_in(request):
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


SIGNED_IN = object()  # ``record``'s default actor: whoever is signed in on the request


def record(kind, *, actor=SIGNED_IN, actor_email="", request=None, organisation=None, target="", detail=""):
    """Write one audit event. ``actor`` defaults to whoever is signed in on the request being served
    (``None``: nobody, as for a failed sign-in)."""
    request = request if request is not None else current_request()
    if actor is SIGNED_IN:
        actor = _signed_in(request)
    if actor is not None and not actor_email:
        actor_email = actor.email
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=(actor_email or "")[:254],
        organisation=organisation,
        target=str(target or "")[:300],
        ip_address=_address(request),
        detail=" ".join(str(detail or "").split())[:1000],
    )


def _by(instance):
    """Who made a change: the person a service named (as it names them for the history), else the request's."""
    user = getattr(instance, "_history_user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else SIGNED_IN


def _cascaded(kwargs, model):
    """True when a row is deleted because something it belongs to was (a person or an organisation):
    that deletion is what is recorded, not each row that went with it."""
    origin = kwargs.get("origin")
    if isinstance(origin, QuerySet):
        return origin.model is not model
    return origin is not None and not isinstance(origin, model)


# --- signing in and out -------------------------------------------------------------------------


def where(request):
    """Which door a sign-in came through."""
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "API token endpoint"
    if path.startswith("/admin/"):
        return "Django admin sign-in"
    return "Sign-in page"


def on_sign_in(sender, request, user, **kwargs):
    record(AuditKind.SIGN_IN, actor=user, request=request, target=where(request))


def on_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditKind.SIGN_OUT, actor=user, request=request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    """Only the address tried is kept (Django has already masked the password in ``credentials``)."""
    tried = credentials.get(User.USERNAME_FIELD) or credentials.get("username") or ""
    tried = normalise_email(tried) if isinstance(tried, str) else ""
    locked = bool(getattr(request, "axes_locked_out", False)) if request is not None else False
    record(
        AuditKind.SIGN_IN_FAILED,
        actor=None,
        actor_email=tried,
        request=request,
        target=where(request),
        detail="Locked out after repeated failures" if locked else "Wrong e-mail address or password",
    )


# --- people: memberships, invitations, ICB roles and access --------------------------------------


def _membership_target(membership):
    return f"{membership.user.email} at {membership.organisation.name}"


def before_membership_saved(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        instance._audit_old_role = None
        return
    instance._audit_old_role = Membership.objects.filter(pk=instance.pk).values_list("role", flat=True).first()


def on_membership_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    reason = getattr(instance, "_change_reason", "") or ""
    if created:
        record(
            AuditKind.MEMBER_ADDED, actor=_by(instance), organisation=instance.organisation,
            target=_membership_target(instance), detail=f"As {instance.get_role_display()}. {reason}",
        )
        return
    old = getattr(instance, "_audit_old_role", None)
    if old is not None and old != instance.role:
        record(
            AuditKind.ROLE_CHANGED, actor=_by(instance), organisation=instance.organisation,
            target=_membership_target(instance),
            detail=reason or f"From {Role(old).label} to {instance.get_role_display()}",
        )


def on_membership_deleted(sender, instance, **kwargs):
    if _cascaded(kwargs, Membership):
        return
    reason = getattr(instance, "_change_reason", "") or ""
    record(
        AuditKind.MEMBER_REMOVED, actor=_by(instance), organisation=instance.organisation,
        target=_membership_target(instance), detail=f"Was {instance.get_role_display()}. {reason}",
    )


def on_invitation_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    target = f"{instance.email} to {instance.organisation.name}"
    if created:
        record(
            AuditKind.INVITATION_SENT, actor=_by(instance), organisation=instance.organisation,
            target=target, detail=f"As {instance.get_role_display()}",
        )
    elif instance.status == InvitationStatus.CANCELLED and (update_fields is None or "status" in update_fields):
        record(AuditKind.INVITATION_CANCELLED, actor=_by(instance), organisation=instance.organisation, target=target)


ACCESS_FIELDS = {
    "is_active": ("Account turned back on", "Account turned off"),
    "is_staff": ("Given the Django admin", "Django admin taken away"),
    "is_superuser": ("Made a superuser", "No longer a superuser"),
}


def before_user_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._audit_before = None
    instance._audit_password = False
    if raw:
        return
    # set_password() keeps the raw password until the save (it is never read here).
    instance._audit_password = instance._password is not None and not instance._state.adding
    watched = {"system_role", *ACCESS_FIELDS}
    if instance._state.adding or (update_fields is not None and not watched & set(update_fields)):
        return
    instance._audit_before = User.objects.filter(pk=instance.pk).values("system_role", *ACCESS_FIELDS).first()


def _role_label(value):
    return SystemRole(value).label if value in SystemRole.values and value else "none"


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        if instance.system_role:
            record(AuditKind.ICB_ROLE_CHANGED, target=instance.email,
                   detail=f"New account with the ICB role {_role_label(instance.system_role)}")
        return
    before = getattr(instance, "_audit_before", None)
    if before:
        if before["system_role"] != instance.system_role:
            record(
                AuditKind.ICB_ROLE_CHANGED, target=instance.email,
                detail=f"From {_role_label(before['system_role'])} to {_role_label(instance.system_role)}",
            )
        changes = [on if getattr(instance, f) else off for f, (on, off) in ACCESS_FIELDS.items()
                   if before[f] != getattr(instance, f)]
        if changes:
            record(AuditKind.ACCESS_CHANGED, target=instance.email, detail="; ".join(changes))
    if getattr(instance, "_audit_password", False):
        record(AuditKind.PASSWORD_CHANGED, target=instance.email)


# --- API tokens (the key itself is never written) ------------------------------------------------


def on_token_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        record(AuditKind.API_TOKEN_CREATED, target=instance.user.email)


def on_token_deleted(sender, instance, **kwargs):
    if _cascaded(kwargs, sender):
        return
    record(AuditKind.API_TOKEN_REVOKED, target=instance.user.email)


# --- the Django admin ---------------------------------------------------------------------------


def admin_target(content_type, object_repr):
    name = content_type.name if content_type else "object"
    return f"{name}: {object_repr}"


def on_admin_logged(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    record(
        AuditKind.ADMIN_CHANGE, actor=instance.user,
        target=admin_target(instance.content_type, instance.object_repr),
        detail=f"{_admin_action(instance)}: {instance.get_change_message()}".rstrip(": "),
    )


def _admin_action(entry):
    if entry.is_addition():
        return "Added"
    if entry.is_deletion():
        return "Deleted"
    return "Changed"


def connect():
    """Called from CharterConfig.ready."""
    from django.contrib.admin.models import LogEntry
    from rest_framework.authtoken.models import Token

    receivers = [
        (user_logged_in, on_sign_in, None),
        (user_logged_out, on_sign_out, None),
        (user_login_failed, on_sign_in_failed, None),
        (pre_save, before_membership_saved, Membership),
        (post_save, on_membership_saved, Membership),
        (post_delete, on_membership_deleted, Membership),
        (post_save, on_invitation_saved, Invitation),
        (pre_save, before_user_saved, User),
        (post_save, on_user_saved, User),
        (post_save, on_token_saved, Token),
        (post_delete, on_token_deleted, Token),
        (post_save, on_admin_logged, LogEntry),
    ]
    for signal, receiver, sender in receivers:
        signal.connect(receiver, sender=sender, dispatch_uid=f"charter.audit.{receiver.__name__}")
