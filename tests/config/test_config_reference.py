"""docs/config.md's field reference is generated from the models and kept up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from ecs_scheduler import config
from ecs_scheduler.config import Job, Stack, json_schema
from ecs_scheduler.config_reference import BEGIN, END, field_reference, main, updated

DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"
MODELS: list[type[BaseModel]] = [
    model
    for model in vars(config).values()
    if isinstance(model, type)
    and issubclass(model, config.StrictModel)
    and model is not config.StrictModel
]


def test_the_document_is_up_to_date() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert updated(text) == text, (
        "docs/config.md's field reference is out of date: run "
        "`python -m ecs_scheduler.config_reference docs/config.md`"
    )


def test_the_hand_written_parts_stay_outside_the_markers() -> None:
    text = DOC.read_text(encoding="utf-8")
    generated = text[text.index(BEGIN) : text.index(END)]
    for heading in ("## Defaults", "## AWS limits checked by `validate`", "## YAML", "## Errors"):
        assert heading in text
        assert heading not in generated


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_field_has_a_description_in_the_schema_and_a_row_in_the_reference(
    model: type[BaseModel],
) -> None:
    schema = json_schema()
    properties: dict[str, Any] = (
        schema["properties"] if model is Stack else schema["$defs"][model.__name__]["properties"]
    )
    reference = field_reference()
    for name in model.model_fields:
        assert properties[name].get("description"), f"{model.__name__}.{name} has no description"
        assert f"| `{name}` |" in reference


def test_required_fields_defaults_and_ranges_are_shown() -> None:
    reference = field_reference()
    assert "| `task_count` | integer | `1` | 1-10 | Tasks started per run. |" in reference
    assert "| `kms_key_arn` | string | **required** |" in reference
    assert "| `tags` | mapping of string to string | `{}` |" in reference
    assert "| `dlq_alarm_actions` | list of string | `[]` | ≤ 5 items;" in reference
    required = [name for name, info in Job.model_fields.items() if info.is_required()]
    rows = {line.split(" | ")[0]: line for line in reference.splitlines() if line.startswith("| `")}
    for name in required:
        assert "| **required** |" in rows[f"| `{name}`"]


def test_check_mode_fails_on_an_out_of_date_document(tmp_path: Path) -> None:
    stale = tmp_path / "config.md"
    stale.write_text(f"intro\n\n{BEGIN}\n\nold table\n{END}\n\noutro\n", encoding="utf-8")
    assert main([str(stale), "--check"]) == 1
    assert main([str(stale)]) == 0
    fresh = stale.read_text(encoding="utf-8")
    assert fresh.startswith("intro\n\n") and fresh.endswith(f"{END}\n\noutro\n")
    assert "old table" not in fresh
    assert main([str(stale), "--check"]) == 0


def test_missing_markers_are_an_error() -> None:
    with pytest.raises(ValueError, match="markers"):
        updated("no markers here\n")
