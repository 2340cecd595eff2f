"""Navigation shown in the header, by what the signed-in person may do."""

from django.urls import reverse


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
        items.append(("Contracts", reverse("commitments:contract-list")))
        if user.is_icb:
            items.append(("Signatures", reverse("charter:signatures")))
        if user.is_icb_admin:
            items.append(("Proxy values", reverse("toms:proxy-value-import")))
        if user.is_staff:
            items.append(("Admin", reverse("admin:index")))
    path = request.path
    # The item whose URL is the longest prefix of this page is the one we are in.
    matches = [url for _, url in items if (path == url if url == "/" else path.startswith(url))]
    current = max(matches, key=len, default=None)
    nav = [{"label": label, "url": url, "active": url == current} for label, url in items]
    return {"service_navigation": nav, "service_name": "Cheshire and Merseyside Social Value Portal"}
