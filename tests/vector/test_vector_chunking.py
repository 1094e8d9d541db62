"""Chunking: heading paths prefix each chunk, windows overlap, code fences are not headings."""

import pytest

from vector.chunking import MAX_TOKENS, chunk_markdown, count_tokens

GERMAN = ("Die Fotosynthese ist ein physiologischer Prozess zur Erzeugung von energiereichen "
          "Biomolekülen aus energieärmeren Stoffen mithilfe von Lichtenergie. Sie wird von "
          "Pflanzen, Algen und einigen Bakterien betrieben. Bei diesem Stoffwechselvorgang wird "
          "mit Hilfe von lichtabsorbierenden Farbstoffen wie Chlorophyll elektromagnetische "
          "Strahlung in chemische Energie umgewandelt. Donaudampfschifffahrtsgesellschaftskapitän "
          "und Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz sind lange Wörter. ")
VIETNAMESE = ("Quang hợp là quá trình thu nhận và chuyển hóa năng lượng ánh sáng Mặt trời của thực vật, "
              "tảo và một số vi khuẩn để tạo ra hợp chất hữu cơ phục vụ bản thân cũng như làm nguồn "
              "thức ăn cho hầu hết các sinh vật trên Trái Đất. Quang hợp trong thực vật thường liên "
              "quan đến chất tố diệp lục màu xanh lá cây và tạo ra oxy như một sản phẩm phụ. ")
CODE = ("```python\ndef fibonacci_sequence_generator(maximum_value: int) -> list[int]:\n"
        "    previous_value, current_value = 0, 1\n    result_values: list[int] = []\n"
        "    while current_value <= maximum_value:\n        result_values.append(current_value)\n"
        "        previous_value, current_value = current_value, previous_value + current_value\n"
        "    return result_values  # {'key': [1, 2, 3]} && x->y != z\n```\n\n")


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
    chunks = chunk_markdown("# Long\n" + _words(300), max_tokens=128, overlap_tokens=20)
    bodies = [c.text.split("\n\n", 1)[1].split() for c in chunks]
    assert len(chunks) > 2 and all(count_tokens(c.text) <= 128 for c in chunks)
    for previous, current in zip(bodies, bodies[1:], strict=False):
        assert current[0] in previous and current[0] != previous[0]  # overlapping, moving on
    assert bodies[0][0] == "w0" and bodies[-1][-1] == "w299"
    assert all(c.text.startswith("Long\n\n") for c in chunks)


@pytest.mark.parametrize(("language", "sample"), [("German", GERMAN), ("Vietnamese", VIETNAMESE),
                                                  ("code", CODE)])
def test_no_chunk_is_longer_than_the_encoder_reads(language: str, sample: str) -> None:
    body = "# Lektion\n\n" + sample * 12
    old_words = len((sample * 12).split()[:160])
    assert count_tokens(" ".join((sample * 12).split()[:old_words])) > MAX_TOKENS  # 160 words were cut
    chunks = chunk_markdown(body, title="Biologie")
    assert len(chunks) > 1
    assert all(count_tokens(c.text) <= MAX_TOKENS for c in chunks), [count_tokens(c.text) for c in chunks]
    words = [w for c in chunks for w in c.text.split("\n\n", 1)[1].split()]
    for word in set(sample.split()):  # nothing is lost
        assert word in words, (language, word)
    assert chunks[-1].text.rstrip().endswith(body.rstrip().split()[-1])


def test_windows_end_at_sentences_or_words_never_inside_a_word() -> None:
    chunks = chunk_markdown(GERMAN * 6)
    vocabulary = set(GERMAN.split())
    for chunk in chunks:
        first, *_, last = chunk.text.split()
        assert first in vocabulary and last in vocabulary, (first, last)
    assert sum(c.text.endswith(".") for c in chunks[:-1]) >= len(chunks[:-1]) - 1


def test_short_tail_is_not_a_chunk_of_its_own() -> None:
    [one] = chunk_markdown(_words(60))
    assert count_tokens(one.text) <= MAX_TOKENS
    chunks = [c.text.split() for c in chunk_markdown(_words(130), max_tokens=128, overlap_tokens=20)]
    for previous, current in zip(chunks, chunks[1:], strict=False):
        assert set(current) - set(previous)  # every window brings words of its own


def test_hash_lines_inside_code_fences_are_not_headings() -> None:
    body = "# Setup\n```bash\n# install deps\npip install x\n```\n"
    [chunk] = chunk_markdown(body)
    assert chunk.heading_path == ("Setup",)
    assert "# install deps" in chunk.text


def test_empty_body_has_no_chunks_and_bad_overlap_is_refused() -> None:
    assert chunk_markdown("  \n\n", title="Video") == []
    with pytest.raises(ValueError):
        chunk_markdown("x", max_tokens=256, overlap_tokens=200)
