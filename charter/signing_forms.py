"""The forms of the signing journey, one thing per page."""

from django import forms
from django.contrib.auth import password_validation

from charter.forms import choosing_rules_hint
from charter.models import Kind, Organisation, Place, Sector, Size
from charter.services import find_existing_organisation
from common.forms import NamedErrorsMixin


class FindOrganisationForm(NamedErrorsMixin, forms.Form):
    q = forms.CharField(
        label="Organisation name or number", max_length=200,
        help_text="Its name, Companies House number, charity number or NHS ODS code.",
        error_messages={"required": "Enter the organisation's name or number"},
    )


class OrganisationDetailsForm(NamedErrorsMixin, forms.ModelForm):
    sector = forms.ChoiceField(
        choices=Sector.choices, widget=forms.RadioSelect, label="Sector",
        error_messages={"required": "Select the organisation's sector"},
    )
    kind = forms.ChoiceField(
        choices=Kind.choices, label="Kind of organisation",
        error_messages={"required": "Select the kind of organisation"},
    )
    place = forms.ChoiceField(
        choices=Place.choices, label="Where is the organisation based?",
        help_text="One of the nine places of Cheshire and Merseyside, or outside.",
        error_messages={"required": "Select where the organisation is based"},
    )
    size = forms.ChoiceField(
        choices=Size.choices, widget=forms.RadioSelect, label="Size",
        error_messages={"required": "Select the organisation's size"},
    )
    website = forms.URLField(
        required=False, assume_scheme="https", label="Website (optional)",
        error_messages={"invalid": "Enter the website's address in the correct format, like www.example.org"},
    )

    class Meta:
        model = Organisation
        fields = [
            "name", "sector", "kind", "place", "size", "companies_house_number", "charity_number",
            "ods_code", "website",
        ]
        labels = {"name": "Organisation name", "website": "Website (optional)"}
        error_messages = {"name": {"required": "Enter the organisation's name"}}
        help_texts = {
            "companies_house_number": "Optional. 8 characters, like 01234567 or SC123456.",
            "charity_number": "Optional. Like 1012345, SC012345 or NIC100002.",
            "ods_code": "Optional. NHS organisations only, like RBN or N81001.",
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        existing = find_existing_organisation(
            name=cleaned.get("name", ""), place=cleaned.get("place", ""),
            companies_house_number=self.instance.companies_house_number,
            charity_number=self.instance.charity_number, ods_code=self.instance.ods_code,
        )
        if existing:
            raise forms.ValidationError(
                f"{existing.name} is already registered. Go back and find it to sign for it, "
                "rather than registering it again.", code="duplicate",
            )
        return cleaned

    def validate_unique(self):
        # Duplicates are reported once, by clean(), with a pointer to the existing entry.
        pass

    def _post_clean(self):
        super()._post_clean()
        # Show the model's tidied identifiers (e.g. '1234567' → '01234567') on the check page.
        for field in ("name", "companies_house_number", "charity_number", "ods_code"):
            if field in self.cleaned_data:
                self.cleaned_data[field] = getattr(self.instance, field)


class SignatoryForm(NamedErrorsMixin, forms.Form):
    signatory_name = forms.CharField(
        label="Full name of the signatory", max_length=150,
        error_messages={"required": "Enter the signatory's full name"},
    )
    designation = forms.CharField(
        label="Designation", max_length=150,
        help_text="Their job title, for example Chief Executive or Director of Procurement.",
        error_messages={"required": "Enter the signatory's job title"},
    )
    signatory_email = forms.EmailField(
        label="Work e-mail address", max_length=254,
        help_text="We send the link that makes the signature take effect to this address.",
        error_messages={
            "required": "Enter the signatory's work e-mail address",
            "invalid": "Enter the signatory's e-mail address in the correct format, like name@example.org",
        },
    )

    def clean_signatory_email(self):
        return self.cleaned_data["signatory_email"].strip().lower()


class EmailCheckForm(NamedErrorsMixin, forms.Form):
    accept = forms.BooleanField(
        label="This is the signatory's work address; an ICB admin may check it before the "
        "signature appears on the register",
        error_messages={"required": "Confirm the address, or go back and change it."},
    )


class CommitmentForm(NamedErrorsMixin, forms.Form):
    agree = forms.BooleanField(
        error_messages={"required": "Agree to the commitment to sign the Charter."},
    )
    principles = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        label="Which of the Charter's principles will you focus on? (optional)",
    )
    priorities = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        label="Which Marmot priorities will you focus on? (optional)",
    )
    statement = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 5}),
        label="In your own words, what will your organisation do? (optional)",
        help_text="Up to 1,000 characters. It appears on the public register.",
    )

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is not None:
            self.fields["agree"].label = version.commitment_statement
            self.fields["principles"].choices = [(p, p) for p in version.principles]
            self.fields["priorities"].choices = [(p, p) for p in version.priorities]


class AccountForm(NamedErrorsMixin, forms.Form):
    """The signatory's own password, set as they confirm (when their address has no account yet)."""

    password1 = forms.CharField(
        label="Create a password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a password for your account"},
    )
    password2 = forms.CharField(
        label="Type the password again", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again"},
    )

    def __init__(self, *args, email=None, full_name="", **kwargs):
        super().__init__(*args, **kwargs)
        self.email, self.full_name = email, full_name
        self.fields["password1"].help_text = choosing_rules_hint()

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords are different.")
        elif p1:
            from charter.models import User

            try:
                password_validation.validate_password(p1, User(email=self.email or "", full_name=self.full_name))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class CheckAnswersForm(forms.Form):
    """The last page: nothing to fill in, the button sends everything."""


class ReasonForm(NamedErrorsMixin, forms.Form):
    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), label="Reason",
        error_messages={"required": "Give a reason; it is kept in the history."},
    )
