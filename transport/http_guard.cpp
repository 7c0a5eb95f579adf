#include "transport/http_guard.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/crypto.h>

namespace cua {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Splits "name:port" / "[v6]:port" / "name"; the port is empty when none is given.
std::pair<std::string, std::string> split_host_port(const std::string& text) {
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos)
      return {text, ""};
    auto rest = text.substr(close + 1);
    return {text.substr(1, close - 1), rest.size() > 1 && rest[0] == ':' ? rest.substr(1) : ""};
  }
  auto colon = text.rfind(':');
  if (colon == std::string::npos || text.find(':') != colon)
    return {text, ""};
  return {text.substr(0, colon), text.substr(colon + 1)};
}

} // namespace

bool is_loopback_name(const std::string& host) {
  auto h = lower(host);
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

http_guard::http_guard(const http_options& options) : options_(options), token_(options.auth_token) {
}

std::optional<std::string> http_guard::check_host(const std::string& host) const {
  if (host.empty())
    return "the request has no Host header";
  auto value = lower(host);
  for (const auto& allowed : options_.allowed_hosts)
    if (value == lower(allowed))
      return std::nullopt;
  auto [name, port] = split_host_port(value);
  auto our_port = std::to_string(options_.port);
  if (!port.empty() && port != our_port)
    return "Host \"" + host + "\" names another port";
  if (is_loopback_name(name) || name == lower(options_.host))
    return std::nullopt;
  return "Host \"" + host + "\" is not this server's (allow it with --allowed-hosts)";
}

std::optional<std::string> http_guard::check_origin(const std::string& origin) const {
  if (origin.empty())
    return std::nullopt;
  auto value = lower(origin);
  for (const auto& allowed : options_.allowed_origins)
    if (value == lower(allowed))
      return std::nullopt;
  for (const char* scheme : {"http://", "https://"}) {
    if (value.rfind(scheme, 0) != 0)
      continue;
    auto [name, port] = split_host_port(value.substr(std::string{scheme}.size()));
    if (is_loopback_name(name))
      return std::nullopt;
  }
  return "Origin \"" + origin + "\" is not allowed (allow it with --allowed-origins)";
}

std::optional<std::string> http_guard::principal_of(const std::string& authorization) const {
  if (!wants_token())
    return std::string{};
  const std::string prefix = "bearer ";
  if (authorization.size() <= prefix.size() || lower(authorization.substr(0, prefix.size())) != prefix)
    return std::nullopt;
  auto given = authorization.substr(prefix.size());
  // Equal lengths are compared in constant time; the length itself is not secret enough to hide.
  // Every token is compared, so that the time does not tell which one came close.
  auto same = [&](const std::string& token) {
    return given.size() == token.size()
           && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
  };
  std::optional<std::string> found;
  if (!token_.empty() && same(token_))
    found = std::string{};
  for (const auto& [token, principal] : options_.client_tokens)
    if (same(token) && !found)
      found = principal;
  return found;
}

bool accepts(const std::string& accept, const std::string& type) {
  auto value = lower(accept);
  auto slash = type.find('/');
  auto family = type.substr(0, slash) + "/*";
  size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find(',', start);
    auto item = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (auto semi = item.find(';'); semi != std::string::npos)
      item = item.substr(0, semi);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item == type || item == family || item == "*/*")
      return true;
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return false;
}

} // namespace cua
