from django import forms

from common.forms import NamedErrorsMixin


class SpreadsheetUploadForm(NamedErrorsMixin, forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="An Excel workbook (.xlsx) or CSV file with the template's columns, up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": "Choose the spreadsheet to upload", "empty": "The spreadsheet is empty"},
    )
