"""PLACEHOLDER: being written."""

from rest_framework import viewsets

from commitments.models import Contract


class ContractViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Contract.objects.none()
