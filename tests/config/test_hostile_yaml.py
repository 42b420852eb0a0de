"""Hostile YAML: merge-key bombs, nesting past any config's needs and merge cycles.

Each ends in a ConfigError at a file:line, within bounds of time and memory that are asserted
loosely (a few seconds, tens of MiB): without them a 600-byte file took 16 s and 867 MB.
"""

from __future__ import annotations

import re
import time
import tracemalloc

import pytest

from ecs_scheduler.loader import MAX_DEPTH, MAX_NODES, ConfigError, loads
from tests.config.cases import BASE

SECONDS = 5.0
MEBIBYTES = 64
POSITION = re.compile(r"^ecs-scheduler\.yaml:\d+:\d+: ")


def rejected(text: str) -> list[str]:
    """The error lines of ``text``, asserting the time (measured alone) and the peak memory
    (measured by tracemalloc, which slows the reading down several times) of reading it."""
    started = time.perf_counter()
    with pytest.raises(ConfigError) as raised:
        loads(text)
    seconds = time.perf_counter() - started
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError):
            loads(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEBIBYTES * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"
    lines = str(raised.value).splitlines()
    for line in lines:
        assert POSITION.match(line), f"no file:line:column in {line!r}"
    return lines


def merge_bomb(depth: int) -> str:
    """Each level merges ten copies of the one before: the merged entries grow 10x a level."""
    lines = ["x-a0: &a0 {" + ", ".join(f"k{n}: v" for n in range(10)) + "}"]
    lines += [
        f"x-a{level}: &a{level} {{<<: [{', '.join([f'*a{level - 1}'] * 10)}]}}"
        for level in range(1, depth + 1)
    ]
    return "\n".join(lines) + "\n" + BASE


@pytest.mark.parametrize("depth", [6, 7, 10])
def test_a_merge_key_bomb_is_refused_within_bounds(depth: int) -> None:
    text = merge_bomb(depth)
    assert len(text.encode()) - len(BASE) < 1000
    lines = rejected(text)
    assert lines == [
        # The first mapping whose merges cross the budget: x-a5, on line 6.
        f"ecs-scheduler.yaml:6:7: the document expands to more than {MAX_NODES} values "
        "(YAML aliases?)"
    ]


def test_a_small_merge_tree_still_loads() -> None:
    assert loads(merge_bomb(3)).stack.stack == "data-platform"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("stack: " + "[" * 1500 + "]" * 1500 + "\n", "1:72", id="flow-sequences"),
        pytest.param(
            "stack: " + "{a: " * 1500 + "b" + "}" * 1500 + "\n", "1:261", id="flow-mappings"
        ),
        pytest.param(
            "stack:\n" + "".join("  " * level + f"k{level}:\n" for level in range(1, 1500)),
            "65:129",
            id="block-mappings",
        ),
        pytest.param("stack: " + "[" * 10_000 + "]" * 10_000 + "\n", "1:72", id="ten-thousand"),
    ],
)
def test_deep_nesting_is_refused_at_its_line(text: str, where: str) -> None:
    lines = rejected(text)
    assert lines == [
        f"ecs-scheduler.yaml:{where}: the document nests deeper than {MAX_DEPTH} levels "
        "(recursive alias?)"
    ]


def test_a_long_chain_of_merges_is_refused_at_its_line() -> None:
    # x-a1 merges x-a0, x-a2 merges x-a1, ...: x-a65 (line 66) is the first too deep.
    lines = ["x-a0: &a0 {k: v}"] + [f"x-a{n}: &a{n} {{<<: *a{n - 1}}}" for n in range(1, 1500)]
    found = rejected("\n".join(lines) + "\n" + BASE)
    assert found == [
        f"ecs-scheduler.yaml:66:8: the document nests deeper than {MAX_DEPTH} levels "
        "(recursive alias?)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "x-a: &a\n  k: v\n  <<: *a\n" + BASE,
            "ecs-scheduler.yaml:3:3: x-a: a '<<' merge key refers to a mapping that contains "
            "it (a cycle)",
            id="self",
        ),
        pytest.param(
            "x-a: &a\n  k: v\n  <<: [{<<: *a}]\n" + BASE,
            "ecs-scheduler.yaml:3:9: x-a: a '<<' merge key refers to a mapping that "
            "contains it (a cycle)",
            id="through-another",
        ),
    ],
)
def test_a_merge_cycle_is_refused_at_the_merge_key(text: str, expected: str) -> None:
    lines = rejected(text)
    assert expected in lines
