#include "agent/provider_wire.hpp"

#include "messages/errors.hpp"
#include "util/json_text.hpp"

namespace cua {

http_request model_post(const provider_settings& settings, const std::string& path,
                        std::vector<std::string> headers, nlohmann::json tools,
                        nlohmann::json messages) {
  nlohmann::json body{{"model", settings.model},
                      {"max_tokens", settings.max_tokens},
                      {"tools", std::move(tools)},
                      {"messages", std::move(messages)}};
  http_request out;
  out.url = settings.base_url + path;
  out.headers = {"content-type: application/json"};
  out.headers.insert(out.headers.end(), headers.begin(), headers.end());
  out.body = json_text(body);
  out.timeout = settings.timeout;
  return out;
}

caf::expected<nlohmann::json> reply_object(const std::string& provider,
                                           const provider_settings& settings,
                                           const http_response& response) {
  if (response.status < 200 || response.status >= 300)
    return http_status_error(provider, settings, response.status, response.body);
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object())
    return make_error(errc::model_failed, provider + " sent a reply that is not a JSON object: "
                                            + response.body.substr(0, 300));
  return body;
}

void read_usage(const nlohmann::json& reply, const char* input_key, const char* output_key,
                model_turn& turn) {
  auto usage = reply.find("usage");
  if (usage == reply.end() || !usage->is_object())
    return;
  turn.input_tokens = usage->value(input_key, int64_t{0});
  turn.output_tokens = usage->value(output_key, int64_t{0});
}

} // namespace cua
