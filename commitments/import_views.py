"""PLACEHOLDER: being written; every function here is replaced before this lands."""

from django.http import Http404


def contract_import(request, *args, **kwargs):
    raise Http404("not built yet")


def contract_import_template(request, *args, **kwargs):
    raise Http404("not built yet")
