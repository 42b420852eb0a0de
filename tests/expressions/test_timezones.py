"""load_timezone(): IANA names only, with a did-you-mean when a name is close."""

from __future__ import annotations

import pytest

from ecs_scheduler.expressions import ExpressionError, load_timezone


@pytest.mark.parametrize(
    "name",
    [
        "UTC",
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "Etc/GMT+5",
    ],
)
def test_iana_names_load(name: str) -> None:
    assert load_timezone(name).key == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "America/NewYork",
            "'America/NewYork' is not an IANA time zone name (did you mean 'America/New_York'?)",
        ),
        (
            "america/new_york",
            "'america/new_york' is not an IANA time zone name"
            " (did you mean 'America/New_York'? names are case-sensitive)",
        ),
        ("Kolkata", "'Kolkata' is not an IANA time zone name (did you mean 'Asia/Kolkata'?)"),
        ("Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not an IANA time zone name"),
        ("", "'' is not an IANA time zone name"),
        ("America", "'America' is not an IANA time zone name"),
        ("/etc/localtime", "'/etc/localtime' is not an IANA time zone name"),
        ("../etc/passwd", "'../etc/passwd' is not an IANA time zone name"),
        ("localtime", "'localtime' is not an IANA time zone name"),
        ("posixrules", "'posixrules' is not an IANA time zone name"),
        ("posix/UTC", "'posix/UTC' is not an IANA time zone name"),
    ],
)
def test_other_names_are_rejected(name: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        load_timezone(name)
    assert str(caught.value).startswith(message)


def test_unrelated_name_gets_no_suggestion() -> None:
    with pytest.raises(ExpressionError) as caught:
        load_timezone("Mars/Olympus_Mons")
    assert "did you mean" not in str(caught.value)
