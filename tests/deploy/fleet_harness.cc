// Broker and virtual-device processes for the deployment tests (see fleet_harness.h).
#include "tests/deploy/fleet_harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

namespace tmf::test {
namespace {

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool port_accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void terminate(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 300; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = -1;
}

}  // namespace

Broker::Broker(const std::string& work_dir) : dir_(work_dir) {
  std::filesystem::create_directories(dir_);
  port_ = free_loopback_port();
  {
    std::ofstream conf(dir_ + "/mosquitto.conf");
    conf << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\npersistence false\n"
         << "max_queued_messages 100000\n";
  }
  start();
}

Broker::~Broker() { stop(); }

void Broker::start() {
  if (pid_ > 0) return;
  pid_ = spawn({"/usr/sbin/mosquitto", "-c", dir_ + "/mosquitto.conf"}, dir_ + "/mosquitto.log");
  for (int i = 0; i < 500 && !port_accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!port_accepts(port_)) {
    std::ifstream log(dir_ + "/mosquitto.log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    throw std::runtime_error("mosquitto did not start on port " + std::to_string(port_) + ": " + text);
  }
}

void Broker::stop() { terminate(pid_); }

VirtualDevice::VirtualDevice(const std::string& work_dir, const std::string& id, const std::string& group,
                             int broker_port, const std::string& trusted_key, const std::vector<std::string>& extra)
    : id_(id), log_(work_dir + "/" + id + ".log") {
  std::filesystem::create_directories(work_dir);
  std::vector<std::string> argv = {TMF_DEVICE, "--id", id, "--group", group, "--broker-port",
                                   std::to_string(broker_port), "--flash", work_dir + "/" + id + ".flash",
                                   "--trusted-key", trusted_key};
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_ = spawn(argv, log_);
}

VirtualDevice::~VirtualDevice() { stop(); }

void VirtualDevice::stop() { terminate(pid_); }

int run_process(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_t pid = spawn(argv, log_path);
  if (pid <= 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace tmf::test
