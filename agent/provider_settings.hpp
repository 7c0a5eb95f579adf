#pragma once

#include <chrono>
#include <string>

#include <caf/expected.hpp>

namespace cua {

/// What an HTTP model provider needs: which model, where, with which key. The key lives only here
/// and in the request headers; nothing logs or returns it.
struct provider_settings {
  std::string model;
  std::string base_url;
  std::string api_key;
  std::string key_variable; // the env var the key came from, for error messages
  int max_tokens = 4096;
  std::chrono::milliseconds timeout{120'000};
};

/// Reads the key and base URL of a provider from the environment: `key_variable` (required unless
/// `key_optional`) and `url_variable` (else `default_url`). A missing key is an error that names
/// the variable to set.
caf::expected<provider_settings> provider_settings_from_env(const std::string& model,
                                                            const char* key_variable,
                                                            const char* url_variable,
                                                            const std::string& default_url,
                                                            bool key_optional = false);

/// Returns the error for a response that is not a success: refused keys say so, everything else
/// carries the provider's own words.
caf::error http_status_error(const std::string& provider, const provider_settings& settings,
                             long status, const std::string& body);

} // namespace cua
