"""PLACEHOLDER: being written; every function here is replaced before this lands."""

from django.http import Http404


def contract_list(request, *args, **kwargs):
    raise Http404("not built yet")


def contract_create(request, *args, **kwargs):
    raise Http404("not built yet")


def contract_detail(request, *args, **kwargs):
    raise Http404("not built yet")


def contract_edit(request, *args, **kwargs):
    raise Http404("not built yet")


def commitments_edit(request, *args, **kwargs):
    raise Http404("not built yet")


def progress_chart(request, *args, **kwargs):
    raise Http404("not built yet")
