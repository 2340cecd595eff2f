"""The demo world (``manage.py seed_demo``) for browser tests that walk many pages as many people:
returns in every state, snapshots of every quarter, Partner VCFSE commitments, invitations."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

# Who plays each role in the demo (every demo password is the one fixtures/demo.json sets).
PEOPLE = {
    "reporter": "reporter@merseyfacilities.example",
    "other_reporter": "reporter@deevalley.example",
    "org_admin": "admin@merseyfacilities.example",
    "viewer": "viewer@merseyfacilities.example",
    "vcfse": "manager@wirralpantry.example",
    "commissioner": "commissioner@liverpool.example",
    "other_commissioner": "commissioner@wuth.example",
    "icb_analyst": "icb.analyst@cheshireandmerseyside.example",
    "icb_admin": "icb.admin@cheshireandmerseyside.example",
}
PASSWORD = json.loads((settings.BASE_DIR / "fixtures" / "demo.json").read_text(encoding="utf-8"))["password"]
SUPPLIER = "Mersey Facilities Services Ltd (demo)"
OTHER_SUPPLIER = "Dee Valley Construction Ltd (demo)"
VCFSE = "Wirral Community Pantry (demo)"


@pytest.fixture
def demo(live_server, settings, tmp_path):
    """The live server with the demo world loaded."""
    from django.utils import timezone

    from charter.models import CharterVersion

    settings.MEDIA_ROOT = tmp_path
    # Transactional tests empty the database afterwards, so the data migration's version 1 may be gone.
    data = json.loads((settings.BASE_DIR / "fixtures" / "charter_v1.json").read_text(encoding="utf-8"))
    number = data.pop("number")
    CharterVersion.objects.get_or_create(number=number, defaults={**data, "published_at": timezone.now()})
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    return live_server


def sign_in_session(context, base_url, role):
    """Signs a browser context in as the role with a session made server-side (quicker than the
    sign-in page, which the keyboard tests go through themselves)."""
    if role == "anonymous":
        return
    from charter.models import User

    client = Client()
    client.force_login(User.objects.get(email=PEOPLE[role]))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
