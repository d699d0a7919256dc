"""The chat template stored in a GGUF file, rendered exactly as Hugging Face
transformers renders a tokenizer's `chat_template` (`apply_chat_template`): a
sandboxed Jinja environment with trim_blocks and lstrip_blocks, loop controls,
the `tojson` filter without ASCII escaping, and the `raise_exception` and
`strftime_now` globals. So a prompt, and its token count, is the same whether a
model runs from its GGUF file or from its Hugging Face folder (tested against
transformers in tests/agent/models/test_llamacpp.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from agent.errors import UsageError
from agent.types import Message

# The ChatML template of the Qwen family, used when a GGUF file carries none.
CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content']"
          " + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|im_start|>assistant\\n' }}{% endif %}")


def _raise(message: str) -> None:
    raise UsageError(f"chat template: {message}")


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None, separators=None,
            sort_keys: bool = False) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


class ChatTemplate:
    """A compiled chat template; `render(messages)` gives the prompt text with the generation prompt."""

    def __init__(self, source: str | None, special_tokens: dict[str, str] | None = None) -> None:
        from jinja2.exceptions import TemplateError
        from jinja2.ext import loopcontrols
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise
        env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
        self.source = source or CHATML
        try:
            self._template = env.from_string(self.source)
        except TemplateError as e:
            raise UsageError(f"the model's chat template does not compile: {e}") from None
        self._special = dict(special_tokens or {})

    def render(self, messages: list[Message], add_generation_prompt: bool = True) -> str:
        from jinja2.exceptions import TemplateError

        try:
            return self._template.render(messages=[m.to_dict() for m in messages], tools=None, documents=None,
                                         add_generation_prompt=add_generation_prompt, **self._special)
        except TemplateError as e:
            raise UsageError(f"cannot apply the chat template: {e}") from None
