"""Reading a long query in chunks with plain queries, for streamed exports."""

from django.db.models import Q


def in_chunks(queryset, key, key_of, size=2000):
    """The rows of ``queryset`` ordered by ``key`` then pk (both descending if ``key`` starts with
    "-"), read ``size`` at a time: each chunk a plain query starting after the last row read
    (``key_of(row)`` gives that row's key value and pk).

    Memory stays flat on both sides without a server-side cursor: on PostgreSQL, Django's cursor
    outside a transaction is declared ``WITH HOLD``, which makes the database session hold the
    whole result, and left the session's later queries twice as slow (bench/lists.py).
    """
    field = key.lstrip("-")
    descending = key.startswith("-")
    after = "lt" if descending else "gt"
    ordered = queryset.order_by(key, "-pk" if descending else "pk")
    last = None
    while True:
        chunk = ordered
        if last is not None:
            value, pk = last
            chunk = chunk.filter(Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"pk__{after}": pk}))
        rows = list(chunk[:size])
        yield from rows
        if len(rows) < size:
            return
        last = key_of(rows[-1])
