"""DesiredState -> a Terraform root configuration: one module per job, as HCL or ``.tf.json``.

Layout of the exported directory::

    main.tf       provider "aws" (region and account of the jobs) and module "<module>" per job
    outputs.tf    output "<module>" = every output of that job's module
    versions.tf   terraform >= 1.5, hashicorp/aws
    modules/<module>/main.tf, outputs.tf, versions.tf

``<module>`` is the job key, or ``job_<key>`` when the key does not start with a letter
(``9-lives`` -> ``job_9-lives``): a Terraform name must (``resources.module_name``).
Resource addresses are exactly the model's (``module.<module>.aws_scheduler_schedule.ecs[""]``),
so state written by Terraform and plans made by ``ecs-scheduler`` talk about the same things.
The modules hold no provider block (they take the root's), so they can also be used on
their own. With the ``json`` format every ``.tf`` is written as ``.tf.json`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Final, Literal

from ecs_scheduler.engines.terraform_module import JobModule, ModuleBlocks, TerraformExportError
from ecs_scheduler.engines.terraform_syntax import (
    Attribute,
    Block,
    Reference,
    render_hcl,
    render_json,
)
from ecs_scheduler.resources import DesiredState, Resource, module_name

__all__ = ["OutputFormat", "TerraformExportError", "export_terraform", "render_terraform"]

OutputFormat = Literal["hcl", "json"]

TERRAFORM_VERSION: Final = ">= 1.5"
AWS_PROVIDER_SOURCE: Final = "hashicorp/aws"
AWS_PROVIDER_VERSION: Final = ">= 5.0"
# The first hashicorp/aws release with aws_scheduler_schedule.action_after_completion.
AWS_PROVIDER_VERSION_WITH_ACTION_AFTER_COMPLETION: Final = ">= 6.14"
_SUFFIXES: Final = {"hcl": ".tf", "json": ".tf.json"}


def _versions(provider_version: str) -> Block:
    return Block(
        "terraform",
        (),
        (
            Attribute("required_version", TERRAFORM_VERSION),
            Block(
                "required_providers",
                (),
                (Attribute("aws", {"source": AWS_PROVIDER_SOURCE, "version": provider_version}),),
            ),
        ),
    )


def _job_location(resources: Sequence[Resource]) -> tuple[str, str]:
    """(region, account) of a job, from the ARN of its schedule group."""
    group = next(r for r in resources if r.type == "aws_scheduler_schedule_group")
    _, _, _, region, account, _ = group.arn.split(":", 5)
    return region, account


def _provider_alias(region: str, account: str) -> str:
    return f"{region.replace('-', '_')}_{account}"


def _providers(locations: Sequence[tuple[str, str]]) -> list[Block]:
    """One provider per (region, account); aliased only when the jobs need more than one.

    The provider pins the region and allowed account because every ARN and policy of the
    export embeds them: applying it with credentials for another account must fail early.
    """
    distinct = sorted(set(locations))
    return [
        Block(
            "provider",
            ("aws",),
            (
                *(
                    [Attribute("alias", _provider_alias(region, account))]
                    if len(distinct) > 1
                    else []
                ),
                Attribute("region", region),
                Attribute("allowed_account_ids", [account]),
            ),
        )
        for region, account in distinct
    ]


def _module_call(job: str, location: tuple[str, str], aliased: bool) -> Block:
    name = module_name(job)
    body: list[Attribute | Block] = [Attribute("source", f"./modules/{name}")]
    if aliased:
        body.append(Attribute("providers", {"aws": Reference(f"aws.{_provider_alias(*location)}")}))
    return Block("module", (name,), tuple(body))


def render_terraform(
    desired: DesiredState, output_format: OutputFormat = "hcl"
) -> dict[PurePosixPath, str]:
    """Every file of the export by its path relative to the output directory."""
    jobs: dict[str, list[Resource]] = {job: [] for job in desired.task_definitions}
    for resource in desired.resources.values():
        jobs.setdefault(resource.job, []).append(resource)
    modules: dict[str, ModuleBlocks] = {
        job: JobModule(job, resources, desired.task_definitions[job]).build(
            desired.outputs.get(job, {})
        )
        for job, resources in jobs.items()
    }
    provider_version = (
        AWS_PROVIDER_VERSION_WITH_ACTION_AFTER_COMPLETION
        if any(module.uses_action_after_completion for module in modules.values())
        else AWS_PROVIDER_VERSION
    )
    locations = {job: _job_location(resources) for job, resources in jobs.items()}
    aliased = len(set(locations.values())) > 1
    files: dict[str, Sequence[Block]] = {
        "main": [
            *_providers(list(locations.values())),
            *(_module_call(job, locations[job], aliased) for job in jobs),
        ],
        "outputs": [
            Block(
                "output",
                (module_name(job),),
                (Attribute("value", Reference(f"module.{module_name(job)}")),),
            )
            for job in jobs
        ],
        "versions": [_versions(provider_version)],
    }
    for job, module in modules.items():
        directory = f"modules/{module_name(job)}"
        files[f"{directory}/main"] = module.main
        files[f"{directory}/outputs"] = module.outputs
        files[f"{directory}/versions"] = [_versions(provider_version)]
    render = render_hcl if output_format == "hcl" else render_json
    suffix = _SUFFIXES[output_format]
    return {PurePosixPath(f"{stem}{suffix}"): render(blocks) for stem, blocks in files.items()}


def export_terraform(
    desired: DesiredState, out_dir: Path, *, output_format: OutputFormat = "hcl"
) -> list[Path]:
    """Write the Terraform configuration of ``desired`` under ``out_dir``; the files, sorted.

    Refuses to write next to the other format's files of the same name: Terraform would load
    both and report every block twice.
    """
    files = render_terraform(desired, output_format)
    other_suffix = _SUFFIXES["json" if output_format == "hcl" else "hcl"]
    suffix = _SUFFIXES[output_format]
    clashes = [
        candidate
        for relative in files
        if (candidate := out_dir / (str(relative).removesuffix(suffix) + other_suffix)).exists()
    ]
    if clashes:
        raise TerraformExportError(
            f"{clashes[0]} already exists; Terraform would read it together with the "
            f"{output_format} export. Remove it or export to another directory."
        )
    written: list[Path] = []
    for relative, text in files.items():
        path = out_dir / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise TerraformExportError(f"Cannot write {path}: {error.strerror}.") from error
        written.append(path)
    return sorted(written)
