"""The chat REPL driven as a user would: prompt_toolkit's pipe input, keystrokes
included (Ctrl-C, Ctrl-D), the scripted backend, and the real sandbox session."""

from __future__ import annotations

import io
import json
import os
import signal
import time

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from agent.config import PlaygroundConfig
from agent.models.scripted import ScriptedModel
from playground.repl import ChatRepl

F = "```"
CTRL_C, CTRL_D = "\x03", "\x04"


def drive(tmp_path, model, keys: str, **kw):
    """Type `keys` into a fresh REPL, run it to the end; (repl, screen text, exit code)."""
    out = io.StringIO()
    console = Console(file=out, width=100, color_system=None, force_terminal=False)
    with create_pipe_input() as pipe:
        session = PromptSession(input=pipe, output=DummyOutput(), history=FileHistory(str(tmp_path / "history")))
        config = PlaygroundConfig(model={"backend": "scripted", "model": "script.yaml"})
        repl = ChatRepl(model, config, console=console, prompt_session=session,
                        workdir=tmp_path / "work", **kw)
        pipe.send_text(keys)
        code = repl.run()
    return repl, out.getvalue(), code


def test_a_question_is_answered_and_ctrl_d_exits(tmp_path):
    model = ScriptedModel({"rules": [{"match": "capital", "replies": ["The capital of France is **Paris**."]}]})
    repl, screen, code = drive(tmp_path, model, f"What is the capital of France?\n{CTRL_D}")
    assert code == 0
    assert "The capital of France is **Paris**." in screen  # raw markdown on a pipe
    assert [m.role for m in repl.messages] == ["user", "assistant"]
    assert model.calls[0].messages[0].role == "system"
    assert repl._session is None  # no code, no session started
    # history is kept across sessions
    assert "What is the capital of France?" in (tmp_path / "history").read_text()


def test_a_code_task_runs_in_the_session(tmp_path):
    model = ScriptedModel({"rules": [
        {"match": "Your code ran", "replies": ["The sum is 5050."]},
        {"match": "sum", "replies": [f"Let me compute it.\n{F}python\nprint(sum(range(101)))\n{F}"]},
    ]})
    repl, screen, _ = drive(tmp_path, model, f"What is the sum of 1..100?\n{CTRL_D}")
    assert "5050" in screen and "output: ok" in screen and "The sum is 5050." in screen
    roles = [m.role for m in repl.messages]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert "5050" in repl.messages[2].content  # the observation went back to the model


def test_tools_off_does_not_run_code(tmp_path):
    model = ScriptedModel({"replies": [f"{F}python\nopen('x.txt', 'w').write('x')\n{F}"]})
    repl, screen, _ = drive(tmp_path, model, f"/tools off\nwrite a file\n{CTRL_D}")
    assert "tool mode: off" in screen
    assert repl._session is None and not (tmp_path / "work" / "x.txt").exists()
    assert len(model.calls) == 1


def test_reset_clears_the_conversation(tmp_path):
    model = ScriptedModel({"replies": ["Hello!"]})
    repl, screen, _ = drive(tmp_path, model, f"hi\n/reset\n{CTRL_D}")
    assert "conversation cleared" in screen
    assert repl.messages == []


def test_ctrl_c_stops_generation_and_the_repl_goes_on(tmp_path):
    def rule(request, index):
        last = request.messages[-1].content
        if "long story" in last:
            os.kill(os.getpid(), signal.SIGINT)  # the user presses Ctrl-C while the model generates
            time.sleep(5)
            return "never shown"
        return "Short answer."

    model = ScriptedModel(rule=rule)
    repl, screen, code = drive(tmp_path, model, f"tell me a long story\n{CTRL_C}again please\n{CTRL_D}")
    assert code == 0
    assert "[generation stopped]" in screen and "never shown" not in screen
    assert "Short answer." in screen
    # the interrupted turn left nothing half-done in the conversation
    assert [m.content for m in repl.messages] == ["again please", "Short answer."]


def test_save_writes_the_transcript(tmp_path):
    model = ScriptedModel({"replies": ["Fine, thanks."]})
    target = tmp_path / "out" / "chat.json"
    repl, screen, _ = drive(tmp_path, model, f"how are you?\n/tokens\n/save {target}\n{CTRL_D}")
    data = json.loads(target.read_text())
    assert data["kind"] == "chat"
    assert [m["role"] for m in data["messages"]] == ["system", "user", "assistant"]
    assert data["messages"][2]["content"] == "Fine, thanks."
    assert data["usage"]["completion_tokens"] == 4 and data["model_calls"] == 1
    assert "tokens so far:" in screen and "1 model call(s)" in screen
    sent = data["usage"]["prompt_tokens"]  # the scripted model caches nothing: every prompt token evaluated
    assert data["usage"]["prompt_tokens_evaluated"] == sent > 0
    assert f"prompt sent {sent}, evaluated {sent} (100%)" in " ".join(screen.split())


def test_commands_report_mistakes_without_crashing(tmp_path):
    model = ScriptedModel({"replies": ["ok"]})
    keys = "/nonsense\n/method bogus\n/n x\n/save\n/system Be terse.\n/system\n/model\n/help\n/exit\n"
    repl, screen, code = drive(tmp_path, model, keys)
    assert code == 0
    assert "unknown command /nonsense" in screen
    assert "usage: /method" in screen and "usage: /n" in screen and "usage: /save" in screen
    assert repl.settings.system_prompt == "Be terse." and "Be terse." in screen
    assert "model: scripted (scripted" in screen
    assert "/strategy" in screen  # help lists the commands


def test_long_conversations_are_trimmed_with_a_note(tmp_path):
    model = ScriptedModel({"replies": ["word " * 60]}, context_length=400)
    keys = "".join(f"question number {i}\n" for i in range(6)) + CTRL_D
    repl, screen, _ = drive(tmp_path, model, keys, tools=False)
    assert "oldest messages to fit the model's context" in screen
    assert len(model.calls) == 6
    assert all(model.count_tokens(c.messages) <= 400 for c in model.calls)
    assert repl.messages[-2].content == "question number 5"


def test_model_switch(tmp_path):
    script = tmp_path / "other.yaml"
    script.write_text("replies: ['from the other model']\n")
    from agent.models import load_model

    repl, screen, _ = drive(tmp_path, ScriptedModel({"replies": ["first"]}),
                            f"/model {script}\nhello\n/model {tmp_path / 'missing.yaml'}\n{CTRL_D}",
                            model_loader=load_model)
    assert "from the other model" in screen
    assert "could not load" in screen
    assert repl.model.name == str(script)


def test_strategy_answers_through_scaling(tmp_path):
    model = ScriptedModel({"default": "2 + 3 = 5. The answer is 5."})
    repl, screen, _ = drive(tmp_path, model, f"/n 3\n/strategy parallel\nWhat is 2 + 3?\n{CTRL_D}")
    assert "answer: 5" in screen
    assert len(model.calls) >= 1 and repl.messages[0].content == "What is 2 + 3?"
