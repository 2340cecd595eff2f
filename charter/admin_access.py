"""What an ICB admin may do in the Django admin: the "ICB admin" group's permissions.

The group is kept in step after every migrate (so new models' permissions are included), and a
person's membership of it follows their system role (User.save): an ICB admin is staff and in the
group; someone who stops being an ICB admin leaves it.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

ICB_ADMIN_GROUP = "ICB admin"

# app label -> the actions allowed on every model of that app ("*": all four).
ICB_ADMIN_ACTIONS = {
    "toms": {"view", "add", "change", "delete"},  # the framework and proxy values
    "charter": {"view", "add", "change"},  # organisations, people, memberships, charter versions, signatures
    "commitments": {"view", "change"},
    "reporting": {"view"},
    "authtoken": {"view", "delete"},  # revoke anyone's API token
    "simple_history": {"view"},
}


def icb_admin_permissions():
    query = Q(pk__in=[])
    for app_label, actions in ICB_ADMIN_ACTIONS.items():
        codename = Q()
        for action in actions:
            codename |= Q(codename__startswith=f"{action}_")
        query |= Q(content_type__app_label=app_label) & codename
    return Permission.objects.filter(query)


def sync_icb_admin_group(**kwargs):
    """post_migrate: the group exists with exactly these permissions, and every ICB admin is in it."""
    from charter.models import SystemRole, User

    group, _ = Group.objects.get_or_create(name=ICB_ADMIN_GROUP)
    group.permissions.set(icb_admin_permissions())
    admins = User.objects.filter(system_role=SystemRole.ICB_ADMIN)
    admins.filter(is_staff=False).update(is_staff=True)
    group.user_set.add(*admins)


def sync_membership(user):
    """Put an ICB admin in the group and take anyone else out (the group may not exist before migrate)."""
    from charter.models import SystemRole

    group = Group.objects.filter(name=ICB_ADMIN_GROUP).first()
    if group is None:
        return
    if user.system_role == SystemRole.ICB_ADMIN:
        user.groups.add(group)
    else:
        user.groups.remove(group)
