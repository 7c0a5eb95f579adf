#pragma once

#include <optional>
#include <string>

#include "transport/http_options.hpp"

namespace cua {

/// What the transport checks on every request before anything else reads it: where it claims to
/// come from (Host, Origin: DNS rebinding) and who sent it (the bearer token).
class http_guard {
public:
  explicit http_guard(const http_options& options);

  /// Returns why a request with this Host header is refused, if it is. Loopback names always pass
  /// on the listening port; so do the listening address and --allowed-hosts.
  std::optional<std::string> check_host(const std::string& host) const;

  /// Returns why a request with this Origin header is refused, if it is. No Origin (not a
  /// browser) passes; a browser page passes only from a loopback origin or --allowed-origins.
  std::optional<std::string> check_origin(const std::string& origin) const;

  /// Returns who sends the Authorization header: "" for the operator's token (--auth-token-file)
  /// or when no token is configured, a --token-file token's principal, or nothing when it carries
  /// no token this server knows. Every token is compared, each in constant time.
  std::optional<std::string> principal_of(const std::string& authorization) const;

  /// Returns true if the Authorization header carries a token this server knows, or if no token
  /// is configured.
  bool authorized(const std::string& authorization) const {
    return principal_of(authorization).has_value();
  }

  bool wants_token() const { return !token_.empty() || !options_.client_tokens.empty(); }

private:
  http_options options_;
  std::string token_;
};

/// Returns true if an Accept header admits `type` (exactly, as type/*, or */*).
bool accepts(const std::string& accept, const std::string& type);

/// Returns true for localhost, 127.0.0.0/8 and ::1.
bool is_loopback_name(const std::string& host);

} // namespace cua
