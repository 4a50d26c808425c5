"""The one prompt renderer that training and inference share.

A record becomes chat messages (user: instruction and input; assistant: output)
and goes through the tokenizer's chat template. Training encodes the prompt and
the output separately and concatenates them, so the supervised tokens are
exactly the output's tokens plus the end token, and inference feeds the very
same prompt ids to `generate`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import Record

# Used when the tokenizer has no chat template and config sets none.
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ message['content'] }}\n\n"
    "{% elif message['role'] == 'user' %}### 指令：\n{{ message['content'] }}\n\n### 回答：\n"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] }}{{ eos_token }}"
    "{% endif %}{% endfor %}"
)

IGNORE_INDEX = -100


def ensure_chat_template(tokenizer, chat_template: str | None = None) -> None:
    """Give the tokenizer a chat template: the configured one, its own, or the default."""
    if chat_template:
        tokenizer.chat_template = chat_template
    elif not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = DEFAULT_CHAT_TEMPLATE


def user_message(instruction: str, text: str) -> str:
    """Join instruction and input the way every task prompt does."""
    return f"{instruction}\n{text}" if text else instruction


def render_prompt(tokenizer, instruction: str, text: str) -> str:
    """Render the prompt string, ending where the model's answer starts."""
    messages = [{"role": "user", "content": user_message(instruction, text)}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def encode_prompt(tokenizer, instruction: str, text: str) -> list[int]:
    """Token ids of the prompt, as fed to `generate`."""
    return tokenizer(render_prompt(tokenizer, instruction, text), add_special_tokens=False)["input_ids"]


def end_token_id(tokenizer) -> int:
    """Return the token that ends an output: the tokenizer's EOS token."""
    if tokenizer.eos_token_id is None:
        raise ValueError("the tokenizer has no eos_token; set one so that generated outputs can end")
    return tokenizer.eos_token_id


@dataclass(frozen=True)
class EncodedExample:
    input_ids: list[int]
    labels: list[int]
    truncated_input_chars: int
    truncated_output_tokens: int


def encode_example(tokenizer, record: Record, cutoff_len: int) -> EncodedExample:
    """Encode a record for training with loss on the output tokens only.

    When prompt and output exceed `cutoff_len`, the record's input text is
    shortened first (from its end), so the template and instruction stay whole.
    Only when the output alone does not fit is it cut, and the count of cut
    output tokens is returned so that callers can report it.
    """
    output_ids = tokenizer(record.output, add_special_tokens=False)["input_ids"] + [end_token_id(tokenizer)]
    text = record.input
    prompt_ids = encode_prompt(tokenizer, record.instruction, text)
    cut_chars = 0
    while len(prompt_ids) + len(output_ids) > cutoff_len and text:
        overflow = len(prompt_ids) + len(output_ids) - cutoff_len
        step = max(1, min(overflow, len(text)))
        text = text[:-step]
        cut_chars += step
        prompt_ids = encode_prompt(tokenizer, record.instruction, text)
    cut_tokens = 0
    room = cutoff_len - len(prompt_ids)
    if room < 1:
        raise ValueError(
            f"record {record.id}: the prompt alone takes {len(prompt_ids)} tokens, more than cutoff_len {cutoff_len}"
        )
    if len(output_ids) > room:
        cut_tokens = len(output_ids) - room
        output_ids = output_ids[:room]
    return EncodedExample(
        input_ids=prompt_ids + output_ids,
        labels=[IGNORE_INDEX] * len(prompt_ids) + output_ids,
        truncated_input_chars=cut_chars,
        truncated_output_tokens=cut_tokens,
    )
