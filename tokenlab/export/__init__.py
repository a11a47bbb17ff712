"""Readers and writers for the tokenizer file formats of the ecosystem.

One module per format, each with an exporter and an importer:
``sentencepiece`` (``.model`` protobuf). Hugging Face ``tokenizer.json`` is
the native format (:meth:`tokenlab.Tokenizer.save` / ``from_file``).
"""

from __future__ import annotations

__all__: list[str] = []
