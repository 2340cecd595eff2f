"""PLACEHOLDER: being written."""

from rest_framework import viewsets

from toms.models import Return


class ReturnViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Return.objects.none()
