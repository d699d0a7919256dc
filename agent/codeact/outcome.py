"""What a code cell achieved, judged the same way for the real session
(agent/codeact/loop.py) and for best-of-k candidates in scratch sessions
(agent/codeact/candidates.py): the final answer it gave, whether it only defined
functions, which files its final answer names that are not on disk, and, for a
task that asks for something to look at, whether an image is in the work dir and
whether what the code drew can show anything (the sandbox's plot warnings)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import prompts
from agent.codeact.code_blocks import mentioned_files, only_defines, split_final_answer
from agent.codeact.figure_checks import swapped_images
from agent.codeact.figure_size import size_problems
from agent.codeact.pitfalls import find_pitfalls
from tools.types import ExecResult

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".pdf", ".webp", ".bmp"})
PICTURE_WORDS = (
    # the medium: what is made is a picture
    r"image", r"picture", r"photo", r"figure(?!s?\s+out)", r"illustration", r"drawing", r"sketch", r"painting",
    r"animation", r"canvas", r"diagram", r"rendering", r"visuali[sz]ation",
    # making one
    r"plot(?:s|ted|ting)?", r"draw(?:s|n)?(?!\s+(?:\w+\s+){0,2}(?:samples?|numbers?|cards?|values?|balls?|lots)\b)",
    r"render(?:s|ed)?", r"visuali[sz]e[sd]?", r"paint(?:s|ed)?",
    # figures that are pictures by definition
    r"(?:bar|pie|line|scatter) (?:chart|graph|plot)", r"chart", r"graph of", r"histogram", r"heat ?map", r"fractal",
)
_PICTURE_TASK = re.compile(
    r"\b(?:" + "|".join(PICTURE_WORDS) + r")\b"
    r"|\.(?:" + "|".join(x[1:] for x in sorted(IMAGE_SUFFIXES)) + r")\b"
    r"|\b(?:png|jpe?g|svg|gif|webp)\b", re.I)


def wants_image(task: str) -> bool:
    """Does the task ask for something to look at? It does when it asks for a picture by its
    medium (an image, a figure, a drawing, a diagram...), asks to make one (plot, draw, render,
    visualize), names a figure that is a picture by definition (a chart, a histogram, a fractal),
    or names an image file or format (out.png, "as a JPEG"). What the picture shows (a Mandelbrot
    set, a circle) does not decide: "Is -1 in the Mandelbrot set?" wants no image. Then a run is
    only done when an image file is in the work dir."""
    return bool(_PICTURE_TASK.search(task or ""))


_PIXEL_SIZE = re.compile(r"\b(\d{2,5})\s*(?:x|×|by)\s*(\d{2,5})\b", re.I)


def asked_size(task: str) -> tuple[int, int] | None:
    """The picture size in pixels a picture task names ("an 800x600 image", "400 by 300"), as
    (width, height); None when it names none or asks for no picture."""
    m = _PIXEL_SIZE.search(task or "")
    return (int(m.group(1)), int(m.group(2))) if m and wants_image(task) else None


def has_image(workdir: str | Path | None, refuted: frozenset[str] = frozenset()) -> bool:
    """Is there an image file anywhere in the work dir, other than the `refuted` ones (relative paths)?"""
    if not workdir:
        return False
    root = Path(workdir)
    return root.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                                 and str(p.relative_to(root)) not in refuted for p in root.rglob("*"))


@dataclass(frozen=True)
class Outcome:
    final_answer: str | None
    """What the code passed to final_answer(...), or None."""
    printed: bool
    """The code printed something besides the final answer."""
    defines_only: bool
    """The code ran but only defined functions (nothing was computed)."""
    missing_files: list[str] = field(default_factory=list)
    """Files the final answer names that are not in the work dir, or are pictures found wrong before
    (`refuted`) that this cell did not write again: a claim that rests on them is not true."""
    no_image: bool = False
    """The task asks for an image and the work dir holds none."""
    bad_image: list[str] = field(default_factory=list)
    """The task asks for an image and what the code drew cannot show it (the sandbox's plot warnings:
    an image of a list of points, of one constant value, an empty figure), or no image in the work
    dir has the size the task names (`wrong_size`)."""
    wrong_size: list[str] = field(default_factory=list)
    """The task names a picture size and no PNG in the work dir has it: what the observation says."""
    pitfalls: list[str] = field(default_factory=list)
    """Silent mistakes read from the code of a picture task (agent/codeact/pitfalls.py), one hint each:
    the code ran, but what it drew is not what it meant (an array filled [x, y] shown by imshow). For code
    that failed, the mistakes read from its text alone, which a fix of the error alone would keep."""
    lessons: list[str] = field(default_factory=list)
    """The same mistakes in general words (Pitfall.lesson), for fresh attempts (AgentConfig.lessons)."""


def judge(code: str, result: ExecResult, workdir: str | Path, want_image: bool,
          want_size: tuple[int, int] | None = None, pitfalls: bool = True,
          refuted: frozenset[str] = frozenset()) -> Outcome:
    """What the cell achieved; `want_size`: the (width, height) the task asks its picture to be;
    `pitfalls`: look for silent mistakes in the code of a picture task; `refuted`: pictures an earlier
    cell left that were found wrong (they do not count as the task's image unless this cell rewrote them)."""
    stdout, final = split_final_answer(result.stdout)
    # a named file that is not there, or a picture found wrong before that this cell did not draw again
    missing = [f for f in mentioned_files(final) if not (Path(workdir) / f).exists()
               or (f in refuted and f not in result.files)] if final is not None else []
    wrong = size_problems(workdir, want_size, code, result.files) if want_size and result.ok else []
    look = pitfalls and want_image
    silent, lessons = _silent_mistakes(code, result) if look and result.ok else ([], [])
    if look and not result.ok:  # failed code: the mistakes it would still make once it runs, told beside the error
        found = find_pitfalls(code)
        silent, lessons = [p.render() for p in found], [p.lesson() for p in found]
    return Outcome(final_answer=final, printed=bool(stdout.strip()),
                   defines_only=result.ok and only_defines(code), missing_files=missing,
                   no_image=want_image and not has_image(workdir, refuted - set(result.files)),
                   bad_image=(list(result.plot_warnings) if want_image and result.ok else []) + wrong + silent,
                   wrong_size=wrong, pitfalls=silent, lessons=lessons)


def _silent_mistakes(code: str, result: ExecResult) -> tuple[list[str], list[str]]:
    """The hints of the pitfalls read from the code, then of the pictures drawn transposed (read from the
    figures' facts) unless the code's own reading already said so; and the same mistakes as lessons."""
    found = find_pitfalls(code)
    told = any(p.key in ("image_xy", "image_yx_transposed") for p in found)
    swapped = [] if told else swapped_images(result.figure_facts)
    lessons = [p.lesson() for p in found] + ([prompts.render("agent", "pitfall_lessons.swapped_cells")] if swapped else [])
    return [p.render() for p in found] + swapped, lessons


def refuted_pictures(refuted: set[str], result: ExecResult, refused: bool) -> set[str]:
    """The pictures that do not count as the task's after this cell: those left by a cell that failed,
    drew nothing, or drew something found wrong (`refused`), since a later claim cannot rest on them;
    a picture a good cell wrote again counts again."""
    pictures = {f for f in result.files if Path(f).suffix.lower() in IMAGE_SUFFIXES}
    if not result.ok or refused or result.plot_warnings:
        return refuted | pictures
    return refuted - pictures

