// The webhook notifier thread (see alert_notifier.h).
#include "host/notify/alert_notifier.h"

#include <httplib.h>
#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "host/cli/version.h"
#include "host/notify/notify_store.h"
#include "host/registry/registry.h"

namespace tmf::notify {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kBatch = 64;                  // pending alerts read per round
constexpr size_t kMaxResponseBytes = 64 * 1024;  // a receiver's answer is read no further

std::string sha256_hex(const std::string& text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What an operator reads for a failed request (cpp-httplib's own names are terse).
std::string http_error_text(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::ConnectionTimeout: return "no connection within the connect timeout";
    case httplib::Error::Read: return "no complete answer (read failed or timed out)";
    case httplib::Error::Write: return "sending the request failed";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load the CA certificates (--notify-ca)";
    case httplib::Error::SSLServerVerification:
      return "TLS: the receiver's certificate does not verify (its CA: --notify-ca)";
    default: return httplib::to_string(e);
  }
}

}  // namespace

nlohmann::json alert_notification_json(const monitor::Alert& a, const std::string& fleet, int64_t attempt) {
  nlohmann::json detail = nlohmann::json::parse(a.detail_json, nullptr, false);
  if (detail.is_discarded()) detail = a.detail_json;
  nlohmann::json alert = {{"id", a.id},
                          {"kind", a.kind},
                          {"source", a.source},
                          {"subject", a.subject},
                          {"raised_at_ms", a.raised_at_ms},
                          {"state", a.state},
                          {"detail", detail}};
  if (a.device) alert["device"] = *a.device;
  if (a.group) alert["group"] = *a.group;
  if (a.model_id && a.model_version) alert["model"] = {{"model_id", *a.model_id}, {"version", *a.model_version}};
  if (a.label) alert["label"] = *a.label ? "true_alarm" : "false_alarm";
  return {{"event", "alert"},
          {"fleet", fleet},
          {"alert", alert},
          {"attempt", attempt},
          {"sent_at_ms", unix_ms()},
          {"sender", std::string("tinymlops ") + kTinymlopsVersion}};
}

AlertNotifier::AlertNotifier(const std::string& registry_dir, WebhookOptions options, Log log)
    : options_(std::move(options)), url_(webhook_url_parse(options_.url)), target_(sha256_hex(options_.url)),
      log_(std::move(log)) {
  if (options_.retry_initial.count() <= 0 || options_.retry_max < options_.retry_initial) {
    throw std::invalid_argument("--notify-retry-initial-seconds / --notify-retry-max-seconds: need 0 < initial <= max");
  }
  if (url_.scheme == "http" && !options_.ca_file.empty()) {
    throw std::invalid_argument("--notify-ca is for an https:// webhook, not " + url_.redacted());
  }
  registry_ = std::make_unique<registry::Registry>(registry_dir);
  NotifyStore(registry_->db()).target_register(target_, url_.redacted(), unix_ms());
  thread_ = std::thread([this] { run(); });
}

AlertNotifier::~AlertNotifier() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AlertNotifier::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

uint64_t AlertNotifier::delivered() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return delivered_;
}

uint64_t AlertNotifier::failed_attempts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

bool AlertNotifier::deliver(const monitor::Alert& alert) {
  NotifyStore store(registry_->db());
  httplib::Client client(url_.origin());
  client.set_follow_location(false);  // only ever the configured host
  client.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(options_.connect_timeout).count(),
                                (options_.connect_timeout.count() % 1000) * 1000);
  client.set_read_timeout(options_.io_timeout.count() / 1000, (options_.io_timeout.count() % 1000) * 1000);
  client.set_write_timeout(options_.io_timeout.count() / 1000, (options_.io_timeout.count() % 1000) * 1000);
  if (url_.scheme == "https") {
    client.enable_server_certificate_verification(true);
    if (!options_.ca_file.empty()) client.set_ca_cert_path(options_.ca_file);
  }
  // The attempt number the receiver sees counts this one.
  int64_t attempt = 1;
  {
    registry::Statement s(registry_->db(), "SELECT attempts FROM notify_deliveries WHERE target = ? AND alert = ?");
    s.bind(1, target_).bind(2, alert.id);
    if (s.step()) attempt = s.column_int(0) + 1;
  }
  httplib::Request request;
  request.method = "POST";
  request.path = url_.path;
  request.body = alert_notification_json(alert, options_.fleet, attempt).dump();
  request.set_header("Content-Type", "application/json");
  request.set_header("User-Agent", std::string("tinymlops/") + kTinymlopsVersion);
  request.set_header("X-Tinymlops-Alert-Id", std::to_string(alert.id));
  size_t answer_bytes = 0;
  request.content_receiver = [&](const char*, size_t n, uint64_t, uint64_t) {
    answer_bytes += n;
    return answer_bytes <= kMaxResponseBytes;
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  client.send(request, response, error);
  const bool ok = response.status >= 200 && response.status < 300;
  std::string why;
  if (!ok) {
    why = response.status > 0 ? "HTTP " + std::to_string(response.status) : http_error_text(error);
  }
  if (ok) {
    store.record_delivered(target_, alert.id, unix_ms());
  } else {
    store.record_failed(target_, alert.id, why, unix_ms());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ok ? ++delivered_ : ++failed_;
  return ok;
}

void AlertNotifier::run() {
  const std::string where = url_.redacted();
  int consecutive_failures = 0;
  auto next_attempt = Clock::now();
  bool look_now = true;  // alerts left pending by an earlier run go first
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!look_now) {
        // After a failure only the backoff ends the wait; otherwise a wake() or the poll period.
        const auto deadline = consecutive_failures > 0 ? next_attempt : Clock::now() + options_.poll;
        cv_.wait_until(lock, deadline, [&] { return stop_ || (woken_ && consecutive_failures == 0); });
      }
      if (stop_) return;
      woken_ = false;
    }
    look_now = false;
    try {
      NotifyStore store(registry_->db());
      const std::vector<monitor::Alert> pending = store.pending(target_, kBatch);
      bool all_delivered = true;
      for (const monitor::Alert& alert : pending) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (stop_) return;
        }
        if (deliver(alert)) {
          log_({{"event", "notify"}, {"state", "delivered"}, {"target", where}, {"alert", alert.id}},
               "notify: alert " + std::to_string(alert.id) + " delivered to " + where +
                   (consecutive_failures > 0 ? " (it answers again)" : ""));
          consecutive_failures = 0;
          continue;
        }
        all_delivered = false;
        ++consecutive_failures;
        // initial * 2^(failures - 1), capped; in double to stay clear of overflow.
        const double factor = std::pow(2.0, std::min(consecutive_failures - 1, 30));
        const auto delay = std::min<std::chrono::milliseconds>(
            options_.retry_max,
            std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(options_.retry_initial.count()) * factor)));
        next_attempt = Clock::now() + delay;
        registry::Statement s(registry_->db(),
                              "SELECT attempts, last_error FROM notify_deliveries WHERE target = ? AND alert = ?");
        s.bind(1, target_).bind(2, alert.id);
        s.step();
        const int64_t attempts = s.column_int(0);
        const std::string why = s.column_text(1);
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(delay.count()) / 1000.0);
        log_({{"event", "notify"},
              {"state", "retrying"},
              {"target", where},
              {"alert", alert.id},
              {"attempts", attempts},
              {"error", why},
              {"retry_in_seconds", static_cast<double>(delay.count()) / 1000.0}},
             "notify: alert " + std::to_string(alert.id) + " to " + where + " failed (" + why + ", attempt " +
                 std::to_string(attempts) + "); retrying in " + seconds + " s");
        break;  // the receiver is failing: the rest waits for the backoff
      }
      look_now = all_delivered && pending.size() == kBatch;  // more may be waiting
    } catch (const std::exception& e) {
      // A busy or broken registry: said, then tried again at the next poll.
      log_({{"event", "notify"}, {"state", "error"}, {"target", where}, {"error", e.what()}},
           std::string("notify: ") + e.what());
    }
  }
}

}  // namespace tmf::notify
