// crypto_differential_set: writes the seeded differential set (differential_set_format.h) that
// the QEMU crypto test verifies bare-metal, with libsodium's verdict for every case.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "tests/crypto/differential_cases.h"
#include "tests/crypto/differential_set_format.h"

int main(int argc, char** argv) {
  CLI::App app{"Write a seeded Ed25519 differential set (libsodium verdicts) for the bare-metal test"};
  uint64_t seed = 14;
  uint32_t triples = 24;
  std::string output;
  bool json = false;
  app.add_option("-o,--output", output, "file to write")->required();
  app.add_option("--seed", seed, "generator seed")->capture_default_str();
  app.add_option("--triples", triples, "random triples; each yields one case per kind")->capture_default_str();
  app.add_flag("--json", json, "print the summary as JSON");
  CLI11_PARSE(app, argc, argv);

  std::ofstream out(output, std::ios::binary);
  if (!out) {
    std::cerr << "crypto_differential_set: " << output << ": cannot open for writing\n";
    return 1;
  }
  const auto& kinds = differential_kinds();
  std::map<std::string, uint8_t> kind_index;
  for (size_t i = 0; i < kinds.size(); ++i) kind_index[kinds[i]] = static_cast<uint8_t>(i);
  const uint32_t count = triples * static_cast<uint32_t>(kinds.size());
  out.write(kDifferentialSetMagic, 8);
  const uint8_t count_le[4] = {static_cast<uint8_t>(count), static_cast<uint8_t>(count >> 8),
                               static_cast<uint8_t>(count >> 16), static_cast<uint8_t>(count >> 24)};
  out.write(reinterpret_cast<const char*>(count_le), 4);
  uint32_t valid = 0;
  try {
    differential_cases(seed, triples, [&](const DifferentialCase& c) {
      const uint16_t n = static_cast<uint16_t>(c.message.size());
      const uint8_t head[4] = {static_cast<uint8_t>(c.sodium_valid ? 1 : 0), kind_index.at(c.kind),
                               static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8)};
      out.write(reinterpret_cast<const char*>(head), 4);
      out.write(reinterpret_cast<const char*>(c.public_key), 32);
      out.write(reinterpret_cast<const char*>(c.signature), 64);
      out.write(reinterpret_cast<const char*>(c.message.data()), n);
      valid += c.sodium_valid ? 1 : 0;
    });
  } catch (const std::exception& e) {
    std::cerr << "crypto_differential_set: " << e.what() << "\n";
    return 1;
  }
  out.close();
  if (!out) {
    std::cerr << "crypto_differential_set: " << output << ": write failed\n";
    return 1;
  }
  if (json) {
    std::cout << nlohmann::json{{"file", output}, {"seed", seed}, {"triples", triples}, {"cases", count},
                                {"valid", valid}}.dump()
              << "\n";
  } else {
    std::cout << output << ": " << count << " cases (" << triples << " triples, seed " << seed << "), " << valid
              << " valid by libsodium\n";
  }
  return 0;
}
