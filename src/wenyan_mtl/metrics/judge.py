"""LLM judge of generated poems: a versioned Chinese rubric, pluggable backends and a disk cache.

The judge rates four dimensions (格律, 意境, 语言, 切题) from 1 to 10 and replies
in JSON. Each rating maps linearly onto 0-100 (1 -> 0, 10 -> 100), and a poem's
score is the mean of the four. A reply that does not parse is asked again up to
`max_retries` times (the retries sample at temperature 0.7, so they can
differ). A reply that still does not parse scores 0 and is counted.

Judgments are cached on disk, one JSON file per key, where the key hashes the
prompt, the judge model and the rubric version, so a rerun with the same judge
sends no request. Only parsed judgments are cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .common import package_version

log = logging.getLogger(__name__)

RUBRIC_VERSION = "poetry-rubric-v1"
DIMENSIONS = ("格律", "意境", "语言", "切题")
RETRY_TEMPERATURE = 0.7

RUBRIC = """你是一位精通古典诗词的评审。请根据题目和体裁，评价下面这首诗词。

题目：{title}
体裁：{form}
作品：
{poem}

请从以下四个方面分别打分，每项为 1 到 10 的整数（10 为最好）：
- 格律：句数、字数、押韵、平仄是否符合所要求的体裁；
- 意境：意象是否鲜明，情景是否交融，意蕴是否深远；
- 语言：用词是否凝练、典雅、通顺，有无生造或重复；
- 切题：内容是否紧扣题目。

只输出一个 JSON 对象，不要输出其他文字，格式如下：
{{"格律": 整数, "意境": 整数, "语言": 整数, "切题": 整数}}"""


def build_prompt(title: str, form: str, poem: str) -> str:
    return RUBRIC.format(title=title, form=form, poem=poem.strip())


_JSON_OBJECT = re.compile(r"\{[^{}]*\}")


def parse_judgment(text: str) -> dict[str, int] | None:
    """Read the four 1-10 ratings from a reply; None when any is missing or out of range.

    The first JSON object holding all four dimensions wins. Replies that are not
    JSON fall back to `格律：8` style lines.
    """
    for match in _JSON_OBJECT.finditer(text):
        try:
            obj = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and all(name in obj for name in DIMENSIONS):
            return _validated({name: obj[name] for name in DIMENSIONS})
    found = {}
    for name in DIMENSIONS:
        match = re.search(name + r"\s*[:：]\s*(\d+)", text)
        if match:
            found[name] = match.group(1)
    return _validated(found) if len(found) == len(DIMENSIONS) else None


def _validated(ratings: dict) -> dict[str, int] | None:
    result = {}
    for name, value in ratings.items():
        if isinstance(value, bool):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if not number.is_integer() or not 1 <= number <= 10:
            return None
        result[name] = int(number)
    return result


def rating_to_score(rating: int) -> float:
    """Map a 1-10 rating onto 0-100."""
    return (rating - 1) * 100.0 / 9


class OpenAIBackend:
    """An OpenAI-compatible `/v1/chat/completions` endpoint."""

    name = "openai"
    transport_attempts = 4

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 120.0,
                 retry_delay: float = 1.0):
        if not base_url or not model:
            raise ValueError("judge backend 'openai' needs evaluation.judge.base_url and evaluation.judge.model")
        base = base_url.rstrip("/")
        self.url = base + "/chat/completions" if base.endswith("/v1") else base + "/v1/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.retry_delay = retry_delay

    @property
    def model_id(self) -> str:
        return f"openai:{self.model}"

    def complete(self, prompt: str, temperature: float) -> str:
        body = json.dumps({
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": temperature,
            "max_tokens": 256,
        }).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        delay = self.retry_delay
        for attempt in range(1, self.transport_attempts + 1):
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    payload = json.loads(response.read().decode("utf-8"))
                return str(payload["choices"][0]["message"]["content"])
            except urllib.error.HTTPError as error:
                if error.code != 429 and error.code < 500:
                    raise RuntimeError(f"judge request to {self.url} failed: HTTP {error.code} {error.reason}") from None
                reason = f"HTTP {error.code}"
            except (urllib.error.URLError, TimeoutError) as error:
                reason = str(getattr(error, "reason", error))
            except (KeyError, IndexError, TypeError, json.JSONDecodeError) as error:
                raise RuntimeError(f"judge response from {self.url} is not a chat completion: {error!r}") from None
            if attempt == self.transport_attempts:
                raise RuntimeError(f"judge request to {self.url} failed {attempt} times, last: {reason}")
            log.warning("judge request to %s failed (%s); retry %d of %d in %.0f s",
                        self.url, reason, attempt, self.transport_attempts - 1, delay)
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")


class HFBackend:
    """A local Hugging Face causal LM directory (safetensors only, no remote code), loaded once."""

    name = "hf"

    def __init__(self, model_dir: str, max_new_tokens: int = 128):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not model_dir or not os.path.isdir(model_dir):
            raise ValueError(f"judge backend 'hf' needs evaluation.judge.model to be a local model directory, got {model_dir!r}")
        self.model_dir = model_dir
        self.max_new_tokens = max_new_tokens
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, trust_remote_code=False, use_safetensors=True)
        self.model.to(self.device).eval()

    @property
    def model_id(self) -> str:
        return f"hf:{os.path.basename(os.path.normpath(self.model_dir))}"

    def complete(self, prompt: str, temperature: float) -> str:
        import torch

        if getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
        else:
            text = prompt
        inputs = self.tokenizer(text, return_tensors="pt", add_special_tokens=False).to(self.device)
        sampling = {"do_sample": True, "temperature": temperature, "top_p": 1.0} if temperature > 0 else {"do_sample": False}
        pad_token_id = self.tokenizer.pad_token_id
        if pad_token_id is None:
            pad_token_id = self.tokenizer.eos_token_id
        torch.manual_seed(0)
        with torch.no_grad():
            output = self.model.generate(
                **inputs, max_new_tokens=self.max_new_tokens, pad_token_id=pad_token_id, **sampling)
        return self.tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


class JudgmentCache:
    """Parsed judgments on disk, one JSON file per (prompt, judge model, rubric version)."""

    def __init__(self, directory):
        self.directory = Path(directory)

    @staticmethod
    def key(prompt: str, model_id: str) -> str:
        material = json.dumps([prompt, model_id, RUBRIC_VERSION], ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        path = self._path(key)
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError:
            log.warning("judge cache entry %s is not valid JSON; judging again", path)
            return None

    def put(self, key: str, entry: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry, ensure_ascii=False), "utf-8")
        os.replace(tmp, path)


@dataclass(frozen=True)
class Judgment:
    score: float
    ratings: dict | None
    attempts: int
    cached: bool

    @property
    def parsed(self) -> bool:
        return self.ratings is not None


class PoemJudge:
    """Judge poems through a backend, with the disk cache and retries of unparseable replies."""

    def __init__(self, backend, cache: JudgmentCache | None, max_retries: int = 2):
        self.backend = backend
        self.cache = cache
        self.max_retries = max_retries

    def signature(self) -> str:
        return (
            f"poetry_judge|judge:{self.backend.model_id}|rubric:{RUBRIC_VERSION}|dims:{','.join(DIMENSIONS)}"
            f"|scale:1-10->0-100|retries:{self.max_retries}|wenyan-mtl:{package_version('wenyan-mtl')}"
        )

    def judge(self, item_id: str, title: str, form: str, poem: str) -> Judgment:
        prompt = build_prompt(title, form, poem)
        key = JudgmentCache.key(prompt, self.backend.model_id)
        if self.cache is not None:
            entry = self.cache.get(key)
            ratings = parse_judgment(str(entry.get("response", ""))) if entry else None
            if ratings is not None:
                return Judgment(_mean_score(ratings), ratings, 0, cached=True)

        attempts = 0
        for attempt in range(self.max_retries + 1):
            attempts += 1
            response = self.backend.complete(prompt, 0.0 if attempt == 0 else RETRY_TEMPERATURE)
            ratings = parse_judgment(response)
            if ratings is not None:
                if self.cache is not None:
                    self.cache.put(key, {"response": response, "model": self.backend.model_id, "rubric": RUBRIC_VERSION})
                return Judgment(_mean_score(ratings), ratings, attempts, cached=False)
            log.warning("judge item %s: unparseable judgment (attempt %d of %d): %r",
                        item_id, attempt + 1, self.max_retries + 1, response[:120])
        log.warning("judge item %s: no parseable judgment after %d attempts; scored 0", item_id, attempts)
        return Judgment(0.0, None, attempts, cached=False)


def _mean_score(ratings: dict[str, int]) -> float:
    return sum(rating_to_score(ratings[name]) for name in DIMENSIONS) / len(DIMENSIONS)


def make_backend(judge_config: dict):
    """Build the backend named by `evaluation.judge`; 'none' returns None (the form scorer)."""
    backend = judge_config.get("backend", "none")
    if backend == "none":
        return None
    if backend == "openai":
        env_name = judge_config.get("api_key_env") or "WENYAN_JUDGE_API_KEY"
        api_key = os.environ.get(env_name)
        if not api_key:
            raise ValueError(
                f"judge backend 'openai': environment variable {env_name} (evaluation.judge.api_key_env) is not set; "
                "export the API key in it (any non-empty value for a local server that needs no key)"
            )
        return OpenAIBackend(judge_config.get("base_url"), judge_config.get("model"), api_key)
    if backend == "hf":
        return HFBackend(judge_config.get("model"))
    raise ValueError(f"evaluation.judge.backend {backend!r} is not one of none, openai, hf")
