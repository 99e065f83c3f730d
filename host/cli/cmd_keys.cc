// `tinymlops keys generate|show|verify` and `tinymlops sign`: Ed25519 keys and model signatures
// (scheme: host/deploy/signing.h, docs/security.md).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"

namespace tmf::cli {
namespace {

struct KeysArgs {
  std::string registry_dir, dir, model, key, output;
  bool force = false;
  bool json = false;
};

// Keys live in --out/--dir when given, else in <registry>/keys.
std::string key_dir(const KeysArgs& a) { return a.dir.empty() ? a.registry_dir + "/keys" : a.dir; }

nlohmann::json public_json(const std::string& public_path) {
  const deploy::PublicKey pk = deploy::key_load_public(public_path);
  const deploy::KeyId id = deploy::key_id_of(pk);
  nlohmann::json j;
  j["public_key"] = deploy::hex_encode(pk.data(), pk.size());
  j["key_id"] = deploy::hex_encode(id.data(), id.size());
  j["public_key_path"] = public_path;
  return j;
}

void run_generate(const KeysArgs& a) {
  const deploy::KeyPaths paths = deploy::keys_generate(key_dir(a), a.force);
  nlohmann::json j = public_json(paths.public_key);
  j["secret_key_path"] = paths.secret;
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("secret key %s (mode 0600; keep it off devices)\npublic key %s\nkey id %s\n", paths.secret.c_str(),
              paths.public_key.c_str(), j["key_id"].get<std::string>().c_str());
}

void run_show(const KeysArgs& a) {
  const deploy::KeyPaths paths = deploy::key_paths(key_dir(a));
  if (!std::filesystem::exists(paths.public_key)) {
    throw CliError(paths.public_key + ": no key (run `tinymlops keys generate` first)", 2);
  }
  nlohmann::json j = public_json(paths.public_key);
  j["secret_key_path"] = std::filesystem::exists(paths.secret) ? nlohmann::json(paths.secret) : nlohmann::json(nullptr);
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("public key %s\nkey id %s\nfile %s\n", j["public_key"].get<std::string>().c_str(),
              j["key_id"].get<std::string>().c_str(), paths.public_key.c_str());
}

void run_verify(const KeysArgs& a) {
  const std::string public_path = a.key.empty() ? deploy::key_paths(key_dir(a)).public_key : a.key;
  const deploy::PublicKey pk = deploy::key_load_public(public_path);
  const deploy::SignatureCheck check = deploy::model_verify_signature(read_file(a.model), pk);
  if (a.json) {
    nlohmann::json j;
    j["model"] = a.model;
    j["ok"] = check == deploy::SignatureCheck::kSignatureOk;
    j["result"] = deploy::signature_check_to_string(check);
    std::printf("%s\n", j.dump(2).c_str());
  } else if (check == deploy::SignatureCheck::kSignatureOk) {
    std::printf("%s: %s\n", a.model.c_str(), deploy::signature_check_to_string(check));
  }
  if (check != deploy::SignatureCheck::kSignatureOk) {
    throw CliError(a.model + ": " + deploy::signature_check_to_string(check), 2);
  }
}

void run_sign(const KeysArgs& a) {
  const deploy::KeyPair key = deploy::key_load_secret(a.key);
  const std::vector<uint8_t> signed_file = deploy::model_sign(read_file(a.model), key, a.model);
  const std::string out = a.output.empty() ? a.model : a.output;
  write_file_atomic(out, signed_file.data(), signed_file.size());
  const std::string key_id = deploy::model_signature_key_id(signed_file);
  if (a.json) {
    nlohmann::json j;
    j["output"] = out;
    j["file_bytes"] = signed_file.size();
    j["key_id"] = key_id;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("signed %s (%zu bytes, key id %.16s...)\n", out.c_str(), signed_file.size(), key_id.c_str());
}

}  // namespace

void register_keys(CLI::App& app) {
  CLI::App* keys = app.add_subcommand("keys", "Ed25519 signing keys for model files");
  keys->require_subcommand(1);

  auto gen_args = std::make_shared<KeysArgs>();
  CLI::App* gen = keys->add_subcommand("generate", "Create a key pair (secret key file mode 0600)");
  gen->add_option("--out", gen_args->dir, "Directory for tinymlops.key and tinymlops.pub (default <registry>/keys)");
  gen->add_flag("--force", gen_args->force, "Replace an existing key");
  gen->add_flag("--json", gen_args->json, "Print JSON (keys: public_key, key_id, secret_key_path, public_key_path)");
  add_registry_option(gen, gen_args->registry_dir);
  gen->callback([gen_args] { run_registry_command([&] { run_generate(*gen_args); }); });

  auto show_args = std::make_shared<KeysArgs>();
  CLI::App* show = keys->add_subcommand("show", "Show the public key and its key id");
  show->add_option("--dir", show_args->dir, "Key directory (default <registry>/keys)");
  show->add_flag("--json", show_args->json, "Print JSON (keys: public_key, key_id, ...)");
  add_registry_option(show, show_args->registry_dir);
  show->callback([show_args] { run_registry_command([&] { run_show(*show_args); }); });

  auto verify_args = std::make_shared<KeysArgs>();
  CLI::App* verify = keys->add_subcommand("verify", "Check a model file's signature (exit 2 if it fails)");
  verify->add_option("model", verify_args->model, "The .tmf file")->required()->check(CLI::ExistingFile);
  verify->add_option("--key", verify_args->key, "Public key file (default <registry>/keys/tinymlops.pub)");
  verify->add_option("--dir", verify_args->dir, "Key directory (default <registry>/keys)");
  verify->add_flag("--json", verify_args->json, "Print JSON (keys: model, ok, result)");
  add_registry_option(verify, verify_args->registry_dir);
  verify->callback([verify_args] { run_registry_command([&] { run_verify(*verify_args); }); });
}

void register_sign(CLI::App& app) {
  auto args = std::make_shared<KeysArgs>();
  CLI::App* sign = app.add_subcommand("sign", "Sign a model file with an Ed25519 key (trailer TLV 2)");
  sign->add_option("model", args->model, "The .tmf file")->required()->check(CLI::ExistingFile);
  sign->add_option("--key", args->key, "Secret key file (tinymlops.key)")->required()->check(CLI::ExistingFile);
  sign->add_option("-o,--output", args->output, "Write the signed file here (default: replace MODEL)");
  sign->add_flag("--json", args->json, "Print JSON (keys: output, file_bytes, key_id)");
  sign->callback([args] { run_registry_command([&] { run_sign(*args); }); });
}

}  // namespace tmf::cli
