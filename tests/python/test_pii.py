"""The user_key definition: HMAC-SHA256, lowercase hex, UTF-8, checked against RFC 4231."""

import pytest

from customer_intel.ops.pii import (
    SECRET_ENV_VAR,
    MissingSecretError,
    make_user_key_function,
    read_secret,
    user_key,
)


def test_user_key_matches_rfc4231_test_case_2() -> None:
    # RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?"
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert user_key("Jefe", "what do ya want for nothing?") == expected


def test_user_key_matches_rfc4231_test_case_1() -> None:
    # RFC 4231, test case 1: key 0x0b * 20, data "Hi There" (0x0b is valid one-byte UTF-8)
    expected = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    assert user_key("\x0b" * 20, "Hi There") == expected


def test_sql_function_equals_definition_and_keeps_null() -> None:
    fn = make_user_key_function("s3cret")
    assert fn("U0000001") == user_key("s3cret", "U0000001")
    assert fn("用户-é") == user_key("s3cret", "用户-é")
    assert fn(None) is None


def test_key_depends_on_secret() -> None:
    assert user_key("a", "U1") != user_key("b", "U1")


def test_missing_secret_is_a_clear_error() -> None:
    with pytest.raises(MissingSecretError, match=SECRET_ENV_VAR):
        read_secret({})
    with pytest.raises(MissingSecretError):
        read_secret({SECRET_ENV_VAR: ""})
    assert read_secret({SECRET_ENV_VAR: "x"}) == "x"
