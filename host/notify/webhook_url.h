// A webhook URL checked before anything is sent to it: http:// or https:// only, a host, an
// optional port, a path; no user info, no fragment, no control characters. Requests go to
// exactly this host (redirects are not followed). docs/serve.md "Notifications".
#pragma once

#include <stdexcept>
#include <string>

namespace tmf::notify {

class WebhookUrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct WebhookUrl {
  std::string scheme;  // http | https
  std::string host;    // name, IPv4, or IPv6 without brackets
  int port = 0;        // explicit, or 80 / 443
  std::string path;    // "/..." with any query; "/" when the URL has none
  // scheme://host:port, what the HTTP client connects to.
  std::string origin() const;
  // scheme://host:port/… : said in logs instead of the URL, whose path may hold a secret token.
  std::string redacted() const;
};

// Throws WebhookUrlError naming the URL and what is wrong with it.
WebhookUrl webhook_url_parse(const std::string& url);

}  // namespace tmf::notify
