"""The loader's faster simple-key bookkeeping scans every text exactly as PyYAML's own does."""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ecs_scheduler.config_yaml import _Loader

# Pieces that open, close and nest flow and block collections, make and break simple keys
# (':' after a scalar or collection, a new line, more than 1024 characters on one line) and
# leave keys required (block context at the key's indentation).
PIECES = st.sampled_from(
    ["[", "]", "{", "}", ": ", ":", ", ", "\n", "  ", "- ", "? ", "a", "b c", "'q'", "#c\n"]
)
LONG = st.sampled_from(["x" * 520, "[" * 40, "{" * 20])
TEXTS = st.lists(st.one_of(PIECES, PIECES, PIECES, LONG), max_size=40).map("".join)


def scanned(loader_class: type[yaml.SafeLoader], text: str) -> list[object]:
    """Each token's kind, span and value, then the scanner's error if it stops at one."""
    loader = loader_class(text)
    seen: list[object] = []
    try:
        while loader.check_token():
            token = loader.get_token()
            seen.append(
                (
                    type(token).__name__,
                    (token.start_mark.line, token.start_mark.column),
                    (token.end_mark.line, token.end_mark.column),
                    getattr(token, "value", None),
                )
            )
    except yaml.YAMLError as error:
        seen.append(str(error))
    finally:
        loader.dispose()
    return seen


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
@example(text="[" * 1100 + "a: b" + "]" * 1100)
@example(text="x" * 1013 + ": v\n")
@example(text="x" * 1024 + ": v\n")
@example(text="x" * 1025 + ": v\n")
@example(text="[[[a\n]: b]: c]")
@example(text="{[{a\n}: b]: c}")
@example(text="[a\n: b]")
@example(text="a:\n  b\n c: d\n")
@example(text="{a: [b, {c: d}], e: " + "[" * 70 + "]" * 70 + "}\n")
def test_tokens_and_errors_are_pyyamls(text: str) -> None:
    assert scanned(_Loader, text) == scanned(yaml.SafeLoader, text)
