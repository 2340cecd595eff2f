"""PLACEHOLDER: being written; every function here is replaced before this lands."""

from django.http import Http404


def return_template(request, *args, **kwargs):
    raise Http404('not built yet')


def return_upload(request, *args, **kwargs):
    raise Http404('not built yet')


def return_export_csv(request, *args, **kwargs):
    raise Http404('not built yet')

