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

  /// Returns true if the Authorization header carries the token (compared in constant time), or if
  /// no token is configured.
  bool authorized(const std::string& authorization) const;

  bool wants_token() const { return !token_.empty(); }

private:
  http_options options_;
  std::string token_;
};

/// Returns true if an Accept header admits `type` (exactly, as type/*, or */*).
bool accepts(const std::string& accept, const std::string& type);

/// Returns true for localhost, 127.0.0.0/8 and ::1.
bool is_loopback_name(const std::string& host);

} // namespace cua
