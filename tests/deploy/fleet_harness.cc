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

VirtualDevice::VirtualDevice(const std::string& work_dir, const std::string& id, const std::string& group,
                             FleetBroker& broker, const std::string& registry_dir, const std::string& trusted_key,
                             const std::vector<std::string>& extra)
    : id_(id), log_(work_dir + "/" + id + ".log") {
  std::filesystem::create_directories(work_dir);
  broker.enrol(registry_dir, id, group);
  std::vector<std::string> argv = {TMF_DEVICE, "--id", id, "--fleet", broker.fleet(), "--group", group,
                                   "--flash", work_dir + "/" + id + ".flash", "--trusted-key", trusted_key};
  const std::vector<std::string> link = broker.device_flags(id);
  argv.insert(argv.end(), link.begin(), link.end());
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
