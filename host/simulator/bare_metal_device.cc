// A bare-metal device of the fleet simulator (see bare_metal_device.h).
#include "host/simulator/bare_metal_device.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "device/agent/protocol.h"

namespace tmf::simulator {
namespace {

static_assert(std::endian::native == std::endian::little, "the sensor stream is float32 little-endian");

// A window's worth of float32 samples: the FIFO holds one window of the default pipeline and no
// more, so what the device reads is never older than the window before it.
constexpr int kSensorPipeBytes = 4096;

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) throw std::runtime_error("no free TCP port on 127.0.0.1 for a device link");
  return ntohs(addr.sin_port);
}

// argv with stdout and stderr to `log`; the child gets SIGTERM if the simulator dies.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(argv[0] + ": fork: " + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    if (in >= 0) dup2(in, 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

bool alive(pid_t pid) { return pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0; }

void terminate(pid_t* pid) {
  if (*pid <= 0) return;
  kill(*pid, SIGTERM);
  for (int i = 0; i < 500 && waitpid(*pid, nullptr, WNOHANG) == 0; ++i) usleep(10000);
  if (waitpid(*pid, nullptr, WNOHANG) == 0) {
    kill(*pid, SIGKILL);
    waitpid(*pid, nullptr, 0);
  }
  *pid = -1;
}

}  // namespace

BareMetalDevice::BareMetalDevice(const BareMetalDeviceOptions& options, std::unique_ptr<sim::VibrationSource> source)
    : options_(options), source_(std::move(source)) {
  if (!ota_name_valid(options_.id.c_str()) || !ota_name_valid(options_.group.c_str()) ||
      !ota_name_valid(options_.fleet.c_str())) {
    throw std::invalid_argument("bare-metal device '" + options_.id + "' of group '" + options_.group +
                                "': names must be 1-32 characters of [A-Za-z0-9_-]");
  }
  if (access(options_.qemu_device_script.c_str(), X_OK) != 0) {
    throw std::runtime_error("--qemu-device '" + options_.qemu_device_script + "': not an executable script");
  }
  if (options_.trusted_key_files.empty()) throw std::invalid_argument("a bare-metal device needs a trusted key");
}

BareMetalDevice::~BareMetalDevice() { stop(); }

void BareMetalDevice::start() {
  std::filesystem::create_directories(options_.work_dir);
  const std::string base = (std::filesystem::path(options_.work_dir) / options_.id).string();
  sensor_pipe_ = base + ".sensor";
  for (const char* end : {".in", ".out"}) {
    const std::string path = sensor_pipe_ + end;
    std::filesystem::remove(path);
    if (mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error(path + ": mkfifo: " + std::strerror(errno));
  }
  // Read-write so that opening never waits for QEMU; the simulator never reads it.
  sensor_fd_ = open((sensor_pipe_ + ".in").c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (sensor_fd_ < 0) throw std::runtime_error(sensor_pipe_ + ".in: " + std::strerror(errno));
  fcntl(sensor_fd_, F_SETPIPE_SZ, kSensorPipeBytes);

  const std::string link = "tcp:127.0.0.1:" + std::to_string(free_loopback_port());
  std::vector<std::string> qemu = {options_.qemu_device_script, "--core", options_.core, "--id", options_.id,
                                   "--flash", base + ".flash", "--link", link, "--sensor-pipe", sensor_pipe_,
                                   "--fleet", options_.fleet, "--group", options_.group};
  if (!options_.firmware.empty()) qemu.insert(qemu.end(), {"--elf", options_.firmware});
  for (const std::string& key : options_.trusted_key_files) qemu.insert(qemu.end(), {"--trusted-key", key});
  qemu.insert(qemu.end(), {"--", "window_ms=" + std::to_string(options_.window_ms),
                           "sensor_channels=" + std::to_string(source_->axes())});
  qemu_pid_ = spawn(qemu, base + ".qemu.log");

  const fleet::BrokerSettings& b = options_.broker;
  std::vector<std::string> gateway = {options_.gateway_cli, "gateway", "--link", link, "--device", options_.id,
                                      "--fleet", options_.fleet, "--broker", b.url(), "--json"};
  if (!b.ca_file.empty()) gateway.insert(gateway.end(), {"--ca", b.ca_file});
  if (!b.cert_file.empty()) gateway.insert(gateway.end(), {"--cert", b.cert_file, "--key", b.key_file});
  gateway_pid_ = spawn(gateway, base + ".gateway.log");

  // The device's downlink `cmd`, read with its own identity (the broker lets a device read its
  // own downlinks): a collect tells the simulated sensor to stream the capture.
  commands_ = std::make_unique<fleet::MqttClient>("sim-sensor-" + options_.id, b);
  char topic[kOtaMaxTopicBytes];
  ota_topic_format(options_.fleet.c_str(), options_.id.c_str(), OtaTopic::kOtaTopicCommand, topic, sizeof(topic));
  commands_->subscribe(topic, 1);
}

bool BareMetalDevice::running() const { return alive(qemu_pid_) && alive(gateway_pid_); }

void BareMetalDevice::queue(double t_s, uint32_t samples) {
  // Whole frames of the sensor's axes (the firmware reads sensor_channels values per frame).
  const uint32_t c = source_->axes();
  const uint32_t frames = std::max<uint32_t>(1, samples / c);
  scratch_.resize(static_cast<size_t>(frames) * c);
  source_->generate(t_s, frames, scratch_.data());
  const auto* bytes = reinterpret_cast<const uint8_t*>(scratch_.data());
  pending_.insert(pending_.end(), bytes, bytes + scratch_.size() * sizeof(float));
}

void BareMetalDevice::flush() {
  while (pending_at_ < pending_.size()) {
    const ssize_t n = write(sensor_fd_, pending_.data() + pending_at_, pending_.size() - pending_at_);
    if (n <= 0) break;  // EAGAIN: the device has not taken the previous samples yet
    pending_at_ += static_cast<size_t>(n);
  }
  if (pending_at_ == pending_.size()) {
    pending_.clear();
    pending_at_ = 0;
  }
}

void BareMetalDevice::watch_commands(double t_s) {
  while (auto m = commands_->next(std::chrono::milliseconds(0))) {
    OtaCommand c{};
    if (ota_command_decode(m->payload.data(), m->payload.size(), &c) != OtaDecodeStatus::kOtaDecodeOk) continue;
    if (c.command != OtaCommandCode::kOtaCommandCollect) continue;
    // Contiguous samples from now; what is still in flight of the last window comes first.
    queue(t_s, std::min(c.collect_samples, kCaptureCapacity));
    ++captures_streamed_;
  }
}

bool BareMetalDevice::step(double t_s, double window_period_s, uint32_t window_samples) {
  if (sensor_fd_ < 0) return false;
  const uint64_t streamed = windows_streamed_ + captures_streamed_;
  watch_commands(t_s);
  if (t_s >= next_window_s_) {
    const double window_t = next_window_s_;
    next_window_s_ += window_period_s;
    // A device still reading earlier samples (a capture) skips this window rather than read it late.
    if (pending_.empty() && window_samples > 0) {
      queue(window_t, window_samples);
      ++windows_streamed_;
    }
  }
  flush();
  return windows_streamed_ + captures_streamed_ != streamed;
}

void BareMetalDevice::stop() {
  terminate(&gateway_pid_);
  terminate(&qemu_pid_);
  commands_.reset();
  if (sensor_fd_ >= 0) close(sensor_fd_);
  sensor_fd_ = -1;
}

}  // namespace tmf::simulator
