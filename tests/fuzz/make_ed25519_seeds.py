#!/usr/bin/env python3
"""Writes the seed corpus of ed25519_fuzz (tests/fuzz/corpus_ed25519): the RFC 8032 section 7.1
vectors of tests/crypto/crypto_vectors.h as mode-0 inputs (key | signature | message), and mode-1
inputs (key seed | zero mask | message) that libsodium signs inside the fuzzer.

Usage: tests/fuzz/make_ed25519_seeds.py [--help] [OUTPUT_DIR]"""
import pathlib
import re
import sys


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    root = pathlib.Path(__file__).resolve().parents[2]
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "tests/fuzz/corpus_ed25519"
    out.mkdir(parents=True, exist_ok=True)
    text = (root / "tests/crypto/crypto_vectors.h").read_text()
    body = text[text.index("kRfc8032Vectors[]"):]
    for n, entry in enumerate(re.findall(r'\{"TEST[^"]*",(.*?)\},\n', body, re.S)):
        strings = re.findall(r'((?:"[0-9a-f]*"\s*)+)', entry)
        secret, public, message, signature = ("".join(re.findall(r'"([0-9a-f]*)"', s)) for s in strings)
        (out / f"rfc8032_{n}_raw").write_bytes(bytes([0]) + bytes.fromhex(public + signature + message))
        (out / f"rfc8032_{n}_signed").write_bytes(bytes([1]) + bytes.fromhex(secret) + bytes(96) + bytes.fromhex(message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
