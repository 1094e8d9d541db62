"""Split markdown text into overlapping word windows, each prefixed by its heading path."""

import re
from dataclasses import dataclass

MAX_WORDS = 160  # ~210 word-piece tokens + heading prefix: under the encoder's 256-token window
OVERLAP_WORDS = 32
CHUNKER_VERSION = "md-v1"  # part of the content hash: changing the chunker re-indexes everything

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_WORD = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document: its position, the headings above it, and its text (with the headings)."""

    index: int
    heading_path: tuple[str, ...]
    text: str


def _sections(body: str) -> list[tuple[tuple[str, ...], str]]:
    """(heading path, text) for every run of lines under the same headings."""
    sections: list[tuple[tuple[str, ...], str]] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append((tuple(title for _, title in stack), text))
        lines.clear()

    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        flush()
        level = len(heading.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading.group(2)))
    flush()
    return sections


def _windows(text: str, max_words: int, overlap: int) -> list[str]:
    words = _WORD.findall(text)
    step = max_words - overlap
    starts = range(0, max(len(words) - overlap, 1), step)
    return ["".join(words[start:start + max_words]).strip() for start in starts]


def chunk_markdown(
    body: str, title: str = "", max_words: int = MAX_WORDS, overlap_words: int = OVERLAP_WORDS
) -> list[Chunk]:
    """Chunks of `body`: sections by heading, windows of `max_words` overlapping by `overlap_words`."""
    if not 0 <= overlap_words < max_words:
        raise ValueError("overlap_words must be >= 0 and smaller than max_words")
    root = (title.strip(),) if title.strip() else ()
    chunks: list[Chunk] = []
    for path, text in _sections(body):
        # A document whose first heading repeats its title should not say it twice.
        full_path = root + (path[1:] if root and path[:1] == root else path)
        prefix = " > ".join(full_path)
        for window in _windows(text, max_words, overlap_words):
            body_text = f"{prefix}\n\n{window}" if prefix else window
            chunks.append(Chunk(len(chunks), full_path, body_text))
    return chunks
