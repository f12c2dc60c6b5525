"""The rotating check-in code (签到码): six digits derived from the activity's secret and
the 30-second window of the moment, shown by the organiser as a QR code on the spot.

A code is HMAC-SHA256(secret, "<activity id>:<window>") cut to six digits the way HOTP
(RFC 4226) cuts its MAC. The code of the current window and of the one before are taken,
so a member scanning at the turn of a window is not turned away; a code of the windows
before that (ten minutes back) was right once and is called expired, so the member is
told to scan the code shown now rather than that they typed it wrong. Without the secret,
which never leaves the server, a code cannot be made ahead of time or away from the spot.
"""

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WINDOW_SECONDS = 30
# Windows back from the current one whose code is still taken (the one before).
ACCEPTED_BACK = 1
# Windows back whose code is recognised as expired: ten minutes of them.
EXPIRED_BACK = 20
DIGITS = 6
QR_PREFIX = "gongjian:checkin"


class Verdict(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    WRONG = "wrong"


@dataclass(frozen=True)
class CheckInCode:
    code: str
    # When the display should show the next code (the start of the next window).
    refresh_at: datetime
    # The last moment this code is taken (the end of the next window).
    valid_until: datetime


def window_of(at: datetime) -> int:
    """The number of the 30-second window `at` falls in (counted from the Unix epoch)."""
    return int(at.timestamp()) // WINDOW_SECONDS


def _window_start(window: int) -> datetime:
    return datetime.fromtimestamp(window * WINDOW_SECONDS, UTC)


def code_for_window(secret: bytes, activity_id: int, window: int) -> str:
    mac = hmac.new(secret, f"{activity_id}:{window}".encode(), hashlib.sha256).digest()
    offset = mac[-1] & 0x0F
    number = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFF_FFFF
    return f"{number % 10**DIGITS:0{DIGITS}d}"


def current_code(secret: bytes, activity_id: int, at: datetime) -> CheckInCode:
    """The code to show at `at`."""
    window = window_of(at)
    return CheckInCode(
        code=code_for_window(secret, activity_id, window),
        refresh_at=_window_start(window + 1),
        valid_until=_window_start(window + 1 + ACCEPTED_BACK) - timedelta(microseconds=1),
    )


def verify(secret: bytes, activity_id: int, given: str, at: datetime) -> Verdict:
    """Whether `given` is a code taken at `at`, one that has expired, or neither. Every
    window is compared in constant time, whatever matched before it."""
    typed = given.strip()
    if len(typed) != DIGITS or not typed.isascii() or not typed.isdigit():
        return Verdict.WRONG
    window = window_of(at)
    valid = expired = False
    for back in range(EXPIRED_BACK + 1):
        expected = code_for_window(secret, activity_id, window - back)
        if hmac.compare_digest(expected.encode(), typed.encode()):
            if back <= ACCEPTED_BACK:
                valid = True
            else:
                expired = True
    if valid:
        return Verdict.VALID
    return Verdict.EXPIRED if expired else Verdict.WRONG


def qr_payload(activity_global_id: str, code: str) -> str:
    """What the QR code carries: `gongjian:checkin:<activity global id>:<code>`."""
    return f"{QR_PREFIX}:{activity_global_id}:{code}"
