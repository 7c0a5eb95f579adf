#include "computers/cua_endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "messages/errors.hpp"

namespace cua {

namespace {

caf::error invalid(const std::string& spec, const std::string& why) {
  return make_error(errc::invalid_arguments, "--cua-url \"" + spec + "\": " + why);
}

bool is_ip_literal(const std::string& host) {
  if (host.find(':') != std::string::npos)
    return true; // IPv6
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

} // namespace

caf::expected<cua_endpoint> parse_cua_endpoint(const std::string& spec) {
  cua_endpoint out;
  std::string rest = spec;
  auto scheme_at = rest.find("://");
  if (scheme_at == std::string::npos)
    return invalid(spec, "expected a URL such as http://HOST:8000 or https://HOST:8443");
  // "NAME=URL": the '=' comes before the scheme (URLs we accept have none before it).
  auto eq = rest.find('=');
  if (eq != std::string::npos && eq < scheme_at) {
    out.container_name = rest.substr(0, eq);
    rest = rest.substr(eq + 1);
    scheme_at = rest.find("://");
    if (out.container_name.empty())
      return invalid(spec, "the container name before '=' is empty");
  }
  auto scheme = rest.substr(0, scheme_at);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme == "https" || scheme == "wss")
    out.tls = true;
  else if (scheme != "http" && scheme != "ws")
    return invalid(spec, "the scheme must be http, https, ws or wss, not \"" + scheme + "\"");
  rest = rest.substr(scheme_at + 3);
  auto path_at = rest.find('/');
  auto authority = rest.substr(0, path_at);
  auto path = path_at == std::string::npos ? std::string{} : rest.substr(path_at);
  if (path != "" && path != "/" && path != "/ws" && path != "/ws/")
    return invalid(spec, "the computer-server serves /ws and /cmd at its root; give the URL without "
                         "the path \"" + path + "\"");
  if (authority.find('@') != std::string::npos)
    return invalid(spec, "credentials do not belong in the URL: set CUA_API_KEY");
  std::string host = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos)
      return invalid(spec, "unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return invalid(spec, "unexpected text after the IPv6 address");
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (!std::all_of(host.begin(), host.end(), valid_host_char))
      return invalid(spec, "\"" + host + "\" is not a host name");
  }
  if (host.empty())
    return invalid(spec, "the host is missing");
  if (port.empty()) {
    port = out.tls ? "8443" : "8000";
  } else {
    bool digits = std::all_of(port.begin(), port.end(),
                              [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (!digits || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535)
      return invalid(spec, "\"" + port + "\" is not a port number");
  }
  out.host = host;
  out.port = port;
  auto shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out.url = std::string(out.tls ? "https" : "http") + "://" + shown_host + ":" + port;
  if (out.container_name.empty() && !is_ip_literal(host)) {
    auto dot = host.find('.');
    if (dot != std::string::npos)
      out.container_name = host.substr(0, dot);
  }
  return out;
}

caf::expected<std::vector<std::string>> read_cua_urls_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return make_error(errc::invalid_arguments, "--cua-urls-file: cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#')
      continue;
    auto last = line.find_last_not_of(" \t\r");
    auto spec = line.substr(first, last - first + 1);
    if (auto parsed = parse_cua_endpoint(spec); !parsed)
      return make_error(errc::invalid_arguments,
                        path + ":" + std::to_string(number) + ": " + describe(parsed.error()));
    out.push_back(spec);
  }
  if (out.empty())
    return make_error(errc::invalid_arguments, "--cua-urls-file: " + path + " lists no URL");
  return out;
}

} // namespace cua
