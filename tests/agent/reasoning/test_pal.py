"""pal: programs run in the REAL sandbox (an answer only from what a program printed; failing,
looping, silent or networking programs give no answer), the pure parts table-driven, and the
method through the registry on a scripted model."""

from __future__ import annotations

import socket

import pytest

from agent import reasoning
from agent.models.scripted import ScriptedModel
from agent.reasoning import METHODS, output_answer, program_of, run_program
from agent.types import SamplingParams
from tools.isolation import isolation_level
from tools.types import Limits

FAST = Limits(timeout_s=2.0, memory_mb=512, network=False)


def fenced(code: str) -> str:
    return f"Here is the program.\n```python\n{code}\n```\n"


@pytest.mark.parametrize(("program", "answer", "status"), [
    ("print(6 * 7)", "42", "ok"),
    ("print('working...')\nprint(42.0)", "42", "ok"),
    ("raise ValueError('no idea')", None, "error"),
    ("print(41)\n1 / 0", None, "error"),  # printed before failing: still no answer
    ("while True:\n    pass", None, "timeout"),
    ("x = 6 * 7", None, "no_output"),
    ("print('forty-two')", "42", "ok"),  # number words are numbers (agent.answers.numbers)
    ("print('no idea')", None, "unreadable"),
])
def test_a_program_answers_only_by_what_it_printed(program, answer, status):
    got, record = run_program(program, "number", FAST)
    assert (got, record["status"]) == (answer, status)
    assert record["program"] == program


def test_the_record_keeps_the_program_and_its_output():
    _, record = run_program("import sys\nprint('out')\nsys.exit('bad')", "number", FAST)
    assert record["status"] == "error" and record["returncode"] != 0
    assert record["stdout"] == "out\n" and "bad" in record["stderr"]


def test_a_program_cannot_reach_the_network():
    if isolation_level() == "subprocess":
        pytest.skip("the subprocess level does not isolate the network")
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\nprint(42)"
        answer, record = run_program(code, "number", FAST)
        assert answer is None and record["status"] == "error"
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()


@pytest.mark.parametrize(("reply", "program"), [
    (fenced("print(1)"), "print(1)\n"),
    ("```py\nprint(1)\n```\nthen\n```python\nprint(2)\n```", "print(2)\n"),  # the last block
    ("```\nprint(3)\n```", "print(3)\n"),
    ("```python\nprint(4)", "print(4)"),  # cut before its closing fence
    ("```text\n42\n```", None),
    ("The answer is 42.", None),
    ("```python\n\n```", None),
])
def test_program_of_reads_the_one_code_fence_parser(reply, program):
    assert program_of(reply) == program


@pytest.mark.parametrize(("stdout", "kind", "answer"), [
    ("42\n", "number", "42"),
    ("steps\n\n1,000\n\n", "number", "1000"),
    ("Total: 18\n", "number", "18"),
    ("3 and 4\n", "number", None),
    ("", "number", None),
    ("\\frac{3}{4}\n", "math", "0.75"),  # as a boxed answer is normalised
    ("$2\\sqrt{2}$\n", "math", "2\\sqrt{2}"),
    ("C\n", "choice", "C"),
    ("(B)\n", "choice", "B"),
])
def test_output_answer_is_the_last_line_normalised_for_its_kind(stdout, kind, answer):
    assert output_answer(stdout, kind) == answer


def test_pal_is_a_registered_method_asked_with_one_worked_example():
    assert "pal" in METHODS
    messages = reasoning.build_messages("What is 6*7?", "pal", "number")
    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert "```python" in messages[1].content and "print(" in messages[1].content
    assert messages[-1].content.startswith("What is 6*7?") and "```python" in messages[-1].content
    assert len(reasoning.build_messages("q", "pal", "math", shots=0)) == 1


def test_pal_solutions_keep_program_output_and_give_no_answer_when_it_fails():
    model = ScriptedModel([fenced("print(6 * 7)"), fenced("print(1 / 0)"), "Just 42."])
    sols = reasoning.solve(model, "What is 6*7?", "pal", "number", SamplingParams(n=3))
    assert [s.answer for s in sols] == ["42", None, None]
    assert [s.program["status"] for s in sols] == ["ok", "error", "no_program"]
    assert sols[0].text.endswith("The program printed:\n42")
    assert "ZeroDivisionError" in sols[1].text and sols[1].program["program"] == "print(1 / 0)\n"
    assert sols[0].to_dict()["extra"]["program"]["stdout"] == "42\n"
    assert sols[0].pipelines == {} and len(model.calls) == 1  # no second model call
