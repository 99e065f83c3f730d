// The bare-metal QEMU Port (qemu_port.h).
#include "qemu_port.h"

#include <string.h>

#include "board.h"
#include "cmsdk.h"
#include "qemu_print.h"
#include "qemu_startup.h"
#include "semihosting.h"
#if TMF_HAVE_CRYPTO
#include "device/crypto/ed25519.h"
#endif

namespace tmf_qemu {

bool QemuPort::power_cut_now() {
  if (flash_->operations != cut_at_) return false;
  qemu_print("firmware: power cut before flash operation %lu\n", static_cast<unsigned long>(cut_at_));
  qemu_exit(137);
}

tmf::PortStatus QemuPort::flash_read(uint32_t offset, void* out, uint32_t bytes) {
  return nor_read(flash_, offset, out, bytes);
}

tmf::PortStatus QemuPort::flash_erase_sector(uint32_t offset) {
  power_cut_now();
  return nor_erase_sector(flash_, offset);
}

tmf::PortStatus QemuPort::flash_write(uint32_t offset, const void* data, uint32_t bytes) {
  power_cut_now();
  return nor_write(flash_, offset, data, bytes);
}

uint32_t QemuPort::clock_ms() { return static_cast<uint32_t>(board_clock_ms()); }

bool QemuPort::entropy(void* out, uint32_t bytes) {
  const int32_t handle = sh_open("/dev/urandom", "rb");
  if (handle < 0) return false;
  const bool ok = sh_read(handle, out, bytes) == bytes;
  sh_close(handle);
  return ok;
}

tmf::PortStatus QemuPort::transport_publish(tmf::OtaTopic topic, const uint8_t* data, uint32_t bytes) {
  const tmf::LinkStatus s =
      tmf::link_device_send(link_, static_cast<uint8_t>(topic), data, bytes, clock_ms());
  return s == tmf::LinkStatus::kLinkOk ? tmf::PortStatus::kPortOk : tmf::PortStatus::kPortErrTransport;
}

bool QemuPort::crypto_ed25519_verify(const uint8_t signature[64], const uint8_t* message, uint32_t message_bytes,
                                     const uint8_t public_key[32]) {
#if TMF_HAVE_CRYPTO
  return tmf::crypto::ed25519_verify(signature, message, message_bytes, public_key);
#else
  (void)signature, (void)message, (void)message_bytes, (void)public_key;
  log("no Ed25519 verifier in this build: every signature is refused");
  return false;
#endif
}

uint32_t QemuPort::sensor_read(float* out, uint32_t samples) {
  uint32_t written = 0;
  while (written < samples) {
    const int byte = board_uart_read(kUart1Base);
    if (byte < 0) break;
    partial_[partial_count_++] = static_cast<uint8_t>(byte);
    if (partial_count_ == 4) {
      // little-endian IEEE-754 binary32, the wire format of docs/qemu.md's sensor stream
      memcpy(&out[written++], partial_, 4);
      partial_count_ = 0;
      if (++sensor_phase_ == sensor_channels_) sensor_phase_ = 0;
    }
  }
  return written;
}

void QemuPort::log(const char* text) { qemu_print("firmware: %s\n", text); }

}  // namespace tmf_qemu
