"""Who a sign-in attempt is for, as django-axes counts them.

The e-mail address is one identity whatever its case, so failures are counted against it in lower
case (``AXES_USERNAME_CALLABLE``), on the sign-in page, the admin's and the API token endpoint.
"""

from django.conf import settings

from charter.models.people import normalise_email


def username(request, credentials=None):
    """The e-mail address being tried, in lower case (django-axes' AXES_USERNAME_CALLABLE)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    return normalise_email(value) if isinstance(value, str) else value
