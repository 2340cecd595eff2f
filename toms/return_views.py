"""PLACEHOLDER: being written; every function here is replaced before this lands."""

from django.http import Http404


def return_list(request, *args, **kwargs):
    raise Http404('not built yet')


def review_list(request, *args, **kwargs):
    raise Http404('not built yet')


def start(request, *args, **kwargs):
    raise Http404('not built yet')


def detail(request, *args, **kwargs):
    raise Http404('not built yet')


def edit(request, *args, **kwargs):
    raise Http404('not built yet')


def submit(request, *args, **kwargs):
    raise Http404('not built yet')


def review(request, *args, **kwargs):
    raise Http404('not built yet')


def amend(request, *args, **kwargs):
    raise Http404('not built yet')


def history(request, *args, **kwargs):
    raise Http404('not built yet')


def add_evidence(request, *args, **kwargs):
    raise Http404('not built yet')


def download_evidence(request, *args, **kwargs):
    raise Http404('not built yet')


def delete_evidence(request, *args, **kwargs):
    raise Http404('not built yet')


def add_case_study(request, *args, **kwargs):
    raise Http404('not built yet')


def delete_case_study(request, *args, **kwargs):
    raise Http404('not built yet')

