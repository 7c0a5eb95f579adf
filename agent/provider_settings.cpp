#include "agent/provider_settings.hpp"

#include <cstdlib>

#include "agent/http_model.hpp"
#include "messages/errors.hpp"

namespace cua {

caf::expected<provider_settings> provider_settings_from_env(const std::string& model,
                                                            const char* key_variable,
                                                            const char* url_variable,
                                                            const std::string& default_url,
                                                            bool key_optional) {
  provider_settings out;
  out.model = model;
  out.key_variable = key_variable;
  const char* key = std::getenv(key_variable);
  const char* url = std::getenv(url_variable);
  out.base_url = url != nullptr && *url != '\0' ? url : default_url;
  while (!out.base_url.empty() && out.base_url.back() == '/')
    out.base_url.pop_back();
  if (key != nullptr)
    out.api_key = key;
  if (out.api_key.empty() && !key_optional)
    return make_error(errc::model_failed, std::string("no API key: set ") + key_variable
                                            + " in the server's environment (the MCP client's "
                                              "server configuration, \"env\")");
  return out;
}

caf::error http_status_error(const std::string& provider, const provider_settings& settings,
                             long status, const std::string& body) {
  if (status == 401 || status == 403)
    return make_error(errc::model_failed, provider + " refused the API key in "
                                            + settings.key_variable + " (HTTP "
                                            + std::to_string(status) + "): "
                                            + provider_error_text(body));
  return make_error(errc::model_failed, provider + " answered HTTP " + std::to_string(status)
                                          + ": " + provider_error_text(body));
}

} // namespace cua
