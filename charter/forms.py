"""Sign-in and password forms, worded and laid out the GOV.UK way (crispy-forms-gds).

Django's auth forms work unchanged underneath; these subclasses only change labels, hints,
error messages and how the fields are drawn. The error summary is drawn by the page
(templates/includes/error_summary.html), above the heading and outside the form.
"""

import hashlib
import logging

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

from charter import ratelimit
from charter.models.people import normalise_email

logger = logging.getLogger(__name__)

SHOW_HIDE_INPUT_TEMPLATE = "includes/password_input.html"



def choosing_rules_hint():
    """What a new password must be, in plain words, from the configured validators."""
    min_length = next(
        (
            v.min_length
            for v in password_validation.get_default_password_validators()
            if isinstance(v, password_validation.MinimumLengthValidator)
        ),
        None,
    )
    start = f"Use at least {min_length} characters. " if min_length else ""
    return start + (
        "Do not use a common password, only numbers, or something close to your name or "
        "e-mail address."
    )


def _email_widget():
    # A TextInput with type="email" (not EmailInput) so crispy-forms-gds marks it in error.
    return forms.TextInput(
        attrs={
            "input_type": "email",
            "autocomplete": "email",
            "spellcheck": "false",
            "autocapitalize": "none",
        }
    )


def _helper(*fields):
    # The page draws the <form> and its button group (a button and links beside it).
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


class SignInForm(AuthenticationForm):
    """Sign in with an e-mail address and password (django-axes counts the failures)."""

    username = forms.CharField(
        label="E-mail address", max_length=254, widget=_email_widget(),
        error_messages={"required": "Enter your e-mail address"},
    )
    password = forms.CharField(
        label="Password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Enter a correct e-mail address and password. The password is case-sensitive."
        ),
        "inactive": "This account has been switched off. Ask your organisation admin for help.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].label = "E-mail address"
        self.helper = _helper(
            "username",
            Field("password", template=SHOW_HIDE_INPUT_TEMPLATE)
        )


class PortalPasswordResetForm(PasswordResetForm):
    """Ask for a link to choose a new password."""

    email = forms.EmailField(
        label="E-mail address", max_length=254, widget=_email_widget(),
        error_messages={
            "required": "Enter your e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("email")

    def save(self, *args, **kwargs):
        """Send the link, at most PASSWORD_RESET_EMAILS_PER_HOUR times an hour to one address.

        Past the limit nothing is sent and the page says the same as ever, so it tells nobody
        whether the address has an account; the link already sent still works.
        """
        email = normalise_email(self.cleaned_data["email"])
        key = hashlib.sha256(email.encode()).hexdigest()
        if not ratelimit.allow("password-reset", key, limit=settings.PASSWORD_RESET_EMAILS_PER_HOUR):
            logger.warning("Password reset e-mail not sent: too many asked for one address this hour.")
            return
        super().save(*args, **kwargs)


class PortalSetPasswordForm(SetPasswordForm):
    """Choose a new password from the link in the e-mail."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        new1, new2 = self.fields["new_password1"], self.fields["new_password2"]
        new1.label, new1.help_text = "New password", choosing_rules_hint()
        new2.label, new2.help_text = "Confirm new password", ""
        new1.error_messages["required"] = "Enter a new password"
        new2.error_messages["required"] = "Enter the new password again"
        for field in (new1, new2):
            field.widget.attrs["autocomplete"] = "new-password"
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The two passwords do not match. Enter the same password twice.",
        }
        self.helper = _helper(
            Field("new_password1", template=SHOW_HIDE_INPUT_TEMPLATE),
            Field("new_password2", template=SHOW_HIDE_INPUT_TEMPLATE)
        )


class PortalPasswordChangeForm(PortalSetPasswordForm, PasswordChangeForm):
    """Change a known password: the current one, then the new one twice (the rules told first)."""

    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        old = self.fields["old_password"]
        old.label = "Current password"
        old.widget.attrs.pop("autofocus", None)
        old.error_messages["required"] = "Enter your current password"
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": "Your current password is not right. Enter it again.",
        }
        self.helper = _helper(
            Field("old_password", template=SHOW_HIDE_INPUT_TEMPLATE),
            Field("new_password1", template=SHOW_HIDE_INPUT_TEMPLATE),
            Field("new_password2", template=SHOW_HIDE_INPUT_TEMPLATE),
        )
