"""Chunking: heading paths prefix each chunk, windows overlap, code fences are not headings."""

import pytest

from vector.chunking import chunk_markdown


def _words(n: int, stem: str = "w") -> str:
    return " ".join(f"{stem}{i}" for i in range(n))


def test_headings_are_kept_as_path_and_prefix() -> None:
    body = "Intro text.\n\n# Derivatives\n\nSlope of a curve.\n\n## Chain rule\n\nCompose functions.\n"
    chunks = chunk_markdown(body, title="Calculus I")
    assert [c.heading_path for c in chunks] == [
        ("Calculus I",), ("Calculus I", "Derivatives"), ("Calculus I", "Derivatives", "Chain rule")]
    assert chunks[2].text == "Calculus I > Derivatives > Chain rule\n\nCompose functions."
    assert [c.index for c in chunks] == [0, 1, 2]


def test_first_heading_equal_to_title_is_not_repeated() -> None:
    [chunk] = chunk_markdown("# Ohm's law\n\nV = I R.", title="Ohm's law")
    assert chunk.heading_path == ("Ohm's law",)
    assert chunk.text == "Ohm's law\n\nV = I R."


def test_sibling_heading_replaces_deeper_ones() -> None:
    body = "# A\n## A1\ntext a1\n# B\ntext b\n"
    assert [c.heading_path for c in chunk_markdown(body)] == [("A", "A1"), ("B",)]


def test_long_section_is_split_with_overlap() -> None:
    chunks = chunk_markdown("# Long\n" + _words(300), max_words=100, overlap_words=20)
    bodies = [c.text.split("\n\n", 1)[1].split() for c in chunks]
    assert [len(b) for b in bodies] == [100, 100, 100, 60]
    for previous, current in zip(bodies, bodies[1:], strict=False):
        assert previous[-20:] == current[:20]
    assert bodies[-1][-1] == "w299"
    assert all(c.text.startswith("Long\n\n") for c in chunks)


def test_short_tail_is_not_a_chunk_of_its_own() -> None:
    assert len(chunk_markdown(_words(110), max_words=100, overlap_words=20)) == 2
    assert len(chunk_markdown(_words(100), max_words=100, overlap_words=20)) == 1


def test_hash_lines_inside_code_fences_are_not_headings() -> None:
    body = "# Setup\n```bash\n# install deps\npip install x\n```\n"
    [chunk] = chunk_markdown(body)
    assert chunk.heading_path == ("Setup",)
    assert "# install deps" in chunk.text


def test_empty_body_has_no_chunks_and_bad_overlap_is_refused() -> None:
    assert chunk_markdown("  \n\n", title="Video") == []
    with pytest.raises(ValueError):
        chunk_markdown("x", max_words=10, overlap_words=10)
