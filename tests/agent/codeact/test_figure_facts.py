"""What the observation says about each saved picture (agent/codeact/observation.py:
describe_figures), from the sandbox's record of it."""

from __future__ import annotations

from agent.codeact.observation import describe_figures


def _figure(shape, extent, origin="upper", given=True, ratio=1.0):
    return {"kind": "figure", "file": "m.png", "size_px": [640, 480], "axes": [{
        "xlim": extent[:2], "ylim": sorted(extent[2:]), "unit_ratio": ratio, "axis_on": True, "xlabel": "Re",
        "images": [{"shape": shape, "extent": extent, "origin": origin, "extent_given": given}]}]}


def test_a_transposed_grid_shows_in_the_text():
    (text,) = describe_figures([_figure([800, 600], [-2.5, 1.5, -1.5, 1.5], origin="lower")])
    assert text.startswith('m.png (640x480 px): x axis "Re" from -2.5 (left) to 1.5 (right)')
    assert "An image of an array of shape (800, 600): its 600 columns run left to right over x from -2.5 to 1.5" in text
    assert "its 800 rows run bottom to top (row 0 at the bottom, at y = -1.5)" in text
    assert "Each array cell is drawn 1.78 times as wide as tall" in text


def test_a_right_grid_is_described_without_a_warning():
    (text,) = describe_figures([_figure([600, 800], [-2.5, 1.5, -1.5, 1.5])])
    assert "row 0 at the top, at y = 1.5" in text and "times as wide as tall" not in text


def test_imsave_and_empty_figures():
    texts = describe_figures([{"kind": "imsave", "file": "a.png", "shape": [48, 64], "origin": "upper"},
                              {"kind": "figure", "file": "e.png", "axes": [{"xlim": [0, 1], "ylim": [0, 1]}]}])
    assert texts == ["a.png: an array of shape (48, 64) saved one pixel per value: its 64 columns run left to "
                     "right, its 48 rows top to bottom (row 0 at the top)."]
