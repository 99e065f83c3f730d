// Helpers for tests that run servers and commands as child processes (Mosquitto, tinymlops serve,
// tinymlops-device): a free port on 127.0.0.1 and a spawn with its output in a log file.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace tmf::test_support {

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
inline int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Runs argv (PATH searched) with stdout and stderr to `log`, appended or truncated first.
inline pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log, bool append) {
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = fopen(log.c_str(), append ? "a" : "w");
    if (out != nullptr) {
      dup2(fileno(out), 1);
      dup2(fileno(out), 2);
    }
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace tmf::test_support
