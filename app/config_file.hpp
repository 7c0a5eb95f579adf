#pragma once

#include <functional>
#include <istream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace cua {

/// What the option table says of one key of a config file.
struct config_key_verdict {
  std::string error;     // empty: the key names a flag and its values are good for it
  bool env_wins = false; // the flag's env var is set: it wins over the file
};

/// Checks a key and its values as if they were given on the command line as --KEY=VALUE.
using config_key_check =
  std::function<config_key_verdict(const std::string& key, const std::vector<std::string>& values)>;

/// Keys a config file cannot hold: what --help, --version, --config and --print-config do is
/// not a setting.
bool is_command_key(const std::string& key);

/// The --config file: TOML (read by toml++), one top-level key per flag, named as the flag without
/// its dashes: `max-sessions = 4`, `tools = ["computer", "screenshot_cua"]`, `read-only = true`.
/// Every key is checked against the option table before anything is applied, and an unknown key
/// or a bad value is refused with its line. Writes the effective configuration in the same form
/// (--print-config), so that what it prints reads back to the same settings.
class config_file_format : public CLI::Config {
public:
  explicit config_file_format(config_key_check check);

  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

private:
  config_key_check check_;
};

/// Returns the long flag nearest to `key` by edit distance, if one is near enough to be a typo.
std::string nearest_key(const std::string& key, const std::vector<std::string>& keys);

} // namespace cua
