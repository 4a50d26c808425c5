"""LLM judge: rubric parsing, the OpenAI-compatible backend against a local server, retries, cache."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from wenyan_mtl.metrics import ScoringContext, aggregate, score_task
from wenyan_mtl.metrics.judge import (
    DIMENSIONS,
    RUBRIC_VERSION,
    JudgmentCache,
    OpenAIBackend,
    PoemJudge,
    build_prompt,
    parse_judgment,
    rating_to_score,
)

GOOD = '{"格律": 10, "意境": 7, "语言": 4, "切题": 1}'
GOOD_SCORE = 50.0  # (100 + 66.67 + 33.33 + 0) / 4
POEM = "白日依山尽，黄河入海流。\n欲穷千里目，更上一层楼。"
SECRET = "sk-test-secret-123"


class CannedServer:
    """A chat-completions server on 127.0.0.1 that replies from a script keyed by poem text."""

    def __init__(self):
        self.replies: dict[str, list] = {}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                prompt = body["messages"][0]["content"]
                script = next((s for key, s in server.replies.items() if key in prompt), ["no rubric here"])
                reply = script.pop(0) if len(script) > 1 else script[0]
                if isinstance(reply, int):
                    self.send_response(reply)
                    self.end_headers()
                    return
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": reply}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    canned = CannedServer()
    yield canned
    canned.close()


def _judge(server, tmp_path, retries=2):
    backend = OpenAIBackend(server.url, "canned-judge", api_key=SECRET, retry_delay=0.01)
    return PoemJudge(backend, JudgmentCache(tmp_path / "cache"), max_retries=retries)


# --- parsing -----------------------------------------------------------------

def test_parse_judgment_json_inside_text():
    assert parse_judgment("评分如下：" + GOOD + "。") == {"格律": 10, "意境": 7, "语言": 4, "切题": 1}


def test_parse_judgment_line_fallback():
    assert parse_judgment("格律：8\n意境: 6\n语言：7\n切题：9") == {"格律": 8, "意境": 6, "语言": 7, "切题": 9}


@pytest.mark.parametrize(
    "text",
    ["", "很好", '{"格律": 11, "意境": 7, "语言": 4, "切题": 1}', '{"格律": 8, "意境": 7}',
     '{"格律": 0, "意境": 7, "语言": 4, "切题": 1}', '{"格律": 7.5, "意境": 7, "语言": 4, "切题": 1}'],
)
def test_parse_judgment_rejects(text):
    assert parse_judgment(text) is None


def test_rating_scale():
    assert rating_to_score(1) == 0.0
    assert rating_to_score(10) == 100.0


def test_prompt_names_every_dimension():
    prompt = build_prompt("登鹳雀楼", "五言绝句", POEM)
    for name in DIMENSIONS:
        assert name in prompt
    assert "登鹳雀楼" in prompt
    assert "五言绝句" in prompt
    assert POEM in prompt


# --- HTTP backend ------------------------------------------------------------

def test_good_judgment_and_request_shape(server, tmp_path):
    server.replies[POEM] = [GOOD]
    judgment = _judge(server, tmp_path).judge("p1", "登鹳雀楼", "五言绝句", POEM)
    assert judgment.score == pytest.approx(GOOD_SCORE)
    assert judgment.attempts == 1
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == f"Bearer {SECRET}"
    assert request["body"]["model"] == "canned-judge"
    assert request["body"]["temperature"] == 0.0


def test_unparseable_then_good_is_retried(server, tmp_path):
    server.replies[POEM] = ["我觉得不错", GOOD]
    judgment = _judge(server, tmp_path).judge("p1", "登鹳雀楼", "五言绝句", POEM)
    assert judgment.parsed
    assert judgment.attempts == 2
    assert judgment.score == pytest.approx(GOOD_SCORE)
    assert server.requests[1]["body"]["temperature"] > 0


def test_persistently_unparseable_scores_zero(server, tmp_path):
    server.replies[POEM] = ["不知道"]
    judgment = _judge(server, tmp_path, retries=2).judge("p1", "登鹳雀楼", "五言绝句", POEM)
    assert not judgment.parsed
    assert judgment.score == 0.0
    assert judgment.attempts == 3
    assert len(server.requests) == 3


def test_cache_avoids_second_request(server, tmp_path):
    server.replies[POEM] = [GOOD]
    first = _judge(server, tmp_path).judge("p1", "登鹳雀楼", "五言绝句", POEM)
    second = _judge(server, tmp_path).judge("p1", "登鹳雀楼", "五言绝句", POEM)
    assert len(server.requests) == 1
    assert second.cached and not first.cached
    assert second.score == first.score
    files = list((tmp_path / "cache").rglob("*.json"))
    assert len(files) == 1
    assert json.loads(files[0].read_text("utf-8"))["rubric"] == RUBRIC_VERSION


def test_cache_key_depends_on_model_and_prompt():
    prompt = build_prompt("t", "五言绝句", POEM)
    assert JudgmentCache.key(prompt, "openai:a") != JudgmentCache.key(prompt, "openai:b")
    assert JudgmentCache.key(prompt, "openai:a") != JudgmentCache.key(prompt + " ", "openai:a")


def test_server_error_is_retried(server, tmp_path):
    server.replies[POEM] = [500, GOOD]
    judgment = _judge(server, tmp_path).judge("p1", "登鹳雀楼", "五言绝句", POEM)
    assert judgment.parsed
    assert len(server.requests) == 2


def test_client_error_raises(server, tmp_path):
    server.replies[POEM] = [401]
    with pytest.raises(RuntimeError, match="HTTP 401"):
        _judge(server, tmp_path).judge("p1", "登鹳雀楼", "五言绝句", POEM)


def test_task_scoring_counts_unparseable(server, tmp_path, monkeypatch, caplog):
    other = "春眠不觉晓，处处闻啼鸟。\n夜来风雨声，花落知多少。"
    server.replies[POEM] = ["乱码", GOOD]
    server.replies[other] = ["总是不对"]
    monkeypatch.setenv("JUDGE_KEY_FOR_TEST", SECRET)
    evaluation = {"judge": {"backend": "openai", "base_url": server.url + "/v1", "model": "canned-judge",
                            "api_key_env": "JUDGE_KEY_FOR_TEST", "max_retries": 1}}
    context = ScoringContext(evaluation, judge_cache_dir=tmp_path / "cache")
    items = [
        {"id": "a", "input": "题目：登鹳雀楼\n体裁：五言绝句", "reference": POEM, "prediction": POEM},
        {"id": "b", "input": "题目：春晓\n体裁：五言绝句", "reference": other, "prediction": other},
        {"id": "c", "input": "题目：春晓\n体裁：五言绝句", "reference": other, "prediction": "  "},
    ]
    with caplog.at_level(logging.DEBUG):
        result = score_task("poetry_generation", items, context)
    assert result.score == pytest.approx(GOOD_SCORE / 3)
    assert result.malformed == 1
    assert result.details["unparseable"] == 1
    assert result.empty_predictions == 1
    assert result.details["dimensions"]["格律"] == 100.0
    assert "judge:openai:canned-judge" in result.signature
    assert f"rubric:{RUBRIC_VERSION}" in result.signature
    assert aggregate("poetry_judge", [r["stats"] for r in result.items]) == result.score
    assert len(server.requests) == 4  # a: 2 attempts, b: 2 attempts, c: none
    assert SECRET not in caplog.text
    assert "unparseable judgment" in caplog.text


# --- local HF backend --------------------------------------------------------

def test_hf_backend_random_model_is_counted_unparseable(tmp_path):
    import torch

    from test_metrics_bertscore import build_tiny_encoder
    from wenyan_mtl.metrics.judge import HFBackend

    torch.set_num_threads(1)
    model_dir = build_tiny_encoder(tmp_path, max_positions=512, layers=1)
    backend = HFBackend(str(model_dir), max_new_tokens=8)
    assert backend.model_id == "hf:tiny_encoder"
    judge = PoemJudge(backend, JudgmentCache(tmp_path / "cache"), max_retries=1)
    judgment = judge.judge("p1", "登鹳雀楼", "五言绝句", POEM)
    assert not judgment.parsed
    assert judgment.attempts == 2
    assert judgment.score == 0.0
    assert not list((tmp_path / "cache").rglob("*.json"))
