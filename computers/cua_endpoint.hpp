#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace cua {

/// Where one Cua computer-server listens, and the container name it authenticates with.
struct cua_endpoint {
  std::string url;            // normalised, without credentials: "https://host:8443"
  bool tls = false;           // https or wss
  std::string host;
  std::string port;
  std::string container_name; // empty: none given (see parse_cua_endpoint)
};

/// Parses "[CONTAINER=]URL", URL being http(s):// or ws(s):// HOST[:PORT][/ws]. Without a port,
/// Cua's own defaults apply: 8000, or 8443 with TLS. Without a container name, the first label of
/// the host name stands in (Cua's cloud sandboxes are reached at NAME.containers.cloud.trycua.com),
/// unless the host is an IP address or a single label. Returns an invalid_arguments error that
/// names what is wrong.
caf::expected<cua_endpoint> parse_cua_endpoint(const std::string& spec);

/// Reads a file of endpoints, one per line in parse_cua_endpoint's form; blank lines and lines
/// starting with '#' are skipped. Errors name the file and the line.
caf::expected<std::vector<std::string>> read_cua_urls_file(const std::string& path);

} // namespace cua
