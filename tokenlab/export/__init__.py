"""Readers and writers for the tokenizer file formats of the ecosystem.

One module per format, each with an exporter and an importer:

* ``huggingface``: ``tokenizer.json`` (the native format; all model types);
* ``gpt2``: ``vocab.json`` + ``merges.txt``;
* ``bert``: ``vocab.txt``;
* ``tiktoken``: ``.tiktoken`` rank files (+ a JSON sidecar with the pattern);
* ``sentencepiece``: ``.model`` (protobuf ModelProto).

:meth:`tokenlab.Tokenizer.from_file` recognizes every one of them by name and
content. A conversion that cannot be exact is refused with the reason.
"""

from __future__ import annotations

__all__: list[str] = []
