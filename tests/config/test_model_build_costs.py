"""What makes building the config models cost more at every start-up, kept out of them.

Start-up time itself is measured by benchmarks/startup.py, not by tests; these tests keep the
model definitions free of what that benchmark found expensive.
"""

from __future__ import annotations

import inspect

import pytest
from pydantic import BaseModel

from ecs_scheduler import config


def config_models() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(config).values()
        if inspect.isclass(value)
        and issubclass(value, BaseModel)
        and value.__module__ == config.__name__
        and value.model_fields
    ]


@pytest.mark.parametrize("model", config_models(), ids=lambda model: model.__name__)
def test_no_default_factory_is_a_builtin(model: type[BaseModel]) -> None:
    # Pydantic reads a default factory's signature; a builtin's (list, dict) is parsed from
    # its text, a function's is not.
    for name, field in model.model_fields.items():
        factory = field.default_factory
        assert factory is None or inspect.isfunction(factory), f"{model.__name__}.{name}"


def test_an_empty_default_is_new_for_each_value() -> None:
    first, second = config.empty_list(), config.empty_list()
    assert first == [] and first is not second
    assert config.empty_mapping() == {} and config.empty_mapping() is not config.empty_mapping()


@pytest.mark.parametrize("model", config_models(), ids=lambda model: model.__name__)
def test_no_field_annotation_is_text(model: type[BaseModel]) -> None:
    # Under ``from __future__ import annotations`` every annotation is text, which pydantic
    # evaluates when it builds the model.
    as_text = [
        name for name, value in vars(model)["__annotations__"].items() if isinstance(value, str)
    ]
    assert not as_text, f"{model.__name__}: {as_text}"
