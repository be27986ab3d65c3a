"""Kafka's default partitioning (murmur2 of the key), as aiokafka's `send()` and the Java client do.

This murmur2 is aiokafka's, reading 4-byte words at a time; a unit test holds the two equal.
"""

from __future__ import annotations

import struct

_M = 0x5BD1E995
_MASK = 0xFFFFFFFF
_WORDS: dict[int, struct.Struct] = {}


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as an unsigned 32-bit int."""
    length = len(data)
    h = 0x9747B28C ^ length
    words = _WORDS.get(length)
    if words is None:
        words = _WORDS[length] = struct.Struct(f"<{length // 4}I")
    for word in words.unpack_from(data):
        k = (word * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = length & 3
    if tail:
        base = length - tail
        if tail == 3:
            h ^= data[base + 2] << 16
        if tail >= 2:
            h ^= data[base + 1] << 8
        h ^= data[base]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


def partition_of(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def key_hash(key: bytes) -> int:
    """The non-negative hash the default partitioner takes modulo the partition count."""
    return murmur2(key) & 0x7FFFFFFF
