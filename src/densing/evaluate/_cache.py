"""Resume cache for :func:`densing.evaluate.ladder.evaluate_benchmarks`: per-request
log-likelihoods on disk, one JSON line per scored chunk of whole documents.

A cache file belongs to one model identity (its path or hub id plus the sha256 of its weight
or GGUF files), one dtype, device, backend, scoring path and metric variant; its name is the
hash of those. Each line holds one chunk: the hash of the chunk's requests (benchmark, part,
variant and every context/continuation string with its doc id and index), the log-likelihoods
and a sha256 checksum of the rest of the line. Lines are appended, flushed and fsynced after
each chunk, so a run killed with ``kill -9`` loses at most the chunk in flight; a truncated or
damaged line fails its checksum (or its JSON) and that chunk is scored again, never trusted.

Location: ``$DENSING_CACHE_DIR``, else ``$XDG_CACHE_HOME/densing``, else
``~/.cache/densing``. Internal module.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from densing.evaluate.protocol import Request

__all__ = [
    "ResultCache",
    "cache_dir",
    "chunk_key",
    "file_sha256",
    "model_identity",
]

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt")
#: files beside the weights that change the numbers: the architecture and the tokenizer
_SETTING_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "tokenizer.model",
                  "special_tokens_map.json", "vocab.json", "merges.txt")


def _identity_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file()
                  and (p.suffix in _WEIGHT_SUFFIXES or p.name in _SETTING_FILES))


def cache_dir() -> Path:
    """The cache folder: ``$DENSING_CACHE_DIR``, ``$XDG_CACHE_HOME/densing`` or
    ``~/.cache/densing``.

    Returns
    -------
    pathlib.Path
        The folder (not created here).
    """
    env = os.environ.get("DENSING_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg:
        return Path(xdg).expanduser() / "densing"
    return Path.home() / ".cache" / "densing"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path, root: Path | None = None) -> str:
    """sha256 of a file, memoised by ``(path, size, mtime_ns)`` in ``root/hashes.json``.

    Parameters
    ----------
    path
        The file.
    root
        The cache folder holding the memo (default :func:`cache_dir`).

    Returns
    -------
    str
        The hex digest.
    """
    root = cache_dir() if root is None else root
    st = path.stat()
    memo_key = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo_file = root / "hashes.json"
    memo: dict[str, str] = {}
    try:
        loaded = json.loads(memo_file.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            memo = {str(k): str(v) for k, v in loaded.items()}
    except (OSError, ValueError):
        memo = {}
    if memo_key in memo:
        return memo[memo_key]
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    memo[memo_key] = digest
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = memo_file.with_name(f"hashes.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(memo, sort_keys=True), encoding="utf-8")
        os.replace(tmp, memo_file)
    except OSError:  # a read-only cache folder: the hash is still right, just not kept
        pass
    return digest


def model_identity(model: Any, gguf_file: str | None, root: Path | None = None) -> str | None:
    """The model's identity: its path or hub id and the sha256 of its weight files, its
    ``config.json`` and its tokenizer files (a GGUF file holds all three).

    Parameters
    ----------
    model
        A model directory, ``.gguf`` file or hub id (anything else: no identity).
    gguf_file
        GGUF file inside the ``model`` directory.
    root
        The cache folder (for the hash memo).

    Returns
    -------
    str or None
        ``None`` when the weights cannot be found (an in-memory model, an uncached hub id):
        such a run is not cached.
    """
    if not isinstance(model, (str, os.PathLike)):
        return None
    text = str(model)
    path = Path(text).expanduser()
    if gguf_file:
        files = [path / gguf_file]
    elif path.is_file():
        files = [path]
    elif path.is_dir():
        files = _identity_files(path)
    else:
        try:
            from huggingface_hub import try_to_load_from_cache
        except ImportError:  # pragma: no cover - lm-eval needs it
            return None
        cfg = try_to_load_from_cache(text, "config.json")
        if not isinstance(cfg, str):
            return None
        snap = Path(cfg).parent
        files = _identity_files(snap)
        path = snap
    files = [f for f in files if f.is_file()]
    if not any(f.suffix in _WEIGHT_SUFFIXES for f in files):
        return None
    hashes = [f"{f.name}:{file_sha256(f, root)}" for f in files]
    return json.dumps({"model": text, "files": hashes})


def chunk_key(bench: str, part: str, variant: str, requests: Sequence[Request]) -> str:
    """Hash of one chunk's requests (strings, doc ids, indices), benchmark, part and variant.

    Parameters
    ----------
    bench, part, variant
        Where the chunk comes from.
    requests
        The chunk's requests.

    Returns
    -------
    str
        The hex digest.
    """
    h = hashlib.sha256(f"{bench}\0{part}\0{variant}\0".encode())
    for r in requests:
        h.update(f"{r.doc_id}\0{r.idx}\0{r.context}\0{r.continuation}\0\1".encode())
    return h.hexdigest()


class ResultCache:
    """Append-only JSON-lines store of chunks' log-likelihoods for one model setting.

    Parameters
    ----------
    identity
        :func:`model_identity` joined with the dtype, device, backend, scoring path and
        variant: anything that changes the numbers.
    root
        The cache folder (default :func:`cache_dir`).
    """

    def __init__(self, identity: str, root: Path | None = None) -> None:
        self.root = cache_dir() if root is None else Path(root)
        self.path = self.root / "loglik" / f"{_sha(identity)[:32]}.jsonl"
        self.identity = identity
        self.damaged = 0
        self._entries: dict[str, list[float]] = {}
        self._load()

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            entry = _parse(line)
            if entry is None:
                self.damaged += 1
                continue
            self._entries[entry[0]] = entry[1]

    def get(self, key: str, n: int) -> list[float] | None:
        """The chunk's log-likelihoods, or ``None`` when absent, damaged or of the wrong size."""
        values = self._entries.get(key)
        if values is None or len(values) != n:
            return None
        return list(values)

    def put(self, key: str, values: Sequence[float]) -> None:
        """Append one chunk, flushed and fsynced before returning."""
        vals = [float(v) for v in values]
        body = json.dumps({"key": key, "ll": vals}, separators=(",", ":"))
        line = json.dumps({"key": key, "ll": vals, "sum": _sha(body)}, separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as fh:
            # a previous run killed mid-line leaves no newline: start on a fresh line
            if fh.tell() > 0:
                with self.path.open("rb") as rd:
                    rd.seek(-1, os.SEEK_END)
                    if rd.read(1) != b"\n":
                        fh.write(b"\n")
            fh.write(line.encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._entries[key] = vals

    def __len__(self) -> int:
        return len(self._entries)


def _parse(line: bytes) -> tuple[str, list[float]] | None:
    try:
        obj = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(obj, dict):
        return None
    key, vals, check = obj.get("key"), obj.get("ll"), obj.get("sum")
    if not isinstance(key, str) or not isinstance(vals, list) or not isinstance(check, str):
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return None
    body = json.dumps({"key": key, "ll": [float(v) for v in vals]}, separators=(",", ":"))
    if _sha(body) != check:
        return None
    floats = [float(v) for v in vals]
    if not all(math.isfinite(v) for v in floats):
        return None
    return key, floats
