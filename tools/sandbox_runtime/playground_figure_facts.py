"""What a saved matplotlib figure shows, as facts a reader can check in text.

Runs inside the sandbox (imported by playground_mpl_backend; standard library and
matplotlib only) and outside it (the picture checks of bench/ and their tests read the
same record). For each axes of a figure: its title and axis labels, its limits, its tick
labels with where they sit (a fraction of the axes box: 0 at the left or bottom, 1 at the
right or top), how long one x unit is on screen against one y unit, and each image drawn
in it: the array's shape (rows, columns), its extent and origin. For `imsave`: the array's
shape and which row is at the top. The record is embedded in the PNG as a text chunk
(`KEY`), so it travels with the picture.

    facts = figure_facts(fig)                    # before saving: a JSON-able dict
    fig.savefig("out.png", metadata={KEY: json.dumps(facts)})
    read_png_facts("out.png")                    # -> the same dict, or None
"""

import json
import math
import struct
import zlib

KEY = "playground-figure"
"""The PNG tEXt keyword of the record."""
MAX_TICKS = 12


def _finite(v):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return round(v, 6) if math.isfinite(v) else None


def _ticks(ax, axis, lim):
    """[(fraction along the axes box, label text), ...] of the major ticks inside the limits."""
    which = ax.xaxis if axis == "x" else ax.yaxis
    try:
        locs = [float(v) for v in which.get_majorticklocs()]
        labels = which.get_major_formatter().format_ticks(locs)
        offset = which.get_major_formatter().get_offset() if hasattr(which.get_major_formatter(), "get_offset") else ""
    except Exception:
        return [], ""
    lo, hi = min(lim), max(lim)
    pad = 1e-9 * max(abs(hi - lo), 1e-300)
    to_axes = ax.transAxes.inverted()
    out = []
    for loc, text in zip(locs, labels, strict=False):
        if not (lo - pad <= loc <= hi + pad) or not str(text).strip():
            continue
        point = (loc, lim[0]) if axis == "x" else (ax.get_xlim()[0], loc)
        fx, fy = to_axes.transform(ax.transData.transform(point))
        frac = fx if axis == "x" else fy
        if math.isfinite(frac):
            out.append([round(float(frac), 4), str(text).replace("\u2212", "-")])
    return out[:MAX_TICKS], str(offset or "")


def _image(im):
    try:
        array = im.get_array()
        shape = [int(n) for n in getattr(array, "shape", ())[:2]]
        extent = [_finite(v) for v in im.get_extent()]
    except Exception:
        return None
    origin = str(getattr(im, "origin", "upper"))
    if len(shape) == 2:  # imshow's own extent: pixel centres at the array indices
        rows, cols = shape
        default = [-0.5, cols - 0.5, rows - 0.5, -0.5] if origin == "upper" else [-0.5, cols - 0.5, -0.5, rows - 0.5]
        given = any(v is None or abs(v - d) > 1e-9 for v, d in zip(extent, default, strict=True))
    else:
        given = True
    return {"shape": shape, "extent": extent, "origin": origin, "extent_given": given}


def axes_facts(ax, fig):
    try:
        ax.apply_aspect()
    except Exception:
        pass
    xlim, ylim = [float(v) for v in ax.get_xlim()], [float(v) for v in ax.get_ylim()]
    pos = ax.get_position()
    w_in, h_in = fig.get_figwidth() * pos.width, fig.get_figheight() * pos.height
    ratio = None
    if ax.get_xscale() == "linear" and ax.get_yscale() == "linear" and xlim[1] != xlim[0] and ylim[1] != ylim[0]:
        ratio = _finite((w_in / abs(xlim[1] - xlim[0])) / (h_in / abs(ylim[1] - ylim[0])))
    xticks, xoffset = _ticks(ax, "x", xlim)
    yticks, yoffset = _ticks(ax, "y", ylim)
    return {
        "title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
        "xlim": [_finite(v) for v in xlim], "ylim": [_finite(v) for v in ylim],
        "xscale": ax.get_xscale(), "yscale": ax.get_yscale(),
        "xticks": xticks, "yticks": yticks, "tick_offset": (xoffset + " " + yoffset).strip(),
        "axis_on": bool(ax.axison), "unit_ratio": ratio,
        "box": [round(float(v), 4) for v in (pos.x0, pos.y0, pos.x1, pos.y1)],
        "images": [f for f in (_image(im) for im in ax.get_images()) if f],
        "lines": len(ax.get_lines()), "collections": len(ax.collections), "patches": len(ax.patches),
    }


def figure_facts(fig):
    """The record of `fig` as it would be saved now (colorbars left out)."""
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]
    out = {"kind": "figure", "size_in": [round(fig.get_figwidth(), 3), round(fig.get_figheight(), 3)],
           "dpi": _finite(fig.dpi), "axes": []}
    for ax in axes:
        try:
            out["axes"].append(axes_facts(ax, fig))
        except Exception:  # an odd axes (3-D, polar) is left out, never an error in the user's program
            continue
    return out


def imsave_facts(arr, origin):
    shape = [int(n) for n in getattr(arr, "shape", ())[:2]]
    return {"kind": "imsave", "shape": shape, "origin": str(origin or "upper")}


def png_size(path):
    """(width, height) from a PNG header, or None (the one home of this: agent/codeact/outcome.py reads it too)."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return tuple(struct.unpack(">II", head[16:24]))


def read_png_facts(path):
    """The record embedded in a PNG file (tEXt or zTXt chunk `KEY`), or None."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    i = 8
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + length]
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            name, _, rest = body.partition(b"\0")
            if name.decode("latin-1") == KEY:
                try:
                    if kind == b"zTXt":
                        rest = zlib.decompress(rest[1:])
                    elif kind == b"iTXt":
                        flag, rest = rest[0], rest[2:]
                        rest = rest.split(b"\0", 2)[-1]
                        rest = zlib.decompress(rest) if flag else rest
                    return json.loads(rest.decode("utf-8" if kind == b"iTXt" else "latin-1"))
                except (ValueError, zlib.error):
                    return None
        if kind == b"IEND":
            break
        i += 12 + length
    return None
