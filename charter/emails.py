"""Work e-mail checks: is an address plausibly at the organisation's own domain?"""

# Personal mailbox providers: never an organisation's work address.
WEBMAIL_DOMAINS = {
    "gmail.com", "googlemail.com", "hotmail.com", "hotmail.co.uk", "outlook.com", "live.com",
    "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com",
    "aol.com", "aol.co.uk", "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net",
    "protonmail.com", "proton.me", "gmx.com", "gmx.co.uk", "mail.com", "tiscali.co.uk",
}  # fmt: skip
# Shared NHS mail: a real work address for any NHS or primary care organisation.
NHS_SHARED_DOMAINS = {"nhs.net", "nhs.uk"}


def domain_of(email):
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""


def website_domain(url):
    from urllib.parse import urlparse

    host = urlparse(url if "//" in (url or "") else f"//{url}").hostname or ""
    return host.removeprefix("www.")


def work_email_problem(email, organisation):
    """Why this address may not be a work address of the organisation, or '' if it looks fine."""
    domain = domain_of(email)
    if domain in WEBMAIL_DOMAINS:
        return f"{domain} is a personal e-mail service, not {organisation.name}'s own domain."
    if domain in NHS_SHARED_DOMAINS and organisation.kind in {"nhs_trust", "icb", "primary_care"}:
        return ""
    expected = organisation.email_domain or website_domain(organisation.website)
    if not expected:
        return ""  # nothing to compare against; the ICB sees new organisations anyway
    if domain == expected or domain.endswith("." + expected):
        return ""
    return f"{email} is not at {expected}, {organisation.name}'s e-mail domain."
