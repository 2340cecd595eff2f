"""Numbers bounded by the column that stores them, with a message instead of a database error.

PostgreSQL refuses a number too large for its ``numeric(max_digits, decimal_places)`` column
(SQLite stores it anyway), so every number people type is checked against its model field
before it is saved: one definition, read from the field itself.
"""

from decimal import Decimal


def decimal_limit_problem(model, field_name, value, *, what):
    """A message if ``value`` does not fit ``model.field_name`` (a DecimalField), else None."""
    field = model._meta.get_field(field_name)
    value = Decimal(value)
    if not value.is_finite():
        return f"Enter the {what} as a number."
    limit = Decimal(10) ** (field.max_digits - field.decimal_places)
    if abs(value) >= limit:
        return f"The {what} is too large: enter a number below {limit:,}."
    if value.as_tuple().exponent < -field.decimal_places:
        return f"Give the {what} with at most {field.decimal_places} decimal places."
    return None
