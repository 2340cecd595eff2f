"""Forms for managing an organisation's people and details, in the GOV.UK style."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib.auth import password_validation

from charter.forms import SHOW_HIDE_INPUT_TEMPLATE, choosing_rules_hint
from charter.models import ROLE_DESCRIPTIONS, Kind, Organisation, Place, Role, Sector, Size


def _helper(*fields):
    helper = FormHelper()
    helper.form_tag = False
    if fields:
        helper.layout = Layout(*fields)
    return helper


def _role_field(label):
    return forms.ChoiceField(
        label=label,
        choices=[(value, f"{label_} – {ROLE_DESCRIPTIONS[value]}") for value, label_ in Role.choices],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role", "invalid_choice": "Choose a role from the list"},
    )


REASON_HELP = "Optional. Kept in the organisation's history with who made the change."


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address", max_length=254,
        help_text="We send a link to this address. It works for a limited time and only once.",
        error_messages={
            "required": "Enter the e-mail address of the person to invite",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        },
        widget=forms.TextInput(attrs={"input_type": "email", "autocomplete": "off", "spellcheck": "false"}),
    )
    role = _role_field("Role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("email", Field.radios("role", legend_size="s"))


class RoleForm(forms.Form):
    role = _role_field("New role")
    reason = forms.CharField(label="Why (optional)", required=False, max_length=300, help_text=REASON_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.radios("role", legend_size="s"), "reason")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Why (optional)", required=False, max_length=300, help_text=REASON_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("reason")


class OrganisationForm(forms.ModelForm):
    """The organisation's details; identifiers are tidied and checked by the model's validators."""

    sector = forms.ChoiceField(choices=Sector.choices, label="Sector")
    kind = forms.ChoiceField(choices=Kind.choices, label="Kind of organisation")
    place = forms.ChoiceField(choices=Place.choices, label="Where is the organisation based?")
    size = forms.ChoiceField(choices=Size.choices, label="Size")
    website = forms.URLField(
        required=False, assume_scheme="https", label="Website (optional)",
        error_messages={"invalid": "Enter the website's address, like https://www.example.org"},
    )
    reason = forms.CharField(label="Why (optional)", required=False, max_length=300, help_text=REASON_HELP)

    class Meta:
        model = Organisation
        fields = [
            "name", "sector", "kind", "place", "size", "companies_house_number", "charity_number",
            "ods_code", "website", "email_domain",
        ]
        labels = {"name": "Organisation name", "email_domain": "E-mail domain (optional)"}
        help_texts = {
            "companies_house_number": "Optional. 8 characters, like 01234567 or SC123456.",
            "charity_number": "Optional. Like 1012345, SC012345 or NIC100002.",
            "ods_code": "Optional. NHS organisations only, like RBN or N81001.",
        }
        error_messages = {"name": {"required": "Enter the organisation's name"}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def _post_clean(self):
        super()._post_clean()
        # Show the tidied identifiers (e.g. '1234567' → '01234567') if the form comes back.
        for field in ("name", "companies_house_number", "charity_number", "ods_code", "email_domain"):
            if field in self.cleaned_data:
                self.cleaned_data[field] = getattr(self.instance, field)


class NewAccountForm(forms.Form):
    """The invited person's name and the password they choose themselves."""

    full_name = forms.CharField(
        label="Your full name", max_length=150, error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label="Choose a password", strip=False, help_text=choosing_rules_hint(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password"},
    )
    password2 = forms.CharField(
        label="Confirm the password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the password again"},
    )

    def __init__(self, *args, email="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.helper = _helper(
            "full_name",
            Field("password1", template=SHOW_HIDE_INPUT_TEMPLATE),
            Field("password2", template=SHOW_HIDE_INPUT_TEMPLATE),
        )

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match. Enter the same password twice.")
        elif p1:
            from charter.models import User

            probe = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
