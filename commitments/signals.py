"""Signals other apps may listen to without commitments knowing about them (apps above this one,
such as reporting, connect in their AppConfig.ready)."""

from django.dispatch import Signal

# Sent after the transaction that approved a return (or an amendment) has committed, with
# ``return_id``, ``year`` and ``quarter``.
return_approved = Signal()
