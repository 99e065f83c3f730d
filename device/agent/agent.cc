// The device agent's lifecycle: boot, connect, message dispatch, status, running the model
// (agent.h). The update state machine itself is agent_update.cc.
#include "agent.h"

#include <string.h>

#include "agent_internal.h"
#include "device/runtime/integrity.h"
#include "device/runtime/interpreter.h"
#include "device/runtime/kernel.h"
#include "device/runtime/sha256.h"

namespace tmf {

const char* agent_status_to_string(AgentStatus status) {
  switch (status) {
    case AgentStatus::kAgentOk: return "ok";
    case AgentStatus::kAgentErrArgument: return "bad argument or configuration";
    case AgentStatus::kAgentErrLayout: return "flash geometry unusable";
    case AgentStatus::kAgentErrFlash: return "flash operation failed";
    case AgentStatus::kAgentErrNoModel: return "no valid model";
    case AgentStatus::kAgentErrTransport: return "publish failed";
  }
  return "unknown agent status";
}

AgentStatus agent_persist(Agent* a, const JournalRecord& next) {
  JournalRecord record = next;
  // The fault counters belong to the model that runs: a record that switches slots starts afresh.
  if (record.active_slot != a->state.active_slot) {
    record.fault_resets = 0;
    record.watchdog_resets = 0;
    record.fault_window_boot = 0;
    record.last_fault_pc = 0;
  }
  const AgentStatus s = journal_append(&a->journal, &record);
  if (s == AgentStatus::kAgentOk) a->state = record;
  return s;
}

void agent_publish_event(Agent* a, OtaEvent event, OtaResult result, uint32_t update_id,
                         uint32_t model_id, uint32_t model_version, uint32_t detail) {
  OtaEventMessage e{};
  e.update_id = update_id;
  e.event = event;
  e.result = result;
  e.state = a->state.state;
  e.active_slot = a->state.active_slot;
  e.model_id = model_id;
  e.model_version = model_version;
  e.detail = detail;
  if (!a->connected) {  // decided before the connection (at boot): publish on connect
    a->pending_event = true;
    a->pending = e;
    return;
  }
  uint8_t bytes[kOtaEventBytes];
  const size_t n = ota_event_encode(e, bytes, sizeof(bytes));
  a->port->transport_publish(OtaTopic::kOtaTopicEvent, bytes, static_cast<uint32_t>(n));
}

OtaStatusMessage agent_status_message(const Agent* a) {
  OtaStatusMessage st{};
  const JournalRecord& r = a->state;
  st.state = r.state;
  st.active_slot = a->has_model ? r.active_slot : kOtaNoSlot;
  st.last_result = r.last_result;
  st.last_update_id = r.state == OtaState::kOtaStateIdle ? r.last_update_id : r.update_id;
  if (a->has_model) {
    st.active_model_id = r.slots[r.active_slot].model_id;
    st.active_model_version = r.slots[r.active_slot].model_version;
    const AgentSlotInfo& other = r.slots[1 - r.active_slot];
    if (other.state == SlotState::kSlotStateValid) {
      st.previous_model_id = other.model_id;
      st.previous_model_version = other.model_version;
    }
  }
  if (r.state == OtaState::kOtaStateDownloading || r.state == OtaState::kOtaStateErasing) {
    const uint64_t confirmed = static_cast<uint64_t>(a->confirmed_chunks) * r.chunk_bytes;
    st.download_file_bytes = a->manifest.file_bytes;
    st.confirmed_bytes = confirmed > a->manifest.file_bytes ? a->manifest.file_bytes
                                                            : static_cast<uint32_t>(confirmed);
  }
  st.security_counter = r.security_counter;
  st.boot_count = r.boot_count;
  st.inference_count = a->inference_count;
  return st;
}

void agent_publish_status(Agent* a) {
  if (!a->connected) return;
  uint8_t bytes[kOtaStatusBytes];
  const size_t n = ota_status_encode(agent_status_message(a), bytes, sizeof(bytes));
  a->port->transport_publish(OtaTopic::kOtaTopicStatus, bytes, static_cast<uint32_t>(n));
}

namespace {

void publish_info(Agent* a) {
  OtaInfo info{};
  info.agent_version = kAgentVersion;
  info.ram_bytes = a->config.arena_bytes;
  info.slot_bytes = a->layout.slot_bytes;
  info.flash_bytes = a->port->flash_geometry().total_bytes;
  info.max_chunk_bytes = a->config.max_chunk_bytes;
  for (uint32_t op = 1; op < kOpCodeLimit; ++op) {
    if (kernel_find(static_cast<uint16_t>(op)) != nullptr) ota_ops_set(info.ops, op);
  }
  strncpy(info.core, a->config.core != nullptr ? a->config.core : "", kOtaMaxNameBytes);
  strncpy(info.group, a->config.group != nullptr ? a->config.group : "", kOtaMaxNameBytes);
  info.key_count = static_cast<uint8_t>(a->config.trusted_key_count);
  static_assert(sizeof(info.key_ids) >= sizeof(a->key_ids), "INFO holds every trusted key id");
  memcpy(info.key_ids, a->key_ids, sizeof(a->key_ids));
  uint8_t bytes[60 + 2 * kOtaMaxNameBytes + 32 * kOtaMaxKeys];
  const size_t n = ota_info_encode(info, bytes, sizeof(bytes));
  if (n > 0) a->port->transport_publish(OtaTopic::kOtaTopicInfo, bytes, static_cast<uint32_t>(n));
}

bool config_ok(const AgentConfig& c) {
  return c.arena != nullptr && reinterpret_cast<uintptr_t>(c.arena) % 16 == 0 &&
         c.trusted_key_count <= kAgentMaxKeys && (c.trusted_keys != nullptr || c.trusted_key_count == 0) &&
         c.max_chunk_bytes >= kOtaMinChunkBytes && c.max_chunk_bytes <= kOtaMaxChunkBytes &&
         c.window >= 1 && c.window <= kAgentMaxWindow && c.request_timeout_ms > 0;
}

}  // namespace

bool agent_signature_ok(Agent* a, const uint8_t* signature_and_key_id, const uint8_t* message,
                        uint32_t message_bytes) {
  for (uint32_t k = 0; k < a->config.trusted_key_count; ++k) {
    if (memcmp(a->key_ids[k], signature_and_key_id + 64, 32) == 0) {
      return a->port->crypto_ed25519_verify(signature_and_key_id, message, message_bytes,
                                            a->config.trusted_keys[k]);
    }
  }
  return false;
}

bool agent_slot_check(Agent* a, uint8_t slot, const AgentSlotInfo& info, Model* model) {
  if (slot > 1 || info.state == SlotState::kSlotStateEmpty || info.file_bytes == 0 ||
      info.file_bytes > a->layout.slot_bytes) {
    return false;
  }
  const uint8_t* base = a->port->flash_map(a->layout.slot_offset[slot], info.file_bytes);
  if (base == nullptr) return false;
  if (model_validate(base, info.file_bytes, model, nullptr) != Status::kOk) return false;
  if (model->header->model_id != info.model_id || model->header->model_version != info.model_version ||
      model->header->file_bytes != info.file_bytes) {
    return false;
  }
  if (model_verify_hash(*model) != Status::kOk) return false;
  // The signature record of the file (TLV 2) over the content hash just recomputed (TLV 1 equals
  // it): at boot this re-establishes that the bytes about to run were signed by a trusted key,
  // so flash that a debugger or a decayed cell changed, hash and all, is not run.
  uint32_t signature_bytes = 0, digest_bytes = 0;
  const uint8_t* signature = model_find_trailer(*model, kTrailerEd25519, &signature_bytes);
  const uint8_t* digest = model_find_trailer(*model, kTrailerSha256, &digest_bytes);
  if (signature == nullptr || signature_bytes != 96 || digest == nullptr || digest_bytes != 32) return false;
  uint8_t message[sizeof(kOtaSignatureMagic) + 32];
  memcpy(message, kOtaSignatureMagic, sizeof(kOtaSignatureMagic));
  memcpy(message + sizeof(kOtaSignatureMagic), digest, 32);
  return agent_signature_ok(a, signature, message, sizeof(message));
}

AgentStatus agent_select_model(Agent* a) {
  a->has_model = false;
  const uint8_t active = a->state.active_slot;
  if (active == kOtaNoSlot) return AgentStatus::kAgentErrNoModel;
  if (agent_slot_check(a, active, a->state.slots[active], &a->model)) {
    a->has_model = true;
    return AgentStatus::kAgentOk;
  }
  // The journal's invariants make this unreachable; if flash decayed, run the other valid model.
  a->port->log("agent: active slot fails its check, falling back");
  const uint8_t other = static_cast<uint8_t>(1 - active);
  JournalRecord next = a->state;
  next.slots[active].state = SlotState::kSlotStateEmpty;
  next.active_slot = kOtaNoSlot;
  if (a->state.slots[other].state == SlotState::kSlotStateValid &&
      a->state.slots[other].security_counter >= a->state.security_counter &&
      agent_slot_check(a, other, a->state.slots[other], &a->model)) {
    next.active_slot = other;
  }
  const AgentStatus s = agent_persist(a, next);
  if (s != AgentStatus::kAgentOk) return s;
  a->has_model = next.active_slot != kOtaNoSlot;
  return a->has_model ? AgentStatus::kAgentOk : AgentStatus::kAgentErrNoModel;
}

namespace {

// A fresh journal's incarnation id (journal.h): from the port's entropy, else from the clock and
// cycle counter of this instant; never 0 (0 marks journals older than the field).
uint32_t draw_incarnation(Port* port) {
  uint8_t bytes[4] = {0, 0, 0, 0};
  if (!port->entropy(bytes, sizeof(bytes))) {
    const uint32_t noise[2] = {port->clock_ms(), port->cycle_counter()};
    uint8_t digest[32];
    sha256(reinterpret_cast<const uint8_t*>(noise), sizeof(noise), digest);
    memcpy(bytes, digest, sizeof(bytes));
    port->log("agent: the port has no entropy; journal incarnation drawn from the clock");
  }
  const uint32_t id = static_cast<uint32_t>(bytes[0]) | (static_cast<uint32_t>(bytes[1]) << 8) |
                      (static_cast<uint32_t>(bytes[2]) << 16) | (static_cast<uint32_t>(bytes[3]) << 24);
  return id != 0 ? id : 1u;
}

}  // namespace

AgentStatus agent_boot(Agent* a, Port* port, const AgentConfig& config) {
  if (a == nullptr || port == nullptr || !config_ok(config)) return AgentStatus::kAgentErrArgument;
  memset(a, 0, sizeof(*a));
  a->port = port;
  a->config = config;
  for (uint32_t k = 0; k < config.trusted_key_count; ++k) sha256(config.trusted_keys[k], 32, a->key_ids[k]);
  AgentStatus s = agent_flash_layout(port->flash_geometry(), &a->layout);
  if (s != AgentStatus::kAgentOk) return s;
#if TMF_AGENT_MANIFEST_IN_FLASH
  if (port->flash_map(a->layout.update_offset, a->layout.update_bytes) == nullptr) return AgentStatus::kAgentErrLayout;
#endif
  bool found = false;
  s = journal_load(&a->journal, port, a->layout, &a->state, &found);
  if (s != AgentStatus::kAgentOk) return s;
  if (!found) a->state.incarnation = draw_incarnation(port);  // persisted with the boot count below
  s = agent_update_resume_at_boot(a);  // also counts the boot in the journal
  if (s != AgentStatus::kAgentOk) return s;
  a->booted = true;
  return agent_select_model(a);
}

AgentStatus agent_on_connect(Agent* a) {
  if (!a->booted) return AgentStatus::kAgentErrArgument;
  a->connected = true;
  publish_info(a);
  uint8_t presence[kOtaPresenceBytes];
  a->port->transport_publish(OtaTopic::kOtaTopicPresence, presence,
                             static_cast<uint32_t>(ota_presence_encode(true, presence, sizeof(presence))));
  if (a->pending_event) {
    a->pending_event = false;
    uint8_t bytes[kOtaEventBytes];
    const size_t n = ota_event_encode(a->pending, bytes, sizeof(bytes));
    a->port->transport_publish(OtaTopic::kOtaTopicEvent, bytes, static_cast<uint32_t>(n));
  }
  agent_publish_status(a);
  if (a->state.state == OtaState::kOtaStateDownloading) agent_update_restart_requests(a);
  return AgentStatus::kAgentOk;
}

void agent_on_disconnect(Agent* a) { a->connected = false; }

AgentStatus agent_on_message(Agent* a, OtaTopic topic, const uint8_t* data, size_t bytes) {
  if (!a->booted) return AgentStatus::kAgentErrArgument;
  switch (topic) {
    case OtaTopic::kOtaTopicManifest: return agent_update_on_manifest(a, data, bytes);
    case OtaTopic::kOtaTopicChunk: return agent_update_on_chunk(a, data, bytes);
    case OtaTopic::kOtaTopicCommand: {
      OtaCommand command{};
      if (ota_command_decode(data, bytes, &command) != OtaDecodeStatus::kOtaDecodeOk) {
        return AgentStatus::kAgentOk;  // malformed: dropped
      }
      switch (command.command) {
        case OtaCommandCode::kOtaCommandCancel: return agent_update_cancel(a, command.update_id);
        case OtaCommandCode::kOtaCommandRevert: return agent_update_revert(a);
        case OtaCommandCode::kOtaCommandPublishStatus: agent_publish_status(a); return AgentStatus::kAgentOk;
        case OtaCommandCode::kOtaCommandReboot: a->reboot_requested = true; return AgentStatus::kAgentOk;
        case OtaCommandCode::kOtaCommandCollect: break;  // the device app's (device/app), not the agent's
      }
      agent_publish_event(a, OtaEvent::kOtaEventRejected, OtaResult::kOtaResultUpdateFailed,
                          command.update_id, 0, 0, static_cast<uint32_t>(command.command));
      return AgentStatus::kAgentOk;
    }
    default: return AgentStatus::kAgentOk;  // device-to-host topics are not for us
  }
}

AgentStatus agent_poll(Agent* a) {
  if (!a->booted) return AgentStatus::kAgentErrArgument;
  return agent_update_poll(a);
}

const Model* agent_model(const Agent* a) { return a->has_model ? &a->model : nullptr; }

namespace {

// Copies the concatenated graph inputs into the arena and invokes.
bool run_model(const Model& model, uint8_t* arena, uint32_t arena_bytes, const uint8_t* input,
               uint32_t input_bytes, Interpreter* interpreter) {
  if (interpreter_init(interpreter, &model, arena, arena_bytes) != Status::kOk) return false;
  uint32_t at = 0;
  for (uint32_t i = 0; i < model.header->input_count; ++i) {
    const TensorRecord* t = nullptr;
    uint8_t* data = nullptr;
    if (interpreter_input(*interpreter, i, &t, &data) != Status::kOk) return false;
    if (t->bytes > input_bytes - at) return false;
    memcpy(data, input + at, t->bytes);
    at += t->bytes;
  }
  if (at != input_bytes) return false;
  return interpreter_invoke(interpreter) == Status::kOk;
}

}  // namespace

namespace {

// SHA-256 of the outputs' bytes, concatenated in output order.
bool outputs_digest(const Model& model, const Interpreter& interpreter, uint8_t digest[32]) {
  Sha256 ctx;
  sha256_init(&ctx);
  for (uint32_t i = 0; i < model.header->output_count; ++i) {
    const TensorRecord* t = nullptr;
    const uint8_t* data = nullptr;
    if (interpreter_output(interpreter, i, &t, &data) != Status::kOk) return false;
    sha256_update(&ctx, data, t->bytes);
  }
  sha256_final(&ctx, digest);
  return true;
}

}  // namespace

bool agent_model_digest(const Model& model, uint8_t* arena, uint32_t arena_bytes,
                        const uint8_t* input, uint32_t input_bytes, uint8_t digest[32]) {
  Interpreter interpreter;
  return run_model(model, arena, arena_bytes, input, input_bytes, &interpreter) &&
         outputs_digest(model, interpreter, digest);
}

bool agent_model_digest_derived(const Model& model, uint8_t* arena, uint32_t arena_bytes,
                                const uint8_t content_sha256[32], uint8_t digest[32]) {
  Interpreter interpreter;
  if (interpreter_init(&interpreter, &model, arena, arena_bytes) != Status::kOk) return false;
  OtaGoldenStream stream;
  ota_golden_stream_init(&stream, content_sha256);
  for (uint32_t i = 0; i < model.header->input_count; ++i) {
    const TensorRecord* t = nullptr;
    uint8_t* data = nullptr;
    if (interpreter_input(interpreter, i, &t, &data) != Status::kOk) return false;
    ota_golden_input_fill(&stream, t->type == kTensorTypeFloat32, data, t->bytes);
  }
  return interpreter_invoke(&interpreter) == Status::kOk && outputs_digest(model, interpreter, digest);
}

bool agent_infer(Agent* a, const uint8_t* input, uint32_t input_bytes, uint8_t* output,
                 uint32_t output_bytes, uint32_t* written) {
  if (!a->has_model) return false;
  Interpreter interpreter;
  if (!run_model(a->model, a->config.arena, a->config.arena_bytes, input, input_bytes, &interpreter)) {
    return false;
  }
  uint32_t at = 0;
  for (uint32_t i = 0; i < a->model.header->output_count; ++i) {
    const TensorRecord* t = nullptr;
    const uint8_t* data = nullptr;
    if (interpreter_output(interpreter, i, &t, &data) != Status::kOk) return false;
    if (t->bytes > output_bytes - at) return false;
    memcpy(output + at, data, t->bytes);
    at += t->bytes;
  }
  if (written != nullptr) *written = at;
  ++a->inference_count;
  return true;
}

}  // namespace tmf
