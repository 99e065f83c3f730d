// Webhook URL checks (see webhook_url.h).
#include "host/notify/webhook_url.h"

#include <cctype>

namespace tmf::notify {
namespace {

[[noreturn]] void bad(const std::string& url, const std::string& why) {
  throw WebhookUrlError("--notify-webhook '" + url + "': " + why);
}

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }

}  // namespace

std::string WebhookUrl::origin() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

std::string WebhookUrl::redacted() const { return origin() + (path == "/" ? "/" : "/…"); }

WebhookUrl webhook_url_parse(const std::string& url) {
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      bad(url, "spaces, control and non-ASCII characters must be percent-encoded");
    }
  }
  WebhookUrl u;
  const size_t sep = url.find("://");
  if (sep == std::string::npos) bad(url, "expected http://HOST[:PORT][/PATH] or https://...");
  u.scheme = url.substr(0, sep);
  for (char& c : u.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.scheme != "http" && u.scheme != "https") bad(url, "scheme '" + u.scheme + "': only http and https");
  const std::string rest = url.substr(sep + 3);
  const size_t path_at = rest.find_first_of("/?#");
  const std::string authority = rest.substr(0, path_at);
  u.path = path_at == std::string::npos ? "/" : rest.substr(path_at);
  if (u.path.find('#') != std::string::npos) bad(url, "a fragment (#...) is not sent; remove it");
  if (u.path.front() == '?') u.path = "/" + u.path;
  if (authority.find('@') != std::string::npos) bad(url, "user info (user:password@) is not supported");
  if (authority.empty()) bad(url, "no host");
  std::string port_text;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) bad(url, "unclosed [ in the IPv6 host");
    u.host = authority.substr(1, close - 1);
    for (const char c : u.host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') bad(url, "bad IPv6 host");
    }
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad(url, "expected :PORT after the IPv6 host");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
    for (const char c : u.host) {
      if (!host_char(c)) bad(url, "host '" + u.host + "': only letters, digits, '-' and '.'");
    }
  }
  if (u.host.empty()) bad(url, "no host");
  if (port_text.empty()) {
    if (authority.back() == ':') bad(url, "empty port");
    u.port = u.scheme == "https" ? 443 : 80;
  } else {
    if (port_text.size() > 5) bad(url, "port '" + port_text + "': 1-65535");
    for (const char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) bad(url, "port '" + port_text + "': 1-65535");
    }
    u.port = std::stoi(port_text);
    if (u.port < 1 || u.port > 65535) bad(url, "port '" + port_text + "': 1-65535");
  }
  return u;
}

}  // namespace tmf::notify
