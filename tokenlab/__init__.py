"""tokenlab: subword-tokenizer algorithms with a native core, exact and deterministic.

Train a tokenizer on your corpus, encode and decode with it, and save it as a
Hugging Face ``tokenizer.json``:

>>> import tokenlab
>>> tok = tokenlab.train(iter(["hug pug pun bun hugs"]), vocab_size=262, show_progress=False)
>>> tok.decode(tok.encode("hugs").ids)
'hugs'

Training lives in :mod:`tokenlab.api` (``train``, ``train_from_counts``,
``count_settings``); this module only names the public API.
``tokenlab.backend`` says which core runs: ``"cython"`` (native) or ``"python"``.
"""

from __future__ import annotations

from . import decoders as decoders
from . import export as export
from . import normalizers as normalizers
from . import pre_tokenizers as pre_tokenizers
from . import processors as processors
from ._backend import BACKEND as backend
from ._version import __version__ as __version__
from .api import ALGORITHMS as ALGORITHMS
from .api import count_settings as count_settings
from .api import train as train
from .api import train_from_counts as train_from_counts
from .bpe import BPETrainer as BPETrainer
from .errors import ConfigError as ConfigError
from .errors import CorpusError as CorpusError
from .errors import ModelFileError as ModelFileError
from .errors import TokenlabError as TokenlabError
from .errors import VocabSizeWarning as VocabSizeWarning
from .models import BPE as BPE
from .models import SentencePieceBPE as SentencePieceBPE
from .models import Unigram as Unigram
from .models import WordPiece as WordPiece
from .sentencepiece_bpe import SentencePieceBPETrainer as SentencePieceBPETrainer
from .tokenizer import AddedToken as AddedToken
from .tokenizer import Encoding as Encoding
from .tokenizer import Tokenizer as Tokenizer
from .unigram import UnigramTrainer as UnigramTrainer
from .wordpiece import WordPieceTrainer as WordPieceTrainer

__all__ = [
    "BPE",
    "AddedToken",
    "BPETrainer",
    "ConfigError",
    "CorpusError",
    "Encoding",
    "ModelFileError",
    "SentencePieceBPE",
    "SentencePieceBPETrainer",
    "Tokenizer",
    "TokenlabError",
    "Unigram",
    "UnigramTrainer",
    "VocabSizeWarning",
    "WordPiece",
    "WordPieceTrainer",
    "__version__",
    "backend",
    "count_settings",
    "decoders",
    "export",
    "normalizers",
    "pre_tokenizers",
    "processors",
    "train",
    "train_from_counts",
]
