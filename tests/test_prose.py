"""Glued prose values are myst-nb's glue records, and keep the digits they were formatted with."""

import ast

import pytest

from intriguing import prose


@pytest.fixture
def shown(monkeypatch):
    seen = []
    monkeypatch.setattr(prose, "display", lambda data, raw, metadata: seen.append((data, metadata)))
    return seen


def test_glue_writes_the_record_myst_nb_reads(shown):
    assert prose.glue("fc10_distortion", "0.0590") == "0.0590"
    data, metadata = shown[0]
    assert metadata == {"scrapbook": {"name": "fc10_distortion", "mime_prefix": prose.GLUE_PREFIX}}
    # myst-nb's {glue:text} literal-evals text/plain: the repr of the str gives back "0.0590", not 0.059
    assert ast.literal_eval(data[prose.GLUE_PREFIX + "text/plain"]) == "0.0590"
    prose.glue("attacked", 30000)
    assert ast.literal_eval(shown[1][0][prose.GLUE_PREFIX + "text/plain"]) == "30,000"


def test_glue_refuses_unformatted_numbers_and_bad_names(shown):
    with pytest.raises(TypeError, match="format the number"):
        prose.glue("x", 0.059)
    with pytest.raises(ValueError, match="identifier"):
        prose.glue("fc10-distortion", "1")
    assert not shown


def test_first_screen_is_a_filled_in_box(shown):
    text = prose.first_screen("the claim", "our result", "partly", "one seed", "5,000 images")
    assert text.startswith(":::{admonition} Claim, result and verdict") and "**Verdict**" in text
    assert shown[0][0][prose.GLUE_PREFIX + "text/markdown"] == text
    with pytest.raises(ValueError, match="needs a caveat"):
        prose.first_screen("c", "r", "v", " ", "s")
