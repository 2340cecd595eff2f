"""Every form says which field is wrong (GOV.UK: "Enter the organisation's name"), never a bare
"This field is required." Forms are submitted empty, and with nonsense in each field."""

import pytest
from django.contrib.auth.forms import SetPasswordForm

from charter import forms as charter_forms
from charter import signing_forms
from tests.factories import UserFactory
from toms import forms as toms_forms

pytestmark = pytest.mark.django_db
GENERIC = {"This field is required.", "Enter a valid email address.", "Enter a valid URL."}


def _forms():
    user = UserFactory.build()
    return [
        signing_forms.FindOrganisationForm(data={}),
        signing_forms.OrganisationDetailsForm(data={}),
        signing_forms.OrganisationDetailsForm(data={"website": "not a url", "name": "x"}),
        signing_forms.SignatoryForm(data={"signatory_email": "not an address"}),
        signing_forms.EmailCheckForm(data={}),
        signing_forms.CommitmentForm(data={}),
        signing_forms.AccountForm(data={}),
        signing_forms.ReasonForm(data={}),
        charter_forms.SignInForm(data={}),
        charter_forms.PortalPasswordResetForm(data={"email": "nope"}),
        charter_forms.PortalPasswordResetForm(data={}),
        charter_forms.PortalSetPasswordForm(user, data={}),
        charter_forms.PortalPasswordChangeForm(user, data={}),
        toms_forms.SpreadsheetUploadForm(data={}),
    ]


@pytest.mark.parametrize("index", range(14))
def test_every_error_names_its_field(index):
    form = _forms()[index]
    assert not form.is_valid()
    messages = [str(m) for errors in form.errors.values() for m in errors]
    assert messages, type(form).__name__
    assert not GENERIC.intersection(messages), (type(form).__name__, messages)


def test_djangos_own_forms_would_fail_this():
    """The check above can fail: Django's own password form says the generic message."""
    form = SetPasswordForm(UserFactory.build(), data={})
    form.is_valid()
    assert "This field is required." in [str(m) for errors in form.errors.values() for m in errors]
