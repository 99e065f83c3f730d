#!/usr/bin/env python3
"""Writes the seed corpus of agent_fuzz (tests/fuzz/corpus_agent): message streams in the record
format of agent_fuzz.cc, built from a converted model file (docs/protocol.md layouts).
Usage: make_agent_seeds.py MODEL.tmf GOLDEN_INPUT GOLDEN_OUTPUT OUT_DIR"""
import hashlib, struct, sys, os, zlib

model, golden_in, golden_out, out = sys.argv[1:5]
f = open(model, 'rb').read()
gi = open(golden_in, 'rb').read()
go = open(golden_out, 'rb').read()
trailer = struct.unpack_from('<I', f, 96)[0]
model_id, version, arena = struct.unpack_from('<III', f, 16)
op_count = struct.unpack_from('<H', f, 42)[0]
ops_off = struct.unpack_from('<I', f, 56)[0]
ops = bytearray(32)
for i in range(op_count):
    op = struct.unpack_from('<H', f, ops_off + 16 * i)[0]
    ops[op // 8] |= 1 << (op % 8)
key_id = hashlib.sha256(bytes(32)).digest()
chunk = 256

def manifest(update_id, version_override=None, flags=0):
    body = struct.pack('<BBHIIIIIIIIBBH', 1, 1, 0, update_id, model_id, version_override or version,
                       len(f), trailer, len(f), arena, chunk, 1, 0, len(gi))
    body += bytes(ops) + hashlib.sha256(f[:trailer]).digest() + hashlib.sha256(f).digest()
    body += bytes([0x5A]) + bytes(63) + key_id + hashlib.sha256(go).digest() + gi
    return body

def rec(kind, payload):
    return struct.pack('<BH', kind, len(payload)) + payload

def chunk_msg(update_id, offset):
    data = f[offset:offset + chunk]
    return struct.pack('<BBHIIII', 1, 3, 0, update_id, offset, len(data), zlib.crc32(data)) + data

os.makedirs(out, exist_ok=True)
full = rec(0, manifest(7)) + b''.join(rec(1, chunk_msg(7, o)) for o in range(0, len(f), chunk))
open(os.path.join(out, 'full_update'), 'wb').write(full)
half = rec(0, manifest(8)) + b''.join(rec(1, chunk_msg(8, o)) for o in range(0, len(f) // 2, chunk))
resume = half + rec(3, b'') + b''.join(rec(1, chunk_msg(8, o)) for o in range(0, len(f), chunk))
open(os.path.join(out, 'reboot_resume'), 'wb').write(resume)
cancel = half + rec(2, struct.pack('<BBHBBBBI', 1, 8, 0, 1, 0, 0, 0, 8))
open(os.path.join(out, 'cancel'), 'wb').write(cancel)
revert = full + rec(0, manifest(9, version + 1)) + b''.join(rec(1, chunk_msg(9, o)) for o in range(0, len(f), chunk)) \
    + rec(2, struct.pack('<BBHBBBBI', 1, 8, 0, 2, 0, 0, 0, 0))
open(os.path.join(out, 'update_then_revert'), 'wb').write(revert)
open(os.path.join(out, 'manifest_only'), 'wb').write(manifest(10))
