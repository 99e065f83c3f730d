// serve's configuration file options (see serve_config_cli.h).
#include "host/cli/serve_config_cli.h"

#include <cstdio>
#include <sstream>
#include <string>

namespace tmf::cli {

void add_serve_config_options(CLI::App* serve) {
  serve->fallthrough();  // `serve --config FILE`: the top-level option reads it ([serve] section)
  serve->add_flag_callback(
           "--print-config",
           [serve] {
             // A value not given is the bound variable's default: captured now, after every
             // other option has been converted.
             for (CLI::Option* opt : serve->get_options()) opt->capture_default_str();
             // An empty string is left out: it is the default of every text option, and a key set
             // to "" would hide the option's TINYMLOPS_* variable.
             std::istringstream all(serve->config_to_str(true, false));
             std::string text = "[serve]\n";
             // The registry's default comes from $TINYMLOPS_REGISTRY when serve starts (the
             // systemd unit sets it): printed only when given.
             const bool registry_given = serve->get_option("--registry")->count() > 0;
             for (std::string line; std::getline(all, line);) {
               if (line.ends_with("=\"\"") || (!registry_given && line.starts_with("registry="))) continue;
               text += line + "\n";
             }
             std::fwrite(text.data(), 1, text.size(), stdout);
             throw CLI::Success();
           },
           "Print the effective settings (flags, --config file, TINYMLOPS_* variables) as a [serve] config file "
           "and exit")
      ->configurable(false);
}

}  // namespace tmf::cli
