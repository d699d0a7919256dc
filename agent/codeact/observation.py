"""What the model sees after its code ran: the ExecResult cut to what matters
(tracebacks without the sandbox's own frames, long output with head and tail),
rendered through prompts/agent.yaml. Pure functions."""

from __future__ import annotations

import re

import prompts
from agent.codeact.code_blocks import split_final_answer
from agent.codeact.figure_checks import cell_ratio, square
from tools.types import ExecResult

_TB_HEADER = "Traceback (most recent call last):"
_FRAME = re.compile(r'^  File "(?P<file>[^"]*)", line \d+')
# frames of the session machinery and the interpreter, never the user's code
_INTERNAL_FILE = re.compile(r"(/tools/|<frozen |runpy\.py|/code\.py$|/codeop\.py$)")
MAX_FRAMES = 4
ERROR_HINTS = {  # hint key in prompts/agent.yaml error_hints -> what stderr shows
    "array_truth": re.compile(r"truth value of an array with more than one element is ambiguous"),
    "complex_image": re.compile(r"Image data of dtype complex\d* cannot be converted to float"),
    "index_bounds": re.compile(r"index -?\d+ is out of bounds for axis \d+"),
}


def error_hints(stderr: str) -> list[str]:
    """The explanations (prompts/agent.yaml error_hints) of the common errors stderr shows."""
    return [prompts.render("agent", f"error_hints.{key}") for key, pattern in ERROR_HINTS.items()
            if pattern.search(stderr)]


def trim_traceback(stderr: str) -> str:
    """Drop the session's own frames and keep at most MAX_FRAMES frames (first + last)."""
    if _TB_HEADER not in stderr:
        return stderr
    head, _, rest = stderr.rpartition(_TB_HEADER)
    lines = rest.splitlines()
    frames: list[list[str]] = []
    tail: list[str] = []
    for line in lines[1:]:
        m = _FRAME.match(line)
        if m:
            frames.append([line])
        elif frames and line.startswith("    ") and not tail:
            frames[-1].append(line)
        elif line.strip() or tail:
            tail.append(line)
    frames = [f for f in frames if not _INTERNAL_FILE.search(_FRAME.match(f[0]).group("file"))]
    if len(frames) > MAX_FRAMES:
        omitted = len(frames) - MAX_FRAMES
        frames = frames[:1] + [[f"  ... {omitted} frames omitted ..."]] + frames[-(MAX_FRAMES - 1):]
    body = [_TB_HEADER] + [ln for f in frames for ln in f] + tail
    return (head + "\n".join(body)).strip("\n")


def clip(text: str, max_chars: int) -> tuple[str, bool]:
    """Keep the head and tail of long text, with a note of what was cut."""
    if len(text) <= max_chars:
        return text, False
    half = max_chars // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n... [{cut} characters cut] ...\n{text[-half:]}", True


def _num(v) -> str:
    return "?" if v is None else f"{v:.4g}"


def _cell_ratio(im: dict, rows: int, cols: int, unit_ratio: float | None) -> str | None:
    """How many times wider than tall one array cell is drawn, when that is far from 1: its grid steps in
    x and y differ (a picture stretched one way), or its rows and columns are swapped."""
    ratio = cell_ratio(im.get("extent") or [], rows, cols, unit_ratio)
    return None if ratio is None or square(ratio) else f"{ratio:.2f}"


def describe_figures(facts: list[dict]) -> list[str]:
    """One paragraph per saved picture (prompts/agent.yaml figure_facts): its pixel size, each axes'
    limits and unit ratio, each image's array shape with where its rows and columns go."""
    out = []
    for fact in facts:
        if fact.get("kind") == "imsave":
            out.append(prompts.render("agent", "figure_facts.imsave", file=fact.get("file", "?"),
                                      shape=fact.get("shape", []), origin=fact.get("origin", "upper")))
            continue
        axes = []
        for ax in fact.get("axes", []):
            if not (ax.get("images") or ax.get("lines") or ax.get("collections") or ax.get("patches")):
                continue  # nothing drawn: the plot warnings say so
            images = []
            for im in ax.get("images", []):
                ext = [_num(v) for v in im.get("extent", [None] * 4)]
                row0 = ext[3] if im.get("origin", "upper") == "upper" else ext[2]
                rows, cols = (im.get("shape") or [0, 0])[:2] if len(im.get("shape") or []) >= 2 else (0, 0)
                images.append({"rows": rows or "?", "cols": cols or "?", "origin": im.get("origin", "upper"),
                               "x0": ext[0], "x1": ext[1], "row0_y": row0, "extent_given": im.get("extent_given", False),
                               "cell_ratio": _cell_ratio(im, rows, cols, ax.get("unit_ratio"))})
            xlim, ylim = ax.get("xlim") or [None, None], ax.get("ylim") or [None, None]
            axes.append({"title": ax.get("title", ""), "xlabel": ax.get("xlabel", ""), "ylabel": ax.get("ylabel", ""),
                         "x0": _num(xlim[0]), "x1": _num(xlim[1]), "y0": _num(ylim[0]), "y1": _num(ylim[1]),
                         "ratio": None if ax.get("unit_ratio") is None else f"{ax['unit_ratio']:.2f}",
                         "axis_on": ax.get("axis_on", True), "images": images})
        if not axes:
            continue
        size = fact.get("size_px") or []
        out.append(prompts.render("agent", "figure_facts.figure", file=fact.get("file", "?"),
                                  size=size, axes=axes))
    return out


def render_observation(result: ExecResult, *, timeout_s: float, max_chars: int,
                       native_tools: bool = False, repeated: bool = False, prompt: tuple[str, str] = ("agent", "observation"),
                       defines_only: bool = False, missing_files: list[str] | None = None,
                       no_image: bool = False, bad_image: bool = False,
                       wrong_size: list[str] | None = None, pitfalls: list[str] | None = None,
                       figure_facts: bool = True, refuted: list[str] | None = None,
                       dropped_tool: bool = False) -> tuple[str, str | None]:
    """(the observation message text, the final answer the code gave or None).
    `repeated`: the same code already failed before. `prompt`: (prompts file, key) of the template.
    `defines_only`: the code only defined functions and never called them. `missing_files`: files the
    final answer names that are not in the work dir, `no_image`: the task asks for an image and none is
    in the work dir, `bad_image`: the task asks for an image and the sandbox's plot warnings say the
    picture cannot show it (either way the final answer is not accepted); `wrong_size`: the sentences
    saying the picture is not the size the task names; `pitfalls`: the silent mistakes found in the code
    (agent/codeact/pitfalls.py); `figure_facts`: describe each saved picture (describe_figures); `refuted`:
    the pictures in the work dir found wrong before (with `no_image`: the only ones there); `dropped_tool`:
    the reply's own final_answer was left out (code_blocks.py), a note says so."""
    stdout, final = split_final_answer(result.stdout)
    stdout, cut_out = clip(stdout.rstrip("\n"), max_chars)
    stderr, cut_err = clip(trim_traceback(result.stderr).rstrip("\n"), max_chars)
    figures = set(result.figures)
    text = prompts.render(
        *prompt,
        ok=result.ok, returncode=result.returncode, stdout=stdout, stderr=stderr,
        timed_out=result.timed_out, timeout_s=timeout_s, memory_exceeded=result.memory_exceeded,
        truncated=result.output_truncated or cut_out or cut_err, restarted=result.restarted,
        figures=sorted(figures), files=[f for f in result.files if f not in figures],
        final_answer=final, native_tools=native_tools, repeated=repeated and not result.ok,
        defines_only=defines_only and result.ok, missing_files=missing_files or [],
        no_image=no_image, plot_warnings=list(result.plot_warnings), bad_image=bad_image,
        wrong_size=list(wrong_size or []), pitfalls=list(pitfalls or []), refuted=sorted(refuted or []),
        figure_facts=describe_figures(result.figure_facts) if figure_facts else [],
        error_hints=[] if result.ok else error_hints(result.stderr),
    )
    if dropped_tool:
        text = f"{text}\n{prompts.render('agent', 'dropped_tool')}"
    return text, final
