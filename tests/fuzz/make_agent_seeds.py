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
key_id = hashlib.sha256(bytes(32)).digest()
# "Sign" the file as the fuzz port's fake crypto accepts (signature byte 0 = 0x5A): the agent
# installs only files with TLV 2 and re-verifies it at every boot.
signed = bytearray(f[:trailer])
struct.pack_into('<I', signed, 100, 8 + 32 + 8 + 96)            # header.trailer.bytes
struct.pack_into('<I', signed, 12, trailer + 8 + 32 + 8 + 96)   # header.file_bytes
content_hash = hashlib.sha256(bytes(signed)).digest()
fake_signature = bytes([0x5A]) + bytes(63)
signed += struct.pack('<HHI', 1, 0, 32) + content_hash + struct.pack('<HHI', 2, 0, 96) + fake_signature + key_id
f = bytes(signed)
model_id, version, arena = struct.unpack_from('<III', f, 16)
op_count = struct.unpack_from('<H', f, 42)[0]
ops_off = struct.unpack_from('<I', f, 56)[0]
ops = bytearray(32)
for i in range(op_count):
    op = struct.unpack_from('<H', f, ops_off + 16 * i)[0]
    ops[op // 8] |= 1 << (op % 8)
chunk = 256

def manifest(update_id, version_override=None, flags=0):
    body = struct.pack('<BBHIIIIIIIIBBH', 1, 1, 0, update_id, model_id, version_override or version,
                       len(f), trailer, len(f), arena, chunk, 1, 0, len(gi))
    body += bytes(ops) + hashlib.sha256(f[:trailer]).digest() + hashlib.sha256(f).digest()
    body += fake_signature + key_id + hashlib.sha256(go).digest() + gi
    return body + record(update_id, version_override or version)

def record(sequence, record_version, fleet=b'fuzz', group=b'fuzz', counter=0):
    """The signed deployment record (docs/protocol.md): 160 signed bytes, signature, key id."""
    body = b'TMF-DEP1' + struct.pack('<IIIIBBBB', sequence, counter, model_id, record_version,
                                     len(fleet), len(group), 1, 0)
    body += fleet.ljust(32, b'\0') + group.ljust(32, b'\0') + content_hash + hashlib.sha256(go).digest()
    body += bytes(4)
    assert len(body) == 160
    return body + fake_signature + key_id

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
# Deployment records: a replay of the confirmed one under a fresh update id, an older one, one
# for another fleet and another group (each refused without a write), and a resumed download.
replay = full + rec(0, manifest(7)[:4] + struct.pack('<I', 70) + manifest(7)[8:])
open(os.path.join(out, 'record_replay'), 'wb').write(replay)
older = full + rec(0, manifest(6))
open(os.path.join(out, 'record_older'), 'wb').write(older)
def manifest_with(update_id, **kw):
    m = manifest(update_id)
    return m[:len(m) - 256] + record(update_id, version, **kw)
open(os.path.join(out, 'record_wrong_fleet'), 'wb').write(full + rec(0, manifest_with(11, fleet=b'other')))
open(os.path.join(out, 'record_wrong_group'), 'wb').write(full + rec(0, manifest_with(12, group=b'other')))
open(os.path.join(out, 'record_below_counter'), 'wb').write(
    rec(0, manifest_with(13, counter=3)) + b''.join(rec(1, chunk_msg(13, o)) for o in range(0, len(f), chunk))
    + rec(0, manifest_with(14, counter=2)))
open(os.path.join(out, 'record_resume'), 'wb').write(half + rec(0, manifest(8)[:4] + struct.pack('<I', 80) + manifest(8)[8:])
    + b''.join(rec(1, chunk_msg(8, o)) for o in range(0, len(f), chunk)))
