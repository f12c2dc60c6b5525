"""The rotating check-in code: six digits a 30-second window long, the window before also
taken, ten minutes of older ones recognised as expired, anything else wrong."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from services.activities import codes
from services.activities.codes import Verdict

SECRET = bytes(range(32))
ACTIVITY = 42
# The start of a window: 2026-05-01 10:00:00 in China.
START = datetime(2026, 5, 1, 2, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_the_code_is_six_digits_from_the_hmac_of_the_activity_and_window() -> None:
    window = codes.window_of(START)
    assert START.timestamp() % 30 == 0
    assert window == int(START.timestamp()) // 30
    mac = hmac.new(SECRET, f"{ACTIVITY}:{window}".encode(), hashlib.sha256).digest()
    offset = mac[-1] & 0x0F
    expected = (int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF) % 1_000_000
    shown = codes.current_code(SECRET, ACTIVITY, at(12))
    assert shown.code == f"{expected:06d}"
    assert len(shown.code) == 6
    assert shown.code.isdigit()
    assert shown.refresh_at == at(30)
    assert shown.valid_until == at(60) - timedelta(microseconds=1)


def test_the_code_changes_every_thirty_seconds_and_differs_by_activity_and_secret() -> None:
    first = codes.current_code(SECRET, ACTIVITY, at(0)).code
    assert codes.current_code(SECRET, ACTIVITY, at(29.999)).code == first
    # Many windows: the codes are not one repeated value.
    seen = {codes.current_code(SECRET, ACTIVITY, at(30 * n)).code for n in range(50)}
    assert len(seen) > 45
    assert codes.current_code(SECRET, ACTIVITY + 1, at(0)).code != first
    assert codes.current_code(bytes(32), ACTIVITY, at(0)).code != first


def test_the_current_and_the_previous_window_are_taken() -> None:
    code = codes.current_code(SECRET, ACTIVITY, at(0)).code
    assert codes.verify(SECRET, ACTIVITY, code, at(0)) is Verdict.VALID
    assert codes.verify(SECRET, ACTIVITY, code, at(29)) is Verdict.VALID
    assert codes.verify(SECRET, ACTIVITY, code, at(59.9)) is Verdict.VALID
    assert codes.verify(SECRET, ACTIVITY, f" {code}\n", at(31)) is Verdict.VALID


def test_a_code_of_the_ten_minutes_before_is_expired_and_older_is_wrong() -> None:
    code = codes.current_code(SECRET, ACTIVITY, at(0)).code
    # Two windows on: no longer taken, but recognised.
    assert codes.verify(SECRET, ACTIVITY, code, at(60)) is Verdict.EXPIRED
    assert codes.verify(SECRET, ACTIVITY, code, at(20 * 30 + 29)) is Verdict.EXPIRED
    # 21 windows on: older than the ten minutes kept, so simply wrong.
    later = at(21 * 30)
    recent = {
        codes.code_for_window(SECRET, ACTIVITY, codes.window_of(later) - b) for b in range(21)
    }
    assert code not in recent  # this secret's codes do not repeat within the ten minutes
    assert codes.verify(SECRET, ACTIVITY, code, later) is Verdict.WRONG


def test_a_code_ahead_of_time_another_activitys_or_a_malformed_one_is_wrong() -> None:
    ahead = codes.current_code(SECRET, ACTIVITY, at(30)).code
    now_code = codes.current_code(SECRET, ACTIVITY, at(0)).code
    assert ahead != now_code
    assert codes.verify(SECRET, ACTIVITY, ahead, at(0)) is Verdict.WRONG
    other = codes.current_code(SECRET, ACTIVITY + 1, at(0)).code
    assert codes.verify(SECRET, ACTIVITY, other, at(0)) is Verdict.WRONG
    for malformed in ("", "12345", "1234567", "12a456", "１２３４５６", now_code[:5] + " "):
        assert codes.verify(SECRET, ACTIVITY, malformed, at(0)) is Verdict.WRONG


@pytest.mark.parametrize("seconds", [0, 1, 29, 30, 31, 59])
def test_the_window_boundaries(seconds: int) -> None:
    code = codes.current_code(SECRET, ACTIVITY, at(seconds)).code
    assert codes.verify(SECRET, ACTIVITY, code, at(seconds)) is Verdict.VALID
    assert codes.verify(SECRET, ACTIVITY, code, at(seconds + 30)) is Verdict.VALID
    assert codes.window_of(at(seconds)) == codes.window_of(START) + seconds // 30


def test_the_qr_payload_carries_the_activity_and_the_code() -> None:
    assert codes.qr_payload("QWN0aXZpdHk6NDI=", "012345") == (
        "gongjian:checkin:QWN0aXZpdHk6NDI=:012345"
    )
