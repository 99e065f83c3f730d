// The protocol codec (device/agent/protocol.h), the update side: MANIFEST with its deployment
// record, CHUNK, REQUEST, EVENT, STATUS, PRESENCE, INFO, COMMAND and topic names; round trips, the
// byte offsets docs/protocol.md states, rejection of truncated and out-of-range input, CRC-32
// against its standard check value. TELEMETRY, its ack and DATA: protocol_telemetry_test.cc.
#include <string.h>

#include <vector>

#include "device/agent/protocol.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

TMF_TEST(OtaProtocol, Crc32CheckValue) {
  // The CRC-32/ISO-HDLC check value: CRC of "123456789".
  TMF_EXPECT_EQ(ota_crc32(0, "123456789", 9), 0xCBF43926u);
  TMF_EXPECT_EQ(ota_crc32(ota_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

TMF_TEST(OtaProtocol, ManifestRoundTripAndOffsets) {
  OtaManifest m{};
  m.update_id = 0x01020304;
  m.model_id = 7;
  m.model_version = 9;
  m.file_bytes = 1000;
  m.content_bytes = 856;
  m.flash_bytes = 1024;
  m.arena_bytes = 768;
  m.chunk_bytes = 512;
  m.package_type = kOtaPackageTmf1;
  ota_ops_set(m.ops, 1);
  ota_ops_set(m.ops, 18);
  for (int i = 0; i < 32; ++i) m.content_sha256[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 64; ++i) m.signature[i] = static_cast<uint8_t>(0x80 + i);
  const uint8_t golden[3] = {5, 6, 7};
  m.golden_input = golden;
  m.golden_input_bytes = 3;
  uint8_t bytes[kOtaMaxManifestBytes];
  const size_t n = ota_manifest_encode(m, bytes, sizeof(bytes));
  TMF_ASSERT(n == kOtaManifestFixedBytes + 3);
  TMF_EXPECT_EQ(bytes[0], 1);
  TMF_EXPECT_EQ(bytes[1], 1);
  TMF_EXPECT_EQ(bytes[4], 0x04);  // update_id little-endian at offset 4
  TMF_EXPECT_EQ(bytes[7], 0x01);
  TMF_EXPECT_EQ(bytes[40], 0x02);  // opcode 1 -> bit 1 of byte 0 of the bitmap at 40
  TMF_EXPECT_EQ(bytes[42], 0x04);  // opcode 18 -> bit 2 of byte 2
  TMF_EXPECT_EQ(bytes[136], 0x80);  // signature at 136
  TMF_EXPECT_EQ(bytes[264], 5);     // golden input at 264
  OtaManifest d{};
  TMF_ASSERT(ota_manifest_decode(bytes, n, &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(d.update_id, m.update_id);
  TMF_EXPECT_EQ(d.content_bytes, 856);
  TMF_EXPECT_EQ(d.golden_input_bytes, 3);
  TMF_EXPECT_EQ(d.golden_input[2], 7);
  TMF_EXPECT(ota_ops_has(d.ops, 18) && !ota_ops_has(d.ops, 17));
  TMF_EXPECT_BYTES_EQ(d.signature, m.signature, 64);
  // Every truncation is rejected; a trailing extension is accepted.
  for (size_t cut = 0; cut < n; ++cut) {
    TMF_EXPECT(ota_manifest_decode(bytes, cut, &d) != OtaDecodeStatus::kOtaDecodeOk);
  }
  TMF_EXPECT(ota_manifest_decode(bytes, n + 10, &d) == OtaDecodeStatus::kOtaDecodeOk);
  // Ranges: content not inside the file, bad chunk size, zero update id, other version.
  uint8_t bad[kOtaMaxManifestBytes];
  memcpy(bad, bytes, n);
  bad[20] = 0xE8, bad[21] = 0x03;  // content_bytes = 1000 = file_bytes
  TMF_EXPECT(ota_manifest_decode(bad, n, &d) == OtaDecodeStatus::kOtaDecodeBadField);
  memcpy(bad, bytes, n);
  bad[32] = 100, bad[33] = 0;  // chunk 100: not a multiple of 16
  TMF_EXPECT(ota_manifest_decode(bad, n, &d) == OtaDecodeStatus::kOtaDecodeBadField);
  memcpy(bad, bytes, n);
  memset(bad + 4, 0, 4);
  TMF_EXPECT(ota_manifest_decode(bad, n, &d) == OtaDecodeStatus::kOtaDecodeBadField);
  memcpy(bad, bytes, n);
  bad[0] = 2;
  TMF_EXPECT(ota_manifest_decode(bad, n, &d) == OtaDecodeStatus::kOtaDecodeBadVersion);
  bad[0] = 1, bad[1] = 3;
  TMF_EXPECT(ota_manifest_decode(bad, n, &d) == OtaDecodeStatus::kOtaDecodeWrongType);
}

TMF_TEST(OtaProtocol, ChunkAndRequest) {
  const uint8_t data[5] = {1, 2, 3, 4, 5};
  OtaChunk c{9, 1024, 5, 0, data};
  uint8_t bytes[64];
  const size_t n = ota_chunk_encode(c, bytes, sizeof(bytes));
  TMF_ASSERT(n == 25);
  OtaChunk d{};
  TMF_ASSERT(ota_chunk_decode(bytes, n, &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(d.offset, 1024);
  TMF_EXPECT(ota_chunk_crc_ok(d));
  bytes[22] ^= 1;
  TMF_EXPECT(!ota_chunk_crc_ok(d));
  TMF_EXPECT(ota_chunk_decode(bytes, n - 1, &d) == OtaDecodeStatus::kOtaDecodeTruncated);

  OtaChunkRequest r{};
  r.update_id = 9;
  r.confirmed_bytes = 2048;
  r.range_count = 2;
  r.ranges[0] = {0, 512};
  r.ranges[1] = {4096, 100};
  const size_t rn = ota_chunk_request_encode(r, bytes, sizeof(bytes));
  TMF_ASSERT(rn == 32);
  OtaChunkRequest rd{};
  TMF_ASSERT(ota_chunk_request_decode(bytes, rn, &rd) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(rd.range_count, 2);
  TMF_EXPECT_EQ(rd.ranges[1].offset, 4096);
  TMF_EXPECT_EQ(rd.ranges[1].length, 100);
  TMF_EXPECT(ota_chunk_request_decode(bytes, rn - 1, &rd) == OtaDecodeStatus::kOtaDecodeTruncated);
  bytes[12] = 17;  // more ranges than allowed
  TMF_EXPECT(ota_chunk_request_decode(bytes, rn, &rd) == OtaDecodeStatus::kOtaDecodeBadField);
}

TMF_TEST(OtaProtocol, EventStatusPresenceInfoCommand) {
  uint8_t bytes[512];
  OtaEventMessage e{7, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultVersionRollback,
                    OtaState::kOtaStateIdle, 1, 42, 3, 2};
  TMF_ASSERT(ota_event_encode(e, bytes, sizeof(bytes)) == kOtaEventBytes);
  TMF_EXPECT_EQ(bytes[9], 11);
  OtaEventMessage ed{};
  TMF_ASSERT(ota_event_decode(bytes, kOtaEventBytes, &ed) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(ed.detail, 2);

  OtaStatusMessage s{};
  s.state = OtaState::kOtaStateDownloading;
  s.active_slot = 1;
  s.security_counter = 77;
  TMF_ASSERT(ota_status_encode(s, bytes, sizeof(bytes)) == kOtaStatusBytes);
  OtaStatusMessage sd{};
  TMF_ASSERT(ota_status_decode(bytes, kOtaStatusBytes, &sd) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(sd.security_counter, 77);
  TMF_EXPECT(sd.state == OtaState::kOtaStateDownloading);

  bool online = false;
  TMF_ASSERT(ota_presence_encode(true, bytes, sizeof(bytes)) == kOtaPresenceBytes);
  TMF_EXPECT(ota_presence_decode(bytes, kOtaPresenceBytes, &online) == OtaDecodeStatus::kOtaDecodeOk && online);

  OtaInfo info{};
  info.ram_bytes = 65536;
  strcpy(info.core, "cortex-m4");
  strcpy(info.group, "canary");
  info.key_count = 1;
  info.key_ids[0][31] = 0xAB;
  const size_t in = ota_info_encode(info, bytes, sizeof(bytes));
  TMF_ASSERT(in == 60 + 9 + 6 + 32);
  OtaInfo id{};
  TMF_ASSERT(ota_info_decode(bytes, in, &id) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(strcmp(id.core, "cortex-m4") == 0 && strcmp(id.group, "canary") == 0);
  TMF_EXPECT_EQ(id.key_ids[0][31], 0xAB);
  TMF_EXPECT(ota_info_decode(bytes, in - 1, &id) == OtaDecodeStatus::kOtaDecodeTruncated);

  OtaCommand c{OtaCommandCode::kOtaCommandCancel, 5, 0};
  TMF_ASSERT(ota_command_encode(c, bytes, sizeof(bytes)) == kOtaCommandBytes);
  OtaCommand cd{};
  TMF_ASSERT(ota_command_decode(bytes, kOtaCommandBytes, &cd) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(cd.update_id, 5);
}

TMF_TEST(OtaProtocol, Topics) {
  char topic[kOtaMaxTopicBytes];
  TMF_EXPECT_EQ(ota_topic_format("plant-1", "dev_07", OtaTopic::kOtaTopicManifest, topic, sizeof(topic)),
                strlen("tmf/plant-1/dev_07/manifest"));
  TMF_EXPECT(strcmp(topic, "tmf/plant-1/dev_07/manifest") == 0);
  OtaTopic leaf{};
  TMF_EXPECT(ota_topic_parse("tmf/plant-1/dev_07/cmd", "plant-1", "dev_07", &leaf) && leaf == OtaTopic::kOtaTopicCommand);
  TMF_EXPECT(!ota_topic_parse("tmf/plant-1/dev_08/cmd", "plant-1", "dev_07", &leaf));
  TMF_EXPECT_EQ(ota_topic_format("a/b", "d", OtaTopic::kOtaTopicInfo, topic, sizeof(topic)), 0);  // '/' not allowed
  TMF_EXPECT_EQ(ota_topic_format("f", "#", OtaTopic::kOtaTopicInfo, topic, sizeof(topic)), 0);    // wildcard
  TMF_EXPECT_EQ(ota_topic_format("f", "d", OtaTopic::kOtaTopicInfo, topic, 8), 0);                // too small
  TMF_EXPECT(!ota_name_valid("0123456789012345678901234567890123"));
}

TMF_TEST(OtaProtocol, CommandCollect) {
  // Hand-built 16-byte collect: capture 0x0A0B0C0D, 4000 samples.
  const uint8_t collect[16] = {1, 8, 0, 0, 5, 0, 0, 0, 0x0D, 0x0C, 0x0B, 0x0A, 0xA0, 0x0F, 0, 0};
  OtaCommand c{};
  TMF_ASSERT(ota_command_decode(collect, 16, &c) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(c.command == OtaCommandCode::kOtaCommandCollect);
  TMF_EXPECT_EQ(c.update_id, 0x0A0B0C0Du);
  TMF_EXPECT_EQ(c.collect_samples, 4000u);
  uint8_t bytes[32];
  TMF_ASSERT(ota_command_encode(c, bytes, sizeof(bytes)) == kOtaCommandCollectBytes);
  TMF_EXPECT_BYTES_EQ(bytes, collect, 16);
  // Every truncation rejected (a 12-byte collect is malformed), appended bytes ignored.
  for (size_t cut = 0; cut < 16; ++cut) {
    TMF_EXPECT(ota_command_decode(collect, cut, &c) != OtaDecodeStatus::kOtaDecodeOk);
  }
  TMF_EXPECT(ota_command_decode(collect, 12, &c) == OtaDecodeStatus::kOtaDecodeTruncated);
  uint8_t longer[20] = {};
  memcpy(longer, collect, 16);
  TMF_EXPECT(ota_command_decode(longer, 20, &c) == OtaDecodeStatus::kOtaDecodeOk && c.collect_samples == 4000);
  // Zero capture id or zero samples: bad field, and the encoder refuses them.
  uint8_t bad[16];
  memcpy(bad, collect, 16);
  memset(bad + 12, 0, 4);
  TMF_EXPECT(ota_command_decode(bad, 16, &c) == OtaDecodeStatus::kOtaDecodeBadField);
  memcpy(bad, collect, 16);
  memset(bad + 8, 0, 4);
  TMF_EXPECT(ota_command_decode(bad, 16, &c) == OtaDecodeStatus::kOtaDecodeBadField);
  TMF_EXPECT_EQ(ota_command_encode(OtaCommand{OtaCommandCode::kOtaCommandCollect, 3, 0}, bytes, sizeof(bytes)), 0u);
  TMF_EXPECT_EQ(ota_command_encode(OtaCommand{OtaCommandCode::kOtaCommandCollect, 3, 9}, bytes, 15), 0u);
  // Other commands stay 12 bytes and decode with collect_samples = 0.
  const uint8_t status_cmd[12] = {1, 8, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0};
  c.collect_samples = 99;
  TMF_ASSERT(ota_command_decode(status_cmd, 12, &c) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(c.command == OtaCommandCode::kOtaCommandPublishStatus);
  TMF_EXPECT_EQ(c.collect_samples, 0u);
}

// The deployment record's layout (docs/protocol.md "Deployment record"): fields at their offsets,
// a round trip inside a MANIFEST, and every malformed variant refused.
TMF_TEST(OtaProtocol, DeploymentRecord) {
  OtaDeployRecord r{};
  r.sequence = 0x01020304;
  r.security_counter = 7;
  r.model_id = 11;
  r.model_version = 12;
  r.flags = kOtaDeployFlagGoldenDigest;
  memcpy(r.fleet, "plant", 6);
  memcpy(r.group, "pumps-A", 8);
  for (int i = 0; i < 32; ++i) r.content_sha256[i] = static_cast<uint8_t>(i);
  for (int i = 0; i < 32; ++i) r.golden_output_sha256[i] = static_cast<uint8_t>(100 + i);
  r.signature[0] = 0xAB;
  r.key_id[31] = 0xCD;
  uint8_t b[kOtaDeployRecordBytes];
  TMF_ASSERT(ota_deploy_record_encode(r, b, sizeof(b)) == 256);
  TMF_EXPECT(memcmp(b, "TMF-DEP1", 8) == 0);
  TMF_EXPECT_EQ(b[8], 4);
  TMF_EXPECT_EQ(b[11], 1);
  TMF_EXPECT_EQ(b[12], 7);
  TMF_EXPECT_EQ(b[24], 5);
  TMF_EXPECT_EQ(b[25], 7);
  TMF_EXPECT_EQ(b[26], 1);
  TMF_EXPECT(memcmp(b + 28, "plant", 5) == 0 && b[33] == 0);
  TMF_EXPECT(memcmp(b + 60, "pumps-A", 7) == 0);
  TMF_EXPECT_EQ(b[92 + 31], 31);
  TMF_EXPECT_EQ(b[124], 100);
  TMF_EXPECT_EQ(b[160], 0xAB);
  TMF_EXPECT_EQ(b[255], 0xCD);
  OtaDeployRecord d{};
  TMF_ASSERT(ota_deploy_record_decode(b, sizeof(b), &d) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT_EQ(d.sequence, 0x01020304);
  TMF_EXPECT(strcmp(d.group, "pumps-A") == 0);
  TMF_EXPECT(ota_deploy_record_decode(b, 255, &d) == OtaDecodeStatus::kOtaDecodeTruncated);
  // Each malformed variant, one byte changed.
  const struct { uint32_t offset; uint8_t value; } bad[] = {
      {0, 'X'}, {26, 3}, {27, 1}, {24, 0}, {24, 33}, {25, 0}, {28, '/'}, {40, 'x'}, {156, 1},
      {8, 0}};
  for (const auto& m : bad) {
    uint8_t c[kOtaDeployRecordBytes];
    memcpy(c, b, sizeof(c));
    c[m.offset] = m.value;
    if (m.offset == 8) memset(c + 8, 0, 4);  // sequence 0
    TMF_EXPECT(ota_deploy_record_decode(c, sizeof(c), &d) == OtaDecodeStatus::kOtaDecodeBadField);
  }
  // Without the digest flag the digest field must be zero.
  uint8_t c[kOtaDeployRecordBytes];
  memcpy(c, b, sizeof(c));
  c[26] = 0;
  TMF_EXPECT(ota_deploy_record_decode(c, sizeof(c), &d) == OtaDecodeStatus::kOtaDecodeBadField);
  memset(c + 124, 0, 32);
  TMF_EXPECT(ota_deploy_record_decode(c, sizeof(c), &d) == OtaDecodeStatus::kOtaDecodeOk);

  // In a MANIFEST: after the golden input; absent (has_record false) or with the magic but cut.
  OtaManifest m{};
  m.update_id = 1;
  m.file_bytes = 1000;
  m.content_bytes = 800;
  m.flash_bytes = 1000;
  m.chunk_bytes = 1024;
  m.package_type = 1;
  const uint8_t golden[3] = {1, 2, 3};
  m.golden_input = golden;
  m.golden_input_bytes = 3;
  m.has_record = true;
  m.record = r;
  uint8_t msg[kOtaMaxManifestBytes];
  const size_t n = ota_manifest_encode(m, msg, sizeof(msg));
  TMF_ASSERT(n == kOtaManifestFixedBytes + 3 + 256);
  OtaManifest md{};
  TMF_ASSERT(ota_manifest_decode(msg, n, &md) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(md.has_record && md.record_bytes == msg + kOtaManifestFixedBytes + 3);
  TMF_EXPECT_EQ(md.record.security_counter, 7);
  TMF_ASSERT(ota_manifest_decode(msg, kOtaManifestFixedBytes + 3, &md) == OtaDecodeStatus::kOtaDecodeOk);
  TMF_EXPECT(!md.has_record);
  TMF_EXPECT(ota_manifest_decode(msg, n - 1, &md) == OtaDecodeStatus::kOtaDecodeTruncated);
}

}  // namespace
}  // namespace tmf
