"""Text -> token ids for the paper's tasks, with or without a Hugging Face tokenizer.

A pretrained model loaded from the local cache brings its own tokenizer. Random-weight
stand-ins (and machines without the Hugging Face cache) have none, so the tasks fall back
to the exact GPT-2 byte-pair encoding read with ``tiktoken``. Its ranks file ships inside
the ``openai-whisper`` source distribution on PyPI (``whisper/assets/gpt2.tiktoken``),
byte-identical to OpenAI's ``r50k_base.tiktoken`` (the GPT-2 vocabulary); we check its
SHA-256 against that file's published hash. :func:`ensure_gpt2_bpe` fetches it once with
pip; :func:`gpt2_tiktoken` reads it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GPT2_BPE_ENV = "SAE_CORE_GPT2_TIKTOKEN"
"""Environment variable naming the ``gpt2.tiktoken`` file."""

GPT2_BPE_FILE = "gpt2.tiktoken"
GPT2_BPE_SHA256 = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
"""SHA-256 of OpenAI's ``r50k_base.tiktoken`` (tiktoken's ``expected_hash`` for it)."""

# tiktoken's r50k/gpt2 pre-tokenizer pattern (tiktoken_ext/openai_public.py).
GPT2_PAT_STR = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
)
GPT2_ENDOFTEXT = "<|endoftext|>"
GPT2_ENDOFTEXT_ID = 50256
GPT2_N_VOCAB = 50257

DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache"
"""``<repo>/.cache``: where :func:`ensure_gpt2_bpe` puts the file by default."""

_WHISPER_ASSET = "whisper/assets/gpt2.tiktoken"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ensure_gpt2_bpe(cache_dir: str | Path | None = None, *, timeout_s: float = 300.0) -> Path:
    """Path of ``gpt2.tiktoken`` in ``cache_dir``, downloading it once if absent.

    The file is extracted from the ``openai-whisper`` source distribution fetched with
    ``pip download openai-whisper --no-deps --no-binary :all:`` (needs PyPI), and its
    SHA-256 is checked. ``cache_dir`` defaults to ``<repo>/.cache``.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_CACHE_DIR
    target = cache_dir / GPT2_BPE_FILE
    if target.is_file() and _sha256(target) == GPT2_BPE_SHA256:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "openai-whisper",
            "--no-deps", "--no-binary", ":all:", "--no-build-isolation",
            "--retries", "2", "--timeout", "20", "-d", tmp,
        ]  # fmt: skip
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"pip download openai-whisper took over {timeout_s:.0f} s (no PyPI?); copy a "
                f"gpt2.tiktoken (r50k_base.tiktoken) to {target} or set {GPT2_BPE_ENV}"
            ) from None
        sdists = sorted(Path(tmp).glob("openai_whisper-*.tar.gz")) + sorted(
            Path(tmp).glob("openai-whisper-*.tar.gz")
        )
        if not sdists:
            raise RuntimeError(
                "could not download the openai-whisper source distribution, which carries the "
                f"GPT-2 BPE file; pip said:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}\n"
                f"Copy a gpt2.tiktoken (r50k_base.tiktoken) to {target} or set {GPT2_BPE_ENV}."
            )
        with tarfile.open(sdists[-1]) as tar:
            member = next((m for m in tar.getmembers() if m.name.endswith(_WHISPER_ASSET)), None)
            if member is None:
                raise RuntimeError(f"{sdists[-1].name} holds no {_WHISPER_ASSET}")
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
    if hashlib.sha256(data).hexdigest() != GPT2_BPE_SHA256:
        raise RuntimeError(
            f"the {_WHISPER_ASSET} in {sdists[-1].name} is not the GPT-2 vocabulary "
            "(SHA-256 mismatch); get r50k_base.tiktoken by other means"
        )
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)  # atomic: a half-written file never looks complete
    return target


def gpt2_bpe_path(path: str | Path | None = None) -> Path | None:
    """The ``gpt2.tiktoken`` to use: ``path``, else ``$SAE_CORE_GPT2_TIKTOKEN``, else
    ``<repo>/.cache/gpt2.tiktoken``; ``None`` when none of these exists."""
    for candidate in (path, os.environ.get(GPT2_BPE_ENV), DEFAULT_CACHE_DIR / GPT2_BPE_FILE):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    if path is not None:
        raise FileNotFoundError(f"no GPT-2 BPE file at {path}")
    return None


def gpt2_tiktoken(path: str | Path | None = None) -> Any:
    """The exact GPT-2 tokenizer as a ``tiktoken.Encoding`` (50257 tokens).

    Reads ``path`` (or see :func:`gpt2_bpe_path`); raises FileNotFoundError naming the
    fix when no file is found.
    """
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    found = gpt2_bpe_path(path)
    if found is None:
        raise FileNotFoundError(
            f"no GPT-2 BPE file: set {GPT2_BPE_ENV}, pass path=, or run "
            "`python -c 'from sae_core.models.tokenizers import ensure_gpt2_bpe; "
            "ensure_gpt2_bpe()'` "
            f"(needs PyPI) to put it at {DEFAULT_CACHE_DIR / GPT2_BPE_FILE}"
        )
    return tiktoken.Encoding(
        name="gpt2",
        pat_str=GPT2_PAT_STR,
        mergeable_ranks=load_tiktoken_bpe(str(found)),
        special_tokens={GPT2_ENDOFTEXT: GPT2_ENDOFTEXT_ID},
        explicit_n_vocab=GPT2_N_VOCAB,
    )


@dataclass(frozen=True)
class TextEncoder:
    """Encodes prompts for one model: ``encode(text)`` gives ids without special tokens;
    ``bos`` is prepended to every prompt (``None``: nothing is prepended)."""

    tokenizer: Any
    bos: int | None
    name: str

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``, no special tokens added."""
        if hasattr(self.tokenizer, "encode_ordinary"):  # tiktoken
            return list(self.tokenizer.encode_ordinary(text))
        try:  # Hugging Face
            return list(self.tokenizer.encode(text, add_special_tokens=False))
        except TypeError:
            return list(self.tokenizer.encode(text))

    def prompt_ids(self, text: str) -> list[int]:
        """Token ids of a whole prompt: ``bos`` (if any) then ``text``."""
        ids = self.encode(text)
        return ids if self.bos is None else [self.bos, *ids]

    def single_token(self, text: str) -> int:
        """The one token ``text`` encodes to; ValueError if it takes more (or none)."""
        ids = self.encode(text)
        if len(ids) != 1:
            raise ValueError(f"{text!r} is {len(ids)} tokens under {self.name}, not one")
        return ids[0]


def encoder_for(model: Any, tokenizer: Any = None) -> TextEncoder:
    """How to tokenize prompts for ``model``.

    Order: an explicit ``tokenizer`` (tiktoken Encoding or Hugging Face tokenizer), the
    model's own ``model.tokenizer``, else the GPT-2 BPE from :func:`gpt2_tiktoken`. The BOS
    token follows TransformerLens's ``to_tokens`` (prepended when the model's
    ``default_prepend_bos`` is set); with the GPT-2 BPE it is ``<|endoftext|>``, dropped
    when that id lies outside the model's vocabulary (a stand-in for a smaller vocabulary).
    """
    prepend = bool(getattr(model.cfg, "default_prepend_bos", True))
    tok = tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
    if tok is None:
        try:
            tok = gpt2_tiktoken()
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f"model {model.cfg.model_name!r} has no tokenizer and none was passed, and the "
                f"GPT-2 BPE fallback is missing: {err}"
            ) from None
    if hasattr(tok, "encode_ordinary"):
        name = f"tiktoken:{getattr(tok, 'name', '?')}"
        bos = tok.eot_token if tok.eot_token < model.cfg.d_vocab else None
    else:
        name = f"hf:{getattr(tok, 'name_or_path', type(tok).__name__)}"
        bos = tok.bos_token_id
    return TextEncoder(tokenizer=tok, bos=bos if prepend else None, name=name)


@dataclass(frozen=True)
class PromptPair:
    """A positive prompt, its negative, and the positive's answer and wrong answer.

    ``answer`` and ``wrong`` are the text of single tokens (a leading space included).
    """

    positive: str
    negative: str
    answer: str
    wrong: str
    info: dict[str, Any] | None = None


@dataclass(frozen=True)
class TokenizedPairs:
    """``positive`` / ``negative``: LongTensor [N, T] (one length for both sets);
    ``answer_tokens`` / ``wrong_tokens``: LongTensor [N]; ``pairs``: the kept pairs;
    ``n_rejected``: pairs sampled but dropped (multi-token answers, another length)."""

    positive: Any
    negative: Any
    answer_tokens: Any
    wrong_tokens: Any
    pairs: list[PromptPair]
    n_rejected: int


def tokenize_pairs(
    encoder: TextEncoder,
    pairs: Iterator[PromptPair],
    n_examples: int,
    d_vocab: int,
    *,
    max_rejected: int | None = None,
) -> TokenizedPairs:
    """Tokenize pairs drawn from ``pairs`` until ``n_examples`` are kept.

    A pair is kept when its answer and wrong answer are single tokens, both prompts have
    the token length of the first kept pair, and every id lies below ``d_vocab``. With the
    packaged word lists and the GPT-2 BPE nothing is dropped; other tokenizers may split
    some words, and those pairs are skipped. RuntimeError after ``max_rejected`` drops.
    """
    import torch

    max_rejected = 20 * n_examples + 100 if max_rejected is None else max_rejected
    kept: list[PromptPair] = []
    pos_ids: list[list[int]] = []
    neg_ids: list[list[int]] = []
    answers: list[int] = []
    wrongs: list[int] = []
    length: int | None = None
    n_rejected = 0
    reasons: dict[str, int] = {}
    while len(kept) < n_examples:
        pair = next(pairs)
        reason = None
        try:
            answer, wrong = encoder.single_token(pair.answer), encoder.single_token(pair.wrong)
        except ValueError:
            reason = "multi-token answer"
        if reason is None:
            pos, neg = encoder.prompt_ids(pair.positive), encoder.prompt_ids(pair.negative)
            if len(pos) != len(neg) or (length is not None and len(pos) != length):
                reason = "token length"
            elif max(max(pos), max(neg), answer, wrong) >= d_vocab:
                reason = "token id outside the model's vocabulary"
        if reason is not None:
            n_rejected += 1
            reasons[reason] = reasons.get(reason, 0) + 1
            if n_rejected > max_rejected:
                raise RuntimeError(
                    f"{encoder.name} splits too many prompts unevenly ({reasons}); this task "
                    "needs a tokenizer where its names/words are single tokens (GPT-2 BPE)"
                )
            continue
        length = len(pos)
        kept.append(pair)
        pos_ids.append(pos)
        neg_ids.append(neg)
        answers.append(answer)
        wrongs.append(wrong)
    return TokenizedPairs(
        positive=torch.tensor(pos_ids, dtype=torch.long),
        negative=torch.tensor(neg_ids, dtype=torch.long),
        answer_tokens=torch.tensor(answers, dtype=torch.long),
        wrong_tokens=torch.tensor(wrongs, dtype=torch.long),
        pairs=kept,
        n_rejected=n_rejected,
    )
