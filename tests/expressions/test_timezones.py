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


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("PST", "'America/Los_Angeles'"),
        ("PDT", "'America/Los_Angeles'"),
        ("pst", "'America/Los_Angeles'"),
        ("est", "'America/New_York'"),
        ("EDT", "'America/New_York'"),
        ("CST", "'America/Chicago' or 'Asia/Shanghai'"),
        ("mst", "'America/Denver' or 'America/Phoenix'"),
        ("cet", "'Europe/Paris' or 'Europe/Berlin'"),
        ("CEST", "'Europe/Paris' or 'Europe/Berlin'"),
        ("IST", "'Asia/Kolkata', 'Europe/Dublin' or 'Asia/Jerusalem'"),
        ("BST", "'Europe/London'"),
        ("JST", "'Asia/Tokyo'"),
        ("AEST", "'Australia/Sydney' or 'Australia/Brisbane'"),
    ],
)
def test_zone_abbreviations_suggest_the_zone_people_mean(name: str, meant: str) -> None:
    """PST once got 'MST' (the closest spelling): a different zone, an hour off all year."""
    with pytest.raises(ExpressionError) as caught:
        load_timezone(name)
    assert str(caught.value) == (
        f"'{name}' is not an IANA time zone name"
        f" (did you mean {meant}? a zone abbreviation is not a zone name)"
    )


def test_every_suggested_zone_exists() -> None:
    from ecs_scheduler.expressions.timezones import _ABBREVIATIONS

    for zones in _ABBREVIATIONS.values():
        for zone in zones:
            assert load_timezone(zone).key == zone
