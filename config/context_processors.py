"""Navigation shown in the header, by what the signed-in person may do."""

from django.urls import reverse

from commitments.queues import waiting_count


def navigation(request):
    user = getattr(request, "user", None)
    items = [
        ("Home", reverse("home")),
        ("The Charter", reverse("charter:charter")),
        ("Register", reverse("charter:register")),
        ("The framework", reverse("toms:framework")),
    ]
    if user is not None and user.is_authenticated:
        items.append(("Your organisations", reverse("charter:organisation-list")))
        items.append(("Returns", reverse("commitments:return-list")))
        # One query for everyone signed in: nothing waits for people who review nothing.
        waiting = waiting_count(request)
        if waiting:
            items.append(("To review", reverse("commitments:review-list"), waiting))
        items.append(("Contracts", reverse("commitments:contract-list")))
        if user.is_icb:
            items.append(("Dashboard", reverse("reporting:dashboard")))
            items.append(("Organisations", reverse("reporting:directory")))
            items.append(("Signatures", reverse("charter:signatures")))
            items.append(("Partner VCFSE", reverse("commitments:vcfse-system")))
        if user.is_icb_admin:
            items.append(("Proxy values", reverse("toms:proxy-value-import")))
            items.append(("Audit log", reverse("charter:audit-log")))
        if user.is_staff:
            items.append(("Admin", reverse("admin:index")))
    path = request.path
    # The item whose URL is the longest prefix of this page is the one we are in.
    matches = [url for _, url, *_ in items if (path == url if url == "/" else path.startswith(url))]
    current = max(matches, key=len, default=None)
    nav = [
        {"label": label, "url": url, "active": url == current, "count": count[0] if count else None}
        for label, url, *count in items
    ]
    return {"service_navigation": nav, "service_name": "Cheshire and Merseyside Social Value Portal"}
