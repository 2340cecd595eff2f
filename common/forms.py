"""Error messages that name their field, as the GOV.UK Design System asks ("Enter the
organisation's name", never a bare "This field is required.").

Forms give their own wording in ``error_messages`` where a field needs it; NamedErrorsMixin
replaces whatever is still Django's generic message with one built from the field's label.
"""

import re

from django import forms
from django.forms.utils import pretty_name

GENERIC = {
    "required": str(forms.Field.default_error_messages["required"]),
    # Django's validators say these; a field's own "invalid" message takes their place.
    "invalid_email": str(forms.EmailField.default_validators[0].message),
    "invalid_url": str(forms.URLField.default_validators[0].message),
    "invalid_choice": str(forms.ChoiceField.default_error_messages["invalid_choice"]),
}


def _subject(field, name):
    """The label as a noun phrase: 'Organisation name (optional)' → 'the organisation name'."""
    label = str(field.label or pretty_name(name))
    label = re.sub(r"\s*\((optional|required)\)\s*$", "", label, flags=re.I).rstrip(" ?:.")
    if not label[:2].isupper():  # keep acronyms such as 'ODS code'
        label = label[0].lower() + label[1:]
    return label if label.startswith(("the ", "your ", "a ", "an ")) else f"the {label}"


def name_errors(field, name):
    """Replace the field's generic messages with ones that name it."""
    messages = field.error_messages
    subject = _subject(field, name)
    if str(messages.get("required")) == GENERIC["required"]:
        if isinstance(field, forms.BooleanField):
            messages["required"] = f"Tick the box: {str(field.label or pretty_name(name)).rstrip('.')}"
        elif isinstance(field, forms.FileField):
            messages["required"] = f"Choose the file for {subject}"
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            messages["required"] = f"Select {subject}"
        else:
            messages["required"] = f"Enter {subject}"
    if isinstance(field, forms.EmailField) and str(messages.get("invalid", GENERIC["invalid_email"])) == GENERIC["invalid_email"]:
        messages["invalid"] = f"Enter {subject} in the correct format, like name@example.org"
    if isinstance(field, forms.URLField) and str(messages.get("invalid")) == GENERIC["invalid_url"]:
        messages["invalid"] = f"Enter {subject} in the correct format, like www.example.org"
    if isinstance(field, forms.ChoiceField) and str(messages.get("invalid_choice")) == GENERIC["invalid_choice"]:
        messages["invalid_choice"] = f"Choose {subject} from the list"


class NamedErrorsMixin:
    """Every field's generic error messages name the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.error_messages = dict(field.error_messages)  # fields are deep-copied, but be sure
            name_errors(field, name)
