"""Prompt templates: YAML files of Jinja strings in this package.

    render("reasoning", "cot.user", question="...")

looks up `cot` -> `user` in prompts/reasoning.yaml and renders it with
StrictUndefined, so a missing variable fails loudly instead of rendering empty.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined

_env = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed YAML file `prompts/<name>.yaml`."""
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"prompts/{name}.yaml must hold a mapping")
    return data


def get(name: str, key: str) -> Any:
    """A raw value by dotted key, e.g. get("reasoning", "cot.trigger")."""
    node: Any = load(name)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"prompts/{name}.yaml has no '{key}'")
        node = node[part]
    return node


@cache
def _compile(template: str):
    return _env.from_string(template)


def render(name: str, key: str, **variables: Any) -> str:
    """Render the Jinja template at `key` of prompts/<name>.yaml."""
    template = get(name, key)
    if not isinstance(template, str):
        raise TypeError(f"prompts/{name}.yaml '{key}' is not a template string")
    return _compile(template).render(**variables).strip()
