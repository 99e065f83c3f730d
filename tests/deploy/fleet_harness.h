// Test fleet: a real Mosquitto broker on a free loopback port (started from a generated config,
// stoppable and restartable on the same port) and virtual devices (build/bin/tinymlops-device)
// as child processes.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace tmf::test {

class Broker {
 public:
  explicit Broker(const std::string& work_dir);  // picks a free port and starts
  ~Broker();
  int port() const { return port_; }
  void stop();
  void start();
  bool running() const { return pid_ > 0; }

 private:
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

class VirtualDevice {
 public:
  // Starts tinymlops-device with its own flash file in `work_dir`; `extra` are more options.
  VirtualDevice(const std::string& work_dir, const std::string& id, const std::string& group, int broker_port,
                const std::string& trusted_key, const std::vector<std::string>& extra = {});
  ~VirtualDevice();
  void stop();
  const std::string& id() const { return id_; }
  const std::string& log_path() const { return log_; }

 private:
  std::string id_, log_;
  pid_t pid_ = -1;
};

// Runs `argv` to completion; returns its exit status (-1 if it could not run).
int run_process(const std::vector<std::string>& argv, const std::string& log_path);

}  // namespace tmf::test
