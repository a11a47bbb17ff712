"""SentencePiece's piece types (``ModelProto.SentencePiece.Type``), defined once (a leaf).

>>> PieceType(3).name, int(PieceType.BYTE)
('CONTROL', 6)
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["BYTE", "CONTROL", "NORMAL", "UNKNOWN", "UNUSED", "USER_DEFINED", "PieceType"]


class PieceType(IntEnum):
    """The type of a SentencePiece piece, with the numbers a ``.model`` stores."""

    NORMAL = 1
    UNKNOWN = 2
    CONTROL = 3
    USER_DEFINED = 4
    UNUSED = 5
    BYTE = 6


# The members as plain names: the readers compare and store them as ints.
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = (int(t) for t in PieceType)
