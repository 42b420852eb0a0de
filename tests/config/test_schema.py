"""The JSON Schema of ``ecs-scheduler schema``: well-formed, complete, accepts the examples."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from ecs_scheduler.config import Job, json_schema
from tests.conftest import EXAMPLES_DIR

REQUIRED_JOB_FIELDS = {
    "cluster_name",
    "ecs_cluster_arn",
    "task_name",
    "schedule_expression",
    "trusted_compute_subnets",
    "security_group_ids",
    "kms_key_arn",
    "resource_owner",
    "billing_entity",
    "billing_domain",
    "security_domain",
    "aws_region_short_code",
}


def example_documents() -> list[tuple[str, Any]]:
    # Date-times as strings, as a JSON document would hold them.
    return [
        (path.name, json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str)))
        for path in sorted(EXAMPLES_DIR.glob("*.yaml"))
    ]


def test_schema_is_plain_json() -> None:
    schema = json_schema()
    assert json.loads(json.dumps(schema)) == schema


def test_schema_structure() -> None:
    schema = json_schema()
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"stack", "jobs"}
    assert schema["additionalProperties"] is False
    job = schema["$defs"]["Job"]
    # Required job fields may come from defaults: the description names them instead.
    assert "required" not in job
    assert all(name in job["description"] for name in REQUIRED_JOB_FIELDS)
    assert job["additionalProperties"] is False
    assert set(job["properties"]) == {*Job.model_fields, "security_group_id"}
    assert job["properties"]["security_group_id"]["deprecated"] is True
    defaults = schema["properties"]["defaults"]
    assert "required" not in defaults
    assert defaults["properties"] is job["properties"]
    assert schema["properties"]["jobs"]["additionalProperties"] == {"$ref": "#/$defs/Job"}


def test_every_reference_resolves() -> None:
    schema = json_schema()
    text = json.dumps(schema)
    for name in schema["$defs"]:
        assert f'"#/$defs/{name}"' in text or name == "Stack"
    for reference in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        assert reference.removeprefix("#/$defs/") in schema["$defs"]


def test_ranges_match_the_design() -> None:
    properties = json_schema()["$defs"]["Job"]["properties"]
    retries = properties["maximum_retry_attempts"]
    assert (retries["minimum"], retries["maximum"], retries["default"]) == (0, 185, 5)
    assert properties["trusted_compute_subnets"]["maxItems"] == 16
    assert properties["security_group_ids"]["maxItems"] == 5


@pytest.mark.parametrize(("name", "document"), example_documents())
def test_schema_accepts_the_examples(name: str, document: Any) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json_schema())
    errors = [error.message for error in validator.iter_errors(document)]
    assert errors == [], name


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(json_schema())


def test_schema_rejects_an_unknown_job_field() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    _, document = example_documents()[0]
    job = next(iter(document["jobs"].values()))
    job["schedule_expresion"] = "rate(1 day)"
    assert not jsonschema.Draft202012Validator(json_schema()).is_valid(document)
