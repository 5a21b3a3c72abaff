"""Times in a zone: the wall clock and abbreviation the tz database gives for that instant (CET
in winter, CEST in summer, EST and EDT in New York), ISO offsets, labels in the active language,
and an exact microsecond sort key. No hand arithmetic on offsets anywhere."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from articles import times

# Mise à jour du 20 novembre, 7:45 am CET; the Wall Street Journal's 00:42 in New York.
NOVEMBER = datetime(2023, 11, 20, 6, 45, tzinfo=UTC)
JULY = datetime(2023, 7, 14, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "tz", "wall_clock", "abbreviation", "offset"),
    [
        (NOVEMBER, "Europe/Paris", "07:45", "CET", "+01:00"),
        (JULY, "Europe/Paris", "12:00", "CEST", "+02:00"),
        (datetime(2023, 11, 20, 5, 42, tzinfo=UTC), "America/New_York", "00:42", "EST", "-05:00"),
        (JULY, "America/New_York", "06:00", "EDT", "-04:00"),
        # Paris springs forward at 01:00 UTC on the last Sunday of March: 02:00 never happens.
        (datetime(2023, 3, 26, 0, 59, tzinfo=UTC), "Europe/Paris", "01:59", "CET", "+01:00"),
        (datetime(2023, 3, 26, 1, 0, tzinfo=UTC), "Europe/Paris", "03:00", "CEST", "+02:00"),
        # New York falls back at 06:00 UTC on the first Sunday of November: 01:30 happens twice.
        (datetime(2023, 11, 5, 5, 30, tzinfo=UTC), "America/New_York", "01:30", "EDT", "-04:00"),
        (datetime(2023, 11, 5, 6, 30, tzinfo=UTC), "America/New_York", "01:30", "EST", "-05:00"),
    ],
)
def test_the_wall_clock_abbreviation_and_offset_come_from_the_tz_database_for_that_instant(
    instant, tz, wall_clock, abbreviation, offset
):
    local = times.in_zone(instant, tz)
    assert local.strftime("%H:%M") == wall_clock
    assert local.tzname() == abbreviation
    assert times.isotime(instant, tz).endswith(f"T{wall_clock}:00{offset}")
    assert times.label(instant, tz, fmt="time") == f"{wall_clock} {abbreviation}"
    # The same instant, only shown elsewhere (compared in UTC: Python never finds an ambiguous
    # wall-clock time equal to a time in another zone, PEP 495).
    assert local.astimezone(UTC) == instant


def test_isotime_is_to_the_second_with_the_zones_offset():
    precise = NOVEMBER.replace(microsecond=999_999)
    assert times.isotime(precise, "Europe/Paris") == "2023-11-20T07:45:00+01:00"
    assert times.isotime(precise, "America/New_York") == "2023-11-20T01:45:00-05:00"
    assert times.utc_isotime(precise.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))) == (
        "2023-11-20T06:45:00+00:00"
    )


def test_isotime_of_no_time_is_empty():
    assert times.isotime(None) == ""


def test_the_default_zone_is_the_newsrooms(settings):
    assert times.isotime(NOVEMBER) == "2023-11-20T07:45:00+01:00"
    settings.NEWSROOM_TIME_ZONE = "America/New_York"
    assert times.isotime(NOVEMBER) == "2023-11-20T01:45:00-05:00"
    assert times.zone() == zoneinfo.ZoneInfo("America/New_York")


def test_a_zone_is_taken_by_name_or_as_a_zoneinfo():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert times.zone(paris) is paris
    assert times.zone("Europe/Paris") == paris
    with pytest.raises(zoneinfo.ZoneInfoNotFoundError):
        times.zone("Europe/Atlantis")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["20 nov. 2023, 07:45 CET", "14 juil. 2023, 12:00 CEST", "20 nov. 2023"]),
        ("en", ["20 Nov. 2023, 07:45 CET", "14 July 2023, 12:00 CEST", "20 Nov. 2023"]),
    ],
)
def test_labels_are_in_the_active_language_and_a_date_alone_has_no_abbreviation(language, expected):
    with translation.override(language):
        labels = [
            times.label(NOVEMBER, "Europe/Paris"),
            times.label(JULY, "Europe/Paris"),
            times.label(NOVEMBER, "Europe/Paris", fmt="date"),
        ]
    assert labels == expected


def test_a_label_shows_the_date_on_the_zones_wall_clock():
    """00:30 UTC on 1 January is still 31 December in New York."""
    new_year = datetime(2024, 1, 1, 0, 30, tzinfo=UTC)
    with translation.override("en"):
        assert times.label(new_year, "America/New_York") == "31 Dec. 2023, 19:30 EST"
        assert times.label(new_year, "Europe/Paris", fmt="date") == "1 Jan. 2024"


def test_epoch_micros_is_exact_to_the_microsecond():
    assert times.epoch_micros(times.EPOCH) == 0
    at = NOVEMBER.replace(microsecond=123_456)
    assert times.epoch_micros(at) == 1_700_462_700_123_456
    later = at + timedelta(microseconds=1)
    assert times.epoch_micros(later) - times.epoch_micros(at) == 1
    # Before the epoch too: timedelta's days go negative, its seconds and microseconds do not.
    assert times.epoch_micros(times.EPOCH - timedelta(microseconds=1)) == -1


@pytest.mark.parametrize(
    "at",
    [
        datetime(2023, 11, 20, 6, 45, 0, 1, tzinfo=UTC),
        datetime(2100, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1900, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2023, 7, 14, 12, 0, 0, 500_000, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
    ],
)
def test_epoch_micros_round_trips_and_ignores_the_zone_it_is_given_in(at):
    micros = times.epoch_micros(at)
    assert isinstance(micros, int)
    assert times.EPOCH + timedelta(microseconds=micros) == at
    assert times.epoch_micros(at.astimezone(UTC)) == micros
