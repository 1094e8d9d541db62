"""The official openai SDK (and LangChain's ChatOpenAI) against the app served by uvicorn."""

import httpx
import openai
import pytest
from gateway_helpers import chat, ledger_rows


def _sdk(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)


def test_plain_streamed_tools_embeddings(gateway_url, gw_tenant) -> None:
    t = gw_tenant()
    sdk = _sdk(gateway_url, t.key)
    plain = sdk.chat.completions.create(model="fast", messages=[{"role": "user", "content": "hi"}])
    assert plain.choices[0].message.content == "main says: hi"
    assert plain.model == "fast" and plain.usage.total_tokens == 15

    stream = sdk.chat.completions.create(model="fast", messages=[{"role": "user", "content": "one two"}],
                                         stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "main says: one two"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 4

    tools = [{"type": "function", "function": {"name": "weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    called = sdk.chat.completions.create(model="fast", messages=[{"role": "user", "content": "weather?"}],
                                         tools=tools, tool_choice="auto",
                                         response_format={"type": "text"})
    call = called.choices[0].message.tool_calls[0]
    assert (call.function.name, call.function.arguments) == ("weather", '{"city": "Paris"}')

    vectors = sdk.embeddings.create(model="embed-upstream", input=["a", "b"])
    assert [d.embedding for d in vectors.data] == [[0.1, 0.2, 0.3]] * 2
    assert {m.id for m in sdk.models.list()} >= {"fast", "copilot", "embed"}
    rows = ledger_rows(t.id)
    assert [r["stream"] for r in rows] == [False, True, False, False]
    assert all(r["purpose"] == "api" and r["key_id"] == t.key_id for r in rows)
    assert rows[1]["completion_tokens"] == 4 and rows[1]["ttft_ms"] is not None


def test_retrieve_a_model_and_provider_parameters_pass_through(gateway_url, gw_tenant, upstreams) -> None:
    t = gw_tenant()
    sdk = _sdk(gateway_url, t.key)
    fast = sdk.models.retrieve("fast")
    assert (fast.id, fast.object) == ("fast", "model")
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.models.retrieve("gpt-9")
    assert missing.value.code == "model_not_found"
    # Parameters the gateway does not know reach the provider as sent: on the lean path (`fast`) and
    # through LiteLLM's OpenRouter adapter (`backup`); connection parameters never leave the body.
    extra = {"top_k": 7, "min_p": 0.05, "metadata": {"course": "c1"}, "api_base": "http://evil.example"}
    for group, upstream in (("fast", "main"), ("backup", "router")):
        sdk.chat.completions.create(model=group, messages=[{"role": "user", "content": "hi"}],
                                    reasoning_effort="low", extra_body=extra)
        sent = upstreams[upstream].received[-1]
        assert {k: sent.get(k) for k in extra} == extra, sent
        assert sent["reasoning_effort"] == "low"


def test_a_malformed_body_is_a_bad_request_naming_the_parameter(gateway_url, gw_tenant) -> None:
    sdk = _sdk(gateway_url, gw_tenant().key)
    hi = [{"role": "user", "content": "hi"}]
    for kwargs, param in (({"messages": []}, "messages"), ({"messages": hi, "n": "AAA"}, "n"),
                          ({"messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
                          ({"messages": hi, "temperature": 7}, "temperature")):
        with pytest.raises(openai.BadRequestError) as bad:
            sdk.chat.completions.create(model="fast", **kwargs)
        assert bad.value.param == param, bad.value
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.embeddings.create(model="embed-upstream", input=[{"not": "text"}])
    assert bad.value.param.startswith("input")


def test_errors_raise_the_sdk_exception_types(gateway_url, gw_tenant, client) -> None:
    t = gw_tenant()
    with pytest.raises(openai.NotFoundError) as missing:
        _sdk(gateway_url, t.key).chat.completions.create(
            model="gpt-9", messages=[{"role": "user", "content": "x"}])
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.AuthenticationError):
        _sdk(gateway_url, "ck-not-a-real-key").models.list()
    assert _sdk(gateway_url, t.key).models.list()
    revoked = client.delete(f"/api/v1/gateway/keys/{t.key_id}", headers=t.owner_headers)
    assert revoked.status_code == 204
    with pytest.raises(openai.AuthenticationError) as gone:
        _sdk(gateway_url, t.key).models.list()
    assert "revoked" in str(gone.value)


def test_user_jwt_and_langchain_chatopenai(gateway_url, gw_tenant, make_user) -> None:
    from langchain_openai import ChatOpenAI

    t = gw_tenant()
    token = t.owner_headers["Authorization"].split(" ", 1)[1]
    llm = ChatOpenAI(base_url=f"{gateway_url}/v1", api_key=token, model="fast", max_retries=0)
    assert llm.invoke("ping").content == "main says: ping"
    assert ledger_rows(t.id)[-1]["user_id"] is not None


def test_stream_disconnect_settles_the_reservation(gateway_url, gw_tenant) -> None:
    import redis

    from gateway.budgets import tenant_budget_key

    t = gw_tenant()
    with httpx.Client(base_url=gateway_url, headers=t.key_headers, timeout=30) as http, \
            http.stream("POST", "/v1/chat/completions", json=chat("stream", stream=True)) as response:
        lines = response.iter_lines()
        received = [next(lines) for _ in range(6)]
    assert all(line.startswith("data: ") or not line for line in received)
    from cognify.redis import get_redis

    r: redis.Redis = get_redis()
    rows = []
    for _ in range(200):
        rows = ledger_rows(t.id)
        if rows:
            break
        httpx.get(f"{gateway_url}/healthz")
    assert rows and rows[0]["outcome"] == "client_disconnected"
    assert 0 < rows[0]["completion_tokens"] < 60
    spent, reserved = (int(v or 0) for v in r.hmget(tenant_budget_key(t.id), ["spent", "reserved"]))
    assert reserved == 0 and spent > 0
