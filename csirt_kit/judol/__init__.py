"""Judi online ("judol") vocabulary: text normalisation, keyword and gambling-domain lists."""

from csirt_kit.judol.normalize import normalize_text
from csirt_kit.judol.vocab import Vocabulary, load_vocabulary

__all__ = ["Vocabulary", "load_vocabulary", "normalize_text"]
