// The state journal (device/agent/journal.h): the newest intact record wins, torn writes and
// half-erased sectors are survived, sectors rotate, records round-trip.
#include <string.h>

#include <memory>

#include "device/agent/agent.h"
#include "device/agent/journal.h"
#include "ota_harness.h"
#include "sim_port.h"
#include "tests/support/tmf_test.h"

namespace tmf_test {
namespace {

tmf::AgentFlashLayout layout_of(SimPort& port) {
  tmf::AgentFlashLayout layout{};
  tmf::agent_flash_layout(port.flash_geometry(), &layout);
  return layout;
}

TMF_TEST(AgentJournal, LayoutFigures) {
  SimPort port(1024 * 1024, 4096, 8);
  const tmf::AgentFlashLayout l = layout_of(port);
  TMF_EXPECT_EQ(l.update_offset, 8192);
  TMF_EXPECT_EQ(l.update_bytes, 16384);  // 4,416 B manifest store + 1,024 markers x 8 B, in sectors
  TMF_EXPECT_EQ(l.slot_offset[0], 24576);
  TMF_EXPECT_EQ(l.slot_bytes, 512000);
  TMF_EXPECT_EQ(l.slot_offset[1], 24576 + 512000);
  TMF_EXPECT_EQ(l.slot_offset[0] % 16, 0);
  SimPort tiny(16 * 1024, 4096, 8);
  tmf::AgentFlashLayout t{};
  TMF_EXPECT(tmf::agent_flash_layout(tiny.flash_geometry(), &t) == tmf::AgentStatus::kAgentErrLayout);
  SimPort odd(1024 * 1024, 4096, 3);
  TMF_EXPECT(tmf::agent_flash_layout(odd.flash_geometry(), &t) == tmf::AgentStatus::kAgentErrLayout);
}

// A record written by agent version 1 ("TMJ1", floors at 88..119) is still read: slots kept,
// the floor table dropped (counter and sequences 0), not misread as counter or sequence.
TMF_TEST(AgentJournal, VersionOneRecordIsReadWithoutItsFloors) {
  tmf::JournalRecord r;
  tmf::journal_record_default(&r);
  r.sequence = 12;
  r.active_slot = 0;
  r.slots[0] = {tmf::SlotState::kSlotStateValid, 7, 3, 9000, 0};
  uint8_t bytes[tmf::kAgentJournalRecordBytes];
  tmf::journal_record_encode(r, bytes);
  const uint8_t v1_magic[4] = {'T', 'M', 'J', '1'};
  memcpy(bytes, v1_magic, 4);
  const uint8_t floors[16] = {7, 0, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 0};  // {7, 3}, {9, 4}
  memcpy(bytes + 88, floors, sizeof(floors));
  const uint32_t crc = tmf::ota_crc32(0, bytes, 124);
  for (int i = 0; i < 4; ++i) bytes[124 + i] = static_cast<uint8_t>(crc >> (8 * i));
  tmf::JournalRecord d;
  TMF_ASSERT(tmf::journal_record_decode(bytes, &d));
  TMF_EXPECT_EQ(d.sequence, 12);
  TMF_EXPECT_EQ(d.slots[0].model_id, 7);
  TMF_EXPECT_EQ(d.slots[0].file_bytes, 9000);
  TMF_EXPECT_EQ(d.security_counter, 0);
  TMF_EXPECT_EQ(d.accepted_sequence, 0);
  TMF_EXPECT_EQ(d.slots[0].security_counter, 0);
  TMF_EXPECT_EQ(d.slots[1].security_counter, 0);
  // Re-encoded, it is a version 2 record.
  tmf::journal_record_encode(d, bytes);
  TMF_EXPECT_EQ(bytes[3], '2');
}

TMF_TEST(AgentJournal, RecordRoundTripAndCrc) {
  tmf::JournalRecord r;
  tmf::journal_record_default(&r);
  r.sequence = 77;
  r.state = tmf::OtaState::kOtaStateDownloading;
  r.active_slot = 1;
  r.target_slot = 0;
  r.slots[1] = {tmf::SlotState::kSlotStateValid, 5, 6, 7000, 4};
  r.security_counter = 3;
  r.accepted_sequence = 41;
  r.incarnation = 0xC0FFEE01u;
  r.manifest_sha256[31] = 9;
  uint8_t bytes[tmf::kAgentJournalRecordBytes];
  tmf::journal_record_encode(r, bytes);
  tmf::JournalRecord d;
  TMF_ASSERT(tmf::journal_record_decode(bytes, &d));
  TMF_EXPECT_EQ(d.sequence, 77);
  TMF_EXPECT_EQ(d.slots[1].file_bytes, 7000);
  TMF_EXPECT_EQ(d.slots[1].security_counter, 4);
  TMF_EXPECT_EQ(d.security_counter, 3);
  TMF_EXPECT_EQ(d.accepted_sequence, 41);
  TMF_EXPECT_EQ(d.incarnation, 0xC0FFEE01u);
  TMF_EXPECT_EQ(d.manifest_sha256[31], 9);
  for (uint32_t i = 0; i < sizeof(bytes); ++i) {  // any single flipped byte is caught
    bytes[i] ^= 0x10;
    TMF_EXPECT(!tmf::journal_record_decode(bytes, &d));
    bytes[i] ^= 0x10;
  }
}

TMF_TEST(AgentJournal, NewestIntactRecordWinsAcrossRotationAndCuts) {
  SimPort port(1024 * 1024, 4096, 8);
  const tmf::AgentFlashLayout layout = layout_of(port);
  tmf::Journal journal;
  tmf::JournalRecord r;
  bool found = true;
  TMF_ASSERT(tmf::journal_load(&journal, &port, layout, &r, &found) == tmf::AgentStatus::kAgentOk);
  TMF_EXPECT(!found);
  // 100 records: 32 fit a sector, so the two sectors rotate several times.
  for (uint32_t i = 1; i <= 100; ++i) {
    r.boot_count = i;
    TMF_ASSERT(tmf::journal_append(&journal, &r) == tmf::AgentStatus::kAgentOk);
  }
  tmf::Journal again;
  tmf::JournalRecord loaded;
  tmf::journal_load(&again, &port, layout, &loaded, &found);
  TMF_EXPECT(found);
  TMF_EXPECT_EQ(loaded.boot_count, 100);
  // Cut every following append, both ways: the previous record stays in force, and the next
  // append after the reboot lands.
  for (CutMode mode : {CutMode::kBefore, CutMode::kTorn}) {
    for (uint32_t k = 0; k < 70; ++k) {
      port.cut_power_at(port.flash_ops, mode);
      tmf::JournalRecord next = loaded;
      next.boot_count = loaded.boot_count + 1000;
      tmf::journal_append(&again, &next);  // may need an erase first: that is what gets cut then
      port.restore_power();
      tmf::JournalRecord after;
      tmf::journal_load(&again, &port, layout, &after, &found);
      TMF_EXPECT(found);
      TMF_EXPECT_EQ(after.boot_count, loaded.boot_count);  // the cut write never took effect
      next = after;
      next.boot_count = after.boot_count + 1;
      TMF_ASSERT(tmf::journal_append(&again, &next) == tmf::AgentStatus::kAgentOk);
      tmf::journal_load(&again, &port, layout, &loaded, &found);
      TMF_EXPECT_EQ(loaded.boot_count, after.boot_count + 1);
    }
  }
}

// Regression (issue 12): a device whose journal is erased restarts at boot 1, and the host took
// its new telemetry for duplicates of the batches (boot 1, seq n) of its earlier life. The agent
// draws a new incarnation id whenever it starts on a blank journal and keeps it across boots.
TMF_TEST(AgentJournal, ErasedJournalStartsANewIncarnation) {
  auto device = std::make_unique<TestDevice>(keypair_from_seed(4), 64 * 1024, 1024);
  SimPort port(1024 * 1024, 4096, 8);
  const tmf::AgentFlashLayout layout = layout_of(port);
  auto boot = [&] {
    auto agent = std::make_unique<tmf::Agent>();
    tmf::agent_boot(agent.get(), &port, device->config);
    return std::make_pair(agent->state.incarnation, agent->state.boot_count);
  };
  const auto [first, boot1] = boot();
  TMF_EXPECT(first != 0);
  TMF_EXPECT_EQ(boot1, 1u);
  const auto [kept, boot2] = boot();
  TMF_EXPECT_EQ(kept, first);  // a reboot keeps the journal's id
  TMF_EXPECT_EQ(boot2, 2u);
  memset(port.raw_for_tampering() + layout.journal_offset, 0xFF, 2 * layout.sector_bytes);
  const auto [second, boot_again] = boot();
  TMF_EXPECT_EQ(boot_again, 1u);
  TMF_EXPECT(second != 0 && second != first);
  // A port without entropy still gets a non-zero id (from the clock).
  memset(port.raw_for_tampering() + layout.journal_offset, 0xFF, 2 * layout.sector_bytes);
  port.has_entropy = false;
  port.now_ms = 123457;
  const auto [fallback, boot_fallback] = boot();
  TMF_EXPECT(fallback != 0 && fallback != second);
  TMF_EXPECT_EQ(boot_fallback, 1u);
}

}  // namespace
}  // namespace tmf_test
