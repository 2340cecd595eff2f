"""Idle sessions end: a session lasts SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) from its last use.

Django counts a session's age from when it was last saved. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) would cost a write per page, so this saves it at most once a minute
while it is in use: a session ends between SESSION_IDLE_MINUTES minus one minute and
SESSION_IDLE_MINUTES after the person's last request.
"""

import time

SEEN = "_last_seen"
REFRESH_SECONDS = 60


def seen_at_sign_in(sender, request, user, **kwargs):
    """On signing in (the user_logged_in signal), which saves the session anyway."""
    if getattr(request, "session", None) is not None:
        request.session[SEEN] = int(time.time())


class IdleSessionMiddleware:
    """Listed after SessionMiddleware, so the session it touches is then saved, with a new expiry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request already read (no extra query), and never an empty one.
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(time.time())
        if now - session.get(SEEN, 0) >= REFRESH_SECONDS:
            session[SEEN] = now
        return response
