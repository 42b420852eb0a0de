"""The Terraform export of every example: structure, policies, both formats, checkov, goldens."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import hcl2
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_scheduler.engines.terraform import (
    OutputFormat,
    TerraformExportError,
    export_terraform,
    render_terraform,
)
from ecs_scheduler.engines.terraform_syntax import Attribute, Block, Value, render_hcl
from ecs_scheduler.loader import load, loads
from ecs_scheduler.resources import DesiredState, Lookup, Resource, build, resolve_refs
from tests.conftest import EXAMPLES_DIR, REPO_ROOT

EXAMPLES = sorted(path.stem for path in EXAMPLES_DIR.glob("*.yaml"))
GOLDEN_DIR = Path(__file__).parent / "golden" / "terraform"

# Export-only resources: the role holds the job's inline policy and no other policy.
EXCLUSIVE_ROLE_POLICIES = {
    "aws_iam_role_policies_exclusive": {
        "role_name": "${aws_iam_role.scheduler.name}",
        "policy_names": ["${aws_iam_role_policy.scheduler.name}"],
    },
    "aws_iam_role_policy_attachments_exclusive": {
        "role_name": "${aws_iam_role.scheduler.name}",
        "policy_arns": [],
    },
}
POLICY_PROPERTIES = {
    "aws_iam_role": ("AssumeRolePolicyDocument", "{name}_assume_role"),
    "aws_iam_role_policy": ("PolicyDocument", "{name}"),
    "aws_sqs_queue_policy": ("Policy", "{name}"),
}


def without_task_tags(text: str) -> str:
    """A config without task_tags, which the Terraform export refuses (provider issue 45629)."""
    document = yaml.safe_load(text)
    for section in (document.get("defaults") or {}, *document["jobs"].values()):
        section.pop("task_tags", None)
    return yaml.safe_dump(document, sort_keys=False)


def desired_state(example: str) -> DesiredState:
    """The example as the Terraform export can write it: without task_tags."""
    path = EXAMPLES_DIR / f"{example}.yaml"
    return build(loads(without_task_tags(path.read_text(encoding="utf-8")), path.name).stack)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every example exported once in each format: (example, format) -> directory."""
    root = tmp_path_factory.mktemp("terraform")
    directories: dict[tuple[str, str], Path] = {}
    for example in EXAMPLES:
        desired = desired_state(example)
        for output_format in ("hcl", "json"):
            directory = root / output_format / example
            export_terraform(desired, directory, output_format=output_format)
            directories[example, output_format] = directory
    return directories


def tree(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def unquote(text: str) -> str:
    return json.loads(text) if text.startswith('"') and text.endswith('"') else text


def plain(value: Any) -> Any:
    """python-hcl2's parse with quotes and block markers removed, as ``.tf.json`` spells it."""
    if isinstance(value, str):
        return unquote(value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {unquote(key): plain(item) for key, item in value.items() if key != "__is_block__"}
    return value


def parse_tf(path: Path) -> dict[str, Any]:
    """A .tf file as a dict of top-level block types, label levels merged as in .tf.json."""
    with path.open(encoding="utf-8") as handle:
        parsed = hcl2.load(handle)
    merged: dict[str, Any] = {}
    for block_type, entries in parsed.items():
        for entry in entries:
            body = plain(entry)
            if block_type in ("locals", "terraform"):
                merged.setdefault(block_type, {}).update(body)
            elif block_type == "provider":
                # Several configurations of one provider form a list, as in .tf.json.
                providers = merged.setdefault(block_type, {})
                for name, configuration in body.items():
                    existing = providers.get(name)
                    providers[name] = (
                        configuration if existing is None else [*as_list(existing), configuration]
                    )
            else:
                merge_labels(merged.setdefault(block_type, {}), body)
    return merged


def merge_labels(target: dict[str, Any], labelled: dict[str, Any]) -> None:
    for key, value in labelled.items():
        if key in target and isinstance(target[key], dict) and isinstance(value, dict):
            merge_labels(target[key], value)
        else:
            target[key] = value


def module_main(exports: dict[tuple[str, str], Path], example: str, job: str) -> dict[str, Any]:
    return parse_tf(exports[example, "hcl"] / "modules" / job / "main.tf")


@pytest.mark.parametrize("example", EXAMPLES)
def test_root_calls_one_module_per_job_and_reexports_its_outputs(
    exports: dict[tuple[str, str], Path], example: str
) -> None:
    desired = desired_state(example)
    directory = exports[example, "hcl"]
    main = parse_tf(directory / "main.tf")
    outputs = parse_tf(directory / "outputs.tf")
    versions = parse_tf(directory / "versions.tf")

    jobs = set(desired.task_definitions)
    assert {job: module["source"] for job, module in main["module"].items()} == {
        job: f"./modules/{job}" for job in jobs
    }
    assert {job: output["value"] for job, output in outputs["output"].items()} == {
        job: f"${{module.{job}}}" for job in jobs
    }
    region, account = next(iter(desired.resources.values())).arn.split(":")[3:5]
    assert main["provider"]["aws"]["region"] == region
    assert main["provider"]["aws"]["allowed_account_ids"] == [account]
    assert versions["terraform"]["required_version"] == ">= 1.5"
    assert versions["terraform"]["required_providers"][0]["aws"]["source"] == "hashicorp/aws"


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_model_resource_has_its_address_in_the_job_module(
    exports: dict[tuple[str, str], Path], example: str
) -> None:
    desired = desired_state(example)
    for job in desired.task_definitions:
        resources = [r for r in desired.resources.values() if r.job == job]
        main = module_main(exports, example, job)
        written = {
            f"module.{job}.{resource_type}.{name}"
            for resource_type, by_name in main["resource"].items()
            for name in by_name
            if resource_type not in EXCLUSIVE_ROLE_POLICIES
        }
        assert written == {f"module.{job}.{r.type}.{r.name}" for r in resources}
        schedules = main["resource"]["aws_scheduler_schedule"]["ecs"]
        assert schedules["for_each"] == "${local.schedules}"
        assert set(main["locals"]["schedules"]) == {
            r.key for r in resources if r.type == "aws_scheduler_schedule"
        }
        for resource in resources:
            if resource.type == "aws_scheduler_schedule":
                assert resource.key is not None
                entry = main["locals"]["schedules"][resource.key]
                assert entry["name"] == resource.aws_name
                assert entry["schedule_expression"] == resource.properties["ScheduleExpression"]
            elif resource.key is not None:  # a rule's target: its Id is its for_each key
                block = main["resource"][resource.type][resource.name]
                assert block["for_each"][resource.key] == resource.properties["Arn"]
                assert "tags" not in block and not resource.tags
            else:
                block = main["resource"][resource.type][resource.name]
                name_argument = "alarm_name" if "alarm" in resource.type else "name"
                assert block.get(name_argument, resource.aws_name) == resource.aws_name
                assert block.get("tags", {}) == dict(resource.tags)


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_role_holds_only_the_jobs_inline_policy(
    exports: dict[tuple[str, str], Path], example: str
) -> None:
    """What the AWS engine enforces on apply: a policy put or attached by hand is removed."""
    for job in desired_state(example).task_definitions:
        main = module_main(exports, example, job)
        assert {
            resource_type: main["resource"][resource_type]["scheduler"]
            for resource_type in EXCLUSIVE_ROLE_POLICIES
        } == EXCLUSIVE_ROLE_POLICIES


def test_the_provider_version_is_the_first_with_the_exclusive_resources(
    exports: dict[tuple[str, str], Path],
) -> None:
    versions = parse_tf(exports["daily-report", "hcl"] / "versions.tf")
    assert versions["terraform"]["required_providers"][0]["aws"]["version"] == ">= 5.72"


def test_task_tags_are_refused_naming_the_provider_issue(tmp_path: Path) -> None:
    """The provider would write them as tags named "key" and "value", the AWS engine as given."""
    desired = build(load(EXAMPLES_DIR / "ec2-placement.yaml").stack)
    with pytest.raises(TerraformExportError, match=r"task_tags.*issue 45629") as refused:
        export_terraform(desired, tmp_path)
    assert "nightly-vacuum" in str(refused.value)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("output_format", ["hcl", "json"])
def test_a_start_date_that_has_passed_is_left_out_as_the_aws_engine_does(
    tmp_path: Path, output_format: OutputFormat
) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    desired = desired_state("ec2-placement")
    schedule = next(r for r in desired.resources.values() if r.type == "aws_scheduler_schedule")
    assert schedule.properties["StartDate"] < datetime.now(UTC)
    dated = dataclasses.replace(
        desired,
        resources={
            **desired.resources,
            schedule.address: dataclasses.replace(
                schedule, properties={**schedule.properties, "StartDate": start}
            ),
        },
    )
    suffix = ".tf" if output_format == "hcl" else ".tf.json"
    for now, expected in ((start - timedelta(seconds=1), "2030-01-01T00:00:00Z"), (start, None)):
        files = render_terraform(dated, output_format, now=now)
        text = files[PurePosixPath(f"modules/nightly-vacuum/main{suffix}")]
        assert ("2030-01-01T00:00:00Z" in text) == (expected is not None)
        assert ("start_date" in text) == (expected is not None)


@pytest.mark.parametrize("example", EXAMPLES)
def test_task_definition_is_looked_up_exactly_when_the_model_has_lookups(
    exports: dict[tuple[str, str], Path], example: str
) -> None:
    desired = desired_state(example)
    for job, task_definition in desired.task_definitions.items():
        main = module_main(exports, example, job)
        uses_lookup = any(
            contains_lookup(r.properties) for r in desired.resources.values() if r.job == job
        )
        lookups = main.get("data", {}).get("aws_ecs_task_definition", {})
        if not uses_lookup:
            assert lookups == {}
            continue
        expected = task_definition.family
        if task_definition.revision is not None:
            expected += f":{task_definition.revision}"
        assert lookups == {"this": {"task_definition": expected}}


def contains_lookup(value: Any) -> bool:
    if isinstance(value, Lookup):
        return True
    if isinstance(value, Mapping):
        return any(contains_lookup(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains_lookup(item) for item in value)
    return False


def resolve_reference(expression: str, job: str, resources: list[Resource]) -> Any:
    """The model value a reference in the export stands for."""
    inner = expression.removeprefix("${").removesuffix("}")
    if inner.startswith("compact([") and inner.endswith("])"):
        items = inner.removeprefix("compact([").removesuffix("])").split(", ")
        return [resolve_reference(f"${{{item}}}", job, resources) for item in items]
    if inner.startswith("data.aws_ecs_task_definition.this."):
        attribute = inner.rsplit(".", 1)[1]
        return Lookup(job, "task_definition_arn" if attribute == "arn" else attribute)  # type: ignore[arg-type]
    resource_type, name, attribute = inner.split(".")
    resource = next(r for r in resources if (r.type, r.name) == (resource_type, name))
    assert attribute == "arn"
    return resource.arn


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_from_data(document: dict[str, Any], job: str, resources: list[Resource]) -> Any:
    """The IAM policy a ``data "aws_iam_policy_document"`` produces, in the model's spelling."""

    def values(raw: Any) -> list[Any]:
        if isinstance(raw, str) and raw.startswith("${"):
            return as_list(resolve_reference(raw, job, resources))
        return [
            resolve_reference(item, job, resources) if item.startswith("${") else item
            for item in raw
        ]

    statements = []
    for statement in document["statement"]:
        rebuilt: dict[str, Any] = {"Sid": statement["sid"], "Effect": statement["effect"]}
        for key, argument in (("Action", "actions"), ("Resource", "resources")):
            if argument in statement:
                rebuilt[key] = values(statement[argument])
        for principal in statement.get("principals", []):
            if principal["type"] == "*":
                rebuilt["Principal"] = "*"
            else:
                rebuilt.setdefault("Principal", {})[principal["type"]] = values(
                    principal["identifiers"]
                )
        for condition in statement.get("condition", []):
            rebuilt.setdefault("Condition", {}).setdefault(condition["test"], {})[
                condition["variable"]
            ] = values(condition["values"])
        statements.append(rebuilt)
    return {"Version": document["version"], "Statement": statements}


def model_policy(document: Mapping[str, Any]) -> Any:
    """The model's policy with every single value written as a list, as the data source does."""
    statements = []
    for statement in document["Statement"]:
        rebuilt = dict(statement)
        for key in ("Action", "Resource"):
            if key in statement:
                rebuilt[key] = as_list(statement[key])
        if isinstance(statement.get("Principal"), dict):
            rebuilt["Principal"] = {k: as_list(v) for k, v in statement["Principal"].items()}
        if "Condition" in statement:
            rebuilt["Condition"] = {
                test: {variable: as_list(value) for variable, value in variables.items()}
                for test, variables in statement["Condition"].items()
            }
        statements.append(rebuilt)
    return {"Version": document["Version"], "Statement": statements}


@pytest.mark.parametrize("example", EXAMPLES)
def test_policy_documents_are_the_models_policies(
    exports: dict[tuple[str, str], Path], example: str
) -> None:
    desired = desired_state(example)
    for job in desired.task_definitions:
        resources = [r for r in desired.resources.values() if r.job == job]
        documents = module_main(exports, example, job)["data"]["aws_iam_policy_document"]
        for resource in resources:
            if resource.type not in POLICY_PROPERTIES:
                continue
            key, data_name = POLICY_PROPERTIES[resource.type]
            name = data_name.format(name=resource.name)
            assert policy_from_data(documents[name], job, resources) == model_policy(
                resolve_refs(resource.properties[key], desired.resources)
            ), f"{resource.address}: data.aws_iam_policy_document.{name}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_outputs_are_references_to_the_resources(
    exports: dict[tuple[str, str], Path], example: str
) -> None:
    desired = desired_state(example)
    for job, outputs in desired.outputs.items():
        written = parse_tf(exports[example, "hcl"] / "modules" / job / "outputs.tf")["output"]
        assert list(written) == list(outputs)
        for name, value in written.items():
            rendered = json.dumps(value["value"])
            assert "arn:" not in rendered and "https://" not in rendered, name
            if outputs[name]:
                assert "aws_" in rendered, name


def normalised_expression(text: str) -> str:
    """An interpolation as python-hcl2 writes it, whatever the spacing it was written with."""
    parsed: str = hcl2.loads(f"x = {text.removeprefix('${').removesuffix('}')}\n")["x"]
    return parsed


def comparable(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("${"):
        return normalised_expression(value)
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


def json_as_parsed_hcl(document: dict[str, Any]) -> dict[str, Any]:
    """``.tf.json`` with its bare-reference meta-arguments spelled as interpolations."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            result: dict[str, Any] = {}
            for key, item in value.items():
                if key == "depends_on":
                    result[key] = [f"${{{reference}}}" for reference in item]
                elif key == "providers":
                    result[key] = {k: f"${{{v}}}" for k, v in item.items()}
                else:
                    result[key] = walk(item)
            return result
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(document)  # type: ignore[no-any-return]


@pytest.mark.parametrize("example", EXAMPLES)
def test_json_format_holds_the_same_configuration(
    exports: dict[tuple[str, str], Path], example: str
) -> None:
    hcl_files = tree(exports[example, "hcl"])
    json_files = tree(exports[example, "json"])
    assert sorted(json_files) == sorted(f"{name}.json" for name in hcl_files)
    for name in hcl_files:
        from_hcl = comparable(parse_tf(exports[example, "hcl"] / name))
        from_json = comparable(json_as_parsed_hcl(json.loads(json_files[f"{name}.json"])))
        assert from_json == from_hcl, name


def checkov_binary() -> str | None:
    candidate = os.environ.get("CHECKOV") or str(REPO_ROOT / ".venv-checkov" / "bin" / "checkov")
    return candidate if Path(candidate).exists() or shutil.which(candidate) else None


def test_checkov_finds_no_failed_check_in_any_example(
    exports: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    binary = checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed (set CHECKOV or create .venv-checkov)")
    for example in EXAMPLES:
        shutil.copytree(exports[example, "hcl"], tmp_path / example)
    completed = subprocess.run(
        [
            binary,
            "-d",
            str(tmp_path),
            "--framework",
            "terraform",
            "--quiet",
            "--compact",
            "-o",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    reports = json.loads(completed.stdout)
    for report in reports if isinstance(reports, list) else [reports]:
        failed = [
            (check["check_id"], check["resource"], check["file_path"])
            for check in report["results"]["failed_checks"]
        ]
        assert failed == []
        assert report["summary"]["parsing_errors"] == 0
        assert report["summary"]["passed"] > 0
        # A justified skip belongs in the exported file (#checkov:skip=ID:reason), where a
        # user's own scanner sees it; none is needed, and none is made here.
        assert report["summary"]["skipped"] == 0


def test_hcl_is_in_terraform_fmt_canonical_form(exports: dict[tuple[str, str], Path]) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH")
    for example in EXAMPLES:
        completed = subprocess.run(
            [terraform, "fmt", "-check", "-recursive", "-diff", str(exports[example, "hcl"])],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
        )
        assert completed.returncode == 0, completed.stdout


def mirrored_aws_versions(mirror: Path) -> list[tuple[int, ...]]:
    provider = mirror / "registry.terraform.io" / "hashicorp" / "aws"
    return sorted(
        tuple(int(part) for part in path.name.split("."))
        for path in provider.glob("*")
        if path.is_dir()
    )


def minimum_aws_version(directory: Path) -> tuple[int, ...]:
    constraint = parse_tf(directory / "versions.tf")["terraform"]["required_providers"][0]["aws"]
    return tuple(int(part) for part in constraint["version"].removeprefix(">= ").split("."))


def test_terraform_validate_accepts_the_exports(
    exports: dict[tuple[str, str], Path], tmp_path: Path
) -> None:
    """Every example whose provider constraint the local mirror satisfies, in one validate run.

    The examples' root modules are called from one root, so the provider schema (the slow
    part) is loaded once; the mirror is TF_PLUGIN_MIRROR, by default /opt/tf-plugins.
    """
    terraform = shutil.which("terraform")
    mirror = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
    versions = mirrored_aws_versions(mirror) if mirror.is_dir() else []
    if terraform is None or not versions:
        pytest.skip("terraform or a local hashicorp/aws provider mirror is not available")
    calls = []
    for example in EXAMPLES:
        for output_format in ("hcl", "json"):
            directory = exports[example, output_format]
            if minimum_aws_version(exports[example, "hcl"]) > versions[-1]:
                continue
            name = f"{example}-{output_format}"
            shutil.copytree(directory, tmp_path / name)
            calls.append(f'module "{name}" {{\n  source = "./{name}"\n}}\n')
    if not calls:
        pytest.skip("the provider mirror has no hashicorp/aws version the exports accept")
    (tmp_path / "main.tf").write_text("\n".join(calls), encoding="utf-8")
    cli_config = tmp_path / "terraform.rc"
    cli_config.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n',
        encoding="utf-8",
    )
    environment = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",  # no upgrade check at checkpoint-api.hashicorp.com
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
    }
    for command in (["init", "-backend=false", "-input=false"], ["validate", "-no-color"]):
        completed = subprocess.run(
            [terraform, *command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env=environment,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("example", EXAMPLES)
def test_export_matches_golden_files(exports: dict[tuple[str, str], Path], example: str) -> None:
    """``UPDATE_GOLDEN=1 pytest tests/engines -k golden`` rewrites the golden files."""
    exported = tree(exports[example, "hcl"])
    golden = GOLDEN_DIR / example
    if os.environ.get("UPDATE_GOLDEN") == "1":
        shutil.rmtree(golden, ignore_errors=True)
        for name, content in exported.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes(content)
    assert exported == tree(golden)


def test_property_without_terraform_argument_is_an_error(tmp_path: Path) -> None:
    desired = desired_state(EXAMPLES[0])
    address, queue = next(
        (address, r) for address, r in desired.resources.items() if r.type == "aws_sqs_queue"
    )
    changed = dataclasses.replace(
        queue, properties={**queue.properties, "FifoThroughputLimit": "perQueue"}
    )
    broken = dataclasses.replace(desired, resources={**desired.resources, address: changed})
    with pytest.raises(TerraformExportError, match="FifoThroughputLimit"):
        export_terraform(broken, tmp_path)


def test_export_refuses_to_mix_formats_in_one_directory(tmp_path: Path) -> None:
    desired = desired_state(EXAMPLES[0])
    export_terraform(desired, tmp_path, output_format="hcl")
    with pytest.raises(TerraformExportError, match=r"main\.tf"):
        export_terraform(desired, tmp_path, output_format="json")


def test_export_returns_the_written_files_sorted(tmp_path: Path) -> None:
    written = export_terraform(desired_state(EXAMPLES[0]), tmp_path)
    assert written == sorted(written)
    assert written == sorted(path for path in tmp_path.rglob("*") if path.is_file())


TRICKY_TEXT = [
    "for",
    "null",
    "true",
    'a "quoted" \\ path',
    "line\nbreak\ttab\r",
    "\b\f\x00\x7f",
    "${var}",
    "%{if}",
]


def python_hcl2_reads(text: str) -> bool:
    """python-hcl2's grammar cannot read an escaped ``$${`` or ``%%{`` that no ``}`` follows
    (``"%%{"`` fails to parse); Terraform reads it. Such text is checked by terraform below."""
    for opener in ("${", "%{"):
        start = text.find(opener)
        while start != -1:
            if "}" not in text[start + 2 :]:
                return False
            start = text.find(opener, start + 2)
    return True


hcl_keys = st.sampled_from(TRICKY_TEXT) | st.text(min_size=1, max_size=12).filter(python_hcl2_reads)
hcl_strings = st.sampled_from(TRICKY_TEXT) | st.text(max_size=24).filter(python_hcl2_reads)
hcl_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | hcl_strings,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hcl_keys, children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(value=hcl_values)
def test_any_value_renders_as_hcl_that_parses_back_to_it(value: Any) -> None:
    text = render_hcl([Block("locals", (), (Attribute("value", value),))])
    parsed = hcl2.loads(text)["locals"][0]["value"]
    assert unescape_templates(plain(parsed)) == value


def terraform_reads(value: Value, directory: Path) -> Any:
    """What Terraform makes of ``value`` as the export writes it (``terraform console``)."""
    (directory / "main.tf").write_text(
        render_hcl([Block("locals", (), (Attribute("value", value),))]), encoding="utf-8"
    )
    answer = subprocess.run(
        ["terraform", "console"],
        input="jsonencode(local.value)\n",
        capture_output=True,
        text=True,
        cwd=directory,
        check=True,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},  # no upgrade check off this machine
    )
    return json.loads(json.loads(answer.stdout.strip()))


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed")
def test_unclosed_template_sequences_read_back_in_terraform(tmp_path: Path) -> None:
    value = {"%{": "a${b", "${": "%{x"}
    assert terraform_reads(value, tmp_path) == value


def unescape_templates(value: Any) -> Any:
    """Terraform's reading of literal text: ``$${`` and ``%%{`` stand for ``${`` and ``%{``."""
    if isinstance(value, str):
        return value.replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, list):
        return [unescape_templates(item) for item in value]
    if isinstance(value, dict):
        return {unescape_templates(k): unescape_templates(v) for k, v in value.items()}
    return value


def test_jobs_in_two_regions_get_one_aliased_provider_each(tmp_path: Path) -> None:
    template = (EXAMPLES_DIR / "daily-report.yaml").read_text(encoding="utf-8")
    job = template[template.index("  daily-report:") :]
    second = job.replace("daily-report:", "eu-report:", 1).replace("us-east-1", "eu-west-1")
    config = tmp_path / "two-regions.yaml"
    config.write_text(f"stack: reporting\njobs:\n{job}{second}", encoding="utf-8")
    export_terraform(build(load(config).stack), tmp_path / "out")

    main = parse_tf(tmp_path / "out" / "main.tf")
    assert main["provider"]["aws"] == [
        {
            "alias": "eu_west_1_123456789012",
            "region": "eu-west-1",
            "allowed_account_ids": ["123456789012"],
        },
        {
            "alias": "us_east_1_123456789012",
            "region": "us-east-1",
            "allowed_account_ids": ["123456789012"],
        },
    ]
    assert main["module"]["eu-report"]["providers"] == {"aws": "${aws.eu_west_1_123456789012}"}
    assert main["module"]["daily-report"]["providers"] == {"aws": "${aws.us_east_1_123456789012}"}


def test_tricky_text_is_valid_hcl_for_terraform(tmp_path: Path) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not on PATH")
    value = {text: [text] for text in TRICKY_TEXT}
    (tmp_path / "tricky.tf").write_text(
        render_hcl([Block("locals", (), (Attribute("value", value),))]), encoding="utf-8"
    )
    completed = subprocess.run(
        [terraform, "fmt", "-check", "-diff", str(tmp_path / "tricky.tf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
