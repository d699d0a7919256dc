"""Prompt rendering shared by the backends that tokenize locally (transformers, vllm),
so both count prompt tokens exactly the same way."""

from __future__ import annotations

from typing import Any

from agent.errors import UsageError
from agent.types import Message


def render_prompt(tokenizer: Any, messages: list[Message], prefill: str = "", name: str = "model") -> str:
    """The prompt text: chat template with the generation prompt, then the prefill."""
    try:
        text = tokenizer.apply_chat_template([m.to_dict() for m in messages], tokenize=False,
                                             add_generation_prompt=True)
    except Exception as e:  # template rejects a role or the tokenizer has none
        raise UsageError(f"{name}: cannot apply the chat template: {str(e).splitlines()[0]}") from None
    return text + prefill


def encode_prompt(tokenizer: Any, messages: list[Message], prefill: str = "", name: str = "model") -> list[int]:
    return tokenizer(render_prompt(tokenizer, messages, prefill, name), add_special_tokens=False)["input_ids"]


class HFPrompts:
    """render / encode / count_tokens of a backend that holds a Hugging Face tokenizer
    (`self.tokenizer`) and a display name (`self.name`): transformers and vllm share them."""

    tokenizer: Any
    name: str

    def render(self, messages: list[Message], prefill: str = "") -> str:
        """The prompt text: chat template with the generation prompt, then the prefill."""
        return render_prompt(self.tokenizer, messages, prefill, self.name)

    def encode(self, messages: list[Message], prefill: str = "") -> list[int]:
        return encode_prompt(self.tokenizer, messages, prefill, self.name)

    def count_tokens(self, messages: list[Message]) -> int:
        return len(self.encode(messages))
