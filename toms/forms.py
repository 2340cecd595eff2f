from django import forms


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=(
            "An Excel workbook (.xlsx, .xlsm or .xls), an OpenDocument spreadsheet (.ods) or a CSV file "
            "(separated by commas, semicolons or tabs) with the template's columns, up to 10 MB. "
            "A cell formatted as a percentage is read as shown (12%), except in an .xls file: there, type 12."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xlsm,.xls,.ods,.csv"}),
    )
