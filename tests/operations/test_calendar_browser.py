"""The calendar page in a real headless browser (Debian's chromium): it renders, shows every
event, logs no console error, and its pixels show the events where the data puts them."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecs_scheduler.loader import load
from ecs_scheduler.operations.calendar import build_calendar, render_html
from ecs_scheduler.resources import build
from tests.conftest import EXAMPLES_DIR

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)"
    ),
]
EVENT_BLUE = (0x1F, 0x6F, 0xEB)
PEAK_RED = (0xD1, 0x24, 0x2F)
DST_OCHRE = (0xBF, 0x87, 0x00)


def page(tmp_path: Path) -> Path:
    calendar = build_calendar(
        build(load(EXAMPLES_DIR / "multi-schedule.yaml").stack),
        start=datetime(2026, 3, 25, tzinfo=UTC),
        days=7,
        durations={"sync-orders": (600, "option")},
    )
    assert calendar.event_count == 12
    path = tmp_path / "calendar.html"
    path.write_text(render_html(calendar), encoding="utf-8")
    return path


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def test_the_page_renders_every_event_without_console_errors(tmp_path: Path) -> None:
    path = page(tmp_path)
    result = chromium(tmp_path, "--dump-dom", path.as_uri())
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('<rect class="event') == 12
    assert "12 fire time(s)" in result.stdout
    assert console_errors(result.stderr) == []
    # The check does see console errors: a script the page's policy refuses is reported.
    broken = tmp_path / "broken.html"
    broken.write_text(path.read_text().replace("</body>", "<script>1</script></body>"))
    refused = chromium(tmp_path, "--dump-dom", broken.as_uri())
    assert console_errors(refused.stderr), refused.stderr


def test_the_screenshot_shows_each_event_the_peak_and_the_dst_change(tmp_path: Path) -> None:
    path = page(tmp_path)
    shot = tmp_path / "calendar.png"
    result = chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1280,800",
        "--hide-scrollbars",
        path.as_uri(),
    )
    assert shot.is_file(), result.stderr
    width, height, pixels = read_png(shot)
    blue_columns = sorted(
        {x for y in range(height) for x in range(width) if close(pixels[y][x], EVENT_BLUE)}
    )
    # Twelve fire times on twelve different hours of the week: twelve separate marks.
    assert len(runs(blue_columns)) == 12
    assert any(close(pixel, PEAK_RED) for row in pixels for pixel in row)
    assert any(close(pixel, DST_OCHRE) for row in pixels for pixel in row)


def close(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(pixel, colour, strict=True))


def runs(columns: list[int]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for column in columns:
        if found and column == found[-1][1] + 1:
            found[-1] = (found[-1][0], column)
        else:
            found.append((column, column))
    return found


def read_png(path: Path) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    """A non-interlaced 8-bit RGB or RGBA PNG (what chromium writes) as rows of RGB."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks += body
        offset += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows: list[list[tuple[int, int, int]]] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - up_left
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(
            [
                (line[x * channels], line[x * channels + 1], line[x * channels + 2])
                for x in range(width)
            ]
        )
        previous = line
    return width, height, rows
