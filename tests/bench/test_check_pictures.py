"""Which pictures of a work dir the benchmark judges (bench/picture_checks: check_pictures): one good
picture is enough, unless the final answer names pictures: then those are judged, as a person opens them."""

from __future__ import annotations

from bench.picture_checks import check_pictures
from tests.bench.test_picture_checks import MANDELBROTS, NOT_MANDELBROTS, _points_as_image


def test_check_pictures_needs_one_good_picture_and_names_the_bad_ones(tmp_path):
    task = {"id": "m", "files": ["*.png"], "check": "mandelbrot"}
    assert check_pictures(task, tmp_path) == (False, "no picture matching *.png")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    _points_as_image(tmp_path / "points.png")
    verdict = check_pictures(task, tmp_path)
    assert not verdict.ok
    assert "broken.png: cannot read the picture" in verdict.reason and "points.png: " in verdict.reason
    MANDELBROTS["viridis, axes of array indices"](tmp_path / "mandelbrot.png")
    verdict = check_pictures(task, tmp_path)
    assert verdict.ok and verdict.reason.startswith("mandelbrot.png: Mandelbrot set")


def test_the_pictures_the_final_answer_names_are_the_ones_judged(tmp_path):
    """Seed 2 at bd2d468 left a right figure_1.png and the sideways mandelbrot.png its final answer names:
    a person opens the one named, so that one decides; with no picture named, one good picture is enough."""
    task = {"id": "m", "files": ["*.png"], "check": "mandelbrot"}
    NOT_MANDELBROTS["sideways, no axes"][0](tmp_path / "mandelbrot.png")
    MANDELBROTS["viridis, axes of array indices"](tmp_path / "figure_1.png")
    assert check_pictures(task, tmp_path).ok
    verdict = check_pictures(task, tmp_path, ["mandelbrot.png"])
    assert not verdict.ok and verdict.reason.startswith("mandelbrot.png: the Mandelbrot set, but on its side")
    assert check_pictures(task, tmp_path, ["figure_1.png", "notes.txt"]).ok
    assert check_pictures(task, tmp_path, ["gone.png"]).ok  # not there: the loop refuses that claim itself
