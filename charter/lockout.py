"""Who a sign-in attempt is for and where it comes from, as django-axes counts them.

The e-mail address is one identity whatever its case, so failures are counted against it in lower
case (``AXES_USERNAME_CALLABLE``), on the sign-in page, the admin's and the API token endpoint.
The client's address is ``charter.ratelimit.client_ip`` (``AXES_CLIENT_IP_CALLABLE``), which reads
the proxy's ``X-Forwarded-For`` header only when ``TRUSTED_PROXY_COUNT`` says there is a proxy.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum

from charter.models.people import normalise_email


def username(request, credentials=None):
    """The e-mail address being tried, in lower case (django-axes' AXES_USERNAME_CALLABLE)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    return normalise_email(value) if isinstance(value, str) else value


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with a separate, larger limit for one address across people.

    ``AXES_LOCKOUT_PARAMETERS`` names two groups: the (e-mail, address) pair, locked after
    ``AXES_FAILURE_LIMIT`` failures, so a stranger elsewhere cannot lock a named person out; and
    the address alone, locked after ``AXES_ADDRESS_FAILURE_LIMIT`` failures across all addresses
    tried, which stops one address guessing a few passwords for each of many people. Axes compares
    one number with one limit, so the address's count is scaled to the pair's limit: it reaches
    ``AXES_FAILURE_LIMIT`` exactly when the address reaches ``AXES_ADDRESS_FAILURE_LIMIT``.
    """

    def get_failures(self, request, credentials=None):
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        counts = []
        for group, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if group == "ip_address" or group == ["ip_address"]:
                failures = failures * limit // max(settings.AXES_ADDRESS_FAILURE_LIMIT, 1)
            counts.append(failures)
        return max(counts, default=0)
